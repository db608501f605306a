//! The per-function cache behind a `#[memo]` function, and the call path.

use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::time::Duration;

use cache_key::{Key, KeyError};
use cache_store::disk::{self, EntryHeader};
use cache_store::{Clear, Computed, Got, Stats, Store, StoreConfig};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::codec::{self, CodecError};
use crate::persist;
use crate::storage::Storage;

/// Encoder and decoder for persisted values (only generated with `persist`).
pub struct Codec<T> {
    encode: fn(&T) -> Result<Vec<u8>, CodecError>,
    decode: fn(&[u8]) -> Result<T, CodecError>,
}

impl<T> std::fmt::Debug for Codec<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Codec")
    }
}

impl<T: Serialize + DeserializeOwned> Codec<T> {
    /// The bincode codec.
    pub fn bincode() -> Self {
        Self {
            encode: |v| codec::encode(v),
            decode: |b| codec::decode(b),
        }
    }
}

/// Options of one memo function, as written in the attribute.
#[derive(Debug)]
pub struct MemoOptions<T> {
    /// Time to live, from insertion, in memory and on disk.
    pub ttl: Option<Duration>,
    /// LRU bound of the memory layer.
    pub max_entries: Option<usize>,
    /// Spinner text, emitted as a tracing event on every miss.
    pub spinner: Option<&'static str>,
    /// Disk persistence.
    pub persist: Option<Codec<T>>,
}

impl<T> Default for MemoOptions<T> {
    fn default() -> Self {
        Self {
            ttl: None,
            max_entries: None,
            spinner: None,
            persist: None,
        }
    }
}

/// The storage strategy's operations, taken from a [`Storage`] impl once, in [`MemoFn::new`].
///
/// Holding them as function pointers keeps every other method of `MemoFn` free of trait
/// bounds: a return type that cannot be stored is then reported once, at `new` (with the
/// message of `__private::Storable`), instead of again at every generated use of the cache.
#[doc(hidden)]
pub struct Ops<T, V> {
    pub(crate) store: fn(&T) -> Result<V, CodecError>,
    pub(crate) load: fn(&V) -> Result<T, CodecError>,
    pub(crate) weigh: fn(&V) -> usize,
    pub(crate) as_bytes: fn(&V) -> Option<&[u8]>,
    pub(crate) from_disk: fn(Vec<u8>, &T) -> Result<V, CodecError>,
}

impl<T, V> Ops<T, V> {
    /// The operations of storage `S`.
    pub(crate) fn of<S: Storage<T, Stored = V>>() -> Self {
        Self {
            store: S::store,
            load: S::load,
            weigh: S::weigh,
            as_bytes: S::as_bytes,
            from_disk: S::from_disk,
        }
    }
}

/// The cache of one `#[memo]` function, holding values as `V` (bincode bytes or the value
/// itself, see [`crate::storage`]). Created on first use, lives for the whole process.
pub struct MemoFn<T, V> {
    module: &'static str,
    name: &'static str,
    function_key: Key,
    store: Store<V>,
    ops: Ops<T, V>,
    spinner: Option<&'static str>,
    persist: Option<(Codec<T>, PathBuf)>,
    _value: PhantomData<fn() -> T>,
}

impl<T, V> std::fmt::Debug for MemoFn<T, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoFn")
            .field("function", &format_args!("{}::{}", self.module, self.name))
            .field("stats", &self.store.stats())
            .finish()
    }
}

impl<T: 'static, V: Clone + Send + Sync + 'static> MemoFn<T, V> {
    /// A cache for the function `module::name` whose tokens hash to `tokens`, storing values
    /// the way `S` does.
    pub fn new<S>(
        module: &'static str,
        name: &'static str,
        tokens: u128,
        options: MemoOptions<T>,
    ) -> Self
    where
        T: crate::__private::Storable<S, V>,
    {
        let ops = <T as crate::__private::Storable<S, V>>::ops();
        let persist = options.persist.map(|c| (c, persist::cache_dir()));
        Self {
            module,
            name,
            function_key: cache_key::function_key(module, name, tokens),
            store: Store::new(StoreConfig {
                ttl: options.ttl,
                max_entries: options.max_entries,
                weigh: ops.weigh,
                on_release: None,
            }),
            ops,
            spinner: options.spinner,
            persist,
            _value: PhantomData,
        }
    }

    fn file(&self, dir: &Path, key: Key) -> PathBuf {
        dir.join(persist::file_name(self.function_key, key))
    }

