//! Entry files: round trip, and every way a file can be unusable is a `DiskError` (never a
//! panic, never a huge allocation, never a wrong value); writes are atomic and leave no temporary
//! files.

use std::alloc::{GlobalAlloc, Layout, System};
use std::fs;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use cache_store::disk::{DiskError, EntryHeader, read_entry, remove_matching, write_entry};

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
const HEADER_LEN: usize = 64;

fn write_sample(dir: &Path) -> (std::path::PathBuf, EntryHeader, Vec<u8>) {
    let path = dir.join("entry.memo");
    let header = EntryHeader::now(F, V);
    let payload: Vec<u8> = (0..200u32).map(|i| (i * 7 % 251) as u8).collect();
    write_entry(&path, &header, &payload).unwrap();
    (path, header, payload)
}

fn corrupt(r: Result<Option<(EntryHeader, Vec<u8>)>, DiskError>) -> String {
    match r {
        Err(DiskError::Corrupt(why)) => why,
        other => panic!("expected a Corrupt error, got {other:?}"),
    }
}

#[test]
fn round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let (path, header, payload) = write_sample(dir.path());
    let (h, p) = read_entry(&path, F, V).unwrap().expect("the file exists");
    assert_eq!(h, header);
    assert_eq!(p, payload);
    assert_eq!(
        fs::metadata(&path).unwrap().len() as usize,
        HEADER_LEN + payload.len()
    );
    // An empty payload round-trips too.
    write_entry(&path, &header, b"").unwrap();
    assert_eq!(read_entry(&path, F, V).unwrap().unwrap().1, b"");
}

#[test]
fn overwrite_replaces_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (path, header, _) = write_sample(dir.path());
    write_entry(&path, &header, b"second").unwrap();
    assert_eq!(read_entry(&path, F, V).unwrap().unwrap().1, b"second");
}

#[test]
fn missing_file_is_none() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        read_entry(&dir.path().join("nope.memo"), F, V),
        Ok(None)
    ));
}

#[test]
fn every_truncation_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _, _) = write_sample(dir.path());
    let full = fs::read(&path).unwrap();
    for len in 0..full.len() {
        fs::write(&path, &full[..len]).unwrap();
        corrupt(read_entry(&path, F, V));
    }
}

#[test]
fn trailing_garbage_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _, _) = write_sample(dir.path());
    let mut bytes = fs::read(&path).unwrap();
    bytes.extend_from_slice(b"extra");
    fs::write(&path, &bytes).unwrap();
    corrupt(read_entry(&path, F, V));
}

#[test]
fn every_flipped_byte_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _, _) = write_sample(dir.path());
    let good = fs::read(&path).unwrap();
    for i in 0..good.len() {
        for bit in [0x01u8, 0x80] {
            let mut bad = good.clone();
            bad[i] ^= bit;
            fs::write(&path, &bad).unwrap();
            let why = corrupt(read_entry(&path, F, V));
            if i >= HEADER_LEN {
                assert_eq!(why, "checksum mismatch", "payload byte {i}");
            }
        }
    }
    // The creation time is covered too: a damaged timestamp cannot revive an expired entry.
    let mut bad = good.clone();
    bad[40] ^= 0x10;
    fs::write(&path, &bad).unwrap();
    assert_eq!(corrupt(read_entry(&path, F, V)), "checksum mismatch");
}

#[test]
fn wrong_keys_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _, _) = write_sample(dir.path());
    for (f, v) in [(F + 1, V), (F, V + 1), (V, F)] {
        let why = corrupt(read_entry(&path, f, v));
        assert!(why.contains("another function"), "{why}");
    }
}

#[test]
fn foreign_files_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("foreign.memo");
    for content in [
        &b""[..],
        b"hello, world",
        &[0u8; 64],
        &[0xffu8; 500],
        b"\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00K\x01.", // a Python pickle of `1`
    ] {
        fs::write(&path, content).unwrap();
        corrupt(read_entry(&path, F, V));
    }
    // A directory where the file should be is an I/O error, not a panic.
    let as_dir = dir.path().join("dir.memo");
    fs::create_dir(&as_dir).unwrap();
    assert!(read_entry(&as_dir, F, V).is_err());
}

#[test]
fn huge_announced_length_fails_fast_without_allocating_it() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _, _) = write_sample(dir.path());
    let mut bytes = fs::read(&path).unwrap();
    for announced in [1u64 << 40, u64::MAX, u64::MAX - HEADER_LEN as u64 + 1] {
        bytes[48..56].copy_from_slice(&announced.to_le_bytes());
        fs::write(&path, &bytes).unwrap();
        let before = LARGEST.swap(0, Ordering::SeqCst);
        let start = Instant::now();
        let why = corrupt(read_entry(&path, F, V));
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
    let header = EntryHeader::now(F, V);
    for i in 0..20u8 {
        write_entry(
            &dir.path().join(format!("e{}.memo", i % 3)),
            &header,
            &[i; 100],
        )
        .unwrap();
    }
    let mut names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["e0.memo", "e1.memo", "e2.memo"]);

    // A write that fails at the rename (the target is a non-empty directory) removes its
    // temporary file too.
    let blocked = dir.path().join("blocked.memo");
    fs::create_dir(&blocked).unwrap();
    fs::write(blocked.join("keep"), b"x").unwrap();
    assert!(write_entry(&blocked, &header, b"payload").is_err());
    let leftovers: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn concurrent_writers_and_readers_never_see_half_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.memo");
    let header = EntryHeader::now(F, V);
    write_entry(&path, &header, &[0u8; 4096]).unwrap();
    std::thread::scope(|s| {
        for w in 1..=3u8 {
            let path = &path;
            s.spawn(move || {
                for _ in 0..30 {
                    write_entry(path, &header, &[w; 4096]).unwrap();
                }
            });
        }
        let path = &path;
        s.spawn(move || {
            for _ in 0..200 {
                let (_, p) = read_entry(path, F, V).unwrap().expect("never absent");
                assert_eq!(p.len(), 4096);
                assert!(p.iter().all(|b| *b == p[0]), "a torn payload");
            }
        });
    });
}

#[test]
fn remove_matching_removes_exactly_the_matching_files() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "aa-1.memo",
        "aa-2.memo",
        "ab-1.memo",
        "aa-3.pickle",
        ".aa-4.memo.1.0.tmp",
    ] {
        fs::write(dir.path().join(name), b"x").unwrap();
    }
    assert_eq!(remove_matching(dir.path(), "aa-", ".memo").unwrap(), 2);
    let mut left: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, [".aa-4.memo.1.0.tmp", "aa-3.pickle", "ab-1.memo"]);
    assert_eq!(
        remove_matching(&dir.path().join("missing"), "", ".memo").unwrap(),
        0
    );
}
