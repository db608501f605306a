//! The disk backend: round trip, and every way a file can be unusable is a `Corrupt` error (never
//! a panic, never a huge allocation, never a wrong value); writes are atomic and leave no
//! temporary files; debris of crashed writes is swept; clearing removes exactly one function's
//! files.

use std::alloc::{GlobalAlloc, Layout, System};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use cache_store::persist::format::HEADER_LEN;
use cache_store::persist::{
    Backend, DiskBackend, Entry, EntryHeader, EntryKey, ErrorKind, Naming, PersistError,
    STALE_TEMP_AGE,
};

/// Records the largest single allocation request, to prove a lying header allocates nothing big.
struct TrackLargest;

static LARGEST: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so this
// allocator upholds `GlobalAlloc`'s contract exactly as `System` does; the bookkeeping is one
// atomic store and allocates nothing.
unsafe impl GlobalAlloc for TrackLargest {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LARGEST.fetch_max(new_size, Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: TrackLargest = TrackLargest;

const F: u128 = 0x0123_4567_89ab_cdef_0123_4567_89ab_cdef;
const V: u128 = 0xfeed_face_dead_beef_0000_1111_2222_3333;
const KEY: EntryKey = EntryKey {
    function: F,
    value: V,
};
const NAMING: Naming = Naming::function_first(".memo");

fn backend(dir: &Path) -> DiskBackend {
    DiskBackend::at(dir, NAMING)
}

fn header() -> EntryHeader {
    EntryHeader::now(KEY, 0xabcd, None)
}

fn write_sample(dir: &Path) -> (PathBuf, Entry) {
    let b = backend(dir);
    let payload: Vec<u8> = (0..200u32).map(|i| (i * 7 % 251) as u8).collect();
    let entry = Entry {
        header: header(),
        payload,
    };
    b.put(&entry.header, &entry.payload).unwrap();
    (b.path(KEY), entry)
}

fn corrupt(r: Result<Option<Entry>, PersistError>) -> String {
    match r {
        Err(PersistError {
            kind: ErrorKind::Corrupt,
            detail,
            ..
        }) => detail,
        other => panic!("expected a Corrupt error, got {other:?}"),
    }
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let (path, entry) = write_sample(dir.path());
    let b = backend(dir.path());
    assert_eq!(b.get(KEY).unwrap().as_ref(), Some(&entry));
    assert_eq!(
        fs::metadata(&path).unwrap().len() as usize,
        HEADER_LEN + entry.payload.len()
    );
    // An empty payload round-trips too, and so does a TTL.
    let with_ttl = EntryHeader::now(KEY, 1, Some(std::time::Duration::from_secs(90)));
    b.put(&with_ttl, b"").unwrap();
    let back = b.get(KEY).unwrap().unwrap();
    assert_eq!((back.header, back.payload.len()), (with_ttl, 0));
    assert_eq!(back.header.ttl_ms, Some(90_000));
}

#[test]
fn overwrite_replaces_the_file() {
    let dir = tempfile::tempdir().unwrap();
    write_sample(dir.path());
    let b = backend(dir.path());
    b.put(&header(), b"second").unwrap();
    assert_eq!(b.get(KEY).unwrap().unwrap().payload, b"second");
}

#[test]
fn missing_file_is_none_and_remove_reports_it() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    assert!(matches!(b.get(KEY), Ok(None)));
    assert!(!b.remove(KEY).unwrap());
    write_sample(dir.path());
    assert!(b.remove(KEY).unwrap());
    assert!(matches!(b.get(KEY), Ok(None)));
}

#[test]
fn every_truncation_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = write_sample(dir.path());
    let full = fs::read(&path).unwrap();
    let b = backend(dir.path());
    for len in 0..full.len() {
        fs::write(&path, &full[..len]).unwrap();
        corrupt(b.get(KEY));
    }
}

#[test]
fn trailing_garbage_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = write_sample(dir.path());
    let mut bytes = fs::read(&path).unwrap();
    bytes.extend_from_slice(b"extra");
    fs::write(&path, &bytes).unwrap();
    corrupt(backend(dir.path()).get(KEY));
}

