//! Cross-replica single flight, measured with real processes: the harness binary re-runs itself
//! as `replicas` replicas (the hidden environment variable [`REPLICA_ENV`]), which all call one
//! function with one key at the same instant, on a key nobody has computed. The body sleeps a
//! fixed time, so the time until every replica has the value shows whether they waited for one
//! computation or each ran their own.
//!
//! - memo (`persist = "redis", memory = false`): one replica takes the lease, the others poll
//!   for its value: the goal is 1 computation.
//! - `cached`'s Redis store has no lease: every replica that misses computes.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Set in a replica's environment: `memo` or `cached`.
pub const REPLICA_ENV: &str = "CACHE_HARNESS_REDIS_REPLICA";
const URL_ENV: &str = "CACHE_HARNESS_REDIS_URL";
const START_ENV: &str = "CACHE_HARNESS_REDIS_START_MS";
const BODY_ENV: &str = "CACHE_HARNESS_REDIS_BODY_MS";

/// The single flight of one cache across replicas.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FlightRun {
    /// Function bodies run, summed over the replicas.
    pub computations: u64,
    /// From the common start until the last replica had the value.
    pub all_have: Duration,
}

/// memo against `cached`, same server, key, body and replica count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Flight {
    /// Processes.
    pub replicas: usize,
    /// The body's fixed cost.
    pub body: Duration,
    /// memo with its leases.
    pub memo: FlightRun,
    /// `cached`'s Redis store (no single flight across processes).
    pub cached: FlightRun,
}

static BODIES: AtomicU64 = AtomicU64::new(0);

#[memo::memo(persist = "redis", memory = false, show_spinner = false)]
fn flight_memo(key: u64, body_ms: u64) -> u64 {
    BODIES.fetch_add(1, Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(body_ms));
    key.wrapping_mul(3)
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The replica entry point: `None` in a normal run; in a replica (see [`REPLICA_ENV`]) runs the
/// call, prints `COMPUTED <n> DONE_MS <unix ms>` and returns the exit status.
pub fn replica_main() -> Option<std::process::ExitCode> {
    let mode = std::env::var(REPLICA_ENV).ok()?;
    Some(match replica(&mode) {
        Ok(line) => {
            println!("{line}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("replica: {e}");
            std::process::ExitCode::FAILURE
        }
    })
}

fn env_u64(name: &str) -> Result<u64, String> {
    std::env::var(name)
        .map_err(|_| format!("{name} is not set"))?
        .parse()
        .map_err(|_| format!("{name} is not a number"))
}

fn replica(mode: &str) -> Result<String, String> {
    let url = std::env::var(URL_ENV).map_err(|_| format!("{URL_ENV} is not set"))?;
    let start = env_u64(START_ENV)?;
    let body = env_u64(BODY_ENV)?;
    let key = 0x5eed;
    let wait = start.saturating_sub(now_ms());
    std::thread::sleep(Duration::from_millis(wait));
    let value = match mode {
        "memo" => {
            memo::set_redis_url(Some(url));
            flight_memo(key, body)
        }
        "cached" => {
            use cached::ConcurrentCached;
            let cache = cached::RedisCache::<u64, u64>::builder("harness-flight")
                .connection_string(&url)
                .build()
                .map_err(|e| e.to_string())?;
            match cache.cache_get(&key).map_err(|e| e.to_string())? {
                Some(v) => v,
                None => {
                    BODIES.fetch_add(1, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(body));
                    let v = key.wrapping_mul(3);
                    cache.cache_set(key, v).map_err(|e| e.to_string())?;
                    v
                }
            }
        }
        other => return Err(format!("unknown replica mode `{other}`")),
    };
    if value != key.wrapping_mul(3) {
        return Err(format!("wrong value {value}"));
    }
    Ok(format!(
        "COMPUTED {} DONE_MS {}",
        BODIES.load(Ordering::SeqCst),
        now_ms()
    ))
}

/// Runs `replicas` replicas of `mode` against `url` from one start instant.
fn run(
    exe: &Path,
    url: &str,
    mode: &str,
    replicas: usize,
    body: Duration,
) -> Result<FlightRun, String> {
    // Far enough ahead for every process to have started and connected.
    let start = now_ms() + 500 + 100 * replicas as u64;
    let children: Vec<_> = (0..replicas)
        .map(|_| {
            Command::new(exe)
                .env(REPLICA_ENV, mode)
                .env(URL_ENV, url)
                .env(START_ENV, start.to_string())
                .env(BODY_ENV, body.as_millis().to_string())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .map_err(|e| format!("cannot start replica {}: {e}", exe.display()))
        })
        .collect::<Result<_, _>>()?;
    let mut computations = 0;
    let mut last = start;
    for child in children {
        let out = child.wait_with_output().map_err(|e| e.to_string())?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            return Err(format!(
                "replica failed ({}): {}{}",
                out.status,
                stdout,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let fields: Vec<&str> = stdout.split_whitespace().collect();
        let [_, n, _, done] = fields[..] else {
            return Err(format!("unexpected replica output `{stdout}`"));
        };
        computations += n.parse::<u64>().map_err(|e| e.to_string())?;
        last = last.max(done.parse::<u64>().map_err(|e| e.to_string())?);
    }
    Ok(FlightRun {
        computations,
        all_have: Duration::from_millis(last - start),
    })
}

/// memo's and `cached`'s single flight over `replicas` processes of `exe`.
pub fn measure(exe: &Path, url: &str, replicas: usize, body: Duration) -> Result<Flight, String> {
    Ok(Flight {
        replicas,
        body,
        memo: run(exe, url, "memo", replicas, body)?,
        cached: run(exe, url, "cached", replicas, body)?,
    })
}
