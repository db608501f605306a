//! The Redis backend (cargo feature `redis`): entries shared by every process that reaches one
//! Redis server, stored in the same bytes as on disk ([`format`](super::format::encode_entry)).
//!
//! - Keys: `<prefix>:<function key>:<value key>` (32 lowercase hex digits each), the value the
//!   encoded entry, with the entry's remaining TTL as the key's expiry (`PX`). Clearing a function
//!   or everything walks the keyspace with `SCAN MATCH` (never `KEYS`, which blocks the server)
//!   and deletes exactly the keys of that shape, so other data on the server stays.
//! - Leases for single flight across processes: `<prefix>:<function key>:<value key>:lease`, set
//!   with `SET NX PX` to a random token and deleted by a script only while they still hold that
//!   token.
//! - Failures never become outages. Connecting and every command have a timeout
//!   ([`RedisConfig`]); a failed command opens a circuit breaker: for [`RedisConfig::backoff`]
//!   every operation fails at once without touching the network, then one caller probes the
//!   server again. Only the first failure of an episode is returned as news
//!   ([`PersistError::repeated`] is set on the others), so callers warn once per outage, and the
//!   end of an episode is logged (target `cache_store::persist`). A pooled connection broken by
//!   a server restart is replaced and the command retried once before that counts as a failure.
//! - An entry larger than [`RedisConfig::max_value_bytes`] is not written
//!   ([`ErrorKind::TooLarge`], news once per function).

use std::collections::HashSet;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use redis::{Client, Connection, RedisError};

use super::format;
use super::{Backend, Entry, EntryHeader, EntryKey, ErrorKind, PersistError, SingleFlight};

/// Idle connections kept for reuse; more concurrent callers than this connect anew.
const MAX_IDLE: usize = 16;
/// Keys asked of each `SCAN` step.
const SCAN_COUNT: usize = 1000;
/// Deletes only a lease that still holds the caller's token.
const RELEASE_SCRIPT: &str = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/// Timeouts, failure policy and limits of a [`RedisBackend`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RedisConfig {
    /// Bound on opening a connection (a zero duration counts as one millisecond).
    pub connect_timeout: Duration,
    /// Bound on each command's write and read (a zero duration counts as one millisecond).
    /// Large entries need a bound that covers their transfer.
    pub command_timeout: Duration,
    /// After a failure, the server is not contacted for this long.
    pub backoff: Duration,
    /// Entries (header included) larger than this are not written.
    pub max_value_bytes: usize,
    /// Leases and waiting for another process's computation.
    pub single_flight: SingleFlight,
}

impl RedisConfig {
    /// Tens of milliseconds for a server on the same network, a one second backoff, 4 MiB
    /// entries, and leases of 10 s polled every 20 ms, waited for at most 15 s.
    pub const DEFAULT: Self = Self {
        connect_timeout: Duration::from_millis(50),
        command_timeout: Duration::from_millis(50),
        backoff: Duration::from_secs(1),
        max_value_bytes: 4 << 20,
        single_flight: SingleFlight {
            lease: Duration::from_secs(10),
            poll: Duration::from_millis(20),
            max_wait: Duration::from_secs(15),
        },
    };
}

impl Default for RedisConfig {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A Redis URL setting: the URL given to [`RedisUrl::set`], else the environment variable, else
/// a default. Looked up at each connection, so a change applies to the next one.
///
/// ```
/// use cache_store::persist::redis::RedisUrl;
///
/// static URL: RedisUrl = RedisUrl::new("MY_REDIS_URL_UNSET_IN_TESTS", "redis://127.0.0.1:6379");
/// assert_eq!(URL.resolve(), "redis://127.0.0.1:6379");
/// assert!(!URL.is_chosen());
/// URL.set(Some("redis://10.0.0.5:6380/2".into()));
/// assert_eq!(URL.resolve(), "redis://10.0.0.5:6380/2");
/// assert!(URL.is_chosen());
/// URL.set(None);
/// ```
#[derive(Debug)]
pub struct RedisUrl {
    env: &'static str,
    default: &'static str,
    chosen: RwLock<Option<String>>,
}

impl RedisUrl {
    /// A setting read from `env` (empty counts as unset), defaulting to `default`.
    pub const fn new(env: &'static str, default: &'static str) -> Self {
        Self {
            env,
            default,
            chosen: RwLock::new(None),
        }
    }