#[test]
fn every_flipped_byte_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = write_sample(dir.path());
    let good = fs::read(&path).unwrap();
    let b = backend(dir.path());
    for i in 0..good.len() {
        for bit in [0x01u8, 0x80] {
            let mut bad = good.clone();
            bad[i] ^= bit;
            fs::write(&path, &bad).unwrap();
            let why = corrupt(b.get(KEY));
            if i >= HEADER_LEN {
                assert_eq!(why, "payload checksum mismatch", "payload byte {i}");
            }
        }
    }
    // The creation time, TTL and type fingerprint are covered too: a damaged timestamp cannot
    // revive an expired entry, a damaged fingerprint cannot pass for another type.
    for at in [40, 48, 56] {
        let mut bad = good.clone();
        bad[at] ^= 0x10;
        fs::write(&path, &bad).unwrap();
        assert_eq!(corrupt(b.get(KEY)), "header checksum mismatch", "byte {at}");
    }
}

#[test]
fn another_format_version_is_a_miss_not_a_misread() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = write_sample(dir.path());
    let mut bytes = fs::read(&path).unwrap();
    bytes[6] = 1; // version 1: the layout before type fingerprints
    fs::write(&path, &bytes).unwrap();
    let why = corrupt(backend(dir.path()).get(KEY));
    assert!(why.contains("format version 1"), "{why}");
}

#[test]
fn foreign_files_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let path = b.path(KEY);
    for content in [
        &b""[..],
        b"hello, world",
        &[0u8; 88],
        &[0xffu8; 500],
        b"\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00K\x01.", // a Python pickle of `1`
    ] {
        fs::write(&path, content).unwrap();
        corrupt(b.get(KEY));
    }
    // A directory where the file should be is an I/O error, not a panic.
    fs::remove_file(&path).unwrap();
    fs::create_dir(&path).unwrap();
    assert!(b.get(KEY).is_err());
}

#[test]
fn huge_announced_length_fails_fast_without_allocating_it() {
    let dir = tempfile::tempdir().unwrap();
    let (path, entry) = write_sample(dir.path());
    let b = backend(dir.path());
    for announced in [1u64 << 40, u64::MAX, u64::MAX - HEADER_LEN as u64 + 1] {
        // A consistent header (its checksum recomputed) that lies about the payload length.
        let mut head = cache_store::persist::format::encode_header(&entry.header, &entry.payload);
        head[64..72].copy_from_slice(&announced.to_le_bytes());
        let sum = xxhash_rust::xxh3::xxh3_64(&head[..HEADER_LEN - 8]);
        head[HEADER_LEN - 8..].copy_from_slice(&sum.to_le_bytes());
        let mut bytes = head.to_vec();
        bytes.extend_from_slice(&entry.payload);
        fs::write(&path, &bytes).unwrap();
        let before = LARGEST.swap(0, Ordering::SeqCst);
        let start = Instant::now();
        let why = corrupt(b.get(KEY));
        let largest = LARGEST.load(Ordering::SeqCst);
        LARGEST.fetch_max(before, Ordering::SeqCst);
        assert!(why.contains("announces"), "{why}");
        assert!(start.elapsed().as_secs() < 2, "fails fast");
        // Other tests of this binary run concurrently, but none allocates anywhere near 64 MiB.
        assert!(largest < 64 << 20, "largest allocation was {largest} bytes");
    }
}

#[test]
fn atomic_write_leaves_no_temp_files() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    for i in 0..20u8 {
        let key = EntryKey {
            function: F,
            value: u128::from(i % 3),
        };
        b.put(&EntryHeader::now(key, 0, None), &[i; 100]).unwrap();
    }
    assert_eq!(names(dir.path()).len(), 3);
    assert!(names(dir.path()).iter().all(|n| n.ends_with(".memo")));

    // A write that fails at the rename (the target is a non-empty directory) removes its
    // temporary file too.
    let blocked = b.path(KEY);
    fs::create_dir(&blocked).unwrap();
    fs::write(blocked.join("keep"), b"x").unwrap();
    assert!(b.put(&header(), b"payload").is_err());
    let leftovers: Vec<String> = names(dir.path())
        .into_iter()
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn an_unusable_directory_is_unavailable() {
    // A directory path below a regular file can never be created (even by root).
    let file = tempfile::NamedTempFile::new().unwrap();
    let b = backend(&file.path().join("cache"));
    let err = b.put(&header(), b"x").unwrap_err();
    assert_eq!(err.kind, ErrorKind::Unavailable, "{err}");
    assert!(err.to_string().contains("cannot create"), "{err}");
}

