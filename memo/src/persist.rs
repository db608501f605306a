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

use std::path::PathBuf;

use cache_key::Key;
use cache_store::persist::{CacheDir, DiskBackend, EntryKey, Naming};

/// File extension of persisted entries.
pub const EXTENSION: &str = ".memo";

static DIR: CacheDir = CacheDir::new("MEMO_CACHE_DIR", "memo", ".memo-cache", true);

/// memo's backend: entry files in [`cache_dir`].
pub(crate) static BACKEND: DiskBackend =
    DiskBackend::configured(&DIR, Naming::function_first(EXTENSION));

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
