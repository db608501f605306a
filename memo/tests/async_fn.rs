//! `#[memo]` on `async fn`: single flight across tasks, hand-over when the computing task is
//! cancelled or panics, waiter cancellation, recursion, and the three executors (tokio
//! current-thread, tokio multi-thread, `futures::executor::block_on`).
//!
//! Tests that could hang run under [`bounded`], which fails instead of blocking the suite.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use cache_store::testing::bounded;
use memo::memo;
use tokio::sync::Notify;

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

fn multi_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_time()
        .build()
        .expect("tokio runtime")
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("tokio runtime")
}

/// Lets a test hold a computation open until it says so.
struct Gate {
    open: Mutex<bool>,
    notify: Notify,
}

impl Gate {
    const fn new() -> Self {
        Self {
            open: Mutex::new(false),
            notify: Notify::const_new(),
        }
    }

    async fn pass(&self) {
        loop {
            let notified = self.notify.notified();
            if *self.open.lock().unwrap() {
                return;
            }
            notified.await;
        }
    }

    fn open(&self) {
        *self.open.lock().unwrap() = true;
        self.notify.notify_waiters();
    }
}

#[test]
fn values_options_results_and_companions() {
    static RUNS: AtomicUsize = AtomicUsize::new(0);

    struct Conn;

    #[memo(max_entries = 2, ttl = "1h", show_spinner = false)]
    async fn lookup(id: u32, _conn: &Conn) -> Vec<u32> {
        RUNS.fetch_add(1, Ordering::SeqCst);
        tokio::task::yield_now().await;
        vec![id, id * 2]
    }

    #[memo]
    async fn parse(text: String) -> Result<u32, std::num::ParseIntError> {
        // `?` converts as in the original function.
        let n: u32 = text.trim().parse()?;
        Ok(n + 1)
    }

    current_thread().block_on(async {
        let mut first = lookup(3, &Conn).await;
        first.push(99); // our own copy
        assert_eq!(lookup(3, &Conn).await, vec![3, 6]);
        assert_eq!(RUNS.load(Ordering::SeqCst), 1);
        let stats = lookup::stats();
        assert_eq!((stats.hits, stats.misses, stats.entries), (1, 1, 1));

        lookup(4, &Conn).await;
        lookup(5, &Conn).await; // evicts 4: 3 was read, so it gets a second chance
        assert_eq!(RUNS.load(Ordering::SeqCst), 3);
        lookup(3, &Conn).await;
        assert_eq!(RUNS.load(Ordering::SeqCst), 3, "3 survived");
        assert_eq!(lookup::stats().entries, 2);
        assert!(lookup::clear_entry(5, &Conn));
        assert!(!lookup::clear_entry(5, &Conn));
        lookup::clear();
        assert_eq!(lookup::stats().entries, 0);

        assert_eq!(parse("41".into()).await, Ok(42));
        assert!(parse("x".into()).await.is_err());
        assert!(parse("x".into()).await.is_err());
        let stats = parse::stats();
        assert_eq!(stats.entries, 1, "only Ok is cached");
        assert_eq!(stats.misses, 3);
    });
}

#[test]
fn methods_and_generic_async_fns() {
    struct Service {
        base: u64,
    }

    impl Service {
        #[memo(skip_self)]
        async fn scaled(&self, x: u64) -> u64 {
            tokio::task::yield_now().await;
            self.base * x
        }
    }

    #[memo]
    async fn width<T>() -> usize {
        std::mem::size_of::<T>()
    }

    futures::executor::block_on(async {
        let s = Service { base: 10 };
        assert_eq!(s.scaled(4).await, 40);
        let other = Service { base: 7 };
        assert_eq!(
            other.scaled(4).await,
            40,
            "skip_self: the receiver is not in the key"
        );
        assert_eq!(Service::scaled_stats().hits, 1);
        assert_eq!(width::<u8>().await, 1);
        assert_eq!(width::<u64>().await, 8);
        assert_eq!(width::stats().entries, 2);
    });
}

