//! One shared object per key *and per instantiation*: methods of generic `impl`s, trait default
//! methods, `impl Trait` parameters and generic functions never hand one instantiation the
//! object created for another.

use std::fmt::Debug;
use std::marker::PhantomData;
use std::sync::Arc;

use singleton::singleton;

#[derive(Default)]
struct Width<T>(PhantomData<T>);

impl<T> Width<T> {
    #[singleton(skip_self)]
    fn bytes(&self) -> usize {
        std::mem::size_of::<T>()
    }
}

#[test]
fn methods_of_a_generic_impl_have_one_cache_per_instantiation() {
    assert_eq!(*Width::<u8>::default().bytes(), 1);
    assert_eq!(*Width::<u64>::default().bytes(), 8);
    let a = Width::<u64>::default().bytes();
    assert!(Arc::ptr_eq(&a, &Width::<u64>::default().bytes()));
    assert_eq!(Width::<u64>::bytes_stats().hits, 2);
    assert_eq!(Width::<u8>::bytes_stats().hits, 0);
}

trait Describe {
    #[singleton(skip_self)]
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
    assert_eq!(*Cat.describe(), "Cat");
    assert_eq!(*Dog.describe(), "Dog");
    assert_eq!(*Cat.describe(), "Cat");
}

#[singleton]
fn type_of(_x: impl Debug) -> String {
    std::any::type_name_of_val(&_x).to_string()
}

#[singleton]
fn zeros<T: Default + Send + Sync + 'static, const N: usize>() -> Vec<T> {
    (0..N).map(|_| T::default()).collect()
}

#[test]
fn generic_functions_and_impl_trait_parameters_are_cached_per_instantiation() {
    assert_eq!(*type_of(1u8), "u8");
    assert_eq!(*type_of(1u16), "u16");
    assert_eq!(*type_of(2u8), "u8");
    assert_eq!(*zeros::<u8, 2>(), vec![0u8, 0]);
    assert_eq!(*zeros::<u8, 3>(), vec![0u8, 0, 0]);
    assert_eq!(*zeros::<String, 1>(), vec![String::new()]);
    assert!(Arc::ptr_eq(&zeros::<u8, 2>(), &zeros::<u8, 2>()));
    assert_eq!(zeros::stats().entries, 3);
    zeros::clear();
    assert_eq!(zeros::stats().entries, 0);
}
