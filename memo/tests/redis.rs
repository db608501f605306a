//! `persist = "redis"` against a real `redis-server` (started per test on a free loopback port,
//! see `support/redis_server.rs`): sharing between processes, TTL as Redis expiry, single flight
//! across processes, a server killed or paused mid-run, corrupt and foreign values, FLUSHALL,
//! clearing exactly one's own keys, and the size limit.
//!
//! Tests that run `#[memo]` functions in this process hold [`serial`]: the Redis URL and
//! configuration are process-wide settings. Cross-process tests re-execute this binary with
//! `REDIS_TEST_CHILD` set, which makes [`child`] run one scenario and print its outcome.

#![cfg(feature = "redis")]

mod common;
#[path = "support/redis_server.rs"]
mod redis_server;

use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use common::Capture;
use memo::memo;
use redis_server::RedisServer;

const CHILD_ENV: &str = "REDIS_TEST_CHILD";

static COMPUTED: AtomicUsize = AtomicUsize::new(0);

#[memo(persist = "redis")]
fn shared(x: u64) -> Vec<String> {
    COMPUTED.fetch_add(1, Ordering::SeqCst);
    vec![format!("value {x}"); 3]
}

#[memo(persist = "redis")]
fn slow_shared(x: u64) -> u64 {
    COMPUTED.fetch_add(1, Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(1500));
    x * 3
}

/// One scenario in a child process: prints `RESULT <value>`, `COMPUTED <n>` and one
/// `WARNING <message>` line per warning memo logged.
#[test]
fn child() {
    let Ok(scenario) = std::env::var(CHILD_ENV) else {
        return;
    };
    let arg: u64 = std::env::var("REDIS_TEST_ARG")
        .expect("set by the parent")
        .parse()
        .expect("a number");
    let capture = Capture::default();
    let result = capture.run(|| match scenario.as_str() {
        "shared" => format!("{:?}", shared(arg)),
        "slow" => format!("{:?}", slow_shared(arg)),
        other => panic!("unknown scenario {other}"),
    });
    println!("RESULT {result}");
    println!("COMPUTED {}", COMPUTED.load(Ordering::SeqCst));
    for w in capture.messages("memo") {
        println!("WARNING {w}");
    }
}

/// What a child reported.
#[derive(Debug)]
struct Report {
    result: String,
    computed: usize,
    warnings: Vec<String>,
}