#[test]
fn a_thousand_tasks_on_one_key_compute_once() {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    static GATE: Gate = Gate::new();

    #[memo]
    async fn slow(x: u64) -> u64 {
        RUNS.fetch_add(1, Ordering::SeqCst);
        GATE.pass().await;
        x * 3
    }

    bounded(Duration::from_secs(60), || {
        multi_thread().block_on(async {
            let tasks: Vec<_> = (0..1_000).map(|_| tokio::spawn(slow(14))).collect();
            // Let every task reach the key before the computation ends.
            while RUNS.load(Ordering::SeqCst) == 0 {
                tokio::task::yield_now().await;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            GATE.open();
            for t in tasks {
                assert_eq!(t.await.expect("no task panics"), 42);
            }
        });
    });
    assert_eq!(RUNS.load(Ordering::SeqCst), 1, "exactly one computation");
    let stats = slow::stats();
    assert_eq!(stats.misses, 1);
    assert_eq!(stats.hits, 999);
}

#[test]
fn a_cancelled_owner_hands_over_to_one_waiter() {
    static RUNS: AtomicUsize = AtomicUsize::new(0);

    #[memo]
    async fn handed(x: u64) -> u64 {
        if RUNS.fetch_add(1, Ordering::SeqCst) == 0 {
            // The first computation never finishes on its own: its caller gives up.
            std::future::pending::<()>().await;
        }
        x + 1
    }

    bounded(Duration::from_secs(30), || {
        multi_thread().block_on(async {
            let owner = tokio::spawn(tokio::time::timeout(Duration::from_millis(200), handed(1)));
            while RUNS.load(Ordering::SeqCst) == 0 {
                tokio::task::yield_now().await;
            }
            let waiters: Vec<_> = (0..8).map(|_| tokio::spawn(handed(1))).collect();
            assert!(owner.await.unwrap().is_err(), "the owner timed out");
            for w in waiters {
                assert_eq!(w.await.unwrap(), 2);
            }
        });
    });
    assert_eq!(
        RUNS.load(Ordering::SeqCst),
        2,
        "exactly one waiter recomputed"
    );
    assert_eq!(handed::stats().entries, 1);
}

#[test]
fn a_panicking_owner_reaches_its_caller_and_a_waiter_retries() {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    static GATE: Gate = Gate::new();

    #[memo]
    async fn fragile(x: u64) -> u64 {
        if RUNS.fetch_add(1, Ordering::SeqCst) == 0 {
            GATE.pass().await;
            panic!("first computation fails");
        }
        x
    }

    bounded(Duration::from_secs(30), || {
        multi_thread().block_on(async {
            let owner = tokio::spawn(fragile(5));
            while RUNS.load(Ordering::SeqCst) == 0 {
                tokio::task::yield_now().await;
            }
            let waiters: Vec<_> = (0..8).map(|_| tokio::spawn(fragile(5))).collect();
            tokio::time::sleep(Duration::from_millis(20)).await;
            GATE.open();
            let err = owner.await.expect_err("the panic reaches the owner");
            let msg = panic_message(&*err.into_panic());
            assert_eq!(msg, "first computation fails");
            for w in waiters {
                assert_eq!(w.await.unwrap(), 5);
            }
        });
    });
    assert_eq!(RUNS.load(Ordering::SeqCst), 2);
    assert_eq!(fragile::stats().entries, 1);
}

#[test]
fn a_cancelled_waiter_does_not_affect_the_others() {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    static GATE: Gate = Gate::new();

    #[memo]
    async fn shared(x: u64) -> u64 {
        RUNS.fetch_add(1, Ordering::SeqCst);
        GATE.pass().await;
        x * 2
    }

    bounded(Duration::from_secs(30), || {
        current_thread().block_on(async {
            let owner = tokio::spawn(shared(8));
            let doomed = tokio::spawn(shared(8));
            let patient = tokio::spawn(shared(8));
            // The spawned tasks run first: one owns the computation, two wait.
            while RUNS.load(Ordering::SeqCst) == 0 {
                tokio::task::yield_now().await;
            }
            let timed_out = tokio::time::timeout(Duration::from_millis(30), shared(8)).await;
            assert!(timed_out.is_err(), "a waiter that gives up");
            doomed.abort();
            assert!(doomed.await.unwrap_err().is_cancelled());
            GATE.open();
            assert_eq!(owner.await.unwrap(), 16);
            assert_eq!(patient.await.unwrap(), 16);
        });
    });
    assert_eq!(RUNS.load(Ordering::SeqCst), 1, "nobody recomputed");
}

#[test]
fn recursion_with_other_arguments_works() {
    static RUNS: AtomicUsize = AtomicUsize::new(0);

    #[memo]
    async fn fib(n: u64) -> u64 {
        RUNS.fetch_add(1, Ordering::SeqCst);
        if n < 2 {
            n
        } else {
            Box::pin(fib(n - 1)).await + Box::pin(fib(n - 2)).await
        }
    }

    let v = bounded(Duration::from_secs(30), || {
        futures::executor::block_on(fib(80))
    });
    assert_eq!(v, 23_416_728_348_467_685);
    assert_eq!(RUNS.load(Ordering::SeqCst), 81, "each n computed once");
}

#[memo]
async fn forever(n: u8) -> u8 {
    // A bug in the user's code: the value it awaits is the one it computes.
    Box::pin(forever(n)).await
}

#[test]
fn awaiting_itself_with_the_same_arguments_is_a_clear_error() {
    let r = bounded(Duration::from_secs(10), || {
        catch_unwind(|| futures::executor::block_on(forever(1)))
    });
    let msg = panic_message(&*r.expect_err("a panic, not a hang"));
    assert!(
        msg.contains("`forever()` called itself with the same arguments"),
        "{msg}"
    );
    // Nothing cached and nothing left pending: the key is free again (and fails the same way).
    assert_eq!(forever::stats().entries, 0);
    let again = bounded(Duration::from_secs(10), || {
        current_thread().block_on(async { tokio::spawn(forever(1)).await })
    });
    assert!(again.unwrap_err().is_panic());
}

#[test]
fn two_tasks_on_one_thread_share_a_key_without_a_false_recursion_error() {
    static RUNS: AtomicUsize = AtomicUsize::new(0);

    #[memo]
    async fn napping(x: u64) -> u64 {
        RUNS.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(20)).await;
        x
    }

    let (a, b) = bounded(Duration::from_secs(10), || {
        current_thread().block_on(async { tokio::join!(napping(3), napping(3)) })
    });
    assert_eq!((a, b), (3, 3));
    assert_eq!(RUNS.load(Ordering::SeqCst), 1);
}

