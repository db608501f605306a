//! Streamlit's legacy hasher tests (`hashing_test.py`, `HashTest`) that apply to Rust, and byte-for-byte
//! checks against digests computed with Streamlit's algorithm in CPython 3.11.

use std::collections::{BTreeMap, HashMap, HashSet};

use legacy_cache::{HashError, hash_value};
#[cfg(feature = "polars")]
use polars::prelude::*;

fn h<T>(v: T) -> String
where
    T: serde::Serialize,
{
    // serde path, for values whose type has no LegacyHash impl
    hash_value!(v).unwrap().to_string()
}

#[test]
fn digests_match_streamlit_for_python_like_values() {
    // hashlib.md5(_CodeHasher().to_bytes((1,))).hexdigest(), i.e. Streamlit's value key of f(1).
    assert_eq!(
        hash_value!((1i64,)).unwrap().to_string(),
        "159809b4f2619ab5a677eaf06329a998"
    );
    // ("a", [1, 2], None, 1.5, -3, True)
    assert_eq!(
        hash_value!(("a", vec![1i64, 2], None::<u8>, 1.5f64, -3i32, true))
            .unwrap()
            .to_string(),
        "09dc94307ee2b5da7dcb54e552a84a1c"
    );
    // ("xxx",)
    assert_eq!(
        hash_value!(("xxx".to_string(),)).unwrap().to_string(),
        "3333fcacd03e341d678c2ee01771d909"
    );
}

#[test]
fn test_string() {
    assert_eq!(hash_value!("hello").unwrap(), hash_value!("hello").unwrap());
    assert_ne!(hash_value!("hello").unwrap(), hash_value!("hellö").unwrap());
}

#[test]
fn test_int() {
    assert_eq!(
        hash_value!(145757624235i64).unwrap(),
        hash_value!(145757624235i64).unwrap()
    );
    assert_ne!(hash_value!(10).unwrap(), hash_value!(11).unwrap());
    assert_ne!(hash_value!(-1).unwrap(), hash_value!(1).unwrap());
    assert_ne!(
        hash_value!(2i64.pow(7)).unwrap(),
        hash_value!(2i64.pow(7) - 1).unwrap()
    );
    assert_ne!(
        hash_value!(2i64.pow(7)).unwrap(),
        hash_value!(2i64.pow(7) + 1).unwrap()
    );
    // Integer widths do not matter (Python has one int type).
    assert_eq!(hash_value!(5u8).unwrap(), hash_value!(5i128).unwrap());
}

#[test]
fn test_list_and_tuple() {
    assert_ne!(hash_value!(vec![1]).unwrap(), hash_value!(1).unwrap());
    assert_ne!(hash_value!((1,)).unwrap(), hash_value!(1).unwrap());
    assert_ne!(hash_value!((1,)).unwrap(), hash_value!(vec![1]).unwrap());
    assert_eq!(
        hash_value!(vec![1, 2]).unwrap(),
        hash_value!([1, 2]).unwrap()
    );
    assert_eq!(
        hash_value!(vec![1, 2]).unwrap(),
        hash_value!(&[1, 2][..]).unwrap()
    );
}

#[test]
fn test_float_bool_none() {
    assert_eq!(hash_value!(0.1).unwrap(), hash_value!(0.1).unwrap());
    assert_ne!(hash_value!(23.0).unwrap(), hash_value!(23.5).unwrap());
    assert_ne!(hash_value!(1.0).unwrap(), hash_value!(3.0).unwrap());
    assert_ne!(hash_value!(true).unwrap(), hash_value!(false).unwrap());
    assert_ne!(
        hash_value!(true).unwrap(),
        hash_value!(1).unwrap(),
        "bool:1 vs int:1"
    );
    assert_ne!(
        hash_value!(None::<bool>).unwrap(),
        hash_value!(false).unwrap()
    );
    assert_ne!(hash_value!(0.0).unwrap(), hash_value!(f64::NAN).unwrap());
    // Faithful: CPython's numeric float hash is lossy; 1.0 and 2**61 share hash(x) == 1.
    assert_eq!(
        hash_value!(1.0).unwrap(),
        hash_value!(2f64.powi(61)).unwrap()
    );
}

