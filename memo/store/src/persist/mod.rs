//! Persistence: the one home of cached entries that outlive the process.
//!
//! Layers, each in its own module:
//! - [`Backend`] (this module): where entry bytes live. Fallible by design: a shared store (Redis
//!   across machines, the planned second backend) can be unavailable, time out, be slow or hand
//!   back garbage, so every operation returns a typed [`PersistError`], and nothing in the trait
//!   assumes a local file. [`DiskBackend`] is the first implementation.
//! - [`format`](mod@format): the entry layout every backend stores (header with format version, keys, type
//!   fingerprint, creation time, TTL and two checksums, then the payload).
//! - [`codec`]: the one place that knows the byte encoding of values (bincode 2).
//! - [`schema`]: the type fingerprint, a structural hash of a type's serde shape.
//! - [`Persisted`]: the policy callers share: a failure of any kind is a warned miss (never an
//!   outage, never a panic, never a wrong value), an entry of another type is a miss, an expired
//!   entry is a miss, and a bad entry is removed. memo and legacy-cache differ only in the
//!   parameters they give it (directory setting, file naming, TTL or never expire).

mod bounded;
pub mod codec;
mod dir;
mod disk;
pub mod format;
pub mod offload;
#[cfg(feature = "redis")]
pub mod redis;
#[cfg(feature = "redis-server")]
pub mod redis_server;
pub mod schema;
mod typed;

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use dir::CacheDir;
pub use disk::{DiskBackend, Naming, STALE_TEMP_AGE};
pub use typed::{Claim, Lease, Loaded, Persisted, PersistedConfig};

/// Identifies one entry: the function and the arguments it was called with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EntryKey {
    /// Key of the function (module path, name, tokens).
    pub function: u128,
    /// Key of the arguments.
    pub value: u128,
}

/// What an entry says about itself, stored in front of its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryHeader {
    /// The entry's identity, checked against the key it was looked up by.
    pub key: EntryKey,
    /// Fingerprint of the value's type ([`schema::fingerprint`]); a reader expecting another
    /// type treats the entry as a miss.
    pub fingerprint: u64,
    /// When the value was computed, in milliseconds since the Unix epoch.
    pub created_ms: u64,
    /// How long the entry lives after `created_ms`, in milliseconds; `None`: forever.
    pub ttl_ms: Option<u64>,
}

impl EntryHeader {
    /// A header stamped with the current time.
    ///
    /// ```
    /// use cache_store::persist::{EntryHeader, EntryKey};
    /// let h = EntryHeader::now(EntryKey { function: 1, value: 2 }, 7, None);
    /// assert!(!h.expired());
    /// ```
    pub fn now(key: EntryKey, fingerprint: u64, ttl: Option<Duration>) -> Self {
        Self {
            key,
            fingerprint,
            created_ms: unix_ms(SystemTime::now()),
            ttl_ms: ttl.map(|t| u64::try_from(t.as_millis()).unwrap_or(u64::MAX)),
        }
    }

    /// How long ago the value was computed (zero if the clock went backwards).
    pub fn age(&self) -> Duration {
        let now = unix_ms(SystemTime::now());
        Duration::from_millis(now.saturating_sub(self.created_ms))
    }

    /// Whether the entry's own TTL has passed.
    pub fn expired(&self) -> bool {
        self.ttl_ms
            .is_some_and(|ttl| self.age() >= Duration::from_millis(ttl))
    }
}

fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// A stored entry: header and payload (the encoded value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Identity, type fingerprint, age and TTL.
    pub header: EntryHeader,
    /// The encoded value.
    pub payload: Vec<u8>,
}

/// The kind of a persistence failure; callers decide the policy per kind (all of them are a
/// miss for the caching primitives).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The store cannot be reached or used (directory cannot be created or is not writable,
    /// connection refused).
    Unavailable,
    /// The store did not answer in time.
    Timeout,
    /// The stored bytes are not a valid entry: truncated, bad checksum, foreign, another
    /// format version, or the entry of another key.
    Corrupt,
    /// The entry exceeds what the store accepts.
    TooLarge,
    /// Any other I/O failure.
    Io,
}

/// A failed persistence operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersistError {
    /// What kind of failure.
    pub kind: ErrorKind,
    /// Details for the log.
    pub detail: String,
    /// The failure continues one the caller was already told about (a shared store that stays
    /// down fails every call, but is worth one warning per outage, not one per call); callers
    /// keep quiet about it.
    pub repeated: bool,
}

impl PersistError {
    /// An error of `kind` with `detail`.
    pub fn new(kind: ErrorKind, detail: impl Into<String>) -> Self {
        Self {
            kind,
            detail: detail.into(),
            repeated: false,
        }
    }

