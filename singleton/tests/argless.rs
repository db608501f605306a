//! Argument-less singletons (one key): one creation under contention, `clear`/`clear_entry`/
//! `clear_all` reset the object, hits are counted, `on_release` runs once per object (and may
//! re-enter the function), TTL and `validate` apply, each instantiation of a generic function
//! has its own object, and concurrent clears never leave a released object behind. Written for
//! a dedicated hit path in front of the store; they hold any such path to the store's semantics.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex, RwLock};
use std::thread;
use std::time::Duration;

use cache_store::clock::MockClock;
use singleton::singleton;

#[derive(Debug)]
struct Obj {
    serial: usize,
}

/// Held for reading by every test, for writing by the one calling `clear_all`.
static ALONE: RwLock<()> = RwLock::new(());

fn shared_turn() -> std::sync::RwLockReadGuard<'static, ()> {
    ALONE.read().unwrap_or_else(|e| e.into_inner())
}

static SERIAL: AtomicUsize = AtomicUsize::new(0);

fn obj() -> Obj {
    Obj {
        serial: SERIAL.fetch_add(1, Ordering::SeqCst),
    }
}

#[test]
fn first_call_creates_once_under_contention() {
    let _turn = shared_turn();
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    #[singleton]
    fn shared() -> Obj {
        RUNS.fetch_add(1, Ordering::SeqCst);
        thread::sleep(Duration::from_millis(20));
        obj()
    }
    let threads = 8;
    let start = Barrier::new(threads);
    let got: Vec<Arc<Obj>> = thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    start.wait();
                    shared()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(RUNS.load(Ordering::SeqCst), 1);
    assert!(got.iter().all(|o| Arc::ptr_eq(o, &got[0])));
    // Later calls still answer the same object and count as hits.
    assert!(Arc::ptr_eq(&shared(), &got[0]));
    let stats = shared::stats();
    assert_eq!(stats.misses, 1);
    assert_eq!(stats.hits, threads as u64);
    assert_eq!(stats.entries, 1);
}

static RELEASED_CLEAR: Mutex<Vec<usize>> = Mutex::new(Vec::new());

fn note_clear(o: &Obj) {
    RELEASED_CLEAR.lock().unwrap().push(o.serial);
}

#[singleton(on_release = note_clear)]
fn clearable() -> Obj {
    obj()
}

#[test]
fn clear_clear_entry_and_clear_all_drop_the_object() {
    let a = clearable();
    assert!(Arc::ptr_eq(&a, &clearable()));
    clearable::clear();
    let b = clearable();
    assert_ne!(a.serial, b.serial, "clear() must drop the object");
    assert!(Arc::ptr_eq(&b, &clearable()));
    assert!(clearable::clear_entry());
    assert!(!clearable::clear_entry(), "nothing left to remove");
    let c = clearable();
    assert_ne!(b.serial, c.serial, "clear_entry() must drop the object");
    {
        // `clear_all` empties every singleton of this test binary: no other test may run.
        let _alone = ALONE.write().unwrap_or_else(|e| e.into_inner());
        singleton::clear_all();
    }
    let d = clearable();
    assert_ne!(c.serial, d.serial, "clear_all() must drop the object");
    // Each object was released exactly once, when it left.
    let released = RELEASED_CLEAR.lock().unwrap().clone();
    assert_eq!(released, [a.serial, b.serial, c.serial]);
    let stats = clearable::stats();
    assert_eq!((stats.hits, stats.misses, stats.entries), (2, 4, 1));
}

static RELEASED_RACE: Mutex<Vec<usize>> = Mutex::new(Vec::new());

fn note_race(o: &Obj) {
    RELEASED_RACE.lock().unwrap().push(o.serial);
}

#[singleton(on_release = note_race)]
fn raced() -> Obj {
    obj()
}

