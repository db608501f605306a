//! The Redis section of the main job: memo with `persist = "redis", memory = false` (every call
//! reads Redis) against `cached` 4.1's Redis store and a bare `GET` + bincode decode, all on one
//! `redis-server` this section starts on a free loopback port, for the same values: W3's scalar,
//! W2 records and a W1 frame. Each row is a median hit and the bytes one hit moves (the
//! `STRLEN` of the value each variant stored). Then the cross-replica single flight
//! ([`replica`]): several processes miss one key at once.
//!
//! Without `redis-server` the section is skipped with a loud line on stderr naming the package,
//! and the report says so; the rest of the main job is unaffected.

pub mod replica;

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use cache_store::persist::redis_server::RedisServer;
use cached::ConcurrentCached;
use polars::prelude::DataFrame;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::measure::{self, Budget, Timing};
use crate::workloads::{self, Feature};

/// What the Redis section measures.
#[derive(Debug, Clone, PartialEq)]
pub struct RedisPlan {
    /// W2 record count of the records row.
    pub records: usize,
    /// W1 height (12-byte strings) of the frame row.
    pub frame_rows: usize,
    /// Processes of the single-flight measurement (0: not measured).
    pub replicas: usize,
    /// Fixed cost of the single-flight function body.
    pub body: Duration,
    /// The harness binary the replicas run (`None`: single flight not measured).
    pub exe: Option<PathBuf>,
}

impl RedisPlan {
    /// The main job's plan: 100k records, a 1M-row frame, 8 replicas with a 200 ms body.
    pub fn quick() -> Self {
        Self {
            records: 100_000,
            frame_rows: 1_000_000,
            replicas: 8,
            body: Duration::from_millis(200),
            exe: None,
        }
    }

    /// Small values and no replicas, for tests.
    pub fn tiny() -> Self {
        Self {
            records: 500,
            frame_rows: 1_000,
            replicas: 0,
            body: Duration::from_millis(20),
            exe: None,
        }
    }
}

/// The value a row reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RedisValue {
    /// W3's `u64`.
    Scalar,
    /// W2 records (count).
    Records(usize),
    /// A W1 frame with 12-byte strings (rows).
    Frame(usize),
}

impl RedisValue {
    /// Label for tables.
    pub fn label(self) -> String {
        match self {
            RedisValue::Scalar => "W3 scalar `u64`".into(),
            RedisValue::Records(n) => format!("W2 {} records", crate::suite::thousands(n)),
            RedisValue::Frame(n) => format!("W1 frame {} rows", crate::suite::thousands(n)),
        }
    }
}

/// Who reads the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RedisVariant {
    /// `#[memo(persist = "redis", memory = false)]`.
    Memo,
    /// The same on an `async fn`, awaited with a minimal executor: the Redis read runs on a
    /// persistence worker, so this row is [`RedisVariant::Memo`] plus a thread hand-off.
    MemoAsync,
    /// `cached` 4.1 `RedisCache` (MessagePack), checked before computing as `#[io_cached]` does.
    Cached,
    /// A bare `GET` of the value's bincode bytes and their decode.
    Floor,
}

impl RedisVariant {
    /// All, in table order.
    pub const ALL: [RedisVariant; 4] = [
        RedisVariant::Memo,
        RedisVariant::MemoAsync,
        RedisVariant::Cached,
        RedisVariant::Floor,
    ];

    /// Id for tables.
    pub fn id(self) -> &'static str {
        match self {
            RedisVariant::Memo => "memo-redis",
            RedisVariant::MemoAsync => "memo-redis-async",
            RedisVariant::Cached => "cached-redis",
            RedisVariant::Floor => "floor-get-decode",
        }
    }
}

/// One measured (value, variant).
#[derive(Debug, Clone, PartialEq)]
pub struct RedisRow {
    /// The value.
    pub value: RedisValue,
    /// Who read it.
    pub variant: RedisVariant,
    /// Median hit.
    pub hit: Timing,
    /// Bytes of the stored value one hit transfers (the reply's payload).
    pub bytes: usize,
}

/// What the section produced.
#[derive(Debug, Clone, PartialEq)]
pub enum RedisSection {
    /// Not run, and why (e.g. no `redis-server`).
    Skipped(String),
    /// Measured.
    Measured {
        /// Hit rows.
        rows: Vec<RedisRow>,
        /// Variants that could not be measured on a value, and why.
        failures: Vec<String>,
        /// The cross-replica single flight, when measured.
        flight: Option<replica::Flight>,
        /// `redis-server --version`'s first words.
        server: String,
    },
}

