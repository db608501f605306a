//! One cache per function and per instantiation: methods of generic `impl`s, trait default
//! methods, `impl Trait` parameters and generic functions each get their own cache per concrete
//! instantiation, and two functions with the same text at different paths (nested functions of
//! different outer functions, methods of different types) never share persisted entries.

use std::fmt::Debug;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};

use memo::memo;
use serde::Serialize;
use serde::de::DeserializeOwned;

const CHILD_ENV: &str = "MEMO_IDENTITY_TEST_CHILD";

/// Points `MEMO_CACHE_DIR` at a fresh temporary directory, once, before any cache exists (in a
/// child process, at the parent's directory).
fn cache_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        if std::env::var_os(CHILD_ENV).is_some() {
            return PathBuf::from(std::env::var_os("MEMO_CACHE_DIR").expect("set by the parent"));
        }
        let dir = tempfile::Builder::new()
            .prefix("memo-identity-test-")
            .tempdir()
            .expect("temp dir")
            .keep();
        // SAFETY: runs once, first thing in every test of this binary that persists, before any
        // persisted function (the only reader of this variable) is created.
        unsafe { std::env::set_var("MEMO_CACHE_DIR", &dir) };
        dir
    })
}

#[derive(Default)]
struct Width<T>(PhantomData<T>);

impl<T> Width<T> {
    #[memo(skip_self)]
    fn bytes(&self) -> usize {
        std::mem::size_of::<T>()
    }
}

#[test]
fn methods_of_a_generic_impl_have_one_cache_per_instantiation() {
    assert_eq!(Width::<u8>::default().bytes(), 1);
    assert_eq!(Width::<u64>::default().bytes(), 8);
    assert_eq!(Width::<u8>::default().bytes(), 1);
    assert_eq!(Width::<u64>::default().bytes(), 8);
    // Companions act on their own instantiation.
    assert_eq!(Width::<u8>::bytes_stats().hits, 1);
    assert_eq!(Width::<u8>::bytes_stats().entries, 1);
    Width::<u64>::bytes_clear();
    assert_eq!(Width::<u64>::bytes_stats().entries, 0);
    assert_eq!(Width::<u8>::bytes_stats().entries, 1);
}

trait Describe {
    #[memo(skip_self)]
    fn describe(&self) -> String {
        let full = std::any::type_name::<Self>();
        full.rsplit("::").next().unwrap_or(full).to_string()
    }
}
struct Cat;
struct Dog;
impl Describe for Cat {}
impl Describe for Dog {}

#[test]
fn trait_default_methods_have_one_cache_per_implementor() {
    assert_eq!(Cat.describe(), "Cat");
    assert_eq!(Dog.describe(), "Dog");
    assert_eq!(Cat.describe(), "Cat");
    assert_eq!(Dog.describe(), "Dog");
}

#[memo]
fn type_of(_x: impl Debug) -> String {
    std::any::type_name_of_val(&_x).to_string()
}

#[test]
fn impl_trait_parameters_have_one_cache_per_type() {
    assert_eq!(type_of(1u8), "u8");
    assert_eq!(type_of("a"), "&str");
    assert_eq!(type_of(1u8), "u8");
    assert_eq!(type_of::stats().hits, 1, "the u8 call hit, once");
    assert_eq!(type_of::stats().entries, 2, "summed over instantiations");
    type_of::clear();
    assert_eq!(
        type_of::stats().entries,
        0,
        "clear covers every instantiation"
    );
}

#[memo]
fn size_of<T>() -> usize {
    std::mem::size_of::<T>()
}

#[memo]
fn firsts<T: Clone + Serialize + DeserializeOwned + 'static, const N: usize>(v: &[T]) -> Vec<T> {
    v.iter().take(N).cloned().collect()
}

#[test]
fn generic_functions_are_cached_per_instantiation() {
    assert_eq!(size_of::<u8>(), 1);
    assert_eq!(size_of::<u64>(), 8);
    assert_eq!(size_of::<[u8; 3]>(), 3);
    assert_eq!(size_of::<u64>(), 8);
    assert_eq!(size_of::stats().hits, 1);

    let v = [1u32, 2, 3];
    assert_eq!(firsts::<u32, 1>(&v), vec![1]);
    assert_eq!(firsts::<u32, 2>(&v), vec![1, 2]);
    assert_eq!(firsts::<u32, 1>(&v), vec![1]);
    let s = ["a".to_string(), "b".to_string()];
    assert_eq!(firsts::<String, 1>(&s), vec!["a".to_string()]);
    // `clear_entry` has the function's signature, so it finds the right instantiation.
    assert!(firsts::clear_entry::<u32, 2>(&v));
    assert!(!firsts::clear_entry::<u32, 2>(&v));
    assert!(firsts::clear_entry::<u32, 1>(&v));
}