#[test]
fn the_future_is_send_when_arguments_and_body_are() {
    #[memo]
    async fn sendable(s: String, _n: &'static str) -> usize {
        tokio::task::yield_now().await;
        s.len()
    }

    fn assert_send<F: std::future::Future + Send + 'static>(f: F) -> F {
        f
    }
    let fut = assert_send(sendable("abc".into(), "x"));
    let v = multi_thread().block_on(async { tokio::spawn(fut).await.unwrap() });
    assert_eq!(v, 3);
}

#[test]
fn works_under_futures_block_on_without_a_runtime() {
    static RUNS: AtomicUsize = AtomicUsize::new(0);

    #[memo]
    async fn plain(x: u64) -> u64 {
        RUNS.fetch_add(1, Ordering::SeqCst);
        x + 100
    }

    let threads: Vec<_> = (0..8)
        .map(|_| std::thread::spawn(|| futures::executor::block_on(plain(1))))
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), 101);
    }
    assert_eq!(RUNS.load(Ordering::SeqCst), 1);
}

#[test]
fn a_caught_panic_leaves_nothing_pending() {
    static RUNS: AtomicUsize = AtomicUsize::new(0);

    #[memo]
    async fn once_broken(x: u64) -> u64 {
        if RUNS.fetch_add(1, Ordering::SeqCst) == 0 {
            panic!("broken once");
        }
        x
    }

    let r = catch_unwind(AssertUnwindSafe(|| {
        futures::executor::block_on(once_broken(2))
    }));
    assert!(r.is_err());
    let v = bounded(Duration::from_secs(10), || {
        futures::executor::block_on(once_broken(2))
    });
    assert_eq!(v, 2);
    assert_eq!(once_broken::stats().entries, 1);
}