fn spawn_child(server: &RedisServer, scenario: &str, arg: u64) -> std::process::Child {
    Command::new(std::env::current_exe().expect("test binary"))
        .args(["--exact", "child", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, scenario)
        .env("REDIS_TEST_ARG", arg.to_string())
        .env("MEMO_REDIS_URL", server.url())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("re-run the test binary")
}

fn report(out: Output) -> Report {
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child failed: {}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let field = |name: &str| {
        stdout
            .lines()
            // The test harness prints `test child ... ` in front of the first line.
            .find_map(|l| l.split_once(name).map(|(_, v)| v))
            .unwrap_or_else(|| panic!("no {name} line in:\n{stdout}"))
            .to_string()
    };
    Report {
        result: field("RESULT "),
        computed: field("COMPUTED ").parse().expect("a count"),
        warnings: stdout
            .lines()
            .filter_map(|l| l.split_once("WARNING ").map(|(_, v)| v))
            .map(str::to_string)
            .collect(),
    }
}

fn run_child(server: &RedisServer, scenario: &str, arg: u64) -> Report {
    report(
        spawn_child(server, scenario, arg)
            .wait_with_output()
            .expect("child output"),
    )
}

#[test]
fn a_second_process_hits_what_the_first_computed() {
    let Some(server) = RedisServer::start("a_second_process_hits_what_the_first_computed") else {
        return;
    };
    let first = run_child(&server, "shared", 21);
    assert_eq!(first.computed, 1, "{first:?}");
    assert_eq!(first.result, format!("{:?}", vec!["value 21"; 3]));
    let keys = server.keys("memo:*");
    assert_eq!(keys.len(), 1, "one entry key: {keys:?}");
    assert!(
        keys[0].len() == "memo:".len() + 32 + 1 + 32,
        "memo:<function>:<value>: {keys:?}"
    );

    let second = run_child(&server, "shared", 21);
    assert_eq!(second.computed, 0, "read from Redis: {second:?}");
    assert_eq!(second.result, first.result);
    assert!(second.warnings.is_empty(), "{second:?}");
}

#[test]
fn eight_processes_compute_one_missing_value_once() {
    let Some(server) = RedisServer::start("eight_processes_compute_one_missing_value_once") else {
        return;
    };
    let children: Vec<_> = (0..8).map(|_| spawn_child(&server, "slow", 5)).collect();
    let reports: Vec<Report> = children
        .into_iter()
        .map(|c| report(c.wait_with_output().expect("child output")))
        .collect();
    let computed: usize = reports.iter().map(|r| r.computed).sum();
    assert_eq!(
        computed, 1,
        "one computation among 8 processes: {reports:?}"
    );
    assert!(reports.iter().all(|r| r.result == "15"), "{reports:?}");
    assert!(reports.iter().all(|r| r.warnings.is_empty()), "{reports:?}");
    assert_eq!(
        server.keys("*:lease"),
        Vec::<String>::new(),
        "lease released"
    );
    assert_eq!(server.keys("memo:*").len(), 1);
}

#[test]
fn corrupt_foreign_and_wrong_type_values_are_misses_and_replaced() {
    let Some(server) = RedisServer::start("corrupt_foreign_and_wrong_type_values") else {
        return;
    };
    assert_eq!(run_child(&server, "shared", 3).computed, 1);
    let key3 = server.keys("memo:*").remove(0);
    assert_eq!(run_child(&server, "shared", 4).computed, 1);
    let key4 = server
        .keys("memo:*")
        .into_iter()
        .find(|k| *k != key3)
        .expect("a second key");
    let valid: Vec<u8> = server.cmd(&[b"GET", key3.as_bytes()]);
    assert!(valid.starts_with(b"RCACHE"), "the disk entry format");

    let check_replaced = |what: &str| {
        let r = run_child(&server, "shared", 3);
        assert_eq!(r.computed, 1, "{what}: a miss: {r:?}");
        assert_eq!(r.result, format!("{:?}", vec!["value 3"; 3]), "{what}");
        assert!(
            r.warnings
                .iter()
                .any(|w| w.contains("ignoring persisted entry")),
            "{what}: warned: {r:?}"
        );
        let now: Vec<u8> = server.cmd(&[b"GET", key3.as_bytes()]);
        assert!(
            now.starts_with(b"RCACHE"),
            "{what}: replaced by a valid entry"
        );
        assert_eq!(
            run_child(&server, "shared", 3).computed,
            0,
            "{what}: then a hit"
        );
    };

    let _: () = server.cmd(&[b"SET", key3.as_bytes(), b"not an entry at all"]);
    check_replaced("garbage");

    let mut truncated = valid.clone();
    truncated.truncate(valid.len() - 1);
    let _: () = server.cmd(&[b"SET", key3.as_bytes(), &truncated]);
    check_replaced("truncated");

    // A valid entry, but of another key: must not be served as this one.
    let other: Vec<u8> = server.cmd(&[b"GET", key4.as_bytes()]);
    let _: () = server.cmd(&[b"SET", key3.as_bytes(), &other]);
    check_replaced("another key's entry");

    let _: usize = server.cmd(&[b"DEL", key3.as_bytes()]);
    let _: usize = server.cmd(&[b"RPUSH", key3.as_bytes(), b"a list"]);
    check_replaced("a list under the key");
}

#[test]
fn flushall_between_calls_is_a_quiet_miss() {
    let Some(server) = RedisServer::start("flushall_between_calls_is_a_quiet_miss") else {
        return;
    };
    assert_eq!(run_child(&server, "shared", 8).computed, 1);
    let _: () = server.cmd(&[b"FLUSHALL"]);
    let again = run_child(&server, "shared", 8);
    assert_eq!(again.computed, 1, "{again:?}");
    assert!(again.warnings.is_empty(), "{again:?}");
    assert_eq!(server.keys("memo:*").len(), 1, "written again");
    assert_eq!(run_child(&server, "shared", 8).computed, 0);
}

/// Holds the process-wide settings for one in-process test, pointing memo at `server`.
fn serial(server: &RedisServer, config: memo::persist::RedisConfig) -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    let guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    memo::set_redis_url(Some(server.url()));
    memo::persist::set_redis_config(config);
    guard
}

