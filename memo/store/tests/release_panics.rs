//! A panicking `on_release` hook, or a panicking clear, must not stop the others: every departing
//! value is released and every registered cache cleared, then the first panic reaches the caller.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cache_store::clock::MockClock;
use cache_store::testing::bounded;
use cache_store::{Clear, Computed, Got, Registry, Store, StoreConfig};

/// A store whose hook records every value it is handed and panics on `bad`.
fn store_panicking_on(bad: u32, ttl: Option<Duration>) -> (Store<u32>, Arc<Mutex<Vec<u32>>>) {
    let released = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&released);
    let store = Store::new(StoreConfig {
        ttl,
        on_release: Some(Box::new(move |v: u32| {
            sink.lock().unwrap_or_else(|e| e.into_inner()).push(v);
            assert_ne!(v, bad, "release hook failed on {v}");
        })),
        ..StoreConfig::default()
    });
    (store, released)
}

fn message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[test]
fn one_panicking_release_hook_does_not_skip_the_others() {
    // The first value released panics: the two after it must still be released.
    let (store, released) = store_panicking_on(1, None);
    for v in [1, 2, 3] {
        store.insert(u128::from(v), v);
    }
    let r = catch_unwind(AssertUnwindSafe(|| store.clear()));
    let p = r.expect_err("the hook's panic reaches the caller of clear");
    assert!(
        message(&*p).contains("release hook failed on 1"),
        "{}",
        message(&*p)
    );
    let mut got = released.lock().unwrap().clone();
    got.sort_unstable();
    assert_eq!(got, [1, 2, 3], "every departing value is released");
    assert_eq!(store.stats().entries, 0);
}

#[test]
fn only_the_first_of_several_panics_propagates() {
    let released = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&released);
    let store: Store<u32> = Store::new(StoreConfig {
        on_release: Some(Box::new(move |v: u32| {
            count.fetch_add(1, Ordering::SeqCst);
            panic!("hook {v}");
        })),
        ..StoreConfig::default()
    });
    for v in [7, 8, 9] {
        store.insert(u128::from(v), v);
    }
    let p = catch_unwind(AssertUnwindSafe(|| store.clear())).expect_err("panics");
    assert!(message(&*p).starts_with("hook "), "{}", message(&*p));
    assert_eq!(released.load(Ordering::SeqCst), 3);
}

#[test]
fn a_hook_panicking_on_an_expired_entry_leaves_no_pending_marker() {
    // The expired entry is released on the miss path, after the key was marked as being
    // computed. The panic must not leave that marker behind: the next call computes normally
    // (it used to report "a cached function called itself", or hang in another thread).
    bounded(Duration::from_secs(20), || {
        let clock = MockClock::install();
        let (store, _released) = store_panicking_on(1, Some(Duration::from_secs(5)));
        store.insert(9, 1);
        clock.advance(Duration::from_secs(6));
        let first = catch_unwind(AssertUnwindSafe(|| {
            store.get_or_compute(9, None, || Ok::<_, ()>(Computed::cache(2, 2)))
        }));
        assert!(first.is_err(), "the hook's panic reaches the caller");
        let again = store.get_or_compute(9, None, || Ok::<_, ()>(Computed::cache(3, 3)));
        assert!(matches!(again, Ok(Got::Computed(3))), "{again:?}");
        let from_another_thread = std::thread::scope(|s| {
            s.spawn(|| store.get_or_compute(9, None, || Ok::<_, ()>(Computed::cache(4, 4))))
                .join()
                .unwrap()
        });
        assert!(matches!(from_another_thread, Ok(Got::Hit(3))));
        MockClock::uninstall();
    });
}

struct Panicky;
impl Clear for Panicky {
    fn clear(&self) {
        panic!("cannot clear");
    }
}

struct Counter(AtomicUsize);
impl Clear for Counter {
    fn clear(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn a_panicking_clear_does_not_stop_clear_all() {
    static REGISTRY: Registry = Registry::new();
    static BAD: Panicky = Panicky;
    static GOOD: Counter = Counter(AtomicUsize::new(0));
    REGISTRY.register(&BAD);
    REGISTRY.register(&GOOD);
    let p = catch_unwind(|| REGISTRY.clear_all()).expect_err("the panic reaches the caller");
    assert_eq!(message(&*p), "cannot clear");
    assert_eq!(
        GOOD.0.load(Ordering::SeqCst),
        1,
        "the cache after the panicking one"
    );
}
