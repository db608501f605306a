//! Process-wide lists of caches, for the global clears (`memo::clear_all()` and friends).

use std::any::Any;
use std::sync::{Mutex, OnceLock, RwLock};

use crate::Stats;

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

/// A cache's counters, readable without knowing its value type (the `stats()` companion of a
/// generic function sums them over its instantiations).
pub trait Counted {
    /// Current counters.
    fn stats(&self) -> Stats;
}

/// What [`Instances`] keeps of one instantiation's cache, to clear and count it.
trait Erased: Clear {
    fn counters(&self) -> Stats;
}

impl<C: Clear + Counted> Erased for C {
    fn counters(&self) -> Stats {
        self.stats()
    }
}

#[derive(Clone, Copy)]
struct Slot {
    site: &'static str,
    generics: &'static str,
    cache: &'static dyn Erased,
    /// The same object, for the typed lookup (kept apart so a hit makes one virtual call).
    any: &'static (dyn Any + Send + Sync),
}

impl Slot {
    fn is(&self, site: &str, generics: &str) -> bool {
        same(self.site, site) && same(self.generics, generics)
    }
}

/// `type_name` strings of one instantiation are usually one allocation: compare the pointer
/// first, the text only when that fails.
fn same(a: &str, b: &str) -> bool {
    (std::ptr::eq(a.as_ptr(), b.as_ptr()) && a.len() == b.len()) || a == b
}

/// The caches of one cached function, one per instantiation.
///
/// A `static` inside a generic function (or a method of a generic `impl`, or a trait's default
/// method) is one object shared by every instantiation, so a cache kept in it directly would
/// hand `W<u64>` the values computed for `W<u8>`. The generated code keeps an `Instances` there
/// instead and looks its cache up by two `std::any::type_name` strings:
///
/// - `site`: the name of a closure type in the function's cache accessor, e.g.
///   `app::W<u64>::__memo_cache_bytes::{{closure}}`. It names the full path of the item
///   (enclosing functions, the `Self` type, the trait) with the concrete generic arguments of
///   the surrounding `impl` or trait, so it also identifies the function across processes;
/// - `generics`: the function's own type and const arguments (`""` when it has none).
///
/// `type_name` rather than `TypeId`, because `TypeId` needs `'static` types and methods of
/// `impl<'a> Parser<'a>` are common; instantiations that differ only in lifetimes run the same
/// code, so sharing one cache between them is correct. The same strings make the persisted
/// function key (see [`instance_tokens`]), so memory and disk agree on what one function is.
///
/// The first instantiation seen is answered by one atomic load and two pointer compares; others
/// take a read lock and a short scan.
///
/// ```
/// use cache_store::{Clear, Counted, Instances, Registry, Stats};
///
/// struct Cache(&'static str);
/// impl Clear for Cache { fn clear(&self) {} }
/// impl Counted for Cache { fn stats(&self) -> Stats { Stats::default() } }
///
/// static REGISTRY: Registry = Registry::new();
/// static CELLS: Instances = Instances::new();
/// let a = CELLS.get(&REGISTRY, "f<u8>", "", || Cache("u8"), |_| {});
/// let b = CELLS.get(&REGISTRY, "f<u64>", "", || Cache("u64"), |_| {});
/// assert_eq!((a.0, b.0), ("u8", "u64"));
/// assert!(std::ptr::eq(a, CELLS.get(&REGISTRY, "f<u8>", "", || Cache("again"), |_| {})));
/// ```
pub struct Instances {
    first: OnceLock<Slot>,
    more: RwLock<Vec<Slot>>,
}

impl Default for Instances {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Instances {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sites: Vec<_> = self.all().iter().map(|s| (s.site, s.generics)).collect();
        f.debug_struct("Instances").field("caches", &sites).finish()
    }
}

impl Instances {
    /// No caches yet; usable in a `static`.
    pub const fn new() -> Self {
        Self {
            first: OnceLock::new(),
            more: RwLock::new(Vec::new()),
        }
    }

