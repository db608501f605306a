//! `persist = true` in its own test binary: the persistence directory and
//! `clear_cache` are process-wide, so these tests take a lock and share one temporary directory.

mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use cache_store::clock::MockClock;
use legacy_cache::{Shared, cache};

static CALLS: AtomicUsize = AtomicUsize::new(0);

fn calls() -> usize {
    CALLS.load(Ordering::SeqCst)
}

/// Serializes the tests and points persistence at a fresh temporary directory.
fn setup() -> (MutexGuard<'static, ()>, PathBuf) {
    static LOCK: Mutex<()> = Mutex::new(());
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    let guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let dir = DIR
        .get_or_init(|| tempfile::tempdir().unwrap())
        .path()
        .to_path_buf();
    legacy_cache::persist::set_cache_dir(Some(dir.clone()));
    legacy_cache::clear_cache();
    (guard, dir)
}

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

mod first_process {
    use super::*;
    #[cache(persist = true)]
    pub fn load(x: i64) -> Vec<String> {
        CALLS.fetch_add(1, Ordering::SeqCst);
        vec![format!("value {x}")]
    }
}

#[test]
fn persist_round_trip_and_file_naming() {
    let (_g, dir) = setup();
    let before = calls();
    assert_eq!(*first_process::load(1), vec!["value 1".to_string()]);
    assert_eq!(calls(), before + 1);
    let names = files(&dir);
    assert_eq!(names.len(), 1, "{names:?}");
    // Streamlit's value key of f(1): md5(to_bytes((1,))).
    assert!(
        names[0].starts_with("159809b4f2619ab5a677eaf06329a998-"),
        "{names:?}"
    );
    assert!(names[0].ends_with(".legacy"));
    let (value_key, function_key) = names[0]
        .trim_end_matches(".legacy")
        .split_once('-')
        .unwrap();
    assert_eq!((value_key.len(), function_key.len()), (32, 32));
    assert_eq!(*first_process::load(1), vec!["value 1".to_string()]);
    assert_eq!(calls(), before + 1, "a memory hit");
}

mod restart {
    pub mod a {
        use crate::*;
        pub fn call(x: i64) -> Shared<Vec<String>> {
            #[cache(persist = true)]
            fn restartable(x: i64) -> Vec<String> {
                CALLS.fetch_add(1, Ordering::SeqCst);
                vec![format!("value {x}")]
            }
            restartable(x)
        }
    }
}

mod restart_again {
    pub mod a {
        use crate::*;
        pub fn call(x: i64) -> Shared<Vec<String>> {
            #[cache(persist = true)]
            fn restartable(x: i64) -> Vec<String> {
                CALLS.fetch_add(1, Ordering::SeqCst);
                vec![format!("value {x}")]
            }
            restartable(x)
        }
    }
}

/// What a restarted process sees: empty memory caches and the files persisted so far.
/// (`clear_cache` empties both, so the files are put back.)
fn restart(dir: &Path) {
    let saved: Vec<(PathBuf, Vec<u8>)> = files(dir)
        .into_iter()
        .map(|n| (dir.join(&n), std::fs::read(dir.join(&n)).unwrap()))
        .collect();
    legacy_cache::clear_cache();
    for (path, bytes) in saved {
        std::fs::write(path, bytes).unwrap();
    }
}

#[test]
fn a_restarted_process_reads_the_persisted_value() {
    let (_g, dir) = setup();
    #[cache(persist = true)]
    fn twin(x: i64) -> Vec<String> {
        CALLS.fetch_add(1, Ordering::SeqCst);
        vec![format!("value {x}")]
    }
    let before = calls();
    assert_eq!(*twin(7), vec!["value 7".to_string()]);
    restart(&dir);
    assert_eq!(*twin(7), vec!["value 7".to_string()], "read back from disk");
    assert_eq!(calls(), before + 1, "computed once across the restart");
    // Different modules give different function keys: no sharing.
    restart::a::call(8);
    restart_again::a::call(8);
    assert_eq!(calls(), before + 3);
}

