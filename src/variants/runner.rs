//! What the measurement loop runs: a [`Case`] (`n` calls and a clear), and the floors, the
//! least each kind of cache could do on a hit with no cache around it.

use std::hint::black_box;
use std::sync::Arc;

use dashmap::DashMap;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// `n` calls of something; what the measurement loop times.
pub type Runner = Box<dyn FnMut(u64)>;

/// A variant prepared for one workload and size.
pub struct Case {
    /// Makes `n` calls (hits once warm).
    pub run: Runner,
    /// Empties this variant's cache (`None` for floors, which have no cache).
    pub clear: Option<Box<dyn FnMut()>>,
}

impl std::fmt::Debug for Case {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Case")
            .field("has_cache", &self.clear.is_some())
            .finish()
    }
}

pub(super) fn runner<R>(f: impl Fn() -> R + 'static) -> Runner {
    Box::new(move |n| {
        for _ in 0..n {
            // The result is dropped at the end of the statement, inside the timed region.
            black_box(f());
        }
    })
}

pub(super) fn case<R>(f: impl Fn() -> R + 'static, clear: impl FnMut() + 'static) -> Case {
    Case {
        run: runner(f),
        clear: Some(Box::new(clear)),
    }
}

pub(super) fn floor<R>(f: impl Fn() -> R + 'static) -> Case {
    Case {
        run: runner(f),
        clear: None,
    }
}

/// Floor: copying the serialized bytes (allocation + memcpy + free), the least any by-value
/// cache that stores bytes could do.
pub(super) fn floor_memcpy<T: Serialize>(value: &T) -> Case {
    let bytes = memo::codec::encode(value).expect("workload values serialize");
    floor(move || black_box(&bytes).to_vec())
}

/// Floor: decoding the bytes memo would store, with memo's own codec and nothing around it.
pub(super) fn floor_decode<T: Serialize + DeserializeOwned + 'static>(value: &T) -> Case {
    let bytes = memo::codec::encode(value).expect("workload values serialize");
    floor(move || memo::codec::decode::<T>(black_box(&bytes)).expect("decodes"))
}

/// Floor: the least a shared-object cache does on a hit: a concurrent map lookup and an `Arc`
/// clone (std `SipHash` on the key, as `DashMap` defaults to).
pub(super) fn floor_dashmap<K, T>(key: K, value: T) -> Case
where
    K: std::hash::Hash + Eq + Copy + 'static,
    T: Send + Sync + 'static,
{
    let map: DashMap<K, Arc<T>> = DashMap::new();
    map.insert(key, Arc::new(value));
    floor(move || {
        map.get(&black_box(key))
            .map(|entry| Arc::clone(entry.value()))
            .expect("present")
    })
}

/// Clears every legacy cache (the legacy crate has only a global clear, like Streamlit's
/// `legacy_caching.clear_cache()`).
pub(super) fn clear_legacy() {
    legacy_cache::clear_cache();
}
