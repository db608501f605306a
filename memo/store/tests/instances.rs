//! `Instances`: one cache per `(site, generics)`, created once even under contention, registered
//! for the global clear; `clear` and `stats` cover one site.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use cache_store::testing::bounded;
use cache_store::{Clear, Counted, Instances, Registry, Stats};

struct Cache {
    name: String,
    cleared: AtomicUsize,
    entries: usize,
}

impl Cache {
    fn new(name: &str, entries: usize) -> Self {
        Self {
            name: name.to_string(),
            cleared: AtomicUsize::new(0),
            entries,
        }
    }
}

impl Clear for Cache {
    fn clear(&self) {
        self.cleared.fetch_add(1, Ordering::SeqCst);
    }
}

impl Counted for Cache {
    fn stats(&self) -> Stats {
        Stats {
            entries: self.entries,
            ..Stats::default()
        }
    }
}

#[test]
fn concurrent_first_calls_create_one_cache_per_instantiation() {
    bounded(Duration::from_secs(30), || {
        static REGISTRY: Registry = Registry::new();
        static CELLS: Instances = Instances::new();
        static CREATED: AtomicUsize = AtomicUsize::new(0);
        const THREADS: usize = 8;
        let sites: [&'static str; 3] = ["f<u8>", "f<u16>", "f<u32>"];
        let barrier = Arc::new(Barrier::new(THREADS));
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let barrier = Arc::clone(&barrier);
                std::thread::spawn(move || {
                    barrier.wait();
                    (0..sites.len())
                        .map(|i| {
                            let site = sites[(i + t) % sites.len()];
                            let c = CELLS.get(
                                &REGISTRY,
                                site,
                                "",
                                || {
                                    CREATED.fetch_add(1, Ordering::SeqCst);
                                    Cache::new(site, 1)
                                },
                                |_| {},
                            );
                            assert_eq!(c.name, site, "each site gets its own cache");
                            (site, c as *const Cache as usize)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut seen = std::collections::HashMap::new();
        for h in handles {
            for (site, ptr) in h.join().unwrap() {
                assert_eq!(*seen.entry(site).or_insert(ptr), ptr, "one cache per site");
            }
        }
        assert_eq!(CREATED.load(Ordering::SeqCst), 3);
        REGISTRY.clear_all();
        for site in sites {
            let c: &Cache = CELLS.find(site, "").unwrap();
            assert_eq!(
                c.cleared.load(Ordering::SeqCst),
                1,
                "registered for clear_all"
            );
        }
    });
}

#[test]
fn clear_and_stats_cover_one_site_and_all_its_generic_arguments() {
    static REGISTRY: Registry = Registry::new();
    static CELLS: Instances = Instances::new();
    let get = |site, generics, entries| {
        CELLS.get(
            &REGISTRY,
            site,
            generics,
            || Cache::new(generics, entries),
            |_| {},
        )
    };
    let a8 = get("W<A>::f", "u8", 1);
    let a16 = get("W<A>::f", "u16", 2);
    let b8 = get("W<B>::f", "u8", 4);
    assert_eq!(CELLS.stats("W<A>::f").entries, 3);
    assert_eq!(CELLS.stats("W<B>::f").entries, 4);
    assert_eq!(CELLS.stats("W<C>::f").entries, 0);
    CELLS.clear("W<A>::f");
    assert_eq!(a8.cleared.load(Ordering::SeqCst), 1);
    assert_eq!(a16.cleared.load(Ordering::SeqCst), 1);
    assert_eq!(
        b8.cleared.load(Ordering::SeqCst),
        0,
        "another site is left alone"
    );
    // A lookup with an equal string at another address finds the same cache.
    let site = String::from("W<A>::f");
    let generics = String::from("u16");
    let found: &Cache = CELLS.find(&site, &generics).unwrap();
    assert!(std::ptr::eq(found, a16));
    assert!(CELLS.find::<Cache>("W<A>::f", "u64").is_none());
    // Asking for another cache type at an existing key is "not found", never a wrong cast.
    assert!(CELLS.find::<String>("W<A>::f", "u8").is_none());
}