/// The default Redis configuration with another per-command timeout.
fn with_command_timeout(command_timeout: Duration) -> memo::persist::RedisConfig {
    memo::persist::RedisConfig {
        command_timeout,
        ..memo::persist::RedisConfig::DEFAULT
    }
}

/// A tokio runtime whose one thread runs every task, with timers.
fn current_thread_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime")
}

#[test]
fn ttl_is_the_redis_expiry() {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    #[memo(persist = "redis", ttl = "1s")]
    fn short_lived(x: u32) -> u32 {
        RUNS.fetch_add(1, Ordering::SeqCst);
        x + 1
    }

    let Some(server) = RedisServer::start("ttl_is_the_redis_expiry") else {
        return;
    };
    let _s = serial(&server, memo::persist::RedisConfig::DEFAULT);
    assert_eq!(short_lived(1), 2);
    let key = server.keys("memo:*").remove(0);
    let pttl: i64 = server.cmd(&[b"PTTL", key.as_bytes()]);
    assert!(0 < pttl && pttl <= 1000, "PX from the ttl: {pttl}");
    assert_eq!(short_lived(1), 2);
    assert_eq!(RUNS.load(Ordering::SeqCst), 1);

    std::thread::sleep(Duration::from_millis(1100));
    let exists: usize = server.cmd(&[b"EXISTS", key.as_bytes()]);
    assert_eq!(exists, 0, "Redis expired the entry");
    assert_eq!(short_lived(1), 2);
    assert_eq!(RUNS.load(Ordering::SeqCst), 2, "recomputed after the ttl");
}

fn warnings(capture: &Capture) -> Vec<String> {
    capture
        .events()
        .into_iter()
        .filter(|e| e.target == "memo" && e.level == tracing::Level::WARN)
        .map(|e| e.message)
        .collect()
}

#[test]
fn a_killed_server_costs_one_warning_and_recovery_is_automatic() {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    #[memo(persist = "redis")]
    fn resilient(x: u32) -> String {
        RUNS.fetch_add(1, Ordering::SeqCst);
        format!("r{x}")
    }

    let Some(mut server) = RedisServer::start("a_killed_server_costs_one_warning") else {
        return;
    };
    let backoff = Duration::from_millis(200);
    let _s = serial(
        &server,
        memo::persist::RedisConfig {
            backoff,
            ..memo::persist::RedisConfig::DEFAULT
        },
    );
    assert_eq!(resilient(0), "r0");
    assert_eq!(server.keys("memo:*").len(), 1);

    server.kill();
    let capture = Capture::default();
    capture.run(|| {
        for x in 1..=40 {
            assert_eq!(resilient(x), format!("r{x}"));
            if x == 20 {
                // Past the backoff: the breaker lets one probe through, which fails again.
                std::thread::sleep(backoff + Duration::from_millis(50));
            }
        }
        assert_eq!(resilient(0), "r0", "still served from memory");
    });
    assert_eq!(RUNS.load(Ordering::SeqCst), 41);
    let warned = warnings(&capture);
    assert_eq!(
        warned.len(),
        1,
        "one warning for the whole outage: {warned:?}"
    );
    assert!(warned[0].contains("Redis"), "{warned:?}");

    server.restart();
    std::thread::sleep(backoff + Duration::from_millis(50));
    let capture = Capture::default();
    capture.run(|| assert_eq!(resilient(100), "r100"));
    assert!(warnings(&capture).is_empty(), "{:?}", capture.events());
    assert!(
        capture
            .events()
            .iter()
            .any(|e| e.target == "cache_store::persist" && e.message.contains("answers again")),
        "recovery is logged: {:?}",
        capture.events()
    );
    assert_eq!(
        server.keys("memo:*").len(),
        1,
        "written to the restarted server"
    );
}

