//! The per-function cache behind a `#[singleton]` function, and the call path.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use cache_key::{Key, KeyError};
use cache_store::{Clear, Computed, Got, Stats, Store, StoreConfig};

use crate::Shareable;

/// Options of one singleton function, as written in the attribute.
pub struct SingletonOptions<T> {
    /// Time to live, from insertion.
    pub ttl: Option<Duration>,
    /// Bound (CLOCK eviction).
    pub max_entries: Option<usize>,
    /// Spinner text, emitted as a tracing event on every miss.
    pub spinner: Option<&'static str>,
    /// Called with the cached object on every hit; `false` drops it and creates a new one.
    pub validate: Option<fn(&T) -> bool>,
    /// Called once with every object that leaves the cache.
    pub on_release: Option<fn(&T)>,
}

impl<T> Default for SingletonOptions<T> {
    fn default() -> Self {
        Self {
            ttl: None,
            max_entries: None,
            spinner: None,
            validate: None,
            on_release: None,
        }
    }
}

impl<T> std::fmt::Debug for SingletonOptions<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SingletonOptions")
            .field("ttl", &self.ttl)
            .field("max_entries", &self.max_entries)
            .field("spinner", &self.spinner)
            .field("validate", &self.validate.is_some())
            .field("on_release", &self.on_release.is_some())
            .finish()
    }
}

/// The cache of one `#[singleton]` function. Created on first use, lives for the process.
///
/// ```
/// use singleton::{SingletonFn, SingletonOptions};
///
/// let cache: SingletonFn<String> = SingletonFn::new("doc", "f", 0, SingletonOptions::default());
/// let key = Ok(cache_key::Key(1));
/// let a = cache.call(key.clone(), || "pool".to_string());
/// let b = cache.call(key, || unreachable!("created once"));
/// assert!(std::sync::Arc::ptr_eq(&a, &b));
/// ```
///
/// # Invariant: `T` is thread-safe
///
/// Every `SingletonFn<T>` that exists has `T: Send + Sync + 'static` ([`Shareable`]), although
/// the struct itself does not say so: [`SingletonFn::new`], the only constructor, requires it,
/// the fields are private, and there is no `Default`, `Clone` or other way to make one. The
/// `unsafe impl`s of `Send` and `Sync` below rely on this, so a new constructor, a derive that
/// builds a value, or a public field must keep the `T: Shareable` bound. The bound is on `new`
/// rather than on the struct so that a non-thread-safe `T` fails with `Shareable`'s single
/// message instead of a cascade of auto-trait errors from inside the store.
pub struct SingletonFn<T> {
    module: &'static str,
    name: &'static str,
    store: Store<Arc<T>>,
    spinner: Option<&'static str>,
    validate: Option<fn(&T) -> bool>,
}

impl<T> std::fmt::Debug for SingletonFn<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SingletonFn")
            .field("function", &format_args!("{}::{}", self.module, self.name))
            .field("stats", &self.store.stats())
            .finish()
    }
}

// SAFETY: by the invariant documented on `SingletonFn` (`new`, the only way to make one, requires
// `T: Shareable`, i.e. `T: Send + Sync + 'static`), every `SingletonFn<T>` that exists has a
// thread-safe `T`, and all its fields (a mutex-guarded map of `Arc<T>`, `fn` pointers,
// `&'static str`s) are then `Send + Sync`.
//
// Why not let the compiler derive it: the cache static of a function returning, say, a
// `RefCell` would then fail to type-check with half a dozen of rustc's auto-trait errors from
// inside the store, burying the one error that explains the problem (`new`'s `Shareable` bound).
unsafe impl<T> Send for SingletonFn<T> {}
// SAFETY: as for `Send` above.
unsafe impl<T> Sync for SingletonFn<T> {}

impl<T> SingletonFn<T> {
    /// A cache for the function `module::name`. `tokens` (the hash of the function's tokens)
    /// does not matter in memory; it is taken for symmetry with memo's function key.
    pub fn new(
        module: &'static str,
        name: &'static str,
        _tokens: u128,
        options: SingletonOptions<T>,
    ) -> Self
    where
        // On the function rather than the impl: rustc then reports an unmet bound with
        // `Shareable`'s message, and the other methods need no bounds at all.
        T: Shareable,
    {
        let on_release = options
            .on_release
            .map(|hook| Box::new(move |v: Arc<T>| hook(&v)) as Box<dyn Fn(Arc<T>) + Send + Sync>);
        Self {
            module,
            name,
            store: Store::named(
                name,
                StoreConfig {
                    ttl: options.ttl,
                    max_entries: options.max_entries,
                    // CLOCK, not Streamlit's exact LRU: hits of a bounded cache then take the
                    // store's lock shared and do not wait for each other.
                    eviction: cache_store::Eviction::Clock,
                    weigh: |_| std::mem::size_of::<T>(),
                    on_release,
                },
            ),
            spinner: options.spinner,
            validate: options.validate,
        }
    }

    /// Without a key there is nothing to share: this caller gets its own object.
    fn unkeyed(&self, e: &KeyError) {
        tracing::warn!(target: "singleton", function = self.name, "not cached: {e}");
    }

    /// The hit path of every entry point: without `validate`, a hit answers before the slow
    /// path is set up (for an async call, building that future and moving it into the caller's
    /// cost about as much as the hit; for a blocking one, the single-flight protocol's states).
    #[inline]
    fn fast_hit(&self, key: Key) -> Option<Arc<T>> {
        if self.validate.is_some() {
            return None;
        }
        self.store.hit(key.0)
    }

    fn spinner(&self) {
        if let Some(text) = self.spinner {
            cache_store::events::spinner("singleton", self.module, self.name, text);
        }
    }

