//! Where persisted entries live and how their files are named.
//!
//! Everything about persistence itself (the backend trait, the entry format with its type
//! fingerprint and checksums, the codec, the warned-miss policy) lives in
//! [`cache_store::persist`], shared with legacy-cache; this module holds memo's parameters.
//!
//! Directory: the one given to [`set_cache_dir`], else the `MEMO_CACHE_DIR` environment variable,
//! else `$XDG_CACHE_HOME/memo`, else `$HOME/.cache/memo`, else `.memo-cache` in the working
//! directory. It is looked up on every disk access, so [`set_cache_dir`] applies at once.
//!
//! File: `<function key>-<value key>.memo` (32 hex digits each), the layout Streamlit used for
//! `cache_data` (`<function_key>-<value_key>.memo`), so one function's files share a prefix and
//! `f::clear()` can remove exactly those.
//!
//! Redis (`persist = "redis"`, cargo feature `redis`): the server at the URL given to
//! `set_redis_url`, else `MEMO_REDIS_URL`, else `redis://127.0.0.1:6379`, looked up at each
//! new connection; keys `memo:<function key>:<value key>`; timeouts and limits in
//! `set_redis_config`. The Redis backend's module documents the failure policy.

use std::path::PathBuf;

use cache_key::Key;
use cache_store::persist::{CacheDir, DiskBackend, EntryKey, Naming};

/// File extension of persisted entries.
pub const EXTENSION: &str = ".memo";

static DIR: CacheDir = CacheDir::new("MEMO_CACHE_DIR", "memo", ".memo-cache", true);

/// memo's backend: entry files in [`cache_dir`].
pub(crate) static BACKEND: DiskBackend =
    DiskBackend::configured(&DIR, Naming::function_first(EXTENSION));

#[cfg(feature = "redis")]
static REDIS_URL: cache_store::persist::redis::RedisUrl =
    cache_store::persist::redis::RedisUrl::new("MEMO_REDIS_URL", "redis://127.0.0.1:6379");

/// memo's Redis backend, for `persist = "redis"`.
#[cfg(feature = "redis")]
pub(crate) static REDIS: cache_store::persist::redis::RedisBackend =
    cache_store::persist::redis::RedisBackend::configured(&REDIS_URL, "memo");

/// Whether a `persist = "redis"` function was created in this process.
#[cfg(feature = "redis")]
static REDIS_IN_USE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Where a function persists: `redis` chooses [`REDIS`] (only ever true with the feature, which
/// the macro's expansion checks).
pub(crate) fn backend(redis: bool) -> &'static dyn cache_store::persist::Backend {
    #[cfg(feature = "redis")]
    if redis {
        REDIS_IN_USE.store(true, std::sync::atomic::Ordering::Relaxed);
        return &REDIS;
    }
    let _ = redis;
    &BACKEND
}

/// Whether [`crate::clear_all`] should empty Redis too: when this process persists to Redis or
/// chose a server, never merely because the feature is compiled in (the default URL may be a
/// server this program has nothing to do with).
#[cfg(feature = "redis")]
pub(crate) fn redis_in_use() -> bool {
    REDIS_IN_USE.load(std::sync::atomic::Ordering::Relaxed) || REDIS_URL.is_chosen()
}

/// Chooses the Redis server of `persist = "redis"` for this process, ahead of `MEMO_REDIS_URL`
/// (`None`: back to the environment and the default `redis://127.0.0.1:6379`). Applies to the
/// next connection of every function at once.
///
/// ```
/// memo::set_redis_url(Some("redis://10.0.0.5:6379/1".into()));
/// assert_eq!(memo::persist::redis_url(), "redis://10.0.0.5:6379/1");
/// memo::set_redis_url(None);
/// ```
#[cfg(feature = "redis")]
pub fn set_redis_url(url: Option<String>) {
    REDIS_URL.set(url);
}

/// The Redis URL in effect (see [`set_redis_url`] for the lookup order).
///
/// ```
/// assert!(memo::persist::redis_url().starts_with("redis"));
/// ```
#[cfg(feature = "redis")]
pub fn redis_url() -> String {
    REDIS_URL.resolve()
}

/// Sets the timeouts, failure backoff, entry size limit and single-flight lease of
/// `persist = "redis"` (defaults: [`RedisConfig::DEFAULT`]).
///
/// ```
/// use std::time::Duration;
/// let mut config = memo::persist::redis_config();
/// config.command_timeout = Duration::from_millis(200);
/// memo::persist::set_redis_config(config);
/// assert_eq!(memo::persist::redis_config().command_timeout, Duration::from_millis(200));
/// memo::persist::set_redis_config(memo::persist::RedisConfig::DEFAULT);
/// ```
#[cfg(feature = "redis")]
pub fn set_redis_config(config: RedisConfig) {
    REDIS.set_config(config);
}

/// The configuration of `persist = "redis"` in effect.
#[cfg(feature = "redis")]
pub fn redis_config() -> RedisConfig {
    REDIS.config()
}

#[cfg(feature = "redis")]
pub use cache_store::persist::redis::RedisConfig;

/// Chooses the persistence directory for this process, ahead of `MEMO_CACHE_DIR` (`None`: back
/// to the environment and the default). Applies to every `#[memo]` function at once, including
/// those already created; no environment mutation needed.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// memo::set_cache_dir(Some(dir.path().to_path_buf()));
/// assert_eq!(memo::persist::cache_dir(), dir.path());
/// memo::set_cache_dir(None);
/// ```
pub fn set_cache_dir(dir: Option<PathBuf>) {
    DIR.set(dir);
}

/// The persistence directory in effect (see the module docs for the lookup order).
///
/// ```
/// let dir = memo::persist::cache_dir();
/// assert!(!dir.as_os_str().is_empty());
/// ```
pub fn cache_dir() -> PathBuf {
    DIR.resolve()
}

/// `<function key>-<value key>.memo`.
///
/// ```
/// let name = memo::persist::file_name(memo::Key(1), memo::Key(2));
/// assert_eq!(name, format!("{:032x}-{:032x}.memo", 1, 2));
/// ```
pub fn file_name(function: Key, value: Key) -> String {
    Naming::function_first(EXTENSION).file_name(EntryKey {
        function: function.0,
        value: value.0,
    })
}