#[test]
fn a_paused_server_times_out_into_computing() {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    #[memo(persist = "redis")]
    fn patient(x: u32) -> u32 {
        RUNS.fetch_add(1, Ordering::SeqCst);
        x * 2
    }

    let Some(server) = RedisServer::start("a_paused_server_times_out_into_computing") else {
        return;
    };
    let _s = serial(&server, memo::persist::RedisConfig::DEFAULT);
    // Make sure the pool holds a live connection, then stop the server from answering.
    assert_eq!(patient(0), 0);
    let _: () = server.cmd(&[b"CLIENT", b"PAUSE", b"3000", b"ALL"]);
    let capture = Capture::default();
    capture.run(|| {
        for x in 1..=10 {
            assert_eq!(patient(x), x * 2);
        }
    });
    assert_eq!(RUNS.load(Ordering::SeqCst), 11);
    let warned = warnings(&capture);
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(warned[0].contains("timed out"), "{warned:?}");
    let _: () = server.cmd(&[b"CLIENT", b"UNPAUSE"]);
}

#[test]
fn clear_removes_exactly_the_functions_own_keys() {
    #[memo(persist = "redis")]
    fn clear_a(x: u32) -> u32 {
        x
    }
    #[memo(persist = "redis")]
    fn clear_b(x: u32) -> u32 {
        x + 100
    }

    let Some(server) = RedisServer::start("clear_removes_exactly_the_functions_own_keys") else {
        return;
    };
    let _s = serial(&server, memo::persist::RedisConfig::DEFAULT);
    let _: () = server.cmd(&[b"SET", b"other:key", b"keep me"]);
    let _: () = server.cmd(&[b"SET", b"memo:not-an-entry", b"keep me too"]);
    clear_a(1);
    clear_a(2);
    clear_b(1);
    let all = server.keys("memo:*");
    assert_eq!(all.len(), 4, "{all:?}");
    let b_key: Vec<String> = {
        let before = all.clone();
        clear_a::clear();
        let after = server.keys("memo:*");
        assert_eq!(
            after.len(),
            2,
            "a's two entries gone: {before:?} -> {after:?}"
        );
        after
    };
    assert!(b_key.contains(&"memo:not-an-entry".to_string()));
    assert!(clear_b::clear_entry(1));
    assert_eq!(server.keys("memo:*"), vec!["memo:not-an-entry".to_string()]);

    clear_a(3);
    clear_b(3);
    memo::clear_all();
    assert_eq!(server.keys("memo:*"), vec!["memo:not-an-entry".to_string()]);
    let other: String = server.cmd(&[b"GET", b"other:key"]);
    assert_eq!(other, "keep me");
}

#[test]
fn values_over_the_limit_stay_in_memory_with_one_warning() {
    #[memo(persist = "redis")]
    fn blob(n: usize) -> Vec<u8> {
        vec![7; n]
    }

    let Some(server) = RedisServer::start("values_over_the_limit_stay_in_memory") else {
        return;
    };
    let _s = serial(
        &server,
        memo::persist::RedisConfig {
            max_value_bytes: 1000,
            ..memo::persist::RedisConfig::DEFAULT
        },
    );
    let capture = Capture::default();
    capture.run(|| {
        assert_eq!(blob(5000).len(), 5000);
        assert_eq!(blob(6000).len(), 6000);
        assert_eq!(blob(10).len(), 10);
    });
    let warned = warnings(&capture);
    assert_eq!(warned.len(), 1, "warned once: {warned:?}");
    assert!(warned[0].contains("limit"), "{warned:?}");
    assert_eq!(server.keys("memo:*").len(), 1, "only the small value");
    assert_eq!(blob(5000).len(), 5000, "kept in memory");
    assert_eq!(blob::stats().hits, 1);
}

