//! Streamlit's legacy hasher tests (`hashing_test.py`, `HashTest`) that apply to Rust, and byte-for-byte
//! checks against digests computed with Streamlit's algorithm in CPython 3.11.

use std::collections::{BTreeMap, HashMap, HashSet};

use legacy_cache::{Dict, Digest, HashError, LegacyHash, LegacyHasher, hash_value};
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
fn test_hash_maps_and_sets_are_order_insensitive() {
    // Deviation: a HashMap iterates in a per-process random order, so it hashes its entries
    // sorted; BTreeMap and Dict hash in their order, as Streamlit hashed dicts.
    let a: HashMap<&str, i32> = [("a", 1), ("b", 2)].into();
    let b: HashMap<&str, i32> = [("b", 2), ("a", 1)].into();
    assert_eq!(hash_value!(a).unwrap(), hash_value!(b).unwrap());
    let c: HashMap<&str, i32> = [("a", 1), ("b", 3)].into();
    assert_ne!(hash_value!(a).unwrap(), hash_value!(c).unwrap());
    let s: HashSet<u8> = [1, 2, 3].into();
    let t: HashSet<u8> = [3, 2, 1].into();
    assert_eq!(hash_value!(s).unwrap(), hash_value!(t).unwrap());
}

/// A Python value of the kinds the vectors use, for dicts and lists whose values differ in
/// type (`{1: [1, 2], 2: None, 3: "x"}`).
enum Py {
    Int(i64),
    Float(f64),
    Str(&'static str),
    None,
    List(Vec<Py>),
    Dict(Dict<Py, Py>),
}

impl LegacyHash for Py {
    fn legacy_hash(&self, h: &mut LegacyHasher) -> Result<(), HashError> {
        match self {
            Py::Int(i) => i.legacy_hash(h),
            Py::Float(x) => x.legacy_hash(h),
            Py::Str(s) => s.legacy_hash(h),
            Py::None => None::<u8>.legacy_hash(h),
            Py::List(l) => l.legacy_hash(h),
            Py::Dict(d) => d.legacy_hash(h),
        }
    }
}

/// Digests computed by Streamlit 1.35.0's own `_CodeHasher` (CPython 3.11.7):
/// `hashlib.md5(_CodeHasher().to_bytes(value)).hexdigest()`, printed by
/// `tests/vectors/make_vectors.py`, which lists the Python value of each name. Re-run it (see
/// its docstring) to regenerate; [`rust_forms`] gives the Rust values of the same names.
const STREAMLIT_VECTORS: &[(&str, &str)] = &[
    ("int 0", "9fd062b93b58c9c79a8eca2522297241"),
    ("int 1", "37005c80cb8198e480f23489c04175fb"),
    ("int -1", "9e50b2dca3dbdb86a42e06aa6d3d8d37"),
    ("int 127", "e06b9b98352fbcca4d128b39527af9d7"),
    ("int 128", "a65cafe279b1928a92fdc30a7968493c"),
    ("int -128", "2b94c181f524919303a16b725ebe4c0f"),
    ("int -129", "9d908537877d8a97ad88f44bfcefd0e1"),
    ("int i64::MAX", "9db64845257e9fba9b53f41b55e3e545"),
    ("int i64::MIN", "886bb2eeb45bb637ae693e0ca91aaedf"),
    ("int u64::MAX", "78d1c32fb0ed3981665f843850456f7f"),
    ("int u128::MAX", "9ed182b8c1ca8a4f3bddca1c3b59f7c5"),
    ("bool true", "19cdefc553d370b1e130d7d312afd2cf"),
    ("bool false", "f5b56c470538e112731d61e1959c5edd"),
    ("float 0.0", "c0ba67e77fc646eaa41c4afefec50477"),
    ("float -0.0", "c0ba67e77fc646eaa41c4afefec50477"),
    ("float 1.5", "54779b90e281b357720b2454c3dc2f77"),
    ("float 0.1", "de600fabf60dd891a1cc8114c167ddd9"),
    ("float -2.5", "d5472aae0e632d8fc60165b98cd9cb03"),
    ("float 1e300", "3cc9131781a26cf47e33f48d8f3e663e"),
    ("float inf", "4fc842d0499260d26c865775b02b0d52"),
    ("float -inf", "ba4061cdcca6ec508f7479177782c957"),
    ("str empty", "14a3f4726e27fbf43a9afc23bb8a9290"),
    ("str hello", "20454f0a56f59397b723ef13ec9012f0"),
    ("str non-ascii", "5b0ed632cd057861e79ed68c301ad5c4"),
    ("None", "9508c039f6ef74a22c89323d6897eb92"),
    ("list empty", "70421d48c6127c693c433785d31dfc2d"),
    ("list 1 2 3", "ed991ec1bbcc251364e15f21190c5041"),
    ("list nested", "584f0ea62bd1ca7c9623514fb18f2eb8"),
    ("tuple empty", "f7ba555078d650abba7242a6379663fe"),
    ("tuple 1", "159809b4f2619ab5a677eaf06329a998"),
    ("tuple mixed", "09dc94307ee2b5da7dcb54e552a84a1c"),
    ("dict empty", "c8f2861735e32e0196605be494ca4895"),
    ("dict a=1", "2d0e1e4f7f6a305d66f196b20167946b"),
    ("dict a=1 b=2", "db9d1bd1aae08cccd47c247bf2fe1a95"),
    ("dict b=2 a=1", "8d166995babbc126eb6d5e1b0c4315ce"),
    ("dict int keys", "27de85b0473a78d2303773fc523ef124"),
    ("dict nested", "0305f7d49e00dc8f58d3a4e4339cee11"),
    (
        "dict one entry list value",
        "ecee88a2abade9edaf5868e768d96d2e",
    ),
    ("args (dict,)", "e31056a3a17decea4358883b81340d51"),
];

/// Every Rust spelling of the vector `name` that must give Streamlit's digest.
fn rust_forms(name: &str) -> Vec<Result<Digest, HashError>> {
    match name {
        "int 0" => vec![hash_value!(0i64), hash_value!(0u8), hash_value!(Some(0u32))],
        "int 1" => vec![hash_value!(1i32), hash_value!(1usize)],
        "int -1" => vec![hash_value!(-1i8), hash_value!(-1i128)],
        "int 127" => vec![hash_value!(127u8), hash_value!(127i64)],
        "int 128" => vec![hash_value!(128u8), hash_value!(128i16)],
        "int -128" => vec![hash_value!(-128i8), hash_value!(-128i64)],
        "int -129" => vec![hash_value!(-129i16)],
        "int i64::MAX" => vec![hash_value!(i64::MAX), hash_value!(i64::MAX as u64)],
        "int i64::MIN" => vec![hash_value!(i64::MIN), hash_value!(i128::from(i64::MIN))],
        "int u64::MAX" => vec![hash_value!(u64::MAX), hash_value!(u128::from(u64::MAX))],
        "int u128::MAX" => vec![hash_value!(u128::MAX)],
        "bool true" => vec![hash_value!(true)],
        "bool false" => vec![hash_value!(false)],
        "float 0.0" => vec![hash_value!(0.0f64), hash_value!(0.0f32)],
        // Faithful: CPython's hash(-0.0) is 0, so Streamlit keyed -0.0 like 0.0.
        "float -0.0" => vec![hash_value!(-0.0f64), hash_value!(-0.0f32)],
        "float 1.5" => vec![hash_value!(1.5f64), hash_value!(1.5f32)],
        "float 0.1" => vec![hash_value!(0.1f64)],
        "float -2.5" => vec![hash_value!(-2.5f64)],
        "float 1e300" => vec![hash_value!(1e300f64)],
        "float inf" => vec![hash_value!(f64::INFINITY), hash_value!(f32::INFINITY)],
        "float -inf" => vec![hash_value!(f64::NEG_INFINITY)],
        "str empty" => vec![hash_value!(""), hash_value!(String::new())],
        "str hello" => vec![hash_value!("hello"), hash_value!(Some("hello"))],
        "str non-ascii" => vec![hash_value!("hellö ✓")],
        "None" => vec![hash_value!(None::<i64>), hash_value!(Py::None)],
        "list empty" => vec![hash_value!(Vec::<i64>::new()), hash_value!([0u8; 0])],
        "list 1 2 3" => vec![
            hash_value!(vec![1i64, 2, 3]),
            hash_value!([1u8, 2, 3]),
            hash_value!(std::collections::VecDeque::from([1i32, 2, 3])),
        ],
        "list nested" => vec![hash_value!(Py::List(vec![
            Py::List(vec![Py::Int(1)]),
            Py::List(vec![]),
            Py::List(vec![Py::Str("a")]),
        ]))],
        "tuple empty" => vec![hash_value!(())],
        "tuple 1" => vec![hash_value!((1i64,))],
        "tuple mixed" => vec![hash_value!((
            "a",
            vec![1i64, 2],
            None::<u8>,
            1.5f64,
            -3i32,
            true
        ))],
        "dict empty" => vec![
            hash_value!(HashMap::<&str, i64>::new()),
            hash_value!(BTreeMap::<&str, i64>::new()),
            hash_value!(Dict::<&str, i64>(vec![])),
        ],
        // One entry: every map kind, the order-insensitive ones included, is Streamlit's.
        "dict a=1" => vec![
            hash_value!(HashMap::from([("a", 1i64)])),
            hash_value!(BTreeMap::from([("a", 1i64)])),
            hash_value!(Dict(vec![("a", 1i64)])),
        ],
        "dict a=1 b=2" => vec![
            hash_value!(BTreeMap::from([("b", 2i64), ("a", 1)])),
            hash_value!(Dict(vec![("a", 1i64), ("b", 2)])),
        ],
        "dict b=2 a=1" => vec![hash_value!(Dict(vec![("b", 2i64), ("a", 1)]))],
        "dict int keys" => vec![hash_value!(BTreeMap::from([
            (1i64, Py::List(vec![Py::Int(1), Py::Int(2)])),
            (2, Py::None),
            (3, Py::Str("x")),
        ]))],
        "dict nested" => vec![hash_value!(Dict(vec![
            (
                Py::Str("x"),
                Py::Dict(Dict(vec![(Py::Str("y"), Py::Float(1.5))])),
            ),
            (
                Py::Str("z"),
                Py::List(vec![Py::Dict(Dict(vec![(Py::Str("k"), Py::Int(-1))]))]),
            ),
        ]))],
        "dict one entry list value" => vec![
            hash_value!(HashMap::from([("rows", vec![1i64, 2, 3])])),
            hash_value!(BTreeMap::from([("rows".to_string(), vec![1u8, 2, 3])])),
        ],
        "args (dict,)" => vec![hash_value!((BTreeMap::from([("a", 1i64), ("b", 2)]),))],
        other => panic!("no Rust form for the vector {other:?}: add one to rust_forms"),
    }
}

/// Regression: every non-empty dict used to differ from Streamlit (`dict:` md5 of the *sorted
/// md5s* of the items instead of md5 of the items' bytes in order).
#[test]
fn digests_match_the_real_streamlit_hasher() {
    for (name, want) in STREAMLIT_VECTORS {
        for (i, got) in rust_forms(name).into_iter().enumerate() {
            assert_eq!(
                got.unwrap().to_string(),
                *want,
                "vector {name:?}, Rust form #{i}"
            );
        }
    }
}

/// Maps reached through serde are order-insensitive (serde cannot say whether the order means
/// anything), which is Streamlit's digest for zero or one entry.
#[test]
fn serde_maps_match_streamlit_up_to_one_entry() {
    let via_serde = |v: &dyn erased::Ser| v.digest();
    let want = |name: &str| {
        STREAMLIT_VECTORS
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap()
            .1
            .to_string()
    };
    assert_eq!(
        via_serde(&BTreeMap::<String, i64>::new()),
        want("dict empty")
    );
    assert_eq!(via_serde(&BTreeMap::from([("a", 1i64)])), want("dict a=1"));
    assert_eq!(
        via_serde(&HashMap::from([("rows", vec![1i64, 2, 3])])),
        want("dict one entry list value")
    );
}

mod erased {
    use legacy_cache::{LegacyHasher, serde_hash::hash_serialize};