#[test]
fn test_dict_and_sets_are_order_insensitive() {
    let a: HashMap<&str, i32> = [("a", 1), ("b", 2)].into();
    let b: BTreeMap<&str, i32> = [("b", 2), ("a", 1)].into();
    assert_eq!(hash_value!(a).unwrap(), hash_value!(b).unwrap());
    let c: HashMap<&str, i32> = [("a", 1), ("b", 3)].into();
    assert_ne!(hash_value!(a).unwrap(), hash_value!(c).unwrap());
    let s: HashSet<u8> = [1, 2, 3].into();
    let t: HashSet<u8> = [3, 2, 1].into();
    assert_eq!(hash_value!(s).unwrap(), hash_value!(t).unwrap());
}

struct Gen;

#[test]
fn test_dict_of_an_unhashable_value() {
    let d: HashMap<&str, Gen> = [("a", Gen)].into();
    match hash_value!(d) {
        Err(HashError::Unhashable(e)) => assert!(e.type_name.contains("HashMap"), "{e:?}"),
        other => panic!("expected UnhashableTypeError, got {other:?}"),
    }
}

#[test]
fn test_generator_is_unhashable() {
    assert!(matches!(hash_value!(Gen), Err(HashError::Unhashable(_))));
}

#[test]
fn test_reduce_classes_with_identical_attributes_differ() {
    #[derive(serde::Serialize)]
    struct A {
        x: u8,
    }
    #[derive(serde::Serialize)]
    struct B {
        x: u8,
    }
    assert_ne!(h(A { x: 1 }), h(B { x: 1 }));
    assert_eq!(h(A { x: 1 }), h(A { x: 1 }));
    assert_ne!(h(A { x: 1 }), h(A { x: 2 }));
}

#[test]
fn shared_hashes_as_its_value() {
    #[legacy_cache::cache]
    fn v() -> Vec<u8> {
        vec![1, 2]
    }
    assert_eq!(
        hash_value!(v()).unwrap(),
        hash_value!(vec![1u8, 2]).unwrap()
    );
}

#[cfg(feature = "polars")]
fn frame(n: usize, bump_row: Option<usize>) -> DataFrame {
    let mut x: Vec<i64> = (0..n as i64).collect();
    if let Some(r) = bump_row {
        x[r] += 1_000_000_000;
    }
    df!(
        "x" => x,
        "f" => (0..n).map(|i| i as f64 / 3.0).collect::<Vec<_>>(),
        "s" => (0..n).map(|i| format!("row-{i}")).collect::<Vec<_>>(),
    )
    .unwrap()
}

#[cfg(feature = "polars")]
#[test]
fn test_pandas_large_dataframe_is_sampled_but_compared_by_value() {
    let a = frame(100_000, None);
    let b = frame(100_000, None);
    assert_eq!(hash_value!(a).unwrap(), hash_value!(b).unwrap());
    let sample = legacy_cache::frames::sample_rows(100_000).unwrap();
    let changed = frame(100_000, Some(sample[0]));
    assert_ne!(hash_value!(a).unwrap(), hash_value!(changed).unwrap());
}

#[cfg(feature = "polars")]
#[test]
fn test_series_by_value() {
    let a = Series::new("a".into(), &[1i64, 2, 3]);
    let b = Series::new("a".into(), &[1i64, 2, 3]);
    let c = Series::new("a".into(), &[1i64, 2, 4]);
    assert_eq!(hash_value!(a).unwrap(), hash_value!(b).unwrap());
    assert_ne!(hash_value!(a).unwrap(), hash_value!(c).unwrap());
}

#[cfg(feature = "polars")]
#[test]
fn sampling_off_hashes_every_row() {
    let a = frame(100_000, None);
    let sample: HashSet<usize> = legacy_cache::frames::sample_rows(100_000)
        .unwrap()
        .into_iter()
        .collect();
    let outside = (0..100_000).find(|r| !sample.contains(r)).unwrap();
    let b = frame(100_000, Some(outside));
    assert_eq!(
        hash_value!(a).unwrap(),
        hash_value!(b).unwrap(),
        "the documented blind spot"
    );
    assert_ne!(
        hash_value!(a, sampling = false).unwrap(),
        hash_value!(b, sampling = false).unwrap()
    );
}
