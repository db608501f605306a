//! Where persisted entries live and how their files are named.
//!
//! Directory: the `MEMO_CACHE_DIR` environment variable if set, else `$XDG_CACHE_HOME/memo`, else
//! `$HOME/.cache/memo`, else `.memo-cache` in the working directory. It is read once per function,
//! when the function's cache is created (its first call).
//!
//! File: `<function key>-<value key>.memo` (32 hex digits each), the layout Streamlit used for
//! `cache_data` (`<function_key>-<value_key>.memo`), so one function's files share a prefix and
//! `f::clear()` can remove exactly those.

use std::path::PathBuf;

use cache_key::Key;

/// File extension of persisted entries.
pub const EXTENSION: &str = ".memo";

/// The persistence directory (see the module docs for the lookup order).
///
/// ```
/// let dir = memo::persist::cache_dir();
/// assert!(!dir.as_os_str().is_empty());
/// ```
pub fn cache_dir() -> PathBuf {
    let non_empty = |v: &str| std::env::var_os(v).filter(|s| !s.is_empty());
    if let Some(d) = non_empty("MEMO_CACHE_DIR") {
        return PathBuf::from(d);
    }
    if let Some(d) = non_empty("XDG_CACHE_HOME") {
        return PathBuf::from(d).join("memo");
    }
    if let Some(h) = non_empty("HOME") {
        return PathBuf::from(h).join(".cache").join("memo");
    }
    PathBuf::from(".memo-cache")
}

/// `<function key>-<value key>.memo`.
pub fn file_name(function: Key, value: Key) -> String {
    format!("{function}-{value}{EXTENSION}")
}