// Two nested functions with the same text, in different outer functions, reading different
// constants: their persisted entries must not be shared.
fn limit_a() -> u32 {
    const LIMIT: u32 = 10;
    #[memo(persist = "disk")]
    fn inner() -> u32 {
        LIMIT
    }
    inner()
}

fn limit_b() -> u32 {
    const LIMIT: u32 = 20;
    #[memo(persist = "disk")]
    fn inner() -> u32 {
        LIMIT
    }
    inner()
}

struct Alpha;
struct Beta;

impl Alpha {
    const NAME: &str = "alpha";
    #[memo(persist = "disk", skip_self)]
    fn label(&self, n: u32) -> String {
        format!("{}-{n}", Self::NAME)
    }
}

impl Beta {
    const NAME: &str = "beta";
    #[memo(persist = "disk", skip_self)]
    fn label(&self, n: u32) -> String {
        format!("{}-{n}", Self::NAME)
    }
}

/// Held by the tests that write to the persistence directory, so file counts are their own.
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn memo_files() -> usize {
    std::fs::read_dir(cache_dir())
        .map(|rd| rd.filter(|e| e.is_ok()).count())
        .unwrap_or(0)
}

#[test]
fn nested_functions_with_the_same_text_do_not_share_persisted_entries() {
    cache_dir();
    let _g = serial();
    assert_eq!(limit_a(), 10);
    assert_eq!(limit_b(), 20);
}

#[test]
fn methods_with_the_same_text_in_different_impls_do_not_share_persisted_entries() {
    cache_dir();
    let _g = serial();
    let before = memo_files();
    assert_eq!(Alpha.label(1), "alpha-1");
    assert_eq!(Beta.label(1), "beta-1");
    assert_eq!(memo_files(), before + 2, "one file each");
    Alpha::label_clear();
    assert_eq!(memo_files(), before + 1, "Alpha's clear leaves Beta's file");
    assert_eq!(Beta::label_stats().entries, 1);
}

#[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
struct Point(u32);

impl Point {
    // `Self` in the cached type: the cache is not a `static` of that type, so this is fine.
    #[memo]
    fn on_diagonal(x: u32) -> Self {
        Point(x)
    }
}

#[test]
fn the_cached_type_may_be_written_with_self() {
    assert_eq!(Point::on_diagonal(3), Point(3));
    assert_eq!(Point::on_diagonal(3), Point(3));
    assert_eq!(Point::on_diagonal_stats().hits, 1);
}

static SIZE_RUNS: AtomicUsize = AtomicUsize::new(0);

struct Sized_<T>(PhantomData<T>);

impl<T> Sized_<T> {
    #[memo(persist = "disk", in_impl)]
    fn size() -> usize {
        SIZE_RUNS.fetch_add(1, Ordering::SeqCst);
        std::mem::size_of::<T>()
    }
}

/// Re-executes this test binary to run only `test`, with `CHILD_ENV` set.
fn run_child(test: &str) -> std::process::Output {
    Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, test)
        .env("MEMO_CACHE_DIR", cache_dir())
        .output()
        .unwrap()
}

#[test]
fn per_instantiation_keys_are_stable_across_processes() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return;
    }
    cache_dir();
    let _g = serial();
    assert_eq!(Sized_::<u16>::size(), 2);
    assert_eq!(Sized_::<[u8; 5]>::size(), 5);
    assert_eq!(SIZE_RUNS.load(Ordering::SeqCst), 2);
    let out = run_child("child_reads_per_instantiation_entries");
    assert!(
        out.status.success(),
        "child failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("1 passed"),
        "the child ran its test"
    );
}

#[test]
fn child_reads_per_instantiation_entries() {
    if std::env::var(CHILD_ENV).is_err() {
        return;
    }
    cache_dir();
    // Each instantiation finds its own entry, written by the parent process.
    assert_eq!(Sized_::<[u8; 5]>::size(), 5);
    assert_eq!(Sized_::<u16>::size(), 2);
    assert_eq!(
        SIZE_RUNS.load(Ordering::SeqCst),
        0,
        "read from disk, not recomputed"
    );
}

struct Parser<'a>(&'a str);

impl<'a> Parser<'a> {
    // A lifetime parameter adds no `'static` bound: lifetimes do not change the code that runs,
    // so every lifetime shares the one cache.
    #[memo(skip_self)]
    fn words(&self, text: &str) -> usize {
        text.split_whitespace().count()
    }
}

#[test]
fn lifetime_generic_impls_need_no_static_bound() {
    let owned = String::from("a b");
    let p = Parser(&owned);
    assert_eq!(p.words("a b c"), 3);
    assert_eq!(Parser("x").words("a b c"), 3);
    assert_eq!(Parser::words_stats().hits, 1);
    let _ = p.0;
}
