//! Process-wide lists of caches, for the global clears (`memo::clear_all()` and friends).

use std::sync::Mutex;

/// Something a global clear empties.
pub trait Clear: Send + Sync {
    /// Drops every entry (and whatever else the cache owns, e.g. disk files).
    fn clear(&self);
}

/// A list of `'static` caches. Each primitive owns one, in a `static`.
///
/// ```
/// use cache_store::{Clear, Registry};
/// use std::sync::atomic::{AtomicUsize, Ordering};
///
/// struct Counter(AtomicUsize);
/// impl Clear for Counter {
///     fn clear(&self) { self.0.fetch_add(1, Ordering::SeqCst); }
/// }
/// static REGISTRY: Registry = Registry::new();
/// static C: Counter = Counter(AtomicUsize::new(0));
/// REGISTRY.register(&C);
/// REGISTRY.clear_all();
/// assert_eq!(C.0.load(Ordering::SeqCst), 1);
/// ```
pub struct Registry {
    caches: Mutex<Vec<&'static dyn Clear>>,
}

impl Default for Registry {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("caches", &self.snapshot().len())
            .finish()
    }
}

impl Registry {
    /// An empty registry, usable in a `static`.
    pub const fn new() -> Self {
        Self {
            caches: Mutex::new(Vec::new()),
        }
    }

    /// Adds a cache. Called once per cache, when it is first created.
    pub fn register(&self, cache: &'static dyn Clear) {
        self.caches
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(cache);
    }

    /// Clears every registered cache. The list lock is not held while clearing, so a clear hook
    /// (an `on_release` callback, say) may itself use cached functions. Every cache is cleared
    /// even if clearing one panics; the first panic is re-raised once all are done.
    pub fn clear_all(&self) {
        crate::store::run_all(self.snapshot(), |cache| cache.clear());
    }

    /// Returns the cache in `cell`, creating it with `init` and registering it on first use.
    /// The fast path is one atomic load.
    pub fn static_cache<C: Clear + 'static>(
        &self,
        cell: &'static std::sync::OnceLock<C>,
        init: impl FnOnce() -> C,
    ) -> &'static C {
        self.static_cache_with(cell, init, |_| {})
    }

    /// [`Registry::static_cache`], also calling `on_create` once with the new cache (to list it
    /// somewhere else too).
    pub fn static_cache_with<C: Clear + 'static>(
        &self,
        cell: &'static std::sync::OnceLock<C>,
        init: impl FnOnce() -> C,
        on_create: impl FnOnce(&'static C),
    ) -> &'static C {
        if let Some(c) = cell.get() {
            return c;
        }
        let mut created = false;
        let c = cell.get_or_init(|| {
            created = true;
            init()
        });
        if created {
            self.register(c);
            on_create(c);
        }
        c
    }

    fn snapshot(&self) -> Vec<&'static dyn Clear> {
        self.caches
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}
