//! Keys of `serde::Serialize` values through `hash_serialize`.

use std::collections::{BTreeMap, HashMap};

use cache_key::{Key, KeyBuilder, KeyHash, KeyHasher, SerdeHashError, hash_serialize};
use proptest::prelude::*;
use serde::{Serialize, Serializer};

fn skey<T: Serialize + ?Sized>(v: &T) -> Key {
    let mut h = KeyHasher::new();
    hash_serialize(v, &mut h).expect("serializable");
    h.finish()
}

fn kkey<T: KeyHash + ?Sized>(v: &T) -> Key {
    let mut h = KeyHasher::new();
    v.key_hash(&mut h);
    h.finish()
}

#[derive(Serialize, Clone, Debug, PartialEq)]
enum Shape {
    Unit,
    Other,
    Circle(f64),
    Pair(i32, i32),
    Rect { w: u32, h: u32 },
}

#[derive(Serialize, Clone, Debug, PartialEq)]
enum Shape2 {
    Unit,
}

#[derive(Serialize, Clone, Debug, PartialEq)]
struct Point {
    x: i32,
    y: i32,
}

#[derive(Serialize, Clone, Debug, PartialEq)]
struct Flipped {
    y: i32,
    x: i32,
}

#[derive(Serialize)]
struct Meters(f64);

#[derive(Serialize)]
struct Feet(f64);

#[derive(Serialize, Clone, Debug)]
struct WithMap {
    name: String,
    tags: HashMap<String, Vec<u8>>,
}

#[test]
fn enum_variants_differ() {
    assert_ne!(skey(&Shape::Unit), skey(&Shape::Other));
    assert_ne!(skey(&Shape::Pair(1, 2)), skey(&Shape::Pair(2, 1)));
    assert_ne!(
        skey(&Shape::Rect { w: 1, h: 2 }),
        skey(&Shape::Rect { w: 2, h: 1 })
    );
    // Same variant name and index in another enum: the enum name is part of the stream.
    assert_ne!(skey(&Shape::Unit), skey(&Shape2::Unit));
    // Floats are keyed by bit pattern through serde too: `-0.0` is not `0.0`.
    assert_ne!(skey(&Shape::Circle(-0.0)), skey(&Shape::Circle(0.0)));
    assert_eq!(
        skey(&Shape::Circle(f64::NAN)),
        skey(&Shape::Circle(-f64::NAN))
    );
}

#[test]
fn struct_and_field_names_count() {
    assert_ne!(skey(&Point { x: 1, y: 2 }), skey(&Flipped { y: 2, x: 1 }));
    assert_ne!(skey(&Meters(1.0)), skey(&Feet(1.0)));
    assert_ne!(skey(&Point { x: 1, y: 2 }), skey(&(1i32, 2i32)));
}

#[test]
fn serde_framing_named_cases() {
    assert_ne!(skey(&("ab", "c")), skey(&("a", "bc")));
    assert_ne!(skey(&None::<i32>), skey(&Some(0i32)));
    assert_ne!(skey(&1u32), skey(&1u64));
    assert_ne!(skey(&"abc"), skey(&serde_bytes_like(b"abc")));
    assert_ne!(skey(&vec!["ab", "c"]), skey(&vec!["a", "bc"]));
}

/// Serializes as serde bytes (what `serde_bytes` would do), without the extra dependency.
fn serde_bytes_like(b: &'static [u8]) -> impl Serialize {
    struct B(&'static [u8]);
    impl Serialize for B {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(self.0)
        }
    }
    B(b)
}

#[test]
fn scalars_agree_with_key_hash() {
    // Where the data models coincide the two paths write the same stream.
    assert_eq!(skey(&42u64), kkey(&42u64));
    assert_eq!(skey("hi"), kkey("hi"));
    assert_eq!(skey(&Some(-1i8)), kkey(&Some(-1i8)));
    assert_eq!(skey(&f64::NAN), kkey(&f64::NAN));
    let m: HashMap<String, u32> = [("a".into(), 1), ("b".into(), 2)].into();
    assert_eq!(skey(&m), kkey(&m));
}

