//! `#[singleton]` semantics (`st.cache_resource`'s, and what Streamlit's tests check): one shared object per
//! key, identity across calls and threads until cleared or expired, the underscore rule, TTL/CLOCK
//! and `on_release` against a reference model, validate, clearing, single creation under
//! contention, nesting, panics, `Result`, and types that are neither `Clone` nor `Serialize`.

#![allow(clippy::disallowed_names)] // Streamlit's test names: foo, bar

use std::fs::File;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use cache_store::Eviction;
use cache_store::clock::MockClock;
use cache_store::testing::{Model, bounded};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use singleton::singleton;

fn get(c: &AtomicUsize) -> usize {
    c.load(Ordering::SeqCst)
}

// Identity, TTL, CLOCK eviction and on_release against a model.

#[derive(Debug)]
struct Obj {
    key: u8,
    serial: usize,
}

static SERIAL: AtomicUsize = AtomicUsize::new(0);
static RELEASED: Mutex<Vec<usize>> = Mutex::new(Vec::new());

fn release_obj(o: &Obj) {
    RELEASED.lock().unwrap().push(o.serial);
}

#[singleton(ttl = 10, max_entries = 3, on_release = release_obj)]
fn modeled(key: u8) -> Obj {
    Obj {
        key,
        serial: SERIAL.fetch_add(1, Ordering::SeqCst),
    }
}

#[derive(Debug, Clone)]
enum Op {
    Call(u8),
    Advance(u64),
    ClearEntry(u8),
    Clear,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => (0u8..6).prop_map(Op::Call),
        4 => (0u64..7).prop_map(Op::Advance),
        1 => (0u8..6).prop_map(Op::ClearEntry),
        1 => Just(Op::Clear),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn identity_ttl_lru_and_on_release_match_the_model(ops in proptest::collection::vec(op(), 1..50)) {
        let clock = MockClock::install();
        modeled::clear();
        RELEASED.lock().unwrap().clear();
        // The reference: key -> the Arc we were given.
        let mut model: Model<Arc<Obj>, u8> = Model::with_eviction(Some(10), Some(3), Eviction::Clock);
        // The serials the model says departed so far, in order.
        let mut released: Vec<usize> = Vec::new();
        for (step, op) in ops.iter().enumerate() {
            match *op {
                Op::Call(k) => {
                    // Refreshes recency; an expired object departs on lookup.
                    let live = model.lookup(&k).cloned();
                    let got = modeled(k);
                    prop_assert_eq!(got.key, k);
                    match live {
                        Some(e) => {
                            prop_assert!(Arc::ptr_eq(&got, &e), "step {}: the same object", step);
                        }
                        None => {
                            prop_assert!(model.values().all(|e| !Arc::ptr_eq(e, &got)));
                            model.insert(k, got);
                        }
                    }
                }
                Op::Advance(s) => {
                    model.advance(s);
                    clock.advance(Duration::from_secs(s));
                }
                Op::ClearEntry(k) => {
                    let expected = model.remove(&k);
                    prop_assert_eq!(modeled::clear_entry(k), expected);
                }
                Op::Clear => {
                    model.clear();
                    modeled::clear();
                }
            }
            released.extend(model.take_departed().iter().map(|o| o.serial));
            prop_assert_eq!(&*RELEASED.lock().unwrap(), &released, "step {}: on_release", step);
            prop_assert_eq!(modeled::stats().entries, model.len());
        }
        MockClock::uninstall();
    }
}

static UNDERSCORE_RUNS: AtomicUsize = AtomicUsize::new(0);