    /// Chooses the URL for this process (`None`: back to the environment and the default).
    pub fn set(&self, url: Option<String>) {
        *self.chosen.write().unwrap_or_else(|e| e.into_inner()) = url;
    }

    /// The URL in effect now.
    pub fn resolve(&self) -> String {
        if let Some(url) = &*self.chosen.read().unwrap_or_else(|e| e.into_inner()) {
            return url.clone();
        }
        match std::env::var(self.env) {
            Ok(v) if !v.is_empty() => v,
            _ => self.default.to_string(),
        }
    }

    /// The environment variable this setting reads.
    pub fn env_var(&self) -> &'static str {
        self.env
    }

    /// Whether a URL was chosen, by [`RedisUrl::set`] or the environment (rather than the
    /// default being in effect).
    pub fn is_chosen(&self) -> bool {
        self.chosen
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
            || std::env::var_os(self.env).is_some_and(|v| !v.is_empty())
    }
}

#[derive(Debug)]
enum Url {
    Fixed(String),
    Setting(&'static RedisUrl),
}

/// Connections to the current URL: the client, and idle connections for reuse.
#[derive(Default)]
struct Pool {
    url: String,
    client: Option<Client>,
    idle: Vec<Connection>,
}

/// The circuit breaker: closed (`open_until == 0`), or open until a time on [`clock_ms`].
#[derive(Debug)]
struct Breaker {
    open_until: AtomicU64,
    failing: AtomicBool,
}

/// Milliseconds since the first call, plus one (so zero can mean "closed").
fn clock_ms() -> u64 {
    static START: OnceLock<Instant> = OnceLock::new();
    let start = *START.get_or_init(Instant::now);
    u64::try_from(start.elapsed().as_millis())
        .unwrap_or(u64::MAX - 1)
        .saturating_add(1)
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

impl Breaker {
    const fn new() -> Self {
        Self {
            open_until: AtomicU64::new(0),
            failing: AtomicBool::new(false),
        }
    }

    /// Whether a command may go to the server now. Once the backoff has passed, exactly one
    /// caller gets through (it re-arms the breaker first, so the others keep skipping until its
    /// verdict).
    fn admit(&self, backoff: Duration) -> bool {
        let until = self.open_until.load(Ordering::Acquire);
        if until == 0 {
            return true;
        }
        let now = clock_ms();
        now >= until
            && self
                .open_until
                .compare_exchange(
                    until,
                    now.saturating_add(ms(backoff)),
                    Ordering::AcqRel,
                    Ordering::Acquire,
                )
                .is_ok()
    }

    /// Records a failure; whether it continues an episode already reported.
    fn fail(&self, backoff: Duration) -> bool {
        self.open_until
            .store(clock_ms().saturating_add(ms(backoff)), Ordering::Release);
        self.failing.swap(true, Ordering::AcqRel)
    }

    /// Forgets past failures (another server, another configuration).
    fn reset(&self) {
        self.open_until.store(0, Ordering::Release);
        self.failing.store(false, Ordering::Release);
    }

    /// Records a success; whether it ends a failure episode.
    fn succeed(&self) -> bool {
        if self.open_until.load(Ordering::Acquire) != 0 {
            self.open_until.store(0, Ordering::Release);
        }
        self.failing.load(Ordering::Acquire) && self.failing.swap(false, Ordering::AcqRel)
    }
}

/// Entries in a Redis server (see the module docs).
///
/// ```no_run
/// use cache_store::persist::redis::RedisBackend;
/// use cache_store::persist::{Backend, EntryHeader, EntryKey};
///
/// let backend = RedisBackend::at("redis://127.0.0.1:6379", "example");
/// let key = EntryKey { function: 1, value: 2 };
/// backend.put(&EntryHeader::now(key, 0, None), b"bytes").unwrap();
/// assert_eq!(backend.get(key).unwrap().unwrap().payload, b"bytes");
/// assert_eq!(backend.clear_function(1).unwrap(), 1);
/// ```
pub struct RedisBackend {
    url: Url,
    prefix: &'static str,
    config: RwLock<RedisConfig>,
    pool: Mutex<Option<Pool>>,
    breaker: Breaker,
    /// Functions already told that an entry was too large.
    too_large: Mutex<Option<HashSet<u128>>>,
}

impl fmt::Debug for RedisBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisBackend")
            .field("url", &redact(&self.url()))
            .field("prefix", &self.prefix)
            .field("config", &self.config())
            .finish()
    }
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://***@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

/// `pattern` with glob characters escaped, for `SCAN MATCH`.
/// Appends `v` as 32 lowercase hex digits, as `{:032x}` does.
fn push_hex32(out: &mut String, v: u128) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for i in (0..32).rev() {
        out.push(char::from(DIGITS[((v >> (4 * i)) & 0xf) as usize]));
    }
}