    /// The cache of the instantiation `(site, generics)`, created with `init` (registered in
    /// `registry` and handed to `on_create`) on first use. Caches live for the whole process.
    pub fn get<C: Clear + Counted + Any + Send + Sync>(
        &self,
        registry: &Registry,
        site: &'static str,
        generics: &'static str,
        init: impl FnOnce() -> C,
        on_create: impl FnOnce(&'static C),
    ) -> &'static C {
        if let Some(c) = self.find(site, generics) {
            return c;
        }
        let mut more = self.more.write().unwrap_or_else(|e| e.into_inner());
        // Another thread may have created it between the lookup and the lock.
        if let Some(c) = self.find_in(&more, site, generics) {
            return c;
        }
        // Leaked on purpose: like the `static` of a non-generic function, it lives as long as
        // the process (one per instantiation that is called, a number fixed at compile time).
        let cache: &'static C = Box::leak(Box::new(init()));
        let slot = Slot {
            site,
            generics,
            cache,
            any: cache,
        };
        // `first` is only ever set here, under the write lock, so it cannot be taken already
        // by another instantiation between the check and the `set`.
        if self.first.get().is_none() {
            let _ = self.first.set(slot);
        } else {
            more.push(slot);
        }
        drop(more);
        registry.register(cache);
        on_create(cache);
        cache
    }

    /// The cache of `(site, generics)` if it was created.
    pub fn find<C: Any>(&self, site: &str, generics: &str) -> Option<&'static C> {
        if let Some(slot) = self.first.get()
            && slot.is(site, generics)
        {
            return downcast(slot);
        }
        let more = self.more.read().unwrap_or_else(|e| e.into_inner());
        self.find_in(&more, site, generics)
    }

    fn find_in<C: Any>(&self, more: &[Slot], site: &str, generics: &str) -> Option<&'static C> {
        self.first
            .get()
            .into_iter()
            .chain(more)
            .filter(|s| s.is(site, generics))
            .find_map(downcast)
    }

    fn all(&self) -> Vec<Slot> {
        let more = self.more.read().unwrap_or_else(|e| e.into_inner());
        self.first
            .get()
            .into_iter()
            .chain(more.iter())
            .copied()
            .collect()
    }

    /// Clears every cache created at `site` (all instantiations of the function's own generic
    /// arguments). Every cache is cleared even if one panics; the first panic is re-raised.
    pub fn clear(&self, site: &str) {
        let at_site = self.all().into_iter().filter(|s| same(s.site, site));
        crate::store::run_all(at_site, |s| s.cache.clear());
    }

    /// The counters of every cache created at `site`, summed.
    pub fn stats(&self, site: &str) -> Stats {
        self.all()
            .into_iter()
            .filter(|s| same(s.site, site))
            .fold(Stats::default(), |sum, s| {
                let c = s.cache.counters();
                Stats {
                    hits: sum.hits + c.hits,
                    misses: sum.misses + c.misses,
                    entries: sum.entries + c.entries,
                    stored_bytes: sum.stored_bytes + c.stored_bytes,
                }
            })
    }
}

/// The strings name every generic argument, so one instantiation always asks for one cache type;
/// a mismatch would mean two types with the same `type_name` (two versions of one crate
/// instantiating the same function), and is treated as "not this cache" rather than trusted.
fn downcast<C: Any>(slot: &Slot) -> Option<&'static C> {
    slot.any.downcast_ref::<C>()
}

/// The function key's token part for one instantiation: the hash of the function's tokens mixed
/// with the instantiation's `site` and `generics` (see [`Instances`]). Two functions with the
/// same text at different paths, or two instantiations of one generic function, get different
/// keys; the same function gets the same key in every run of the same program.
///
/// ```
/// use cache_store::registry::instance_tokens;
/// let a = instance_tokens(7, "app::a::inner::__cache::{{closure}}", "");
/// assert_ne!(a, instance_tokens(7, "app::b::inner::__cache::{{closure}}", ""));
/// assert_ne!(a, instance_tokens(7, "app::a::inner::__cache::{{closure}}", "u8"));
/// assert_eq!(a, instance_tokens(7, "app::a::inner::__cache::{{closure}}", ""));
/// ```
pub fn instance_tokens(tokens: u128, site: &str, generics: &str) -> u128 {
    let mut bytes = Vec::with_capacity(32 + site.len() + generics.len());
    bytes.extend_from_slice(&tokens.to_le_bytes());
    for part in [site, generics] {
        bytes.extend_from_slice(&(part.len() as u64).to_le_bytes());
        bytes.extend_from_slice(part.as_bytes());
    }
    xxhash_rust::xxh3::xxh3_128(&bytes)
}
