//! One cache per function and per instantiation: methods of generic `impl`s, trait default
//! methods and `impl Trait` parameters each get their own cache (and function key, which names
//! the concrete `Self`) per instantiation, and two nested functions with the same text in
//! different outer functions never share persisted entries.

use std::fmt::Debug;
use std::marker::PhantomData;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, OnceLock};

use legacy_cache::cache;

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

fn files(dir: &PathBuf) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

struct Width<T>(PhantomData<T>);

impl<T> Width<T> {
    #[cache(in_impl, persist = true)]
    fn bytes() -> usize {
        std::mem::size_of::<T>()
    }
}

#[test]
fn methods_of_a_generic_impl_have_one_cache_and_key_per_instantiation() {
    let (_g, dir) = setup();
    assert_eq!(*Width::<u8>::bytes(), 1);
    assert_eq!(*Width::<u64>::bytes(), 8);
    assert_eq!(*Width::<u8>::bytes(), 1);
    assert_eq!(*Width::<u64>::bytes(), 8);
    // Same arguments (none), different function keys: the key names the concrete `Self`.
    let names = files(&dir);
    assert_eq!(names.len(), 2, "{names:?}");
    let function_part = |n: &String| n.split_once('-').map(|(_, f)| f.to_string());
    assert_ne!(function_part(&names[0]), function_part(&names[1]));
}

trait Describe {
    #[cache(in_impl)]
    fn describe() -> String {
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
    let _g = setup();
    assert_eq!(*Cat::describe(), "Cat");
    assert_eq!(*Dog::describe(), "Dog");
    assert_eq!(*Dog::describe(), "Dog");
    let stats = legacy_cache::cache_stats();
    let describe: Vec<_> = stats.iter().filter(|s| s.function == "describe").collect();
    assert_eq!(describe.len(), 2, "one cache per implementor: {describe:?}");
}

#[cache]
fn type_of(_x: impl Debug + serde::Serialize) -> String {
    std::any::type_name_of_val(&_x).to_string()
}

#[test]
fn impl_trait_parameters_have_one_cache_per_type() {
    let _g = setup();
    // `1u8` and `1u16` hash alike in the legacy hasher (Python has one `int`), so only separate
    // caches keep them apart.
    assert_eq!(*type_of(1u8), "u8");
    assert_eq!(*type_of(1u16), "u16");
    assert_eq!(*type_of(1u8), "u8");
}

fn limit_a() -> u32 {
    const LIMIT: u32 = 10;
    #[cache(persist = true)]
    fn inner() -> u32 {
        LIMIT
    }
    *inner()
}

fn limit_b() -> u32 {
    const LIMIT: u32 = 20;
    #[cache(persist = true)]
    fn inner() -> u32 {
        LIMIT
    }
    *inner()
}

#[test]
fn nested_functions_with_the_same_text_do_not_share_persisted_entries() {
    let (_g, dir) = setup();
    assert_eq!(limit_a(), 10);
    assert_eq!(limit_b(), 20);
    assert_eq!(files(&dir).len(), 2);
}