#[test]
fn memory_false_reads_redis_on_every_call() {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    #[memo(persist = "redis", memory = false)]
    fn replica_view(x: u32) -> Vec<u32> {
        RUNS.fetch_add(1, Ordering::SeqCst);
        vec![x; 4]
    }
    #[memo(persist = "redis")]
    fn layered(x: u32) -> Vec<u32> {
        RUNS.fetch_add(100, Ordering::SeqCst);
        vec![x; 2]
    }

    let Some(server) = RedisServer::start("memory_false_reads_redis_on_every_call") else {
        return;
    };
    let _s = serial(&server, memo::persist::RedisConfig::DEFAULT);
    assert_eq!(replica_view(7), vec![7; 4]);
    assert_eq!(replica_view(7), vec![7; 4]);
    assert_eq!(
        RUNS.load(Ordering::SeqCst),
        1,
        "the second call is a Redis hit"
    );
    let stats = replica_view::stats();
    assert_eq!((stats.hits, stats.misses), (1, 1), "{stats:?}");
    assert_eq!(stats.entries, 0, "nothing kept in memory: {stats:?}");

    // What another replica does to Redis (here: deleting the entry) is seen by the next call.
    let key = server.keys("memo:*").remove(0);
    let _: usize = server.cmd(&[b"DEL", key.as_bytes()]);
    assert_eq!(replica_view(7), vec![7; 4]);
    assert_eq!(
        RUNS.load(Ordering::SeqCst),
        2,
        "recomputed: Redis had no entry"
    );
    assert_eq!(server.keys("memo:*"), vec![key], "and written back");

    // The same deletion under the default memory layer is not seen: the hit is in memory.
    assert_eq!(layered(7), vec![7; 2]);
    let keys = server.keys("memo:*");
    for k in &keys {
        let _: usize = server.cmd(&[b"DEL", k.as_bytes()]);
    }
    assert_eq!(layered(7), vec![7; 2]);
    assert_eq!(RUNS.load(Ordering::SeqCst), 102, "a memory hit");
    assert_eq!(
        server.keys("*:lease"),
        Vec::<String>::new(),
        "leases released"
    );
}

#[test]
fn async_calls_wait_for_redis_without_blocking_the_executor() {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    #[memo(persist = "redis", memory = false)]
    async fn remote(x: u32) -> u32 {
        RUNS.fetch_add(1, Ordering::SeqCst);
        x + 1
    }

    let Some(server) = RedisServer::start("async_calls_wait_for_redis_without_blocking") else {
        return;
    };
    let _s = serial(&server, with_command_timeout(Duration::from_millis(400)));
    // One thread for every task: a call that blocked it would stop the ticker below.
    let rt = current_thread_runtime();
    rt.block_on(async {
        assert_eq!(remote(1).await, 2);
        // The write and then the lease release run in the background. The lease key matches
        // `memo:*` too, so wait for both: a value key present and no lease left.
        let mut landed = None;
        for _ in 0..400 {
            let keys = server.keys("memo:*");
            let values = keys.iter().filter(|k| !k.ends_with(":lease")).count();
            if values == 1 && values == keys.len() {
                landed = Some(keys);
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert!(
            landed.is_some(),
            "within 2 s the value was written and the lease released: {:?}",
            server.keys("memo:*")
        );
        assert_eq!(remote(1).await, 2);
        assert_eq!(RUNS.load(Ordering::SeqCst), 1, "the second call read Redis");
        assert_eq!(
            server.keys("*:lease"),
            Vec::<String>::new(),
            "a hit takes no lease"
        );

        // A paused server holds the next read for the whole 400 ms command timeout.
        let _: () = server.cmd(&[b"CLIENT", b"PAUSE", b"2000", b"ALL"]);
        let ticks = std::sync::Arc::new(AtomicUsize::new(0));
        let ticker = {
            let ticks = ticks.clone();
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    ticks.fetch_add(1, Ordering::SeqCst);
                }
            })
        };
        tokio::task::yield_now().await;
        let before = ticks.load(Ordering::SeqCst);
        let started = std::time::Instant::now();
        assert_eq!(remote(1).await, 2, "timed out into computing");
        let waited = started.elapsed();
        let during = ticks.load(Ordering::SeqCst) - before;
        ticker.abort();
        assert!(
            waited >= Duration::from_millis(300),
            "the read waited: {waited:?}"
        );
        assert!(
            during >= 10,
            "the executor kept running other tasks during the {waited:?} wait: {during} ticks"
        );
    });
    let _: () = server.cmd(&[b"CLIENT", b"UNPAUSE"]);
}