    /// The same error, marked as a repeat of one already reported ([`PersistError::repeated`]).
    pub fn repeated(mut self, repeated: bool) -> Self {
        self.repeated = repeated;
        self
    }

    /// A corrupt entry.
    pub fn corrupt(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Corrupt, detail)
    }
}

impl From<std::io::Error> for PersistError {
    fn from(e: std::io::Error) -> Self {
        use std::io::ErrorKind as Io;
        let kind = match e.kind() {
            Io::TimedOut | Io::WouldBlock => ErrorKind::Timeout,
            Io::PermissionDenied
            | Io::NotADirectory
            | Io::ReadOnlyFilesystem
            | Io::StorageFull
            | Io::QuotaExceeded => ErrorKind::Unavailable,
            Io::FileTooLarge => ErrorKind::TooLarge,
            Io::InvalidData | Io::UnexpectedEof => ErrorKind::Corrupt,
            _ => ErrorKind::Io,
        };
        Self::new(kind, e.to_string())
    }
}

impl fmt::Display for PersistError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            ErrorKind::Unavailable => "persistent store unavailable",
            ErrorKind::Timeout => "persistent store timed out",
            ErrorKind::Corrupt => "persisted entry is corrupt or foreign",
            ErrorKind::TooLarge => "entry too large for the persistent store",
            ErrorKind::Io => "persistent store I/O error",
        };
        write!(f, "{what}: {}", self.detail)
    }
}

impl std::error::Error for PersistError {}

/// A place to keep entries. Implementations must be cheap to share between threads and must
/// bound their own latency (a network store returns [`ErrorKind::Timeout`] rather than
/// blocking a cached function indefinitely).
///
/// Backends store and return whole entries; checking that an entry has the expected key, type
/// and age is the caller's job ([`Persisted`]), so every backend gets the same rules.
///
/// ```
/// use cache_store::persist::{Backend, DiskBackend, Entry, EntryHeader, EntryKey, Naming};
///
/// let dir = tempfile::tempdir().unwrap();
/// let backend = DiskBackend::at(dir.path(), Naming::FUNCTION_FIRST);
/// let key = EntryKey { function: 1, value: 2 };
/// let entry = Entry { header: EntryHeader::now(key, 0, None), payload: b"bytes".to_vec() };
/// backend.put(&entry.header, &entry.payload).unwrap();
/// assert_eq!(backend.get(key).unwrap(), Some(entry));
/// assert_eq!(backend.clear_function(1).unwrap(), 1);
/// assert_eq!(backend.get(key).unwrap(), None);
/// ```
pub trait Backend: Send + Sync + fmt::Debug {
    /// The entry stored under `key`, `Ok(None)` if there is none.
    fn get(&self, key: EntryKey) -> Result<Option<Entry>, PersistError>;
    /// Stores an entry under its header's key, replacing any previous one. Readers must see
    /// either the old entry, the new one or none, never a mix. The header's TTL lets a store
    /// expire the entry on its own; readers check it regardless.
    fn put(&self, header: &EntryHeader, payload: &[u8]) -> Result<(), PersistError>;
    /// Removes one entry; whether there was one.
    fn remove(&self, key: EntryKey) -> Result<bool, PersistError>;
    /// Removes every entry of one function (and any debris of interrupted writes); how many.
    fn clear_function(&self, function: u128) -> Result<usize, PersistError>;
    /// Removes every entry this backend holds; how many.
    fn clear_all(&self) -> Result<usize, PersistError>;

    /// How a miss on a store shared by several processes waits for another process that is
    /// already computing the entry; `None` (the default): this backend does not coordinate
    /// processes, and a miss computes at once.
    fn single_flight(&self) -> Option<SingleFlight> {
        None
    }

    /// Tries to take the lease on computing `key` for `hold` (it expires on its own after
    /// that): `Some(token)` if taken, `None` if another holder has it. Only called when
    /// [`Backend::single_flight`] is `Some`.
    fn try_lease(&self, key: EntryKey, hold: Duration) -> Result<Option<u64>, PersistError> {
        let _ = (key, hold);
        Ok(Some(0))
    }

    /// Gives the lease on `key` back, if `token` still holds it (an expired lease may have
    /// been taken by someone else since, whose lease stays).
    fn release_lease(&self, key: EntryKey, token: u64) -> Result<(), PersistError> {
        let _ = (key, token);
        Ok(())
    }
}

/// How long a process holds the lease on computing an entry of a shared store, and how it
/// waits for another holder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SingleFlight {
    /// The lease expires this long after it was taken, so a holder that crashed or hangs
    /// delays the others by at most this much.
    pub lease: Duration,
    /// How often a waiter looks for the value (and for the lease having gone).
    pub poll: Duration,
    /// A waiter gives up waiting after this long and computes the value itself.
    pub max_wait: Duration,
}