    /// The shared object for this key, created at most once per key even under contention.
    pub fn call_fallible<E>(
        &self,
        key: Result<Key, KeyError>,
        compute: impl FnOnce() -> Result<T, E>,
    ) -> Result<Arc<T>, E> {
        let key = match key {
            Ok(k) => k,
            Err(e) => {
                self.unkeyed(&e);
                return compute().map(Arc::new);
            }
        };
        if let Some(v) = self.fast_hit(key) {
            return Ok(v);
        }
        let validate = self.validate.map(|v| move |value: &Arc<T>| v(value));
        let validate_ref = validate.as_ref().map(|v| v as &dyn Fn(&Arc<T>) -> bool);
        let got = self.store.get_or_compute(key.0, validate_ref, || {
            self.spinner();
            let value = Arc::new(compute()?);
            Ok(Computed::cache(Arc::clone(&value), value))
        })?;
        Ok(match got {
            Got::Hit(v) | Got::Computed(v) => v,
        })
    }

    /// The async call path of an `async fn`: as [`SingletonFn::call_fallible`], awaiting
    /// `compute` once for all concurrent callers of the key. A caller that is dropped while it
    /// waits affects no one; if the creating caller is dropped (or its body fails or panics),
    /// nothing is cached and one waiter creates the object instead.
    ///
    /// ```
    /// use singleton::{SingletonFn, SingletonOptions};
    ///
    /// let cache: SingletonFn<String> = SingletonFn::new("doc", "f", 0, SingletonOptions::default());
    /// let key = Ok(cache_key::Key(1));
    /// let a = futures::executor::block_on(cache.call_async(key.clone(), || async { "pool".to_string() }));
    /// let b = futures::executor::block_on(cache.call_async(key, || async { unreachable!() }));
    /// assert!(std::sync::Arc::ptr_eq(&a, &b));
    /// ```
    pub async fn call_fallible_async<E, F>(
        &self,
        key: Result<Key, KeyError>,
        compute: impl FnOnce() -> F,
    ) -> Result<Arc<T>, E>
    where
        F: Future<Output = Result<T, E>>,
    {
        let key = match key {
            Ok(k) => k,
            Err(e) => {
                self.unkeyed(&e);
                return compute().await.map(Arc::new);
            }
        };
        if let Some(v) = self.fast_hit(key) {
            return Ok(v);
        }
        let validate = self.validate.map(|v| move |value: &Arc<T>| v(value));
        let validate_ref = validate
            .as_ref()
            .map(|v| v as &(dyn Fn(&Arc<T>) -> bool + Sync));
        let got = self
            .store
            .get_or_compute_async(key.0, validate_ref, || async {
                self.spinner();
                let value = Arc::new(compute().await?);
                Ok(Computed::cache(Arc::clone(&value), value))
            })
            .await?;
        Ok(match got {
            Got::Hit(v) | Got::Computed(v) => v,
        })
    }

    /// The shared object of `key` if one is stored and no `validate` hook must vet it, counted
    /// as a hit; `None` (counting nothing) otherwise, including for an unkeyed call. What an
    /// `async fn` tries before it builds the [`SingletonFn::call_async`] future: a hit then
    /// costs no move of the key into that future's state, whose 16-byte load of the key's
    /// freshly written halves stalled every hit.
    ///
    /// ```
    /// use singleton::{SingletonFn, SingletonOptions, Key};
    /// let cache: SingletonFn<String> = SingletonFn::new("doc", "pool", 0, SingletonOptions::default());
    /// let key = Ok(Key(7));
    /// assert!(cache.try_hit(&key).is_none());
    /// let made = cache.call(key.clone(), || "pool".to_string());
    /// assert!(std::sync::Arc::ptr_eq(&cache.try_hit(&key).unwrap(), &made));
    /// ```
    #[inline]
    pub fn try_hit(&self, key: &Result<Key, KeyError>) -> Option<Arc<T>> {
        self.fast_hit(*key.as_ref().ok()?)
    }

    /// Infallible variant of [`SingletonFn::call_fallible_async`].
    pub async fn call_async<F>(
        &self,
        key: Result<Key, KeyError>,
        compute: impl FnOnce() -> F,
    ) -> Arc<T>
    where
        F: Future<Output = T>,
    {
        if let Ok(k) = &key
            && let Some(v) = self.fast_hit(*k)
        {
            return v;
        }
        let compute = || async { Ok::<T, std::convert::Infallible>(compute().await) };
        match self.call_fallible_async(key, compute).await {
            Ok(v) => v,
            Err(never) => match never {},
        }
    }

    /// Infallible variant of [`SingletonFn::call_fallible`].
    pub fn call(&self, key: Result<Key, KeyError>, compute: impl FnOnce() -> T) -> Arc<T> {
        match self.call_fallible(key, || Ok::<T, std::convert::Infallible>(compute())) {
            Ok(v) => v,
            Err(never) => match never {},
        }
    }

    /// Drops every entry (calling `on_release` for each); callers' `Arc`s stay valid.
    pub fn clear(&self) {
        self.store.clear();
    }

    /// Drops the entry of one key.
    pub fn clear_entry(&self, key: Result<Key, KeyError>) -> bool {
        match key {
            Ok(k) => self.store.remove(k.0),
            Err(_) => false,
        }
    }

    /// Counters (`stored_bytes` counts `size_of::<T>()` per entry: objects are not serialized).
    pub fn stats(&self) -> Stats {
        self.store.stats()
    }
}

impl<T> Clear for SingletonFn<T> {
    fn clear(&self) {
        SingletonFn::clear(self);
    }
}

impl<T> cache_store::Counted for SingletonFn<T> {
    fn stats(&self) -> Stats {
        SingletonFn::stats(self)
    }
}