/// Polls until no lease key is left (or `within` passed); how long that took, `None` if a lease
/// was still there at the end.
fn leases_gone_within(server: &RedisServer, within: Duration) -> Option<Duration> {
    let started = std::time::Instant::now();
    loop {
        if server.keys("*:lease").is_empty() {
            return Some(started.elapsed());
        }
        if started.elapsed() >= within {
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// How many `SET` commands the server has run (`INFO commandstats`).
fn set_calls(server: &RedisServer) -> u64 {
    let info: String = server.cmd(&[b"INFO", b"commandstats"]);
    info.lines()
        .find_map(|l| l.strip_prefix("cmdstat_set:calls="))
        .map_or(0, |rest| {
            rest.split(',')
                .next()
                .unwrap_or("0")
                .parse()
                .expect("a count")
        })
}

/// The lease's own expiry, for messages: what the others would wait without a release.
fn lease_pttl(server: &RedisServer) -> Vec<(String, i64)> {
    server
        .keys("*:lease")
        .into_iter()
        .map(|k| {
            let pttl: i64 = server.cmd(&[b"PTTL", k.as_bytes()]);
            (k, pttl)
        })
        .collect()
}

#[test]
fn a_cancelled_async_computation_releases_its_lease() {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    #[memo(persist = "redis")]
    async fn slow_remote(x: u32) -> u32 {
        RUNS.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_secs(3)).await;
        x * 2
    }

    let Some(server) = RedisServer::start("a_cancelled_async_computation_releases_its_lease")
    else {
        return;
    };
    // Commands wait out the pause below instead of timing out.
    let _s = serial(&server, with_command_timeout(Duration::from_secs(3)));
    let rt = current_thread_runtime();
    let dropping = rt.block_on(async {
        let mut call = Box::pin(slow_remote(4));
        let cancelled = tokio::time::timeout(Duration::from_millis(300), &mut call).await;
        assert!(cancelled.is_err(), "still computing");
        assert_eq!(server.keys("*:lease").len(), 1, "the call holds the lease");
        // With writes paused, a release on the dropping thread would block it for the pause.
        let _: () = server.cmd(&[b"CLIENT", b"PAUSE", b"800", b"WRITE"]);
        let started = std::time::Instant::now();
        drop(call);
        started.elapsed()
    });
    assert_eq!(RUNS.load(Ordering::SeqCst), 1, "the body had started");
    assert!(
        dropping < Duration::from_millis(400),
        "dropping the call waited {dropping:?} for Redis on the executor's thread"
    );
    let lease = memo::persist::redis_config().single_flight.lease;
    let gone = leases_gone_within(&server, lease / 5);
    assert!(
        gone.is_some(),
        "the cancelled call's lease is still held (PTTL {:?}): others would wait for it to expire",
        lease_pttl(&server)
    );
    assert_eq!(
        server.keys("memo:*"),
        Vec::<String>::new(),
        "nothing written"
    );

    // The same without the memory layer (its own call path).
    #[memo(persist = "redis", memory = false)]
    async fn slow_replica(x: u32) -> u32 {
        RUNS.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_secs(3)).await;
        x * 3
    }
    rt.block_on(async {
        let cancelled = tokio::time::timeout(Duration::from_millis(300), slow_replica(4)).await;
        assert!(cancelled.is_err(), "cancelled mid-computation");
    });
    assert_eq!(RUNS.load(Ordering::SeqCst), 2, "the body had started");
    assert!(
        leases_gone_within(&server, lease / 5).is_some(),
        "the cancelled call's lease is still held (PTTL {:?})",
        lease_pttl(&server)
    );
}

#[test]
fn a_lease_taken_after_the_caller_was_cancelled_is_released() {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    #[memo(persist = "redis")]
    async fn contended(x: u32) -> u32 {
        RUNS.fetch_add(1, Ordering::SeqCst);
        x + 7
    }

    let Some(server) = RedisServer::start("a_lease_taken_after_the_caller_was_cancelled") else {
        return;
    };
    // Commands wait out the pause below instead of timing out.
    let _s = serial(&server, with_command_timeout(Duration::from_secs(3)));
    let rt = current_thread_runtime();
    // Writes wait 600 ms, reads do not: the call's read misses, then its `SET NX` of the lease
    // waits on a persistence worker while the caller is cancelled; the worker takes the lease
    // once the pause ends, for a caller that is gone.
    let _: () = server.cmd(&[b"CLIENT", b"PAUSE", b"600", b"WRITE"]);
    let paused = std::time::Instant::now();
    rt.block_on(async {
        let cancelled = tokio::time::timeout(Duration::from_millis(150), contended(1)).await;
        assert!(
            cancelled.is_err(),
            "cancelled while the lease was being taken"
        );
    });
    assert_eq!(RUNS.load(Ordering::SeqCst), 0, "cancelled before computing");
    let lease = memo::persist::redis_config().single_flight.lease;
    // The worker's `SET NX` runs when the pause ends (the only `SET` so far on this server).
    while set_calls(&server) == 0 {
        assert!(paused.elapsed() < lease, "the lease was never taken");
        std::thread::sleep(Duration::from_millis(10));
    }
    let gone = leases_gone_within(&server, lease / 5);
    assert!(
        gone.is_some(),
        "the lease taken for the cancelled call is still held (PTTL {:?})",
        lease_pttl(&server)
    );
    // The next caller computes at once instead of waiting for the lease to expire.
    let started = std::time::Instant::now();
    assert_eq!(rt.block_on(contended(1)), 8);
    assert_eq!(RUNS.load(Ordering::SeqCst), 1);
    assert!(
        started.elapsed() < lease / 5,
        "the next call waited {:?}",
        started.elapsed()
    );
    // The write and the release run on a worker: done before the next test points memo at
    // its own server.
    assert!(leases_gone_within(&server, lease / 5).is_some());
}

#[test]
fn a_panicking_blocking_computation_releases_its_lease() {
    #[memo(persist = "redis")]
    fn fragile(x: u32) -> u32 {
        assert!(x != 13, "unlucky argument");
        x
    }

    let Some(server) = RedisServer::start("a_panicking_blocking_computation_releases_its_lease")
    else {
        return;
    };
    // A loaded machine must not turn the lease's commands into client-side timeouts.
    let _s = serial(&server, with_command_timeout(Duration::from_secs(3)));
    let capture = Capture::default();
    let panicked = capture.run(|| std::panic::catch_unwind(|| fragile(13)));
    assert_eq!(set_calls(&server), 1, "the call took the lease");
    assert!(panicked.is_err(), "the body panicked");
    // Released on the unwinding thread before the panic reached us: no wait needed.
    assert_eq!(
        lease_pttl(&server),
        Vec::<(String, i64)>::new(),
        "lease released by the unwinding call; events: {:?}",
        capture.events()
    );
    assert_eq!(
        server.keys("memo:*"),
        Vec::<String>::new(),
        "nothing written"
    );
    assert_eq!(fragile(12), 12, "the function still works");
}

#[test]
fn async_memory_false_callers_never_recompute_a_value_still_being_written() {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    #[memo(persist = "redis", memory = false)]
    async fn replicated(x: u32) -> Vec<u32> {
        RUNS.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(200)).await;
        vec![x; 8]
    }

    let Some(server) = RedisServer::start("async_memory_false_callers_never_recompute") else {
        return;
    };
    // Commands wait out the pause below instead of timing out.
    let _s = serial(&server, with_command_timeout(Duration::from_secs(3)));
    let rt = current_thread_runtime();
    rt.block_on(async {
        let first = tokio::spawn(replicated(5));
        tokio::time::sleep(Duration::from_millis(50)).await;
        // The call holds the lease and computes; its write, handed to a worker when it
        // returns, waits for the pause to end.
        let _: () = server.cmd(&[b"CLIENT", b"PAUSE", b"600", b"WRITE"]);
        assert_eq!(first.await.expect("no panic"), vec![5; 8]);
        let entries = |keys: Vec<String>| keys.into_iter().filter(|k| !k.ends_with(":lease"));
        assert_eq!(
            entries(server.keys("memo:*")).count(),
            0,
            "returned before its write landed"
        );
        assert_eq!(server.keys("*:lease").len(), 1, "the lease is still held");
        // A caller missing the key meanwhile waits on the lease, which is released only after
        // the write, so it reads the value instead of computing it again.
        assert_eq!(replicated(5).await, vec![5; 8]);
        assert_eq!(RUNS.load(Ordering::SeqCst), 1, "read back, not recomputed");
        assert_eq!(replicated::stats().hits, 1);
    });
    assert!(leases_gone_within(&server, Duration::from_secs(2)).is_some());
}
