//! `persist = true`: one global directory, one file per entry.
//!
//! - **Directory**: the one set with [`set_cache_dir`] (also `legacy_cache::set_cache_dir`), else the
//!   `LEGACY_CACHE_DIR` environment variable, else `$HOME/.cache/legacy-cache`, else
//!   `.legacy-cache` in the working directory. Streamlit used `~/.streamlit/cache`. It is looked
//!   up on every disk access, so a change applies at once.
//! - **File name**: `<value key>-<function key>.legacy`, Streamlit's `<value_key>.pickle` with
//!   `value_key = "<args md5>-<function md5>"` (32 hex digits each).
//! - **Format and rules**: the shared persistence of [`cache_store::persist`] (also memo's):
//!   entry files with a header (format version, both keys, type fingerprint, creation time,
//!   checksums) around a bincode 2 (serde) encoding of the value, written to a temporary file
//!   that is renamed into place, so readers never see half a file. legacy-cache passes its own
//!   parameters: this directory, this file naming, no expiry.
//! - A missing file is a miss. Unlike the original, a corrupt, truncated, foreign or undecodable
//!   file, or one written for a different return type, is a miss with a `tracing` warning
//!   (target `legacy_cache::persist`), and the file is removed; it never panics. A failed write
//!   is a warning too; the value is still returned and kept in memory. A return type that
//!   bincode cannot round-trip (`#[serde(tag = ..)]`, `#[serde(flatten)]`, ...) is reported
//!   once, as an error, on its first computation, and that function is kept in memory only.
//! - Persisted values **never expire**: `ttl` and `max_entries` bound the memory layer only, so
//!   after a memory entry expires the next call reads the file back (and re-stores it in
//!   memory with a fresh TTL), as in Streamlit.
//! - Mutations made through [`Shared::mutate`](crate::Shared::mutate) are not written back;
//!   the file keeps the value as computed (the original pickled only at computation time).

use std::path::PathBuf;

use cache_store::persist::{CacheDir, DiskBackend, EntryKey, Naming};

use crate::hash::Digest;

/// Encoder, decoder and type fingerprint of persisted values; generated only for
/// `persist = true`, which is therefore the only option that requires
/// `T: Serialize + DeserializeOwned`. The shared codec of [`cache_store::persist::codec`].
pub use cache_store::persist::codec::Codec;

/// File extension of persisted entries.
pub const EXTENSION: &str = ".legacy";

static DIR: CacheDir = CacheDir::new("LEGACY_CACHE_DIR", "legacy-cache", ".legacy-cache", false);

/// legacy-cache's backend: entry files in [`cache_dir`], named value key first.
pub(crate) static BACKEND: DiskBackend =
    DiskBackend::configured(&DIR, Naming::value_first(EXTENSION));

/// Sets the persistence directory for this process (`None`: back to `LEGACY_CACHE_DIR` and the
/// default). Not a Streamlit parameter: it lets tests and the harness point persistence at a
/// temporary directory without touching the environment.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// legacy_cache::set_cache_dir(Some(dir.path().to_path_buf()));
/// assert_eq!(legacy_cache::persist::cache_dir(), dir.path());
/// legacy_cache::set_cache_dir(None);
/// ```
pub fn set_cache_dir(dir: Option<PathBuf>) {
    DIR.set(dir);
}

/// The persistence directory (see the module docs for the lookup order).
///
/// ```
/// assert!(!legacy_cache::persist::cache_dir().as_os_str().is_empty());
/// ```
pub fn cache_dir() -> PathBuf {
    DIR.resolve()
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
    Naming::value_first(EXTENSION).file_name(EntryKey {
        function: function.as_u128(),
        value: value.as_u128(),
    })
}