impl RedisSection {
    /// The row of `(value, variant)`, if measured.
    pub fn row(&self, value: RedisValue, variant: RedisVariant) -> Option<&RedisRow> {
        match self {
            RedisSection::Measured { rows, .. } => rows
                .iter()
                .find(|r| r.value == value && r.variant == variant),
            RedisSection::Skipped(_) => None,
        }
    }
}

#[memo::memo(persist = "redis", memory = false, show_spinner = false)]
fn memo_scalar(x: u64) -> u64 {
    workloads::count_computation();
    workloads::scalar(x)
}

#[memo::memo(persist = "redis", memory = false, show_spinner = false)]
fn memo_records(n: usize) -> Vec<Feature> {
    workloads::count_computation();
    workloads::records(n)
}

#[memo::memo(persist = "redis", memory = false, show_spinner = false)]
fn memo_frame(rows: usize) -> DataFrame {
    workloads::count_computation();
    workloads::frame(rows, 12)
}

#[memo::memo(persist = "redis", memory = false, show_spinner = false)]
async fn memo_scalar_async(x: u64) -> u64 {
    workloads::count_computation();
    workloads::scalar(x)
}

#[memo::memo(persist = "redis", memory = false, show_spinner = false)]
async fn memo_records_async(n: usize) -> Vec<Feature> {
    workloads::count_computation();
    workloads::records(n)
}

#[memo::memo(persist = "redis", memory = false, show_spinner = false)]
async fn memo_frame_async(rows: usize) -> DataFrame {
    workloads::count_computation();
    workloads::frame(rows, 12)
}

/// Wakes the thread that awaits.
struct Unpark(std::thread::Thread);

impl std::task::Wake for Unpark {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs a future to completion on this thread (the least an executor does: poll, park until
/// woken), so the async row measures memo, not a runtime.
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    let waker = std::task::Waker::from(std::sync::Arc::new(Unpark(std::thread::current())));
    let mut cx = std::task::Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let std::task::Poll::Ready(v) = future.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::park();
    }
}

/// A `cached` Redis store on `url` under `prefix`, read the way `#[io_cached(redis = true)]`
/// reads it: `cache_get`, and on a miss compute and `cache_set`.
struct CachedFn<K, V> {
    cache: cached::RedisCache<K, V>,
}

impl<K, V> CachedFn<K, V>
where
    K: std::fmt::Display + Clone + Send + Sync,
    V: Serialize + DeserializeOwned + Clone + Send + Sync,
{
    fn new(url: &str, prefix: &str) -> Result<Self, String> {
        cached::RedisCache::builder(prefix)
            .connection_string(url)
            .build()
            .map(|cache| Self { cache })
            .map_err(|e| format!("cached RedisCache: {e}"))
    }

    fn call(&self, key: K, compute: impl FnOnce() -> V) -> Result<V, String> {
        if let Some(v) = self.cache.cache_get(&key).map_err(|e| e.to_string())? {
            return Ok(v);
        }
        workloads::count_computation();
        let v = compute();
        self.cache
            .cache_set(key, v.clone())
            .map_err(|e| e.to_string())?;
        Ok(v)
    }
}

/// Runs the section: `Skipped` without `redis-server` (after a loud line on stderr).
pub fn run(plan: &RedisPlan, budget: &Budget) -> RedisSection {
    let server = match RedisServer::start() {
        Ok(s) => s,
        Err(e) => {
            // A missing binary's message already names `apt-get install redis-server`.
            let why = format!("Redis section skipped: {e}");
            use std::io::Write as _;
            let _ = writeln!(std::io::stderr().lock(), "\n!!!!! SKIP {why} !!!!!\n");
            return RedisSection::Skipped(why);
        }
    };
    let url = server.url();
    memo::set_redis_url(Some(url.clone()));
    // A 1M-row frame is tens of MB: the default 4 MiB limit and 50 ms timeout are for values a
    // shared cache usually holds, not for this measurement.
    memo::persist::set_redis_config(memo::persist::RedisConfig {
        command_timeout: Duration::from_secs(30),
        max_value_bytes: 1 << 30,
        ..memo::persist::RedisConfig::DEFAULT
    });
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    let x = 0x2366u64;
    compare(
        &server,
        budget,
        RedisValue::Scalar,
        (move || memo_scalar(x), memo_scalar::clear),
        (
            move || block_on(memo_scalar_async(x)),
            memo_scalar_async::clear,
        ),
        x,
        move || workloads::scalar(x),
        &mut rows,
        &mut failures,
    );
    let n = plan.records;
    compare(
        &server,
        budget,
        RedisValue::Records(n),
        (move || memo_records(n), memo_records::clear),
        (
            move || block_on(memo_records_async(n)),
            memo_records_async::clear,
        ),
        n,
        move || workloads::records(n),
        &mut rows,
        &mut failures,
    );
    workloads::release_sources();
    let h = plan.frame_rows;
    compare(
        &server,
        budget,
        RedisValue::Frame(h),
        (move || memo_frame(h), memo_frame::clear),
        (
            move || block_on(memo_frame_async(h)),
            memo_frame_async::clear,
        ),
        h,
        move || workloads::frame(h, 12),
        &mut rows,
        &mut failures,
    );
    workloads::release_sources();
    let flight = match (&plan.exe, plan.replicas) {
        (Some(exe), n) if n > 0 => match replica::measure(exe, &url, n, plan.body) {
            Ok(f) => Some(f),
            Err(e) => {
                failures.push(format!("single flight: {e}"));
                None
            }
        },
        _ => None,
    };
    memo::set_redis_url(None);
    memo::persist::set_redis_config(memo::persist::RedisConfig::DEFAULT);
    RedisSection::Measured {
        rows,
        failures,
        flight,
        server: server_version(),
    }
}

