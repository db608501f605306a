//! The disk backend: one file per entry in a directory, written atomically.
//!
//! Writes go to a temporary file in the same directory (`.<entry name>.<pid>.<n>.tmp`), are
//! flushed and renamed over the target, so a reader sees the old file, the new one or none. A
//! crash between the two leaves the temporary file behind: clearing a function removes its
//! temporary files, and the first access to a directory in a process removes those older than
//! [`STALE_TEMP_AGE`] (younger ones may belong to a write in progress in another process).

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::format::{self, HEADER_LEN};
use super::{Backend, CacheDir, Entry, EntryHeader, EntryKey, ErrorKind, PersistError};

/// Temporary files older than this are debris of a crashed write and are removed.
pub const STALE_TEMP_AGE: Duration = Duration::from_secs(60);

/// How entry files are named: `<function key>-<value key><extension>` or the other way round,
/// 32 lowercase hex digits per key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Naming {
    extension: &'static str,
    function_first: bool,
}

impl Naming {
    /// `<function key>-<value key><extension>`: one function's files share a prefix.
    pub const fn function_first(extension: &'static str) -> Self {
        Self {
            extension,
            function_first: true,
        }
    }

    /// `<value key>-<function key><extension>`.
    pub const fn value_first(extension: &'static str) -> Self {
        Self {
            extension,
            function_first: false,
        }
    }

    /// `function_first(".entry")`, for tests and examples.
    pub const FUNCTION_FIRST: Self = Self::function_first(".entry");

    /// The file extension, with its dot.
    pub fn extension(&self) -> &'static str {
        self.extension
    }

    /// The file name of an entry.
    ///
    /// ```
    /// use cache_store::persist::{EntryKey, Naming};
    /// let name = Naming::value_first(".legacy").file_name(EntryKey { function: 1, value: 2 });
    /// assert_eq!(name, format!("{:032x}-{:032x}.legacy", 2, 1));
    /// ```
    pub fn file_name(&self, key: EntryKey) -> String {
        let (a, b) = if self.function_first {
            (key.function, key.value)
        } else {
            (key.value, key.function)
        };
        format!("{a:032x}-{b:032x}{}", self.extension)
    }

    /// The key of an entry file name, and whether it is a temporary file of one; `None` for
    /// names this naming did not produce.
    pub fn parse(&self, name: &str) -> Option<(EntryKey, bool)> {
        let (stem, temp) = match name.strip_suffix(".tmp") {
            Some(rest) => {
                // `.<entry name>.<pid>.<n>`
                let rest = rest.strip_prefix('.')?;
                let (rest, n) = rest.rsplit_once('.')?;
                let (entry, pid) = rest.rsplit_once('.')?;
                let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
                if !digits(n) || !digits(pid) {
                    return None;
                }
                (entry, true)
            }
            None => (name, false),
        };
        let stem = stem.strip_suffix(self.extension)?;
        let (a, b) = stem.split_once('-')?;
        let hex = |s: &str| {
            (s.len() == 32 && s.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')))
                .then(|| u128::from_str_radix(s, 16).ok())
                .flatten()
        };
        let (a, b) = (hex(a)?, hex(b)?);
        let key = if self.function_first {
            EntryKey {
                function: a,
                value: b,
            }
        } else {
            EntryKey {
                function: b,
                value: a,
            }
        };
        Some((key, temp))
    }
}

#[derive(Debug)]
enum Root {
    Fixed(PathBuf),
    Setting(&'static CacheDir),
}

/// Entries as files in one directory (see the module docs).
#[derive(Debug)]
pub struct DiskBackend {
    root: Root,
    naming: Naming,
}

impl DiskBackend {
    /// A backend in a fixed directory.
    pub fn at(dir: impl Into<PathBuf>, naming: Naming) -> Self {
        Self {
            root: Root::Fixed(dir.into()),
            naming,
        }
    }

    /// A backend in the directory `setting` resolves to at each access.
    pub const fn configured(setting: &'static CacheDir, naming: Naming) -> Self {
        Self {
            root: Root::Setting(setting),
            naming,
        }
    }

    /// The directory in effect now (stale temporary files there are swept on first use).
    pub fn dir(&self) -> PathBuf {
        let dir = match &self.root {
            Root::Fixed(d) => d.clone(),
            Root::Setting(s) => s.resolve(),
        };
        self.sweep_once(&dir);
        dir
    }

