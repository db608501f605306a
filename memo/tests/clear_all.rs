//! `memo::clear_all()` (Streamlit's `st.cache_data.clear()`, `test_clear_all_caches`): every memo
//! function recomputes and every persisted `*.memo` file goes. In its own binary, because it
//! clears every cache of the process, and with `memo::set_cache_dir` pointing at a temporary
//! directory so it cannot touch the user's real cache.

#![allow(clippy::disallowed_names)] // Streamlit's test names: foo, bar

use std::sync::atomic::{AtomicUsize, Ordering};

use memo::memo;

static FOO: AtomicUsize = AtomicUsize::new(0);
static BAR: AtomicUsize = AtomicUsize::new(0);

#[memo]
fn foo(x: u8) -> u8 {
    FOO.fetch_add(1, Ordering::SeqCst);
    x
}

#[memo(persist = "disk")]
fn bar(x: u8) -> u8 {
    BAR.fetch_add(1, Ordering::SeqCst);
    x
}

#[test]
fn test_clear_all_caches() {
    let dir = tempfile::tempdir().unwrap();
    memo::set_cache_dir(Some(dir.path().to_path_buf()));
    std::fs::write(dir.path().join("notes.txt"), b"not ours").unwrap();
    // Debris of a write interrupted by a crash (a fresh one: the sweep on first access leaves it).
    let debris = format!(".{:032x}-{:032x}.memo.4242.0.tmp", 1, 2);
    std::fs::write(dir.path().join(&debris), b"half").unwrap();

    foo(1);
    foo(2);
    bar(1);
    foo(1);
    bar(1);
    assert_eq!(
        (FOO.load(Ordering::SeqCst), BAR.load(Ordering::SeqCst)),
        (2, 1)
    );
    let memo_files = || {
        std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .ends_with(".memo")
            })
            .count()
    };
    assert_eq!(memo_files(), 1);

    memo::clear_all();
    assert_eq!(foo::stats().entries, 0);
    assert_eq!(bar::stats().entries, 0);
    assert_eq!(memo_files(), 0, "persisted entries removed");
    assert!(
        !dir.path().join(&debris).exists(),
        "temporary files of interrupted writes removed"
    );
    assert!(
        dir.path().join("notes.txt").exists(),
        "other files are left alone"
    );

    foo(1);
    foo(2);
    bar(1);
    assert_eq!(
        (FOO.load(Ordering::SeqCst), BAR.load(Ordering::SeqCst)),
        (4, 2),
        "everything recomputes"
    );
}