fn glob_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

impl RedisBackend {
    /// A backend on a fixed URL; keys start with `<prefix>:`.
    pub fn at(url: impl Into<String>, prefix: &'static str) -> Self {
        Self::with_url(Url::Fixed(url.into()), prefix)
    }

    /// A backend on the URL `setting` resolves to; keys start with `<prefix>:`.
    pub const fn configured(setting: &'static RedisUrl, prefix: &'static str) -> Self {
        Self::with_url(Url::Setting(setting), prefix)
    }

    const fn with_url(url: Url, prefix: &'static str) -> Self {
        Self {
            url,
            prefix,
            config: RwLock::new(RedisConfig::DEFAULT),
            pool: Mutex::new(None),
            breaker: Breaker::new(),
            too_large: Mutex::new(None),
        }
    }

    /// The URL in effect now.
    pub fn url(&self) -> String {
        match &self.url {
            Url::Fixed(u) => u.clone(),
            Url::Setting(s) => s.resolve(),
        }
    }

    /// The configuration in effect.
    pub fn config(&self) -> RedisConfig {
        *self.config.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Replaces the configuration; applies to the next connection (timeouts) and the next
    /// operation (everything else).
    pub fn set_config(&self, config: RedisConfig) {
        *self.config.write().unwrap_or_else(|e| e.into_inner()) = config;
        self.drop_idle();
        self.breaker.reset();
    }

    /// The key of an entry: `<prefix>:<function key>:<value key>`.
    ///
    /// ```
    /// use cache_store::persist::EntryKey;
    /// use cache_store::persist::redis::RedisBackend;
    /// let b = RedisBackend::at("redis://127.0.0.1", "memo");
    /// assert_eq!(b.key(EntryKey { function: 1, value: 2 }), format!("memo:{:032x}:{:032x}", 1, 2));
    /// ```
    pub fn key(&self, key: EntryKey) -> String {
        // Built by hand: `{:032x}` formatting writes its 64 digits one `write_char` at a time,
        // which showed in profiles of a `memory = false` hit (every call builds this key).
        let mut out = String::with_capacity(self.prefix.len() + 2 + 64);
        out.push_str(self.prefix);
        for part in [key.function, key.value] {
            out.push(':');
            push_hex32(&mut out, part);
        }
        out
    }

    /// The key of an entry's lease.
    pub fn lease_key(&self, key: EntryKey) -> String {
        format!("{}:lease", self.key(key))
    }

    /// Whether `name` is an entry key of this backend (of `function`, when given).
    fn is_entry_key(&self, name: &[u8], function: Option<u128>) -> bool {
        let Some(rest) = std::str::from_utf8(name)
            .ok()
            .and_then(|n| n.strip_prefix(self.prefix))
            .and_then(|n| n.strip_prefix(':'))
        else {
            return false;
        };
        let hex = |s: &str| {
            (s.len() == 32 && s.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')))
                .then(|| u128::from_str_radix(s, 16).ok())
                .flatten()
        };
        match rest.split_once(':') {
            Some((f, v)) => {
                let (Some(f), Some(_)) = (hex(f), hex(v)) else {
                    return false;
                };
                function.is_none_or(|want| want == f)
            }
            None => false,
        }
    }

    /// When the URL changed since the last operation: the old server's failures say nothing
    /// about the new one, so the breaker starts closed.
    fn follow_url(&self, url: &str) {
        let guard = self.pool.lock().unwrap_or_else(|e| e.into_inner());
        if guard.as_ref().is_some_and(|pool| pool.url != url) {
            self.breaker.reset();
        }
    }

    fn drop_idle(&self) {
        if let Some(pool) = &mut *self.pool.lock().unwrap_or_else(|e| e.into_inner()) {
            pool.idle.clear();
        }
    }

    /// An idle connection to the current URL, or a client to open one with.
    fn checkout(&self, url: &str) -> Result<Result<Connection, Client>, PersistError> {
        let mut guard = self.pool.lock().unwrap_or_else(|e| e.into_inner());
        let pool = guard.get_or_insert_with(Pool::default);
        if pool.url != url {
            *pool = Pool {
                url: url.to_string(),
                client: None,
                idle: Vec::new(),
            };
        }
        if pool.client.is_none() {
            let client = Client::open(url).map_err(|e| {
                PersistError::new(
                    ErrorKind::Unavailable,
                    format!(
                        "invalid Redis URL `{}` ({e}); expected redis://[user:password@]host[:port][/db]",
                        redact(url)
                    ),
                )
            })?;
            pool.client = Some(client);
        }
        Ok(match pool.idle.pop() {
            Some(c) => Ok(c),
            None => Err(pool.client.clone().expect("set above")),
        })
    }

    fn checkin(&self, url: &str, conn: Connection) {
        let mut guard = self.pool.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(pool) = &mut *guard
            && pool.url == url
            && pool.idle.len() < MAX_IDLE
        {
            pool.idle.push(conn);
        }
    }

    fn connect(client: &Client, config: &RedisConfig) -> Result<Connection, RedisError> {
        let at_least_1ms = |d: Duration| d.max(Duration::from_millis(1));
        let conn = client.get_connection_with_timeout(at_least_1ms(config.connect_timeout))?;
        conn.set_read_timeout(Some(at_least_1ms(config.command_timeout)))?;
        conn.set_write_timeout(Some(at_least_1ms(config.command_timeout)))?;
        Ok(conn)
    }

    /// Runs `op` on a connection, through the circuit breaker (see the module docs).
    fn run<R>(
        &self,
        op: impl Fn(&mut Connection) -> Result<R, RedisError>,
    ) -> Result<R, PersistError> {
        let config = self.config();
        let url = self.url();
        self.follow_url(&url);
        if !self.breaker.admit(config.backoff) {
            return Err(PersistError::new(
                ErrorKind::Unavailable,
                format!(
                    "Redis at {} failed within the last {:?}; not contacted until then",
                    redact(&url),
                    config.backoff
                ),
            )
            .repeated(true));
        }
        let result = self.checkout(&url).and_then(|found| {
            let fresh = |client: &Client| {
                let mut conn = Self::connect(client, &config)?;
                op(&mut conn).map(|r| (r, conn))
            };
            let outcome = match found {
                Err(client) => fresh(&client),
                Ok(mut pooled) => match op(&mut pooled) {
                    Ok(r) => Ok((r, pooled)),
                    // A pooled connection broken since its last use (the server restarted or
                    // closed it as idle): the others are likely broken too; retry once afresh.
                    Err(e) if e.is_connection_dropped() || e.is_io_error() && !e.is_timeout() => {
                        self.drop_idle();
                        match self.checkout(&url)? {
                            Ok(mut c) => op(&mut c).map(|r| (r, c)),
                            Err(client) => fresh(&client),
                        }
                    }
                    Err(e) => Err(e),
                },
            };
            outcome.map_err(|e| self.describe(&url, &e))
        });
        match result {
            Ok((r, conn)) => {
                self.checkin(&url, conn);
                if self.breaker.succeed() {
                    tracing::info!(target: "cache_store::persist", url = %redact(&url), "Redis answers again; using it");
                }
                Ok(r)
            }
            Err(e) => {
                let repeated = self.breaker.fail(config.backoff);
                Err(PersistError {
                    detail: format!(
                        "{}; Redis is not contacted for the next {:?}",
                        e.detail, config.backoff
                    ),
                    ..e
                }
                .repeated(repeated))
            }
        }
    }

    fn describe(&self, url: &str, e: &RedisError) -> PersistError {
        let kind = if e.is_timeout() {
            ErrorKind::Timeout
        } else if e.is_io_error() || e.is_connection_refusal() || e.is_connection_dropped() {
            ErrorKind::Unavailable
        } else {
            ErrorKind::Io
        };
        PersistError::new(kind, format!("Redis at {}: {e}", redact(url)))
    }

    /// Scans for entry keys (of `function`, or all) and deletes them; how many were deleted.
    fn delete_matching(&self, function: Option<u128>) -> Result<usize, PersistError> {
        let pattern = match function {
            Some(f) => format!("{}:{f:032x}:*", glob_escape(self.prefix)),
            None => format!("{}:*", glob_escape(self.prefix)),
        };
        let mut cursor: u64 = 0;
        let mut removed = 0usize;
        loop {
            let (next, keys): (u64, Vec<Vec<u8>>) = self.run(|c| {
                redis::cmd("SCAN")
                    .arg(cursor)
                    .arg("MATCH")
                    .arg(&pattern)
                    .arg("COUNT")
                    .arg(SCAN_COUNT)
                    .query(c)
            })?;
            let doomed: Vec<&Vec<u8>> = keys
                .iter()
                .filter(|k| self.is_entry_key(k, function))
                .collect();
            if !doomed.is_empty() {
                let n: usize = self.run(|c| redis::cmd("DEL").arg(&doomed).query(c))?;
                removed += n;
            }
            if next == 0 {
                return Ok(removed);
            }
            cursor = next;
        }
    }
}

/// A token no other lease holder has: this process, a counter and the time.
fn lease_token() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mut seed = [0u8; 28];
    seed[..4].copy_from_slice(&std::process::id().to_le_bytes());
    seed[4..12].copy_from_slice(&n.to_le_bytes());
    seed[12..].copy_from_slice(&nanos.to_le_bytes());
    xxhash_rust::xxh3::xxh3_64(&seed)
}

impl Backend for RedisBackend {
    fn get(&self, key: EntryKey) -> Result<Option<Entry>, PersistError> {
        let name = self.key(key);
        let bytes: Result<Option<Vec<u8>>, String> = self.run(|c| {
            match redis::cmd("GET").arg(&name).query::<Option<Vec<u8>>>(c) {
                Ok(b) => Ok(Ok(b)),
                // A key of another type under our name: foreign data, not an outage.
                Err(e) if e.code() == Some("WRONGTYPE") => Ok(Err(e.to_string())),
                Err(e) => Err(e),
            }
        })?;
        match bytes {
            Ok(Some(b)) => format::decode_entry_owned(b).map(Some),
            Ok(None) => Ok(None),
            Err(wrong_type) => Err(PersistError::corrupt(format!(
                "Redis key `{name}` is not a string: {wrong_type}"
            ))),
        }
    }

