//! Storage round trips: a return type bincode cannot round-trip gets one clear error and is
//! never cached (nor counted as a hit); `storage = "clone"` clones once per hit.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use common::Capture;
use memo::memo;
use serde::{Deserialize, Serialize};

/// Internally tagged: bincode encodes it, but cannot decode it (it needs `deserialize_any`).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(tag = "kind")]
enum Shape {
    Circle { r: u32 },
}

#[test]
fn an_internally_tagged_enum_gets_one_error_and_is_never_cached() {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    #[memo]
    fn shape(r: u32) -> Shape {
        RUNS.fetch_add(1, Ordering::SeqCst);
        Shape::Circle { r }
    }
    let cap = Capture::default();
    for _ in 0..3 {
        assert_eq!(cap.run(|| shape(1)), Shape::Circle { r: 1 });
    }
    assert_eq!(RUNS.load(Ordering::SeqCst), 3, "every call computes");
    let stats = shape::stats();
    assert_eq!((stats.hits, stats.misses, stats.entries), (0, 3, 0));
    let errors: Vec<_> = cap
        .events()
        .into_iter()
        .filter(|e| e.level == tracing::Level::ERROR)
        .collect();
    assert_eq!(errors.len(), 1, "one error, not one per call: {errors:?}");
    let m = &errors[0].message;
    assert!(
        m.contains("storage.rs::Shape") || m.contains("Shape"),
        "{m}"
    );
    assert!(
        m.contains("storage = \"clone\"") && m.contains("#[singleton]"),
        "{m}"
    );
    let warnings = cap
        .events()
        .into_iter()
        .filter(|e| e.level == tracing::Level::WARN)
        .count();
    assert_eq!(warnings, 0, "no warning per call either");
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Inner {
    a: u8,
}

/// `flatten` needs a map-based format: bincode cannot even encode it.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Flat {
    id: u8,
    #[serde(flatten)]
    inner: Inner,
}

#[test]
fn a_flattened_struct_gets_one_error_and_is_never_cached() {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    #[memo(persist = "disk")]
    fn flat(id: u8) -> Flat {
        RUNS.fetch_add(1, Ordering::SeqCst);
        Flat {
            id,
            inner: Inner { a: 1 },
        }
    }
    let dir = tempfile::tempdir().unwrap();
    memo::set_cache_dir(Some(dir.path().to_path_buf()));
    let cap = Capture::default();
    for _ in 0..3 {
        assert_eq!(cap.run(|| flat(2)).id, 2);
    }
    assert_eq!(RUNS.load(Ordering::SeqCst), 3);
    assert_eq!(flat::stats().hits, 0);
    let errors: Vec<_> = cap
        .messages("memo")
        .into_iter()
        .filter(|m| m.contains("cannot be cached"))
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("Flat") && errors[0].contains("cannot be encoded"));
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing persisted"
    );
    memo::set_cache_dir(None);
}

/// Decodes once, then fails while `FAIL_DECODE` is set: a `Deserialize` that cannot read what
/// its `Serialize` wrote only sometimes.
#[derive(Debug, Clone, PartialEq)]
struct Flaky(u32);

static FAIL_DECODE: AtomicBool = AtomicBool::new(false);

impl Serialize for Flaky {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Flaky {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = u32::deserialize(d)?;
        if FAIL_DECODE.load(Ordering::SeqCst) {
            return Err(serde::de::Error::custom("refusing to decode"));
        }
        Ok(Flaky(v))
    }
}

#[test]
fn a_failed_decode_is_not_counted_as_a_hit() {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    #[memo]
    fn flaky(x: u32) -> Flaky {
        RUNS.fetch_add(1, Ordering::SeqCst);
        Flaky(x)
    }
    assert_eq!(flaky(5), Flaky(5));
    assert_eq!(flaky(5), Flaky(5));
    assert_eq!((flaky::stats().hits, flaky::stats().misses), (1, 1));
    FAIL_DECODE.store(true, Ordering::SeqCst);
    let cap = Capture::default();
    assert_eq!(cap.run(|| flaky(5)), Flaky(5), "recomputed");
    FAIL_DECODE.store(false, Ordering::SeqCst);
    assert_eq!(RUNS.load(Ordering::SeqCst), 2);
    let stats = flaky::stats();
    assert_eq!(
        (stats.hits, stats.misses),
        (1, 2),
        "the failed decode is a miss, not a hit"
    );
}

static CLONES: AtomicUsize = AtomicUsize::new(0);

/// Counts its clones.
#[derive(Debug, PartialEq)]
struct Counted(Vec<u64>);

impl Clone for Counted {
    fn clone(&self) -> Self {
        CLONES.fetch_add(1, Ordering::SeqCst);
        Counted(self.0.clone())
    }
}

impl memo::storage::CloneIsolated for Counted {}

#[test]
fn clone_storage_clones_once_per_hit() {
    #[memo(storage = "clone")]
    fn counted(n: u64) -> Counted {
        Counted((0..n).collect())
    }
    let first = counted(3);
    assert_eq!(first.0, [0, 1, 2]);
    let after_miss = CLONES.load(Ordering::SeqCst);
    assert_eq!(after_miss, 1, "a miss keeps one copy for the cache");
    for hit in 1..=5 {
        assert_eq!(counted(3), first);
        assert_eq!(
            CLONES.load(Ordering::SeqCst),
            after_miss + hit,
            "one clone per hit (hit {hit})"
        );
    }
    assert_eq!(counted::stats().hits, 5);
}

/// Hits of values whose encoding is just under, at and just over the size a hit copies out of
/// the cache instead of sharing (64 bytes) return what was stored, and count as hits.
#[test]
fn hits_around_the_copied_size_return_the_stored_value() {
    #[memo]
    fn pattern(n: usize) -> Vec<u8> {
        (0..n).map(|i| i as u8 ^ 0x5a).collect()
    }
    let lengths = 50..=70;
    for n in lengths.clone() {
        let first = pattern(n);
        assert_eq!(first.len(), n);
        assert_eq!(pattern(n), first, "first hit of {n} bytes");
        assert_eq!(pattern(n), first, "second hit of {n} bytes");
    }
    let calls = lengths.count() as u64;
    let stats = pattern::stats();
    assert_eq!((stats.hits, stats.misses), (2 * calls, calls));
}