#[test]
fn persisted_async_fn_reads_back_from_disk() {
    static RUNS: AtomicUsize = AtomicUsize::new(0);

    // `max_entries = 1`: a second key pushes the first out of memory, not off the disk.
    #[memo(persist = "disk", max_entries = 1)]
    async fn stored(x: u64) -> Vec<u64> {
        RUNS.fetch_add(1, Ordering::SeqCst);
        vec![x; 3]
    }

    let dir = tempfile::tempdir().expect("temp dir");
    memo::set_cache_dir(Some(dir.path().to_path_buf()));
    let rt = current_thread();
    assert_eq!(rt.block_on(stored(4)), vec![4, 4, 4]);
    assert_eq!(rt.block_on(stored(5)), vec![5, 5, 5]);
    let files = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(files, 2, "one file per computed entry");
    assert_eq!(rt.block_on(stored(4)), vec![4, 4, 4]);
    assert_eq!(RUNS.load(Ordering::SeqCst), 2, "4 was read back from disk");
    stored::clear();
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// Decodes until `REFUSE` is set: a `Deserialize` that sometimes cannot read what its
/// `Serialize` wrote.
#[derive(Debug, Clone, PartialEq)]
struct Flaky(u32);

static REFUSE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

impl serde::Serialize for Flaky {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for Flaky {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = u32::deserialize(d)?;
        if REFUSE.load(Ordering::SeqCst) {
            return Err(serde::de::Error::custom("refusing to decode"));
        }
        Ok(Flaky(v))
    }
}

#[test]
fn a_hit_that_does_not_decode_is_recomputed_and_counted_as_a_miss() {
    static RUNS: AtomicUsize = AtomicUsize::new(0);

    #[memo]
    async fn flaky(x: u32) -> Flaky {
        RUNS.fetch_add(1, Ordering::SeqCst);
        Flaky(x)
    }

    futures::executor::block_on(async {
        assert_eq!(flaky(5).await, Flaky(5));
        assert_eq!(flaky(5).await, Flaky(5));
        assert_eq!((flaky::stats().hits, flaky::stats().misses), (1, 1));
        REFUSE.store(true, Ordering::SeqCst);
        assert_eq!(flaky(5).await, Flaky(5), "recomputed");
        REFUSE.store(false, Ordering::SeqCst);
    });
    assert_eq!(RUNS.load(Ordering::SeqCst), 2);
    let stats = flaky::stats();
    assert_eq!(
        (stats.hits, stats.misses),
        (1, 2),
        "the failed decode is a miss"
    );
    assert_eq!(stats.entries, 1, "the recomputed value is stored again");
}

#[test]
fn an_async_hit_uses_the_blocking_key_and_nothing_runs_before_the_first_poll() {
    static HASHED: AtomicUsize = AtomicUsize::new(0);
    static RUNS: AtomicUsize = AtomicUsize::new(0);

    struct Id(u64);
    fn id_of(id: &Id) -> u64 {
        HASHED.fetch_add(1, Ordering::SeqCst);
        id.0
    }

    #[memo(hash_funcs(Id = id_of))]
    async fn keyed(id: Id, n: u64) -> Result<u64, String> {
        RUNS.fetch_add(1, Ordering::SeqCst);
        Ok(id.0 * 1000 + n)
    }

    drop(keyed(Id(1), 2));
    assert_eq!(
        HASHED.load(Ordering::SeqCst),
        0,
        "an unpolled call hashes nothing"
    );
    let stats = keyed::stats();
    assert_eq!(
        (stats.hits, stats.misses),
        (0, 0),
        "an unpolled call looks nothing up"
    );

    current_thread().block_on(async {
        assert_eq!(keyed(Id(1), 2).await, Ok(1002));
        assert_eq!(keyed(Id(1), 2).await, Ok(1002));
        assert_eq!(RUNS.load(Ordering::SeqCst), 1);
        let stats = keyed::stats();
        assert_eq!((stats.hits, stats.misses), (1, 1), "a hit is counted once");
        // The companion builds its key inline, the async fn out of line: the same key.
        assert!(keyed::clear_entry(Id(1), 2));
        assert_eq!(keyed(Id(1), 2).await, Ok(1002));
        assert_eq!(RUNS.load(Ordering::SeqCst), 2);
    });
}
