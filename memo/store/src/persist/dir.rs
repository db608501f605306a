//! Where a disk backend keeps its files: an API override, then an environment variable, then a
//! default under the user's cache directory.

use std::path::PathBuf;
use std::sync::RwLock;

/// A persistence directory setting, looked up on every disk access (so a change applies at once
/// and no process-wide environment mutation is ever needed).
///
/// Lookup order: the directory given to [`CacheDir::set`], else the environment variable, else
/// `$XDG_CACHE_HOME/<leaf>` (when the setting uses XDG), else `$HOME/.cache/<leaf>`, else
/// `<fallback>` in the working directory. Empty variables count as unset.
///
/// ```
/// use cache_store::persist::CacheDir;
///
/// static DIR: CacheDir = CacheDir::new("MY_CACHE_DIR_UNSET_IN_TESTS", "my-cache", ".my-cache", false);
/// let tmp = tempfile::tempdir().unwrap();
/// DIR.set(Some(tmp.path().to_path_buf()));
/// assert_eq!(DIR.resolve(), tmp.path());
/// DIR.set(None);
/// assert!(DIR.resolve().ends_with("my-cache"));
/// ```
#[derive(Debug)]
pub struct CacheDir {
    env: &'static str,
    leaf: &'static str,
    fallback: &'static str,
    xdg: bool,
    chosen: RwLock<Option<PathBuf>>,
}

impl CacheDir {
    /// A setting read from `env`, defaulting to `<cache home>/<leaf>`; `xdg` says whether
    /// `$XDG_CACHE_HOME` is the cache home when set.
    pub const fn new(
        env: &'static str,
        leaf: &'static str,
        fallback: &'static str,
        xdg: bool,
    ) -> Self {
        Self {
            env,
            leaf,
            fallback,
            xdg,
            chosen: RwLock::new(None),
        }
    }

    /// Chooses the directory for this process (`None`: back to the environment and default).
    pub fn set(&self, dir: Option<PathBuf>) {
        *self.chosen.write().unwrap_or_else(|e| e.into_inner()) = dir;
    }

    /// The directory in effect now.
    pub fn resolve(&self) -> PathBuf {
        if let Some(dir) = &*self.chosen.read().unwrap_or_else(|e| e.into_inner()) {
            return dir.clone();
        }
        let non_empty = |v: &str| std::env::var_os(v).filter(|s| !s.is_empty());
        if let Some(d) = non_empty(self.env) {
            return PathBuf::from(d);
        }
        if self.xdg
            && let Some(d) = non_empty("XDG_CACHE_HOME")
        {
            return PathBuf::from(d).join(self.leaf);
        }
        if let Some(h) = non_empty("HOME") {
            return PathBuf::from(h).join(".cache").join(self.leaf);
        }
        PathBuf::from(self.fallback)
    }

    /// The environment variable this setting reads.
    pub fn env_var(&self) -> &'static str {
        self.env
    }
}
