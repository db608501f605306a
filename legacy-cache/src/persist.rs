//! `persist = true`: one global directory, one file per entry.
//!
//! - **Directory**: the one set with [`set_cache_dir`] (a harness and test knob), else the
//!   `LEGACY_CACHE_DIR` environment variable, else `$HOME/.cache/legacy-cache`, else
//!   `.legacy-cache` in the working directory. Streamlit used `~/.streamlit/cache`. It is looked
//!   up on every disk access, so a change applies at once.
//! - **File name**: `<value key>-<function key>.legacy`, Streamlit's `<value_key>.pickle` with
//!   `value_key = "<args md5>-<function md5>"` (32 hex digits each).
//! - **Format**: `cache_store::disk` entry files (magic, both keys, length, xxh3 checksum) around
//!   a bincode 2 (serde) encoding of the value. Writes go to a temporary file that is renamed
//!   into place, so readers never see half a file.
//! - A missing file is a miss. Unlike the original, a corrupt, truncated, foreign or undecodable
//!   file is a miss with a `tracing` warning (target `legacy_cache::persist`), and the file is
//!   removed; it never panics. A failed write is a warning too; the value is still returned and
//!   kept in memory.
//! - Persisted values **never expire**: `ttl` and `max_entries` bound the memory layer only, so
//!   after a memory entry expires the next call reads the file back (and re-stores it in
//!   memory with a fresh TTL), as in Streamlit.
//! - Mutations made through [`Shared::mutate`](crate::Shared::mutate) are not written back;
//!   the file keeps the value as computed (the original pickled only at computation time).

use std::path::PathBuf;
use std::sync::RwLock;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::hash::Digest;

/// File extension of persisted entries.
pub const EXTENSION: &str = ".legacy";

static OVERRIDE: RwLock<Option<PathBuf>> = RwLock::new(None);

/// Sets the persistence directory for this process (`None`: back to `LEGACY_CACHE_DIR` and the
/// default). Not a Streamlit parameter: it lets tests and the harness point persistence at a
/// temporary directory without touching the environment.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// legacy_cache::persist::set_cache_dir(Some(dir.path().to_path_buf()));
/// assert_eq!(legacy_cache::persist::cache_dir(), dir.path());
/// legacy_cache::persist::set_cache_dir(None);
/// ```
pub fn set_cache_dir(dir: Option<PathBuf>) {
    *OVERRIDE.write().unwrap_or_else(|e| e.into_inner()) = dir;
}

/// The persistence directory (see the module docs for the lookup order).
///
/// ```
/// assert!(!legacy_cache::persist::cache_dir().as_os_str().is_empty());
/// ```
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = &*OVERRIDE.read().unwrap_or_else(|e| e.into_inner()) {
        return dir.clone();
    }
    let non_empty = |v: &str| std::env::var_os(v).filter(|s| !s.is_empty());
    if let Some(d) = non_empty("LEGACY_CACHE_DIR") {
        return PathBuf::from(d);
    }
    if let Some(h) = non_empty("HOME") {
        return PathBuf::from(h).join(".cache").join("legacy-cache");
    }
    PathBuf::from(".legacy-cache")
}

/// `<value key>-<function key>.legacy`.
///
/// ```
/// use legacy_cache::Digest;
/// let name = legacy_cache::persist::file_name(Digest([0xab; 16]), Digest([1; 16]));
/// assert_eq!(name.len(), 32 + 1 + 32 + ".legacy".len());
/// assert!(name.starts_with("abab"));
/// ```
pub fn file_name(value: Digest, function: Digest) -> String {
    format!("{value}-{function}{EXTENSION}")
}

/// Encoder and decoder of persisted values; generated only for `persist = true`, which is
/// therefore the only option that requires `T: Serialize + DeserializeOwned`.
pub struct Codec<T> {
    pub(crate) encode: fn(&T) -> Result<Vec<u8>, String>,
    pub(crate) decode: fn(&[u8]) -> Result<T, String>,
}

impl<T> std::fmt::Debug for Codec<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Codec(bincode)")
    }
}

fn config() -> bincode::config::Configuration {
    bincode::config::standard()
}

impl<T: Serialize + DeserializeOwned> Codec<T> {
    /// bincode 2 through serde (bincode is flagged unmaintained, RUSTSEC-2025-0141: it is used
    /// in these two closures only, so swapping it touches nothing else).
    ///
    /// ```
    /// let c = legacy_cache::persist::Codec::<Vec<u8>>::bincode();
    /// let bytes = c.encode(&vec![1, 2]).unwrap();
    /// assert_eq!(c.decode(&bytes).unwrap(), vec![1, 2]);
    /// assert!(c.decode(&bytes[..1]).is_err());
    /// ```
    pub fn bincode() -> Self {
        Codec {
            encode: |v| bincode::serde::encode_to_vec(v, config()).map_err(|e| e.to_string()),
            decode: |b| {
                let (v, used) =
                    bincode::serde::decode_from_slice(b, config()).map_err(|e| e.to_string())?;
                if used != b.len() {
                    return Err(format!("{} trailing bytes after the value", b.len() - used));
                }
                Ok(v)
            },
        }
    }
}

impl<T> Codec<T> {
    /// Encodes a value.
    pub fn encode(&self, v: &T) -> Result<Vec<u8>, String> {
        (self.encode)(v)
    }

    /// Decodes a value; trailing bytes are an error.
    pub fn decode(&self, b: &[u8]) -> Result<T, String> {
        (self.decode)(b)
    }
}