#[test]
fn persisted_values_never_expire() {
    let (_g, dir) = setup();
    #[cache(persist = true, ttl = 1)]
    fn short_lived(x: u8) -> Vec<u8> {
        CALLS.fetch_add(1, Ordering::SeqCst);
        vec![x]
    }
    let clock = MockClock::install();
    let before = calls();
    short_lived(1);
    clock.advance(Duration::from_secs(3600));
    let (v, log) = common::logged(|| short_lived(1));
    MockClock::uninstall();
    assert_eq!(*v, vec![1]);
    assert_eq!(
        calls(),
        before + 1,
        "the memory entry expired; the disk copy did not"
    );
    assert!(!log.contains("Running"), "no computation: {log}");
    assert_eq!(files(&dir).len(), 1);
}

fn corrupt_and_reload(damage: impl Fn(&Path)) -> (usize, String) {
    #[cache(persist = true)]
    fn fragile(x: i64) -> Vec<String> {
        CALLS.fetch_add(1, Ordering::SeqCst);
        vec![format!("value {x}")]
    }
    let dir = legacy_cache::persist::cache_dir();
    let before = calls();
    fragile(3);
    let path = dir.join(&files(&dir)[0]);
    damage(&path);
    restart(&dir);
    let (v, log) = common::logged(|| fragile(3));
    assert_eq!(*v, vec!["value 3".to_string()], "recomputed, no panic");
    // The bad file was replaced by a good one.
    restart(&dir);
    let before_third = calls();
    assert_eq!(*fragile(3), vec!["value 3".to_string()]);
    assert_eq!(calls(), before_third, "the rewritten file is valid");
    (calls() - before, log)
}

#[test]
fn a_corrupted_file_is_a_miss_with_a_warning() {
    let (_g, _dir) = setup();
    let (computed, log) = corrupt_and_reload(|p| {
        let mut bytes = std::fs::read(p).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0xff;
        std::fs::write(p, bytes).unwrap();
    });
    assert_eq!(computed, 2);
    assert!(log.contains("WARN") && log.contains("checksum"), "{log}");
}

#[test]
fn a_truncated_file_is_a_miss_with_a_warning() {
    let (_g, _dir) = setup();
    let (computed, log) = corrupt_and_reload(|p| {
        let bytes = std::fs::read(p).unwrap();
        std::fs::write(p, &bytes[..bytes.len() / 2]).unwrap();
    });
    assert_eq!(computed, 2);
    assert!(
        log.contains("WARN") && log.contains("ignoring persisted entry"),
        "{log}"
    );
}

#[test]
fn an_undecodable_payload_is_a_miss_with_a_warning() {
    let (_g, _dir) = setup();
    let (computed, log) = corrupt_and_reload(|p| {
        // A well-formed entry file (right keys, right checksum) whose payload is not a Vec<String>.
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let (value, function) = name.trim_end_matches(".legacy").split_once('-').unwrap();
        let value = u128::from_str_radix(value, 16).unwrap();
        let function = u128::from_str_radix(function, 16).unwrap();
        let key = cache_store::persist::EntryKey { function, value };
        let fingerprint = legacy_cache::persist::Codec::<Vec<String>>::bincode().fingerprint();
        let header = cache_store::persist::EntryHeader::now(key, fingerprint, None);
        let entry = cache_store::persist::Entry {
            header,
            payload: vec![0xff, 0xff, 0xff],
        };
        std::fs::write(p, cache_store::persist::format::encode_entry(&entry)).unwrap();
    });
    assert_eq!(computed, 2);
    assert!(log.contains("does not decode"), "{log}");
}

#[test]
fn clear_cache_empties_memory_and_the_directory() {
    let (_g, dir) = setup();
    #[cache(persist = true)]
    fn cleared(x: u8) -> u8 {
        CALLS.fetch_add(1, Ordering::SeqCst);
        x
    }
    #[cache]
    fn in_memory(x: u8) -> u8 {
        CALLS.fetch_add(1, Ordering::SeqCst);
        x
    }
    let before = calls();
    cleared(1);
    cleared(2);
    in_memory(1);
    in_memory(1);
    assert_eq!(files(&dir).len(), 2);
    std::fs::write(dir.join("unrelated.txt"), b"keep me").unwrap();
    legacy_cache::clear_cache();
    assert_eq!(
        files(&dir),
        vec!["unrelated.txt".to_string()],
        "only our files go"
    );
    cleared(1);
    in_memory(1);
    assert_eq!(
        calls(),
        before + 5,
        "test_clear_cache: every function recomputes"
    );
    std::fs::remove_file(dir.join("unrelated.txt")).unwrap();
}