#[test]
fn concurrent_writers_and_readers_never_see_half_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let header = header();
    b.put(&header, &[0u8; 4096]).unwrap();
    std::thread::scope(|s| {
        for w in 1..=3u8 {
            let b = &b;
            s.spawn(move || {
                for _ in 0..30 {
                    b.put(&header, &[w; 4096]).unwrap();
                }
            });
        }
        let b = &b;
        s.spawn(move || {
            for _ in 0..200 {
                let p = b.get(KEY).unwrap().expect("never absent").payload;
                assert_eq!(p.len(), 4096);
                assert!(p.iter().all(|x| *x == p[0]), "a torn payload");
            }
        });
    });
}

fn key_name(function: u128, value: u128) -> String {
    NAMING.file_name(EntryKey { function, value })
}

#[test]
fn clear_function_removes_exactly_that_functions_files() {
    let dir = tempfile::tempdir().unwrap();
    let own = [key_name(1, 1), key_name(1, 2)];
    let temp_of_own = format!(".{}.123.0.tmp", key_name(1, 3));
    let others = [
        key_name(2, 1),
        format!(".{}.123.1.tmp", key_name(2, 3)),
        "notes.txt".to_string(),
        key_name(1, 1).replace(".memo", ".pickle"),
        format!("{}.bak", key_name(1, 1)),
    ];
    for name in own.iter().chain([&temp_of_own]).chain(&others) {
        fs::write(dir.path().join(name), b"x").unwrap();
    }
    let b = backend(dir.path());
    assert_eq!(
        b.clear_function(1).unwrap(),
        2,
        "entries counted, temporaries not"
    );
    let mut expected = others.to_vec();
    expected.sort();
    assert_eq!(names(dir.path()), expected);
    assert_eq!(b.clear_all().unwrap(), 1, "the other function's entry");
    assert_eq!(
        names(dir.path()),
        [
            format!("{}.bak", key_name(1, 1)),
            key_name(1, 1).replace(".memo", ".pickle"),
            "notes.txt".to_string()
        ],
        "clear_all removes every entry and temporary file of this naming, nothing else"
    );
    let missing = backend(&dir.path().join("missing"));
    assert_eq!(missing.clear_all().unwrap(), 0);
}

fn set_age(path: &Path, age: std::time::Duration) {
    let f = fs::File::options().write(true).open(path).unwrap();
    f.set_modified(std::time::SystemTime::now() - age).unwrap();
}

#[test]
fn stale_temporary_files_of_crashed_writes_are_swept() {
    let dir = tempfile::tempdir().unwrap();
    let stale = format!(".{}.999.0.tmp", key_name(5, 1));
    let fresh = format!(".{}.999.1.tmp", key_name(5, 2));
    let foreign = ".something-else.tmp".to_string();
    for name in [&stale, &fresh, &foreign] {
        fs::write(dir.path().join(name), b"half a write").unwrap();
        set_age(&dir.path().join(name), STALE_TEMP_AGE * 2);
    }
    set_age(&dir.path().join(&fresh), std::time::Duration::from_secs(1));
    // The first access of a directory in this process sweeps it.
    let b = backend(dir.path());
    assert!(matches!(b.get(KEY), Ok(None)));
    let mut expected = vec![fresh.clone(), foreign.clone()];
    expected.sort();
    assert_eq!(
        names(dir.path()),
        expected,
        "only the stale one of ours went"
    );
    // Clearing the function removes its temporary files of any age.
    assert_eq!(b.clear_function(5).unwrap(), 0);
    assert_eq!(names(dir.path()), [foreign]);
}

#[test]
fn file_names_parse_back() {
    let key = EntryKey {
        function: 0x0123,
        value: u128::MAX,
    };
    for naming in [
        Naming::function_first(".memo"),
        Naming::value_first(".legacy"),
    ] {
        let name = naming.file_name(key);
        assert_eq!(naming.parse(&name), Some((key, false)));
        assert_eq!(
            naming.parse(&format!(".{name}.42.7.tmp")),
            Some((key, true))
        );
        for bad in [
            format!("{name}.tmp"),
            format!(".{name}.x.7.tmp"),
            name.to_uppercase(),
            name.replacen('-', "_", 1),
            format!("0{name}"),
        ] {
            assert_eq!(naming.parse(&bad), None, "{bad}");
        }
    }
}