    fn put(&self, header: &EntryHeader, payload: &[u8]) -> Result<(), PersistError> {
        let config = self.config();
        let bytes = format::encode_entry(&Entry {
            header: *header,
            payload: payload.to_vec(),
        });
        if bytes.len() > config.max_value_bytes {
            let mut told = self.too_large.lock().unwrap_or_else(|e| e.into_inner());
            let first = told
                .get_or_insert_with(HashSet::new)
                .insert(header.key.function);
            return Err(PersistError::new(
                ErrorKind::TooLarge,
                format!(
                    "{} bytes exceed the Redis entry limit of {} bytes (RedisConfig::max_value_bytes); \
                     entries of this size stay in memory only",
                    bytes.len(),
                    config.max_value_bytes
                ),
            )
            .repeated(!first));
        }
        let expire_ms = match header.ttl_ms {
            None => None,
            Some(ttl) => match ttl.checked_sub(ms(header.age()).min(ttl)) {
                Some(left) if left > 0 => Some(left),
                // Expired before it was written: nothing to store.
                _ => return Ok(()),
            },
        };
        let name = self.key(header.key);
        self.run(|c| {
            let mut cmd = redis::cmd("SET");
            cmd.arg(&name).arg(&bytes[..]);
            if let Some(px) = expire_ms {
                cmd.arg("PX").arg(px);
            }
            cmd.query::<()>(c)
        })
    }