#[test]
fn no_argument_functions_use_the_empty_md5_value_key() {
    let (_g, dir) = setup();
    #[cache(persist = true)]
    fn constant() -> String {
        "c".into()
    }
    constant();
    let names = files(&dir);
    assert!(
        names[0].starts_with("d41d8cd98f00b204e9800998ecf8427e-"),
        "{names:?}"
    );
}

#[test]
fn a_failed_write_keeps_the_value_in_memory() {
    let (_g, dir) = setup();
    #[cache(persist = true)]
    fn unwritable(x: u8) -> u8 {
        CALLS.fetch_add(1, Ordering::SeqCst);
        x
    }
    // Point persistence at a path below a regular file: creating the directory fails.
    let blocker = dir.join("blocker");
    std::fs::write(&blocker, b"").unwrap();
    legacy_cache::persist::set_cache_dir(Some(blocker.join("sub")));
    let before = calls();
    let (v, log) = common::logged(|| unwritable(9));
    let again = unwritable(9);
    legacy_cache::persist::set_cache_dir(Some(dir.clone()));
    std::fs::remove_file(&blocker).unwrap();
    assert_eq!((*v, *again), (9, 9));
    assert_eq!(calls(), before + 1, "kept in memory");
    assert!(log.contains("cannot write the persisted entry"), "{log}");
}

/// The cache of `app::span` as a build returning `T` creates it: same module, name and tokens.
fn span_fn<T>() -> legacy_cache::LegacyFn<T>
where
    T: serde::Serialize + serde::de::DeserializeOwned + Send + Sync + 'static,
{
    legacy_cache::LegacyFn::new(
        "app",
        "span",
        None,
        0x5ba9,
        legacy_cache::LegacyOptions {
            persist: Some(legacy_cache::persist::Codec::<T>::bincode()),
            ..Default::default()
        },
    )
}

#[test]
fn a_changed_return_type_is_a_miss_never_a_wrong_value() {
    let (_g, _dir) = setup();
    let key = || Ok(legacy_cache::Digest([7; 16]));
    let plain = legacy_cache::__private::Plain;
    let before = span_fn::<(u32, u32)>();
    let got = before.call(plain, key(), || (7, 9)).unwrap();
    assert_eq!(*got, (7, 9));
    // Next build: `type Span = (i32, i32)`; bincode would read (7, 9) back as (-4, -5).
    let after = span_fn::<(i32, i32)>();
    let (got, log) = common::logged(|| after.call(plain, key(), || (1, 2)).unwrap());
    assert_eq!(*got, (1, 2), "recomputed, not read back as another type");
    assert!(log.contains("different return type"), "{log}");
}

/// Internally tagged: bincode encodes it but cannot decode it.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq, Hash)]
#[serde(tag = "kind")]
enum Shape {
    Circle { r: u32 },
}

#[test]
fn a_type_that_cannot_round_trip_gets_one_error_and_stays_in_memory() {
    let (_g, dir) = setup();
    #[cache(persist = true, allow_output_mutation = true)]
    fn shape(r: u32) -> Shape {
        CALLS.fetch_add(1, Ordering::SeqCst);
        Shape::Circle { r }
    }
    let before = calls();
    let (_, log) = common::logged(|| {
        shape(1);
        shape(2);
        shape(1);
    });
    assert_eq!(calls(), before + 2, "the memory cache still works");
    assert_eq!(log.matches("ERROR").count(), 1, "{log}");
    assert!(
        log.contains("Shape")
            && log.contains("cannot be persisted")
            && log.contains("persist = true"),
        "{log}"
    );
    assert!(files(&dir).is_empty(), "nothing written: {:?}", files(&dir));
}

#[test]
fn clear_cache_removes_temporary_files_of_crashed_writes() {
    let (_g, dir) = setup();
    let debris = format!(".{:032x}-{:032x}.legacy.4242.0.tmp", 1, 2);
    std::fs::write(dir.join(&debris), b"half a value").unwrap();
    legacy_cache::clear_cache();
    assert!(files(&dir).is_empty(), "{:?}", files(&dir));
}
