//! `persist = "disk"`, as Streamlit's `cache_data` tests check it: file names, reading persisted data,
//! bad files, per-function clearing, TTL on disk, an unwritable directory, and a second process
//! finding what the first one persisted.
//!
//! Every test here calls [`cache_dir`] first: it points memo at one temporary directory with
//! `memo::set_cache_dir` (child processes get it through `MEMO_CACHE_DIR`). Tests that compare
//! directory listings hold [`serial`] so they do not see each other's files. Tests named
//! `child_*` do nothing unless this binary was re-executed by a parent test for them.

#![allow(clippy::disallowed_names)] // Streamlit's test names: foo, bar

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use cache_store::persist::{Backend, DiskBackend, Entry, EntryHeader, EntryKey, Naming};
use common::Capture;
use memo::memo;
#[cfg(feature = "polars")]
use polars::prelude::{DataFrame, df};

const CHILD_ENV: &str = "MEMO_PERSIST_TEST_CHILD";

fn cache_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        if std::env::var_os(CHILD_ENV).is_some() {
            // Re-executed by a parent test, which chose MEMO_CACHE_DIR for us.
            return PathBuf::from(std::env::var_os("MEMO_CACHE_DIR").expect("set by the parent"));
        }
        let dir = tempfile::Builder::new()
            .prefix("memo-persist-test-")
            .tempdir()
            .expect("temp dir")
            .keep();
        memo::set_cache_dir(Some(dir.clone()));
        dir
    })
}

/// The backend memo uses, over the same directory, for writing and reading entries directly.
fn backend() -> DiskBackend {
    DiskBackend::at(cache_dir(), Naming::function_first(".memo"))
}

fn fingerprint<T: serde::Serialize + serde::de::DeserializeOwned + 'static>() -> u64 {
    memo::Codec::<T>::bincode().fingerprint()
}

/// Writes an entry for `(f, v)` holding `value`, as memo would have written it.
fn write_entry<T: serde::Serialize + serde::de::DeserializeOwned + 'static>(
    f: u128,
    v: u128,
    created_ms: Option<u64>,
    value: &T,
) {
    let key = EntryKey {
        function: f,
        value: v,
    };
    let mut header = EntryHeader::now(key, fingerprint::<T>(), None);
    if let Some(ms) = created_ms {
        header.created_ms = ms;
    }
    backend()
        .put(&header, &memo::codec::encode(value).unwrap())
        .unwrap();
}

fn read_entry(f: u128, v: u128) -> Option<Entry> {
    backend()
        .get(EntryKey {
            function: f,
            value: v,
        })
        .unwrap()
}

fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn listing() -> BTreeSet<String> {
    fs::read_dir(cache_dir())
        .map(|rd| {
            rd.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Calls `f` and returns the files it created.
fn new_files(f: impl FnOnce()) -> Vec<String> {
    let before = listing();
    f();
    listing().difference(&before).cloned().collect()
}

fn split_name(name: &str) -> (u128, u128) {
    let stem = name.strip_suffix(".memo").expect(".memo extension");
    let (f, v) = stem.split_once('-').expect("<fkey>-<vkey>");
    assert_eq!((f.len(), v.len()), (32, 32), "32 hex digits each: {name}");
    (
        u128::from_str_radix(f, 16).unwrap(),
        u128::from_str_radix(v, 16).unwrap(),
    )
}

/// The value key of a one-parameter function, built as the macro builds it.
fn value_key<T: memo::KeyHash + ?Sized>(param: &'static str, v: &T) -> u128 {
    let mut b = cache_key::KeyBuilder::new();
    b.param(param);
    b.key_hash(v);
    b.finish().unwrap().0
}

fn path_of(f: u128, v: u128) -> PathBuf {
    cache_dir().join(format!("{f:032x}-{v:032x}.memo"))
}

/// Re-executes this test binary to run only `test`, with `CHILD_ENV` set.
fn run_child(test: &str, cache: &Path) -> (std::process::Output, u32) {
    let child = Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, test)
        .env("MEMO_CACHE_DIR", cache)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    (child.wait_with_output().unwrap(), pid)
}

fn is_child(test: &str) -> bool {
    std::env::var(CHILD_ENV).is_ok_and(|t| t == test)
}

#[test]
fn test_dont_persist_by_default() {
    cache_dir();
    let _g = serial();
    #[memo]
    fn in_memory_only(x: u32) -> u32 {
        x
    }
    assert!(new_files(|| assert_eq!(in_memory_only(1), 1)).is_empty());
}

#[test]
fn test_persist_path() {
    cache_dir();
    let _g = serial();
    #[memo(persist = "disk")]
    fn persisted(x: u32) -> String {
        format!("v{x}")
    }
    let first = new_files(|| assert_eq!(persisted(7), "v7"));
    assert_eq!(first.len(), 1, "{first:?}");
    let (fkey, vkey) = split_name(&first[0]);
    assert_eq!(vkey, value_key("x", &7u32), "<value key> is the call's key");
    // Another argument: same function prefix, another value key.
    let second = new_files(|| assert_eq!(persisted(8), "v8"));
    assert_eq!(second.len(), 1);
    assert_eq!(split_name(&second[0]), (fkey, value_key("x", &8u32)));
    // `persist = true` is the same as "disk".
    #[memo(persist = true)]
    fn persisted_true(x: u32) -> u32 {
        x
    }
    assert_eq!(new_files(|| assert_eq!(persisted_true(1), 1)).len(), 1);
    // A hit writes nothing.
    assert!(new_files(|| assert_eq!(persisted(7), "v7")).is_empty());
    #[memo(persist = false)]
    fn not_persisted(x: u32) -> u32 {
        x
    }
    assert!(new_files(|| assert_eq!(not_persisted(1), 1)).is_empty());
}

static READ_RUNS: AtomicUsize = AtomicUsize::new(0);

#[memo(persist = "disk")]
fn read_back(x: u32) -> String {
    READ_RUNS.fetch_add(1, Ordering::SeqCst);
    "actual_value".to_string() + &x.to_string()
}

#[test]
fn test_read_persisted_data() {
    cache_dir();
    let _g = serial();
    // Learn the function key from a first call's file.
    let files = new_files(|| {
        read_back(1);
    });
    let (fkey, _) = split_name(&files[0]);
    // A file for argument 2 that this process never computed: the call reads it.
    write_entry(
        fkey,
        value_key("x", &2u32),
        None,
        &"mock_persisted_value".to_string(),
    );
    let runs = READ_RUNS.load(Ordering::SeqCst);
    assert_eq!(read_back(2), "mock_persisted_value", "the disk value wins");
    assert_eq!(read_back(2), "mock_persisted_value", "and is now in memory");
    assert_eq!(
        READ_RUNS.load(Ordering::SeqCst),
        runs,
        "the function did not run"
    );
}

static BAD_RUNS: AtomicUsize = AtomicUsize::new(0);

#[memo(persist = "disk")]
fn bad_files(x: u32) -> String {
    BAD_RUNS.fetch_add(1, Ordering::SeqCst);
    format!("fresh{x}")
}

#[test]
fn test_read_bad_persisted_data() {
    cache_dir();
    let _g = serial();
    let files = new_files(|| {
        bad_files(0);
    });
    let (fkey, _) = split_name(&files[0]);
    let path = path_of(fkey, value_key("x", &1u32));
    bad_files(1);
    let good = fs::read(&path).unwrap();
    let other = fs::read(path_of(fkey, value_key("x", &0u32))).unwrap();

    let undecodable = {
        // A valid file of the right type whose payload is not a String (a lone 0xff byte).
        let key = EntryKey {
            function: fkey,
            value: value_key("x", &1u32),
        };
        let header = EntryHeader::now(key, fingerprint::<String>(), None);
        cache_store::persist::format::encode_entry(&Entry {
            header,
            payload: vec![0xff],
        })
    };
    let other_type = {
        let key = EntryKey {
            function: fkey,
            value: value_key("x", &1u32),
        };
        // The encoding of a `String` "fresh1"-like value, but written for `Vec<u8>`.
        let header = EntryHeader::now(key, fingerprint::<Vec<u8>>(), None);
        cache_store::persist::format::encode_entry(&Entry {
            header,
            payload: memo::codec::encode(&b"stale".to_vec()).unwrap(),
        })
    };
    let mut flipped = good.clone();
    *flipped.last_mut().unwrap() ^= 1;
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", vec![]),
        ("truncated", good[..good.len() - 1].to_vec()),
        ("truncated header", good[..10].to_vec()),
        ("flipped byte", flipped),
        ("foreign", b"\x80\x04K\x01.".to_vec()),
        ("another entry's file", other),
        ("undecodable payload", undecodable),
        ("another type's entry", other_type),
    ];
    for (what, bytes) in cases {
        assert!(bad_files::clear_entry(1), "{what}: reset memory and disk");
        fs::write(&path, &bytes).unwrap();
        let runs = BAD_RUNS.load(Ordering::SeqCst);
        let cap = Capture::default();
        let got = cap.run(|| bad_files(1));
        assert_eq!(got, "fresh1", "{what}: recomputed, never a panic");
        assert_eq!(BAD_RUNS.load(Ordering::SeqCst), runs + 1, "{what}");
        let warnings: Vec<_> = cap
            .events()
            .into_iter()
            .filter(|e| e.target == "memo" && e.level == tracing::Level::WARN)
            .collect();
        assert_eq!(warnings.len(), 1, "{what}: one warning, got {warnings:?}");
        assert!(
            warnings[0].message.contains("recomputing and replacing it"),
            "{what}: {}",
            warnings[0].message
        );
        // The bad file was replaced by a good one.
        let entry = read_entry(fkey, value_key("x", &1u32)).expect("rewritten");
        assert_eq!(
            memo::codec::decode::<String>(&entry.payload).unwrap(),
            "fresh1"
        );
    }
}

#[test]
fn test_clear_one_disk_cache() {
    cache_dir();
    let _g = serial();
    #[memo(persist = "disk")]
    fn foo(x: u8) -> u8 {
        x
    }
    #[memo(persist = "disk")]
    fn bar(x: u8) -> u8 {
        x
    }
    let foo_files: BTreeSet<String> = new_files(|| {
        foo(1);
        foo(2);
    })
    .into_iter()
    .collect();
    let bar_files = new_files(|| {
        bar(1);
    });
    assert_eq!(foo_files.len(), 2);
    // An orphan of foo from "an earlier process" (never in this process's memory).
    let (fkey, _) = split_name(foo_files.first().unwrap());
    let orphan = format!("{fkey:032x}-{:032x}.memo", 12345u128);
    fs::write(cache_dir().join(&orphan), b"old").unwrap();
    let before = listing();
    foo::clear();
    let removed: BTreeSet<String> = before.difference(&listing()).cloned().collect();
    let mut expected = foo_files.clone();
    expected.insert(orphan);
    assert_eq!(removed, expected, "exactly foo's files");
    assert!(listing().contains(&bar_files[0]), "bar's file stays");
    assert_eq!(foo::stats().entries, 0);
}

#[test]
fn test_cached_st_function_clear_args_persist() {
    cache_dir();
    let _g = serial();
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    #[memo(persist = "disk")]
    fn foo(y: u32) -> usize {
        let _ = y;
        RUNS.fetch_add(1, Ordering::SeqCst) + 1
    }
    let f1 = new_files(|| assert_eq!(foo(1), 1));
    let f2 = new_files(|| assert_eq!(foo(2), 2));
    assert!(foo::clear_entry(2));
    let left = listing();
    assert!(left.contains(&f1[0]) && !left.contains(&f2[0]));
    assert_eq!(foo(1), 1, "memory entry of 1 kept");
    assert_eq!(foo(2), 3, "2 recomputed");
}

#[test]
fn ttl_is_honoured_on_disk() {
    cache_dir();
    let _g = serial();
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    #[memo(persist = "disk", ttl = "1h")]
    fn fresh_only(x: u32) -> String {
        RUNS.fetch_add(1, Ordering::SeqCst);
        format!("computed{x}")
    }
    let files = new_files(|| {
        fresh_only(0);
    });
    let (fkey, _) = split_name(&files[0]);
    let vkey = value_key("x", &1u32);
    let from_disk = "from disk".to_string();
    let now_ms = EntryHeader::now(
        EntryKey {
            function: 0,
            value: 0,
        },
        0,
        None,
    )
    .created_ms;

    // Two hours old: expired, not served, replaced.
    write_entry(fkey, vkey, Some(now_ms - 2 * 3600 * 1000), &from_disk);
    let runs = RUNS.load(Ordering::SeqCst);
    assert_eq!(fresh_only(1), "computed1");
    assert_eq!(RUNS.load(Ordering::SeqCst), runs + 1);
    let h = read_entry(fkey, vkey).unwrap().header;
    assert!(
        h.age() < Duration::from_secs(60),
        "replaced by a fresh file"
    );
    assert_eq!(
        h.ttl_ms,
        Some(3600 * 1000),
        "the TTL travels with the entry"
    );

    // Ten minutes old: served.
    assert!(fresh_only::clear_entry(1));
    write_entry(fkey, vkey, Some(now_ms - 10 * 60 * 1000), &from_disk);
    let runs = RUNS.load(Ordering::SeqCst);
    assert_eq!(fresh_only(1), "from disk");
    assert_eq!(RUNS.load(Ordering::SeqCst), runs);
}

#[cfg(feature = "polars")]
#[test]
fn restart_reads_disk_with_clone_storage_and_frames() {
    // Simulated restart: keep the file, drop the memory entry, call again.
    cache_dir();
    let _g = serial();
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    #[memo(persist = "disk", storage = "clone")]
    fn table(n: i64) -> DataFrame {
        RUNS.fetch_add(1, Ordering::SeqCst);
        df!("a" => [Some(n), None], "s" => [Some("x"), None]).unwrap()
    }
    let files = new_files(|| {
        table(3);
    });
    let path = cache_dir().join(&files[0]);
    let bytes = fs::read(&path).unwrap();
    assert!(table::clear_entry(3));
    fs::write(&path, &bytes).unwrap();
    let got = table(3);
    assert_eq!(
        RUNS.load(Ordering::SeqCst),
        1,
        "read from disk, not recomputed"
    );
    assert!(got.equals_missing(&df!("a" => [Some(3i64), None], "s" => [Some("x"), None]).unwrap()));
}

// Two processes.

static CROSS_RUNS: AtomicUsize = AtomicUsize::new(0);

#[memo(persist = "disk")]
fn shared_across_processes(x: u32) -> Vec<String> {
    CROSS_RUNS.fetch_add(1, Ordering::SeqCst);
    // Side channel: a marker file named after the process that ran the body.
    fs::write(
        cache_dir().join(format!("ran-in-{}", std::process::id())),
        b"",
    )
    .unwrap();
    vec![format!("answer-{x}"), "persisted".into()]
}

#[test]
fn a_second_process_reads_what_the_first_persisted() {
    let dir = cache_dir();
    let _g = serial();
    assert_eq!(shared_across_processes(42), ["answer-42", "persisted"]);
    assert!(dir.join(format!("ran-in-{}", std::process::id())).exists());
    let (out, child_pid) = run_child("child_reads_persisted_entry", dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("CHILD-READ answer-42"), "{stdout}");
    assert!(
        !dir.join(format!("ran-in-{child_pid}")).exists(),
        "the function body ran in the child"
    );
}

#[test]
fn child_reads_persisted_entry() {
    if !is_child("child_reads_persisted_entry") {
        return;
    }
    cache_dir();
    let v = shared_across_processes(42);
    assert_eq!(v, ["answer-42", "persisted"]);
    assert_eq!(CROSS_RUNS.load(Ordering::SeqCst), 0, "not recomputed");
    assert_eq!(
        shared_across_processes::stats().misses,
        1,
        "a memory miss..."
    );
    println!("CHILD-READ {}", v[0]);
}

#[test]
fn unwritable_directory_still_returns_the_value() {
    cache_dir();
    // A directory path below a regular file can never be created (even by root).
    let file = tempfile::NamedTempFile::new().unwrap();
    let bad = file.path().join("cache");
    let (out, _) = run_child("child_unwritable_directory", &bad);
    assert!(
        out.status.success(),
        "child failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("CHILD-UNWRITABLE ok"));
}

#[test]
fn child_unwritable_directory() {
    if !is_child("child_unwritable_directory") {
        return;
    }
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    #[memo(persist = "disk")]
    fn stubborn(x: u32) -> u32 {
        RUNS.fetch_add(1, Ordering::SeqCst);
        x + 1
    }
    cache_dir();
    let cap = Capture::default();
    assert_eq!(cap.run(|| stubborn(1)), 2);
    assert_eq!(stubborn(1), 2, "kept in memory");
    assert_eq!(RUNS.load(Ordering::SeqCst), 1);
    let warned = cap
        .events()
        .iter()
        .any(|e| e.level == tracing::Level::WARN && e.message.contains("cannot write"));
    assert!(warned, "{:?}", cap.events());
    println!("CHILD-UNWRITABLE ok");
}

// A return type that changed between two builds, with the same function key.

mod v1 {
    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    pub struct Point {
        pub x: u32,
        pub y: u32,
    }
}

mod v2 {
    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    pub struct Point {
        pub y: u32,
        pub x: u32,
    }
}

/// The cache of `app::span` as a build whose return type is `T` would create it: same module,
/// name and tokens (a `type Span = ..` alias changed, the function's text did not).
fn span_fn<T>() -> memo::MemoFn<T, std::sync::Arc<[u8]>>
where
    T: serde::Serialize + serde::de::DeserializeOwned + 'static,
{
    memo::MemoFn::new::<memo::storage::Serialized>(
        "app",
        "span",
        0x5ba9,
        memo::MemoOptions {
            persist: Some(memo::Codec::<T>::bincode()),
            ..Default::default()
        },
    )
}

#[test]
fn a_changed_return_type_is_a_miss_never_a_wrong_value() {
    cache_dir();
    let _g = serial();
    let key = || Ok(memo::Key(0x77));
    let before = span_fn::<(u32, u32)>();
    before.clear();
    assert_eq!(before.call(key(), || (7, 9)), (7, 9));

    // Next build: `type Span = (i32, i32)`. The bytes of (7, 9) decode as (-4, -5) in bincode.
    let after = span_fn::<(i32, i32)>();
    let cap = Capture::default();
    assert_eq!(
        cap.run(|| after.call(key(), || (1, 2))),
        (1, 2),
        "recomputed, not read back as another type"
    );
    let warned = cap
        .events()
        .iter()
        .any(|e| e.message.contains("different return type"));
    assert!(warned, "{:?}", cap.events());
    assert_eq!(after.call(key(), || (3, 4)), (1, 2), "then cached as usual");

    // A struct whose fields were swapped: same shape to bincode, swapped values.
    let first = span_fn::<v1::Point>();
    first.clear();
    assert_eq!(
        first.call(key(), || v1::Point { x: 1, y: 2 }),
        v1::Point { x: 1, y: 2 }
    );
    let swapped = span_fn::<v2::Point>();
    assert_eq!(
        swapped.call(key(), || v2::Point { y: 20, x: 10 }),
        v2::Point { y: 20, x: 10 },
        "recomputed, not {{ y: 1, x: 2 }}"
    );
    swapped.clear();
}

#[test]
fn clearing_removes_temporary_files_of_crashed_writes() {
    cache_dir();
    let _g = serial();
    #[memo(persist = "disk")]
    fn crashed(x: u8) -> u8 {
        x
    }
    let files = new_files(|| {
        crashed(1);
    });
    let (fkey, _) = split_name(&files[0]);
    // What a process killed between writing and renaming leaves behind.
    let debris = format!(".{fkey:032x}-{:032x}.memo.4242.0.tmp", 99u128);
    fs::write(cache_dir().join(&debris), b"half a value").unwrap();
    crashed::clear();
    assert!(
        !listing().contains(&debris),
        "clear() removes the function's temporary files too"
    );
}

#[test]
fn the_directory_can_be_changed_at_run_time() {
    cache_dir();
    let _g = serial();
    #[memo(persist = "disk")]
    fn moved(x: u8) -> u8 {
        x
    }
    let elsewhere = tempfile::tempdir().unwrap();
    memo::set_cache_dir(Some(elsewhere.path().to_path_buf()));
    moved(1);
    memo::set_cache_dir(Some(cache_dir().to_path_buf()));
    let there = fs::read_dir(elsewhere.path()).unwrap().count();
    assert_eq!(there, 1, "written where the directory pointed at the time");
}