    fn remove(&self, key: EntryKey) -> Result<bool, PersistError> {
        let name = self.key(key);
        let n: usize = self.run(|c| redis::cmd("DEL").arg(&name).query(c))?;
        Ok(n > 0)
    }

    fn clear_function(&self, function: u128) -> Result<usize, PersistError> {
        self.delete_matching(Some(function))
    }

    fn clear_all(&self) -> Result<usize, PersistError> {
        self.delete_matching(None)
    }

    fn single_flight(&self) -> Option<SingleFlight> {
        Some(self.config().single_flight)
    }

    fn try_lease(&self, key: EntryKey, hold: Duration) -> Result<Option<u64>, PersistError> {
        let name = self.lease_key(key);
        let token = lease_token();
        let set: Option<String> = self.run(|c| {
            redis::cmd("SET")
                .arg(&name)
                .arg(token)
                .arg("NX")
                .arg("PX")
                .arg(ms(hold))
                .query(c)
        })?;
        Ok(set.map(|_| token))
    }

    fn release_lease(&self, key: EntryKey, token: u64) -> Result<(), PersistError> {
        let name = self.lease_key(key);
        self.run(|c| {
            redis::cmd("EVAL")
                .arg(RELEASE_SCRIPT)
                .arg(1)
                .arg(&name)
                .arg(token)
                .query::<()>(c)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_keys_are_recognised_exactly() {
        let b = RedisBackend::at("redis://127.0.0.1", "memo");
        let k = EntryKey {
            function: 0xab,
            value: 7,
        };
        assert!(b.is_entry_key(b.key(k).as_bytes(), None));
        assert!(b.is_entry_key(b.key(k).as_bytes(), Some(0xab)));
        assert!(!b.is_entry_key(b.key(k).as_bytes(), Some(0xac)));
        assert!(!b.is_entry_key(b.lease_key(k).as_bytes(), None));
        assert!(!b.is_entry_key(b"memo:unrelated", None));
        assert!(!b.is_entry_key(
            b"memox:00000000000000000000000000000001:00000000000000000000000000000002",
            None
        ));
    }

    #[test]
    fn passwords_stay_out_of_messages() {
        assert_eq!(
            redact("redis://:s3cret@host:6379/0"),
            "redis://***@host:6379/0"
        );
        assert_eq!(redact("redis://host:6379"), "redis://host:6379");
    }

    #[test]
    fn keys_spell_both_halves_as_32_hex_digits() {
        let b = RedisBackend::at("redis://127.0.0.1", "memo");
        let mut seed = 0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c834_u128;
        for (function, value) in [(0, 0), (1, u128::MAX), (u128::MAX, 0x10)]
            .into_iter()
            .chain((0..64).map(|_| {
                seed = seed.wrapping_mul(0x2360_ed05_1fc6_5da4_4385_df64_9fcc_f645) ^ (seed >> 61);
                (seed, seed.rotate_left(37))
            }))
        {
            assert_eq!(
                b.key(EntryKey { function, value }),
                format!("memo:{function:032x}:{value:032x}")
            );
        }
    }

    #[test]
    fn glob_characters_are_escaped() {
        assert_eq!(glob_escape("a*b?[c]\\"), "a\\*b\\?\\[c\\]\\\\");
    }

    #[test]
    fn breaker_skips_during_backoff_then_admits_one_probe() {
        let b = Breaker::new();
        let backoff = Duration::from_millis(40);
        assert!(b.admit(backoff));
        assert!(!b.fail(backoff), "first failure is news");
        assert!(!b.admit(backoff), "open: skipped");
        std::thread::sleep(Duration::from_millis(60));
        assert!(b.admit(backoff), "one probe after the backoff");
        assert!(!b.admit(backoff), "only one");
        assert!(b.fail(backoff), "a failed probe continues the episode");
        std::thread::sleep(Duration::from_millis(60));
        assert!(b.admit(backoff));
        assert!(b.succeed(), "success ends the episode");
        assert!(b.admit(backoff));
        assert!(!b.succeed());
        assert!(!b.fail(backoff), "a new episode is news again");
    }

    #[test]
    fn invalid_url_is_a_clear_error() {
        let b = RedisBackend::at("http://nowhere", "memo");
        let e = b.get(EntryKey {
            function: 1,
            value: 2,
        });
        let e = e.expect_err("not a Redis URL");
        assert_eq!(e.kind, ErrorKind::Unavailable);
        assert!(e.detail.contains("invalid Redis URL"), "{e}");
        assert!(!e.repeated, "the first failure is news");
        let again = b.get(EntryKey {
            function: 1,
            value: 3,
        });
        assert!(again.expect_err("still invalid").repeated, "reported once");
    }

    #[test]
    fn refused_connection_fails_fast_and_once() {
        // Port 1 on loopback: nothing listens there.
        let b = RedisBackend::at("redis://127.0.0.1:1", "memo");
        let k = EntryKey {
            function: 1,
            value: 2,
        };
        let first = b.get(k).expect_err("nothing listens");
        assert!(!first.repeated, "{first}");
        let second = b.get(k).expect_err("breaker open");
        assert!(second.repeated, "{second}");
    }
}