    /// A value from disk, if a valid, unexpired file exists.
    fn read_disk(&self, key: Key) -> Option<Computed<T, V>> {
        let (codec, dir) = self.persist.as_ref()?;
        let path = self.file(dir, key);
        let (header, bytes) = match disk::read_entry(&path, self.function_key.0, key.0) {
            Ok(Some(found)) => found,
            Ok(None) => return None,
            Err(e) => {
                tracing::warn!(
                    target: "memo",
                    function = self.name,
                    path = %path.display(),
                    "ignoring persisted entry ({e}); recomputing and replacing it"
                );
                let _ = std::fs::remove_file(&path);
                return None;
            }
        };
        let age = header.age();
        if self.store.ttl().is_some_and(|ttl| age >= ttl) {
            let _ = std::fs::remove_file(&path);
            return None;
        }
        let value = match (codec.decode)(&bytes) {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(
                    target: "memo",
                    function = self.name,
                    path = %path.display(),
                    "persisted entry does not decode as the function's return type ({e}); \
                     recomputing and replacing it"
                );
                let _ = std::fs::remove_file(&path);
                return None;
            }
        };
        let stored = (self.ops.from_disk)(bytes, &value).ok();
        Some(Computed {
            result: value,
            store: stored,
            age,
        })
    }

    fn write_disk(&self, key: Key, value: &T, stored: Option<&V>) {
        let Some((codec, dir)) = &self.persist else {
            return;
        };
        let encoded;
        let bytes = match stored.and_then(self.ops.as_bytes) {
            Some(b) => b,
            None => match (codec.encode)(value) {
                Ok(b) => {
                    encoded = b;
                    &encoded
                }
                Err(e) => {
                    tracing::warn!(target: "memo", function = self.name, "cannot persist value: {e}");
                    return;
                }
            },
        };
        let path = self.file(dir, key);
        let header = EntryHeader::now(self.function_key.0, key.0);
        if let Err(e) = disk::write_entry(&path, &header, bytes) {
            tracing::warn!(
                target: "memo",
                function = self.name,
                path = %path.display(),
                "cannot write the persisted entry ({e}); the value is returned and kept in memory only"
            );
        }
    }

    /// Computes on a miss: disk first (when persisted), then the function.
    fn fill<E>(
        &self,
        key: Key,
        compute: impl FnOnce() -> Result<T, E>,
    ) -> Result<Computed<T, V>, E> {
        if let Some(found) = self.read_disk(key) {
            return Ok(found);
        }
        if let Some(text) = self.spinner {
            cache_store::events::spinner("memo", self.module, self.name, text);
        }
        let value = compute()?;
        let stored = match (self.ops.store)(&value) {
            Ok(s) => Some(s),
            Err(e) => {
                tracing::warn!(
                    target: "memo",
                    function = self.name,
                    "cannot serialize the return value of `{}()` ({e}); it is returned but not \
                     cached. Make it serializable, or use #[singleton] for objects that are not data",
                    self.name
                );
                None
            }
        };
        self.write_disk(key, &value, stored.as_ref());
        Ok(Computed {
            result: value,
            store: stored,
            age: Duration::ZERO,
        })
    }

    /// The shared call path: a copy of the cached value, or the freshly computed one.
    pub fn call_fallible<E>(
        &self,
        key: Result<Key, KeyError>,
        compute: impl FnOnce() -> Result<T, E>,
    ) -> Result<T, E> {
        let key = match key {
            Ok(k) => k,
            Err(e) => {
                tracing::warn!(target: "memo", function = self.name, "not cached: {e}");
                return compute();
            }
        };
        let mut compute = Some(compute);
        // A stored value that fails to decode (a `Deserialize` impl that cannot read what its
        // `Serialize` wrote) is dropped and recomputed once; it never panics.
        for _ in 0..2 {
            let got = self.store.get_or_compute(key.0, None, || {
                let f = compute.take().expect("compute runs at most once");
                self.fill(key, f)
            })?;
            match got {
                Got::Computed(v) => return Ok(v),
                Got::Hit(stored) => match (self.ops.load)(&stored) {
                    Ok(v) => return Ok(v),
                    Err(e) => {
                        tracing::warn!(
                            target: "memo",
                            function = self.name,
                            "cached value of `{}()` does not decode ({e}); recomputing",
                            self.name
                        );
                        self.store.remove(key.0);
                    }
                },
            }
        }
        // Two failed decodes in a row: answer without the cache. A hit never runs the closure,
        // so `compute` is still here.
        let f = compute.take().expect("hits do not consume the computation");
        f()
    }

    /// Infallible variant of [`MemoFn::call_fallible`].
    pub fn call(&self, key: Result<Key, KeyError>, compute: impl FnOnce() -> T) -> T {
        match self.call_fallible(key, || Ok::<T, std::convert::Infallible>(compute())) {
            Ok(v) => v,
            Err(never) => match never {},
        }
    }

    /// Drops every entry of this function, in memory and on disk.
    pub fn clear(&self) {
        self.store.clear();
        if let Some((_, dir)) = &self.persist
            && let Err(e) =
                disk::remove_matching(dir, &format!("{}-", self.function_key), persist::EXTENSION)
        {
            tracing::warn!(target: "memo", function = self.name, "cannot remove persisted entries: {e}");
        }
    }

    /// Drops the entry of one key, in memory and on disk.
    pub fn clear_entry(&self, key: Result<Key, KeyError>) -> bool {
        let Ok(key) = key else { return false };
        let mut removed = self.store.remove(key.0);
        if let Some((_, dir)) = &self.persist {
            removed |= std::fs::remove_file(self.file(dir, key)).is_ok();
        }
        removed
    }

    /// Counters.
    pub fn stats(&self) -> Stats {
        self.store.stats()
    }
}

impl<T: 'static, V: Clone + Send + Sync + 'static> Clear for MemoFn<T, V> {
    fn clear(&self) {
        MemoFn::clear(self);
    }
}

// The registry holds `&'static dyn Clear`, which must be Send + Sync: the store is, and `T` only
// appears behind `PhantomData<fn() -> T>` and in `fn` pointers.
const _: () = {
    fn assert_sync<X: Send + Sync>() {}
    fn check<T: 'static>() {
        assert_sync::<MemoFn<T, std::sync::Arc<[u8]>>>();
    }
    let _ = check::<u8>;
};