/// Callers and clearers at once: once the clears are done, no released object may be answered
/// (a copy of the entry refilled with an object read before a clear would be), and no caller ever gets an
/// object that was released before its call started.
#[test]
fn concurrent_clears_never_leave_a_released_object_behind() {
    let _turn = shared_turn();
    for _round in 0..20 {
        let stop = AtomicBool::new(false);
        thread::scope(|s| {
            for _ in 0..3 {
                s.spawn(|| {
                    while !stop.load(Ordering::Relaxed) {
                        let released_before: HashSet<usize> =
                            RELEASED_RACE.lock().unwrap().iter().copied().collect();
                        let o = raced();
                        assert!(
                            !released_before.contains(&o.serial),
                            "answered object {} released before the call",
                            o.serial
                        );
                    }
                });
            }
            s.spawn(|| {
                for i in 0..20 {
                    if i % 2 == 0 {
                        raced::clear();
                    } else {
                        raced::clear_entry();
                    }
                    thread::yield_now();
                }
                stop.store(true, Ordering::Relaxed);
            });
        });
        let now = raced();
        let released = RELEASED_RACE.lock().unwrap();
        assert!(
            !released.contains(&now.serial),
            "a released object {} is still answered",
            now.serial
        );
    }
}

static REENTERED: AtomicUsize = AtomicUsize::new(0);

fn reenter(_: &Obj) {
    // A release hook may call the function and clear it again without deadlocking (only once
    // here: clearing releases the fresh object, which runs this hook again).
    if REENTERED.fetch_add(1, Ordering::SeqCst) == 0 {
        let _fresh = reentrant();
        reentrant::clear_entry();
    }
}

#[singleton(on_release = reenter)]
fn reentrant() -> Obj {
    obj()
}

#[test]
fn release_hooks_may_reenter_the_function() {
    let _turn = shared_turn();
    let a = reentrant();
    reentrant::clear();
    // `a`, then the object the hook created and removed.
    assert_eq!(REENTERED.load(Ordering::SeqCst), 2);
    let b = reentrant();
    assert_ne!(a.serial, b.serial);
    assert!(Arc::ptr_eq(&b, &reentrant()));
}

#[test]
fn ttl_still_expires_an_argument_less_singleton() {
    let _turn = shared_turn();
    #[singleton(ttl = 10)]
    fn expiring() -> Obj {
        obj()
    }
    let clock = MockClock::install();
    let a = expiring();
    assert!(Arc::ptr_eq(&a, &expiring()));
    clock.advance(Duration::from_secs(11));
    let b = expiring();
    assert_ne!(a.serial, b.serial, "a TTL must not be bypassed");
    MockClock::uninstall();
}

static VALIDATIONS: AtomicUsize = AtomicUsize::new(0);

fn check(_: &Obj) -> bool {
    VALIDATIONS.fetch_add(1, Ordering::SeqCst);
    true
}

#[test]
fn validate_still_runs_on_every_hit() {
    let _turn = shared_turn();
    #[singleton(validate = check)]
    fn validated() -> Obj {
        obj()
    }
    let a = validated();
    for _ in 0..3 {
        assert!(Arc::ptr_eq(&a, &validated()));
    }
    assert_eq!(VALIDATIONS.load(Ordering::SeqCst), 3);
    assert_eq!(validated::stats().hits, 3);
}

#[test]
fn generic_instantiations_have_their_own_object() {
    let _turn = shared_turn();
    #[singleton]
    fn default_of<T: Default + Send + Sync + 'static>() -> T {
        T::default()
    }
    let a = default_of::<u8>();
    let b = default_of::<u16>();
    assert_eq!((*a, *b), (0, 0));
    assert!(Arc::ptr_eq(&a, &default_of::<u8>()));
    assert!(Arc::ptr_eq(&b, &default_of::<u16>()));
    default_of::clear();
    assert!(!Arc::ptr_eq(&a, &default_of::<u8>()));
    assert!(!Arc::ptr_eq(&b, &default_of::<u16>()));
    assert_eq!(default_of::stats().hits, 2);
}

#[test]
fn async_calls_share_the_object_and_its_resets() {
    let _turn = shared_turn();
    #[singleton]
    async fn client() -> Obj {
        obj()
    }
    let a = futures::executor::block_on(client());
    let b = futures::executor::block_on(client());
    assert!(Arc::ptr_eq(&a, &b));
    client::clear();
    let c = futures::executor::block_on(client());
    assert_ne!(a.serial, c.serial);
    let stats = client::stats();
    assert_eq!((stats.hits, stats.misses), (1, 2));
}