#[test]
fn unknown_length_sequences_are_framed() {
    struct Unsized(Vec<u8>);
    impl Serialize for Unsized {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(self.0.iter().filter(|_| true)) // no exact size hint
        }
    }
    let a = skey(&(Unsized(vec![1, 2]), Unsized(vec![3])));
    let b = skey(&(Unsized(vec![1]), Unsized(vec![2, 3])));
    assert_ne!(a, b);
    assert_eq!(a, skey(&(Unsized(vec![1, 2]), Unsized(vec![3]))));
}

#[test]
fn serializer_errors_are_reported() {
    struct Fails;
    impl Serialize for Fails {
        fn serialize<S: Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
            Err(serde::ser::Error::custom("nope"))
        }
    }
    let mut h = KeyHasher::new();
    let err: SerdeHashError = hash_serialize(&vec![Fails], &mut h).unwrap_err();
    assert_eq!(err.to_string(), "nope");

    let mut b = KeyBuilder::new();
    b.param("x");
    b.serialize(&Fails);
    let e = b.finish().unwrap_err();
    assert_eq!(e.param(), "x");
    assert_eq!(e.reason(), "nope");
}

#[test]
fn struct_with_hash_map_is_order_independent() {
    let entries: Vec<(String, Vec<u8>)> = (0..20).map(|i| (format!("k{i}"), vec![i])).collect();
    let a = WithMap {
        name: "n".into(),
        tags: entries.iter().cloned().collect(),
    };
    let b = WithMap {
        name: "n".into(),
        tags: entries.iter().rev().cloned().collect(),
    };
    assert_eq!(skey(&a), skey(&b));
    let mut c = a.clone();
    c.tags.insert("k0".into(), vec![99]);
    assert_ne!(skey(&a), skey(&c));
    // BTreeMap and HashMap with the same entries are the same serde map.
    let bt: BTreeMap<_, _> = a.tags.clone().into_iter().collect();
    assert_eq!(skey(&a.tags), skey(&bt));
}

/// Regression guard for cross-process stability of the serde path (computed once by this
/// crate; see `std_keys.rs`): a struct containing a `HashMap` must hash the same in every
/// process even though its iteration order is random per process.
#[test]
fn golden_serde_key() {
    let v = WithMap {
        name: "golden".into(),
        tags: [
            ("a".into(), vec![1]),
            ("b".into(), vec![]),
            ("c".into(), vec![2, 3]),
        ]
        .into(),
    };
    assert_eq!(
        skey(&(v, Shape::Rect { w: 3, h: 4 })).to_string(),
        "2de271b587484350a329e6e630d04e3a"
    );
}

fn shape() -> impl Strategy<Value = Shape> {
    prop_oneof![
        Just(Shape::Unit),
        Just(Shape::Other),
        (-2i8..2).prop_map(|x| Shape::Circle(f64::from(x))),
        (0i32..2, 0i32..2).prop_map(|(a, b)| Shape::Pair(a, b)),
        (0u32..2, 0u32..2).prop_map(|(w, h)| Shape::Rect { w, h }),
    ]
}

proptest! {
    #[test]
    fn serde_equal_iff_equal(
        a in prop::collection::vec((shape(), prop::option::of("[ab]{0,2}")), 0..4),
        b in prop::collection::vec((shape(), prop::option::of("[ab]{0,2}")), 0..4),
    ) {
        prop_assert_eq!(a == b, skey(&a) == skey(&b));
        prop_assert_eq!(skey(&a), skey(&a.clone()));
    }

    #[test]
    fn serde_maps_equal_iff_equal(
        a in prop::collection::hash_map("[xyz]", prop::collection::vec(0u8..2, 0..2), 0..3),
        b in prop::collection::hash_map("[xyz]", prop::collection::vec(0u8..2, 0..2), 0..3),
    ) {
        let rebuilt: HashMap<String, Vec<u8>> =
            a.iter().map(|(k, v)| (k.clone(), v.clone())).collect::<Vec<_>>().into_iter().rev().collect();
        prop_assert_eq!(skey(&a), skey(&rebuilt));
        prop_assert_eq!(a == b, skey(&a) == skey(&b));
    }
}