    /// A serde value hashed through the serde path even when it also has a `LegacyHash` impl.
    pub trait Ser {
        fn digest(&self) -> String;
    }

    impl<T: serde::Serialize> Ser for T {
        fn digest(&self) -> String {
            let mut h = LegacyHasher::new(true);
            hash_serialize(self, &mut h).unwrap();
            h.finish().to_string()
        }
    }
}

/// Regression: `Some(None)` hashed like `None` (Python has one `None`), so a cache served one
/// for the other. `None` keeps Streamlit's digest; a `Some` of something that hashes as `None`
/// is framed apart, on the `LegacyHash` and serde paths alike.
#[test]
fn some_none_differs_from_none() {
    let none = hash_value!(None::<Option<u8>>).unwrap();
    let some_none = hash_value!(Some(None::<u8>)).unwrap();
    let some_some_none = hash_value!(Some(Some(None::<u8>))).unwrap();
    assert_eq!(none.to_string(), "9508c039f6ef74a22c89323d6897eb92");
    assert_ne!(none, some_none);
    assert_ne!(some_none, some_some_none);
    assert_ne!(none, some_some_none);
    // Some of a value is still the value, as in Streamlit.
    assert_eq!(
        hash_value!(Some(Some(5u8))).unwrap(),
        hash_value!(5u8).unwrap()
    );
    // serde path: a struct field of type Option<Option<u8>>.
    #[derive(serde::Serialize)]
    struct Row {
        v: Option<Option<u8>>,
    }
    assert_ne!(h(Row { v: None }), h(Row { v: Some(None) }));
    assert_ne!(h(Row { v: Some(None) }), h(Row { v: Some(Some(0)) }));
    // Both paths frame it identically.
    use erased::Ser as _;
    assert_eq!(Some(None::<u8>).digest(), some_none.to_string());
    assert_eq!(Some(Some(None::<u8>)).digest(), some_some_none.to_string());
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

/// Regression (cached function): `depth(Some(None))` was served `depth(None)`'s cached `0`,
/// and mutating a cached `Some(None)` into `None` raised no warning.
#[test]
fn some_none_is_its_own_argument_and_its_own_value() {
    #[legacy_cache::cache]
    fn depth(v: Option<Option<u8>>) -> u8 {
        match v {
            None => 0,
            Some(None) => 1,
            Some(Some(_)) => 2,
        }
    }
    assert_eq!(*depth(None), 0);
    assert_eq!(*depth(Some(None)), 1);
    assert_eq!(*depth(Some(Some(0))), 2);

    #[legacy_cache::cache]
    fn maybe() -> Option<Option<u8>> {
        Some(None)
    }
    maybe().mutate(|v| *v = None);
    let (value, warnings) = legacy_cache::capture_mutation_warnings(maybe);
    assert_eq!(*value, None, "the mutated object is returned");
    assert_eq!(warnings.len(), 1, "Some(None) -> None is a mutation");
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