fn server_version() -> String {
    std::process::Command::new(cache_store::persist::redis_server::binary())
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.split_whitespace().take(3).last().map(str::to_string))
        .unwrap_or_else(|| "unknown".into())
}

/// The `STRLEN` of the one entry key matching `pattern` that is not in `known`, and its name.
fn stored_len(
    server: &RedisServer,
    pattern: &str,
    known: &[String],
) -> Result<(String, usize), String> {
    let mut keys = server.keys(pattern).map_err(|e| e.to_string())?;
    // A computation's lease matches the entry patterns too.
    keys.retain(|k| !k.ends_with(":lease") && !known.contains(k));
    match keys.as_slice() {
        [key] => server
            .cmd(&[b"STRLEN", key.as_bytes()])
            .map(|len| (key.clone(), len))
            .map_err(|e| e.to_string()),
        other => Err(format!(
            "expected one new key matching `{pattern}`, found {other:?}"
        )),
    }
}

/// One variant ready to be timed: the value is in Redis, `run(n)` makes `n` hits.
struct Ready<'a> {
    variant: RedisVariant,
    bytes: usize,
    run: Box<dyn FnMut(u64) + 'a>,
}

/// `run(n)` of a fallible read: `n` calls, keeping the last error in `failed`.
fn timed_calls<'a, V>(
    failed: &'a std::cell::RefCell<Option<String>>,
    mut call: impl FnMut() -> Result<V, String> + 'a,
) -> Box<dyn FnMut(u64) + 'a> {
    Box::new(move |n| {
        for _ in 0..n {
            match call() {
                Ok(v) => drop(black_box(v)),
                Err(e) => *failed.borrow_mut() = Some(e),
            }
        }
    })
}

/// memo's variant of one value: the first call computes and writes (the async path in the
/// background, so wait until the entry is there); the timed calls all read Redis.
fn prepare_memo<'a, V: 'a>(
    server: &RedisServer,
    variant: RedisVariant,
    call: impl Fn() -> V + 'a,
    known: &mut Vec<String>,
) -> Result<Ready<'a>, (RedisVariant, String)> {
    drop(call());
    let mut stored = stored_len(server, "memo:*", known);
    for _ in 0..500 {
        if stored.is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
        stored = stored_len(server, "memo:*", known);
    }
    let (name, bytes) = stored.map_err(|e| (variant, e))?;
    known.push(name);
    Ok(Ready {
        variant,
        bytes,
        run: Box::new(move |n| (0..n).for_each(|_| drop(black_box(call())))),
    })
}