    /// The naming scheme.
    pub fn naming(&self) -> Naming {
        self.naming
    }

    /// The path of an entry's file.
    pub fn path(&self, key: EntryKey) -> PathBuf {
        self.dir().join(self.naming.file_name(key))
    }

    fn sweep_once(&self, dir: &Path) {
        static SWEPT: Mutex<Vec<(PathBuf, &'static str)>> = Mutex::new(Vec::new());
        let mut swept = SWEPT.lock().unwrap_or_else(|e| e.into_inner());
        let id = (dir.to_path_buf(), self.naming.extension);
        if swept.contains(&id) {
            return;
        }
        swept.push(id);
        drop(swept);
        if let Err(e) = self.remove_where(dir, |_, temp, age| {
            temp && age.is_some_and(|a| a >= STALE_TEMP_AGE)
        }) {
            tracing::debug!(target: "cache_store::persist", dir = %dir.display(), "cannot sweep stale temporary files: {e}");
        }
    }

    /// Removes the files of this naming for which `doomed(key, is_temp, age)` holds; counts
    /// the removed entries (temporary files are not entries).
    fn remove_where(
        &self,
        dir: &Path,
        doomed: impl Fn(EntryKey, bool, Option<Duration>) -> bool,
    ) -> Result<usize, PersistError> {
        let entries = match fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(e.into()),
        };
        let mut removed = 0;
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name();
            let Some((key, temp)) = name.to_str().and_then(|n| self.naming.parse(n)) else {
                continue;
            };
            let age = || entry.metadata().ok()?.modified().ok()?.elapsed().ok();
            if !doomed(key, temp, if temp { age() } else { None }) {
                continue;
            }
            match fs::remove_file(entry.path()) {
                Ok(()) => removed += usize::from(!temp),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(removed)
    }
}

fn temp_path(path: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.{n}.tmp", std::process::id()))
}

impl Backend for DiskBackend {
    fn get(&self, key: EntryKey) -> Result<Option<Entry>, PersistError> {
        let path = self.path(key);
        let mut f = match fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let file_len = f.metadata()?.len();
        if file_len < HEADER_LEN as u64 {
            return Err(PersistError::corrupt(format!(
                "{file_len} bytes is shorter than the {HEADER_LEN}-byte header"
            )));
        }
        let mut head = [0u8; HEADER_LEN];
        f.read_exact(&mut head)?;
        let raw = format::decode_header(&head)?;
        // Check the claimed length against the real size before allocating for it.
        if Some(file_len) != raw.payload_len.checked_add(HEADER_LEN as u64) {
            return Err(PersistError::corrupt(format!(
                "header announces {} payload bytes but the file holds {}",
                raw.payload_len,
                file_len - HEADER_LEN as u64
            )));
        }
        let len = usize::try_from(raw.payload_len)
            .map_err(|_| PersistError::new(ErrorKind::TooLarge, "entry exceeds memory"))?;
        let mut payload = Vec::with_capacity(len);
        f.read_to_end(&mut payload)?;
        format::verify_payload(&raw, &payload)?;
        Ok(Some(Entry {
            header: raw.header,
            payload,
        }))
    }

    fn put(&self, header: &EntryHeader, payload: &[u8]) -> Result<(), PersistError> {
        let path = self.path(header.key);
        let dir = path.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(dir).map_err(|e| {
            PersistError::new(
                ErrorKind::Unavailable,
                format!("cannot create {}: {e}", dir.display()),
            )
        })?;
        let tmp = temp_path(&path);
        let result = (|| {
            let mut f = fs::File::create(&tmp)?;
            f.write_all(&format::encode_header(header, payload))?;
            f.write_all(payload)?;
            f.sync_all()?;
            fs::rename(&tmp, &path)
        })();
        if result.is_err() {
            // Never leave a partial temporary file behind.
            let _ = fs::remove_file(&tmp);
        }
        result.map_err(PersistError::from)
    }

    fn remove(&self, key: EntryKey) -> Result<bool, PersistError> {
        match fs::remove_file(self.path(key)) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    fn clear_function(&self, function: u128) -> Result<usize, PersistError> {
        self.remove_where(&self.dir(), |key, _, _| key.function == function)
    }

    fn clear_all(&self) -> Result<usize, PersistError> {
        self.remove_where(&self.dir(), |_, _, _| true)
    }
}
