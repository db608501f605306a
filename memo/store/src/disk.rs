//! Entry files for persistence: atomic writes, checksummed reads, bounded allocation.
//!
//! Layout (little-endian): magic `b"RCACHE\x00\x01"`, function key (16 bytes), value key
//! (16 bytes), creation time in milliseconds since the Unix epoch (8), payload length (8),
//! xxh3-64 of everything before it and of the payload (8), then the payload. A reader checks the
//! magic, that both keys match the ones it expects, that the file is exactly as long as the header
//! says (before allocating anything) and the checksum; any mismatch is a [`DiskError`], which
//! callers treat as a miss. The checksum covers the header too, so a damaged creation time cannot
//! make an expired entry look fresh.
//!
//! Writes go to a temporary file in the same directory, are flushed and then renamed over the
//! target, so a reader sees either the old file, the new file or none, never half a file.

use std::fmt;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use xxhash_rust::xxh3::Xxh3;

const MAGIC: [u8; 8] = *b"RCACHE\x00\x01";
const HEADER_LEN: usize = 8 + 16 + 16 + 8 + 8 + 8;
/// Where the checksum starts: it covers the header bytes before it, then the payload.
const CHECKSUM_AT: usize = HEADER_LEN - 8;

fn checksum(head: &[u8], payload: &[u8]) -> u64 {
    let mut h = Xxh3::new();
    h.update(&head[..CHECKSUM_AT]);
    h.update(payload);
    h.digest()
}

/// The identity and age of a stored entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryHeader {
    /// Key of the function (module path, name, tokens).
    pub function: u128,
    /// Key of the arguments.
    pub value: u128,
    /// When the value was computed, in milliseconds since the Unix epoch.
    pub created_ms: u64,
}

impl EntryHeader {
    /// A header stamped with the current time.
    pub fn now(function: u128, value: u128) -> Self {
        Self {
            function,
            value,
            created_ms: unix_ms(SystemTime::now()),
        }
    }

    /// How long ago the value was computed (zero if the clock went backwards).
    pub fn age(&self) -> Duration {
        let now = unix_ms(SystemTime::now());
        Duration::from_millis(now.saturating_sub(self.created_ms))
    }
}

fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Why an entry file could not be used.
#[derive(Debug)]
pub enum DiskError {
    /// Reading failed for a reason other than the file being absent.
    Io(io::Error),
    /// The file is not one of ours, is truncated, or its checksum or keys do not match.
    Corrupt(String),
}

impl fmt::Display for DiskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DiskError::Io(e) => write!(f, "cannot read cache file: {e}"),
            DiskError::Corrupt(why) => write!(f, "cache file is corrupt or foreign: {why}"),
        }
    }
}

impl std::error::Error for DiskError {}

/// Writes an entry file atomically (temporary file in the same directory, then rename).
///
/// ```
/// use cache_store::disk::{read_entry, write_entry, EntryHeader};
///
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("entry.bin");
/// let header = EntryHeader::now(1, 2);
/// write_entry(&path, &header, b"payload").unwrap();
/// let (read_header, payload) = read_entry(&path, 1, 2).unwrap().unwrap();
/// assert_eq!(read_header, header);
/// assert_eq!(payload, b"payload");
/// ```
pub fn write_entry(path: &Path, header: &EntryHeader, payload: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let tmp = temp_path(path);
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        let mut head = Vec::with_capacity(HEADER_LEN);
        head.extend_from_slice(&MAGIC);
        head.extend_from_slice(&header.function.to_le_bytes());
        head.extend_from_slice(&header.value.to_le_bytes());
        head.extend_from_slice(&header.created_ms.to_le_bytes());
        head.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        let sum = checksum(&head, payload);
        head.extend_from_slice(&sum.to_le_bytes());
        f.write_all(&head)?;
        f.write_all(payload)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        // Never leave a partial temporary file behind.
        let _ = fs::remove_file(&tmp);
    }
    result
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

/// Reads an entry file. `Ok(None)` when it does not exist; `Err` when it exists but cannot be
/// used (the caller should treat that as a miss, warn, and overwrite or delete the file).
pub fn read_entry(
    path: &Path,
    function: u128,
    value: u128,
) -> Result<Option<(EntryHeader, Vec<u8>)>, DiskError> {
    let mut f = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(DiskError::Io(e)),
    };
    let file_len = f.metadata().map_err(DiskError::Io)?.len();
    let mut head = [0u8; HEADER_LEN];
    if file_len < HEADER_LEN as u64 {
        return Err(DiskError::Corrupt(format!(
            "{file_len} bytes is shorter than the {HEADER_LEN}-byte header"
        )));
    }
    f.read_exact(&mut head).map_err(DiskError::Io)?;
    if head[..8] != MAGIC {
        return Err(DiskError::Corrupt("unknown file format (bad magic)".into()));
    }
    let u128_at = |i: usize| u128::from_le_bytes(head[i..i + 16].try_into().expect("16 bytes"));
    let u64_at = |i: usize| u64::from_le_bytes(head[i..i + 8].try_into().expect("8 bytes"));
    let header = EntryHeader {
        function: u128_at(8),
        value: u128_at(24),
        created_ms: u64_at(40),
    };
    let len = u64_at(48);
    let stored_sum = u64_at(CHECKSUM_AT);
    if header.function != function || header.value != value {
        return Err(DiskError::Corrupt(
            "the file belongs to another function or arguments".into(),
        ));
    }
    // Check the claimed length against the real file size before allocating for it.
    if Some(file_len) != len.checked_add(HEADER_LEN as u64) {
        return Err(DiskError::Corrupt(format!(
            "header announces {len} payload bytes but the file holds {}",
            file_len.saturating_sub(HEADER_LEN as u64)
        )));
    }
    let mut payload = Vec::with_capacity(len as usize);
    f.read_to_end(&mut payload).map_err(DiskError::Io)?;
    if payload.len() as u64 != len {
        return Err(DiskError::Corrupt("file changed while being read".into()));
    }
    if checksum(&head, &payload) != stored_sum {
        return Err(DiskError::Corrupt("checksum mismatch".into()));
    }
    Ok(Some((header, payload)))
}

/// Removes the files in `dir` whose names start with `prefix` and end with `suffix`; returns how
/// many were removed. A missing directory removes nothing.
pub fn remove_matching(dir: &Path, prefix: &str, suffix: &str) -> io::Result<usize> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let mut removed = 0;
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(prefix) && name.ends_with(suffix) {
            match fs::remove_file(entry.path()) {
                Ok(()) => removed += 1,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(removed)
}