#[singleton]
fn underscore(a: u8, _b: u8, c: &str) -> (u8, u8, String) {
    UNDERSCORE_RUNS.fetch_add(1, Ordering::SeqCst);
    (a, _b, c.to_string())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn underscore_args_never_recreate_other_args_always_do(
        calls in proptest::collection::vec((0u8..3, any::<u8>(), prop_oneof![Just("x"), Just("y")]), 1..30)
    ) {
        underscore::clear();
        type Seen<'a> = ((u8, &'a str), Arc<(u8, u8, String)>);
        let mut seen: Vec<Seen> = Vec::new();
        for (a, b, c) in calls {
            let before = get(&UNDERSCORE_RUNS);
            let got = underscore(a, b, c);
            let ran = get(&UNDERSCORE_RUNS) - before;
            match seen.iter().find(|s| s.0 == (a, c)) {
                Some((_, first)) => {
                    prop_assert_eq!(ran, 0);
                    prop_assert!(Arc::ptr_eq(first, &got));
                }
                None => {
                    prop_assert_eq!(ran, 1);
                    prop_assert_eq!(&*got, &(a, b, c.to_string()));
                    seen.push(((a, c), got));
                }
            }
        }
    }
}

#[test]
fn identity_holds_across_threads_until_cleared() {
    #[singleton]
    fn pool(name: &str) -> Mutex<Vec<String>> {
        Mutex::new(vec![name.to_string()])
    }
    let main = pool("db");
    let others: Vec<Arc<Mutex<Vec<String>>>> = bounded(Duration::from_secs(10), || {
        let hs: Vec<_> = (0..8).map(|_| thread::spawn(|| pool("db"))).collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(others.iter().all(|o| Arc::ptr_eq(o, &main)));
    pool::clear();
    let after = pool("db");
    assert!(!Arc::ptr_eq(&after, &main), "a new object after clear");
    assert_eq!(main.lock().unwrap().len(), 1, "callers' Arcs stay valid");
}

// Streamlit's named tests.

#[test]
fn test_mutate_return() {
    #[singleton]
    fn f() -> Mutex<Vec<i32>> {
        Mutex::new(vec![0, 1])
    }
    let r1 = f();
    r1.lock().unwrap()[0] = 1;
    let r2 = f();
    assert_eq!(*r2.lock().unwrap(), [1, 1], "the shared object");
}

/// The same shape through `#[memo]` and `#[singleton]`: memo isolates, singleton shares.
#[derive(Debug, Serialize, Deserialize)]
struct Counters {
    hits: AtomicU64,
    log: Mutex<Vec<String>>,
}

#[singleton]
fn shared_counters(name: &str) -> Counters {
    Counters {
        hits: AtomicU64::new(0),
        log: Mutex::new(vec![name.to_string()]),
    }
}

#[memo::memo]
fn copied_counters(name: &str) -> Counters {
    Counters {
        hits: AtomicU64::new(0),
        log: Mutex::new(vec![name.to_string()]),
    }
}

#[test]
fn interior_mutability_is_shared_by_singleton_and_isolated_by_memo() {
    for _ in 0..3 {
        let s = shared_counters("a");
        s.hits.fetch_add(1, Ordering::SeqCst);
        s.log.lock().unwrap().push("seen".into());
        let m = copied_counters("a");
        m.hits.fetch_add(1, Ordering::SeqCst);
        m.log.lock().unwrap().push("seen".into());
    }
    let s = shared_counters("a");
    assert_eq!(
        s.hits.load(Ordering::SeqCst),
        3,
        "every caller saw the same counter"
    );
    assert_eq!(s.log.lock().unwrap().len(), 4);
    let m = copied_counters("a");
    assert_eq!(
        m.hits.load(Ordering::SeqCst),
        0,
        "memo callers each got a copy"
    );
    assert_eq!(*m.log.lock().unwrap(), ["a"]);
    // And across threads.
    let h = thread::spawn(|| shared_counters("a").hits.fetch_add(10, Ordering::SeqCst));
    h.join().unwrap();
    assert_eq!(s.hits.load(Ordering::SeqCst), 13);
}

static VALIDATE_OK_SEEN: Mutex<Vec<u64>> = Mutex::new(Vec::new());
static VALIDATE_OK_RUNS: AtomicUsize = AtomicUsize::new(0);

fn validate_ok(v: &u64) -> bool {
    VALIDATE_OK_SEEN.lock().unwrap().push(*v);
    true
}

#[singleton(validate = validate_ok)]
fn validated_ok(x: u64) -> u64 {
    VALIDATE_OK_RUNS.fetch_add(1, Ordering::SeqCst);
    x * 10
}

#[test]
fn test_validate_success() {
    let first = validated_ok(1);
    assert_eq!(*first, 10);
    assert!(
        VALIDATE_OK_SEEN.lock().unwrap().is_empty(),
        "not called right after creation"
    );
    let second = validated_ok(1);
    assert_eq!(*VALIDATE_OK_SEEN.lock().unwrap(), [10]);
    let third = validated_ok(1);
    assert_eq!(*VALIDATE_OK_SEEN.lock().unwrap(), [10, 10], "once per hit");
    assert!(Arc::ptr_eq(&first, &second) && Arc::ptr_eq(&second, &third));
    assert_eq!(get(&VALIDATE_OK_RUNS), 1);
}

static VALIDATE_FAIL_SEEN: Mutex<Vec<usize>> = Mutex::new(Vec::new());
static VALIDATE_FAIL_RELEASED: Mutex<Vec<usize>> = Mutex::new(Vec::new());
static VALIDATE_FAIL_RUNS: AtomicUsize = AtomicUsize::new(0);

fn validate_never(v: &usize) -> bool {
    VALIDATE_FAIL_SEEN.lock().unwrap().push(*v);
    false
}

fn release_usize(v: &usize) {
    VALIDATE_FAIL_RELEASED.lock().unwrap().push(*v);
}

#[singleton(validate = validate_never, on_release = release_usize)]
fn validated_fail() -> usize {
    VALIDATE_FAIL_RUNS.fetch_add(1, Ordering::SeqCst)
}

#[test]
fn test_validate_fail() {
    assert_eq!(*validated_fail(), 0);
    assert!(VALIDATE_FAIL_SEEN.lock().unwrap().is_empty());
    assert_eq!(*validated_fail(), 1, "every hit recreates");
    assert_eq!(*validated_fail(), 2);
    assert_eq!(
        *VALIDATE_FAIL_SEEN.lock().unwrap(),
        [0, 1],
        "validate gets the previous value"
    );
    assert_eq!(
        *VALIDATE_FAIL_RELEASED.lock().unwrap(),
        [0, 1],
        "on_release called once for each replaced object"
    );
    assert_eq!(validated_fail::stats().entries, 1);
}

static CLEAR_RELEASED: AtomicUsize = AtomicUsize::new(0);

fn count_release(_: &String) {
    CLEAR_RELEASED.fetch_add(1, Ordering::SeqCst);
}

#[singleton(on_release = count_release)]
fn clearable(x: u8) -> String {
    format!("obj{x}")
}

#[test]
fn test_clear() {
    let a = clearable(1);
    let b = clearable(2);
    clearable::clear();
    assert_eq!(
        CLEAR_RELEASED.load(Ordering::SeqCst),
        2,
        "on_release for each object"
    );
    assert_eq!(clearable::stats().entries, 0);
    assert!(!Arc::ptr_eq(&a, &clearable(1)));
    assert!(!Arc::ptr_eq(&b, &clearable(2)));
    assert_eq!(*a, "obj1", "the caller's Arc is still valid");
}

#[test]
fn test_clear_with_args() {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    #[singleton]
    fn foo(y: u32) -> usize {
        let _ = y;
        RUNS.fetch_add(1, Ordering::SeqCst) + 1
    }
    assert_eq!(*foo(1), 1);
    assert!(!foo::clear_entry(2));
    assert_eq!(*foo(1), 1);
    assert!(foo::clear_entry(1));
    assert_eq!(*foo(1), 2);

    // Methods: `m_clear_entry(&self, ..)` follows the call's key rule.
    #[derive(Serialize)]
    struct Svc {
        id: u8,
    }
    static M: AtomicUsize = AtomicUsize::new(0);
    impl Svc {
        #[singleton]
        fn client(&self, region: &str) -> String {
            M.fetch_add(1, Ordering::SeqCst);
            format!("{}-{region}", self.id)
        }
    }
    let s = Svc { id: 1 };
    let c1 = s.client("eu");
    assert!(Arc::ptr_eq(&c1, &s.client("eu")));
    assert!(
        !Arc::ptr_eq(&c1, &Svc { id: 2 }.client("eu")),
        "self is hashed"
    );
    assert!(s.client_clear_entry("eu"));
    assert!(!Arc::ptr_eq(&c1, &s.client("eu")));
    Svc::client_clear();
    assert_eq!(Svc::client_stats().entries, 0);
    assert_eq!(M.load(Ordering::SeqCst), 3);
}

#[test]
fn test_compute_value_only_once() {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    #[singleton]
    fn foo() -> String {
        RUNS.fetch_add(1, Ordering::SeqCst);
        thread::sleep(Duration::from_millis(250));
        "resource".into()
    }
    let (results, elapsed) = bounded(Duration::from_secs(20), || {
        let start = Instant::now();
        let hs: Vec<_> = (0..50).map(|_| thread::spawn(foo)).collect();
        let r: Vec<_> = hs.into_iter().map(|h| h.join().unwrap()).collect();
        (r, start.elapsed())
    });
    assert_eq!(RUNS.load(Ordering::SeqCst), 1);
    assert!(results.iter().all(|r| Arc::ptr_eq(r, &results[0])));
    assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");
}

#[derive(Debug)]
struct Config {
    name: String,
}

#[singleton]
fn config(name: &str) -> Config {
    Config {
        name: name.to_string(),
    }
}

/// A service holding its config and the service one level down.
struct Service {
    config: Arc<Config>,
    inner: Option<Arc<Service>>,
}

/// Calls another singleton and itself with another key.
#[singleton]
fn service(depth: u8) -> Service {
    let config = config("main");
    let inner = (depth > 0).then(|| service(depth - 1));
    Service { config, inner }
}

#[test]
fn nested_singletons_work() {
    let s = bounded(Duration::from_secs(10), || service(3));
    assert_eq!(s.config.name, "main");
    assert!(Arc::ptr_eq(&s.config, &config("main")));
    let inner = s.inner.as_ref().unwrap();
    assert!(
        Arc::ptr_eq(&s.config, &inner.config),
        "the inner call shared config"
    );
    assert!(
        Arc::ptr_eq(inner, &service(2)),
        "the inner call cached its own key"
    );
    assert!(service(0).inner.is_none());
    assert_eq!(service::stats().entries, 4);
}

#[test]
fn panic_in_initializer_propagates_caches_nothing_and_strands_nobody() {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    static FAIL_NEXT: AtomicBool = AtomicBool::new(true);
    #[singleton]
    fn fragile(x: u8) -> u8 {
        RUNS.fetch_add(1, Ordering::SeqCst);
        if FAIL_NEXT.swap(false, Ordering::SeqCst) {
            thread::sleep(Duration::from_millis(300));
            panic!("initializer failed");
        }
        x
    }
    bounded(Duration::from_secs(20), || {
        let first = thread::spawn(|| catch_unwind(AssertUnwindSafe(|| fragile(1))));
        thread::sleep(Duration::from_millis(100));
        let waiter = thread::spawn(|| fragile(1));
        assert!(
            first.join().unwrap().is_err(),
            "the panic reaches its caller"
        );
        assert_eq!(*waiter.join().unwrap(), 1, "the waiter creates the object");
    });
    assert_eq!(RUNS.load(Ordering::SeqCst), 2);
    assert_eq!(fragile::stats().entries, 1);

    // Alone: nothing cached after a panic.
    #[singleton]
    fn always_panics() -> u8 {
        panic!("nope")
    }
    assert!(catch_unwind(always_panics).is_err());
    assert_eq!(always_panics::stats().entries, 0);
}

#[test]
fn result_returns_arc_and_err_is_not_cached() {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    #[singleton]
    fn connect(url: &str) -> Result<String, String> {
        RUNS.fetch_add(1, Ordering::SeqCst);
        if url.starts_with("db://") {
            Ok(format!("conn to {url}"))
        } else {
            Err(format!("bad url {url}"))
        }
    }
    let e1: Result<Arc<String>, String> = connect("http://x");
    assert_eq!(e1, Err("bad url http://x".to_string()));
    assert!(connect("http://x").is_err());
    assert_eq!(RUNS.load(Ordering::SeqCst), 2, "Err is not cached");
    let a = connect("db://x").unwrap();
    let b = connect("db://x").unwrap();
    assert!(Arc::ptr_eq(&a, &b));
    assert_eq!(RUNS.load(Ordering::SeqCst), 3);
}

/// Neither `Clone` nor `Serialize`: a file handle behind a mutex.
struct Journal {
    file: Mutex<File>,
    lines: AtomicU64,
}

#[singleton]
fn journal(_path_hint: &str) -> Journal {
    Journal {
        file: Mutex::new(tempfile_in_target()),
        lines: AtomicU64::new(0),
    }
}

fn tempfile_in_target() -> File {
    let path = std::env::temp_dir().join(format!("singleton-journal-{}", std::process::id()));
    let f = File::create(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    f
}

#[test]
fn non_clone_non_serialize_types_are_fine() {
    use std::io::Write;
    let j = journal("a");
    writeln!(j.file.lock().unwrap(), "hello").unwrap();
    j.lines.fetch_add(1, Ordering::SeqCst);
    let again = journal("b"); // `_path_hint` is not part of the key
    assert!(Arc::ptr_eq(&j, &again));
    assert_eq!(again.lines.load(Ordering::SeqCst), 1);
}

#[test]
fn spinner_is_emitted_on_creation_only() {
    // A minimal per-thread subscriber counting spinner events.
    use tracing::subscriber::Interest;
    use tracing::{Event, Metadata, Subscriber};
    #[derive(Clone, Default)]
    struct Count(Arc<AtomicUsize>);
    impl Subscriber for Count {
        fn register_callsite(&self, _: &'static Metadata<'static>) -> Interest {
            Interest::sometimes()
        }
        fn enabled(&self, m: &Metadata<'_>) -> bool {
            m.target() == "cache::spinner"
        }
        fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
            tracing::span::Id::from_u64(1)
        }
        fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
        fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
        fn event(&self, _: &Event<'_>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
        fn enter(&self, _: &tracing::span::Id) {}
        fn exit(&self, _: &tracing::span::Id) {}
    }
    #[singleton(show_spinner = "Connecting...")]
    fn client(x: u8) -> u8 {
        x
    }
    // On by default, as `st.cache_resource(show_spinner=True)`; `false` turns it off.
    #[singleton]
    fn by_default(x: u8) -> u8 {
        x
    }
    #[singleton(show_spinner = false)]
    fn quiet(x: u8) -> u8 {
        x
    }
    let c = Count::default();
    tracing::subscriber::with_default(c.clone(), || {
        client(1);
        client(1);
        client(2);
    });
    assert_eq!(c.0.load(Ordering::SeqCst), 2);
    let c = Count::default();
    tracing::subscriber::with_default(c.clone(), || {
        by_default(1);
        by_default(1);
        quiet(1);
        quiet(2);
    });
    assert_eq!(c.0.load(Ordering::SeqCst), 1);
}