/// Measures the four reads of one value side by side, leaving the server empty.
///
/// Every variant first stores the value (memo and `cached` by a computing call, the floor by a
/// `SET`); then their hits are timed in alternation ([`measure::measure_interleaved`]): a
/// loopback round trip's latency changes mode during a run (tens of µs in one stretch, hundreds
/// in the next), and timing the variants one after the other made their ratio depend on which
/// one ran in which stretch.
#[allow(clippy::too_many_arguments)]
fn compare<K, V>(
    server: &RedisServer,
    budget: &Budget,
    value: RedisValue,
    memo_sync: (impl Fn() -> V + Copy + 'static, impl Fn()),
    memo_async: (impl Fn() -> V + Copy + 'static, impl Fn()),
    key: K,
    compute: impl Fn() -> V + Copy + 'static,
    rows: &mut Vec<RedisRow>,
    failures: &mut Vec<String>,
) where
    K: std::fmt::Display + Clone + Send + Sync + 'static,
    V: Serialize + DeserializeOwned + Clone + Send + Sync + 'static,
{
    let label = value.label();
    // The first error of a timed call, per variant (declared before the runs that borrow it).
    let failed: Vec<std::cell::RefCell<Option<String>>> = RedisVariant::ALL
        .iter()
        .map(|_| std::cell::RefCell::new(None))
        .collect();
    let slot = |variant: RedisVariant| {
        let i = RedisVariant::ALL.iter().position(|v| *v == variant);
        &failed[i.unwrap_or(0)]
    };
    let before = workloads::computations();
    let mut known = Vec::new();
    let mut ready: Vec<Ready<'_>> = Vec::new();
    for prepared in [
        prepare_memo(server, RedisVariant::Memo, memo_sync.0, &mut known),
        prepare_memo(server, RedisVariant::MemoAsync, memo_async.0, &mut known),
    ] {
        match prepared {
            Ok(r) => ready.push(r),
            Err((variant, e)) => failures.push(format!("{label} · {}: {e}", variant.id())),
        }
    }

    let prefix = "harness";
    let theirs = CachedFn::<K, V>::new(&server.url(), prefix).and_then(|f| {
        drop(f.call(key.clone(), compute)?);
        let (_, bytes) = stored_len(server, &format!("*{prefix}*"), &known)?;
        Ok((f, bytes))
    });
    let cached_fn = match theirs {
        Ok((f, bytes)) => {
            let f = std::rc::Rc::new(f);
            let timed = f.clone();
            let failed = slot(RedisVariant::Cached);
            ready.push(Ready {
                variant: RedisVariant::Cached,
                bytes,
                run: timed_calls(failed, move || timed.call(black_box(key.clone()), compute)),
            });
            Some(f)
        }
        Err(e) => {
            failures.push(format!("{label} · {}: {e}", RedisVariant::Cached.id()));
            None
        }
    };

    let floor = (|| {
        let bytes = memo::codec::encode(&compute()).map_err(|e| e.to_string())?;
        let mut conn = server.conn().map_err(|e| e.to_string())?;
        redis::cmd("SET")
            .arg("floor")
            .arg(&bytes[..])
            .query::<()>(&mut conn)
            .map_err(|e| e.to_string())?;
        Ok::<_, String>((conn, bytes.len()))
    })();
    match floor {
        Ok((mut conn, bytes)) => {
            let failed = slot(RedisVariant::Floor);
            ready.push(Ready {
                variant: RedisVariant::Floor,
                bytes,
                run: timed_calls(failed, move || {
                    let got: Result<Vec<u8>, _> =
                        redis::cmd("GET").arg(black_box("floor")).query(&mut conn);
                    got.map_err(|e| e.to_string())
                        .and_then(|b| memo::codec::decode::<V>(&b).map_err(|e| e.to_string()))
                }),
            });
        }
        Err(e) => failures.push(format!("{label} · {}: {e}", RedisVariant::Floor.id())),
    }

    let mut runs: Vec<&mut dyn FnMut(u64)> = ready.iter_mut().map(|r| &mut *r.run as _).collect();
    let timings = measure::measure_interleaved(&mut runs, budget);
    drop(runs);
    // memo's two functions and `cached` computed once each when they stored the value; any
    // further computation means a timed call missed.
    let stored_by_call = ready
        .iter()
        .filter(|r| r.variant != RedisVariant::Floor)
        .count();
    let computed_while_timed = workloads::computations() != before + stored_by_call as u64;
    for (r, hit) in ready.iter().zip(timings) {
        let error = slot(r.variant).borrow_mut().take();
        let missed = computed_while_timed && r.variant != RedisVariant::Floor;
        match error {
            Some(e) => failures.push(format!("{label} · {}: {e}", r.variant.id())),
            None if missed => failures.push(format!(
                "{label} · {}: a timed call computed (a Redis read failed; see the warnings)",
                r.variant.id()
            )),
            None => rows.push(RedisRow {
                value,
                variant: r.variant,
                hit,
                bytes: r.bytes,
            }),
        }
    }
    drop(ready);
    memo_sync.1();
    memo_async.1();
    if let Some(f) = cached_fn {
        let _ = f.cache.cache_clear();
    }
    let _: Result<usize, _> = server.cmd(&[b"DEL", b"floor"]);
}
