//! `#[derive(CacheKey)]`: every field and variant is in the key, including what serde
//! attributes hide from the serde path.

use std::collections::BTreeMap;

use cache_key::{CacheKey, Key, KeyHash, KeyHasher, hash_serialize};
use proptest::prelude::*;
use serde::Serialize;

fn key<T: KeyHash + ?Sized>(v: &T) -> Key {
    let mut h = KeyHasher::new();
    v.key_hash(&mut h);
    h.finish()
}

fn skey<T: Serialize + ?Sized>(v: &T) -> Key {
    let mut h = KeyHasher::new();
    hash_serialize(v, &mut h).unwrap();
    h.finish()
}

/// Serialized without its variant: `Square(1.0)` and `Circle(1.0)` both serialize as `1.0`.
#[derive(Serialize, CacheKey, Debug, Clone, PartialEq)]
#[serde(untagged)]
enum Shape {
    Circle(f64),
    Square(f64),
}

/// Serialized without `limit`.
#[derive(Serialize, CacheKey, Debug, Clone, PartialEq)]
struct Query {
    table: String,
    #[serde(skip)]
    limit: u32,
}

#[test]
fn untagged_variants_differ_through_the_derive() {
    // The serde path's blind spot, shown so the test below means something.
    assert_eq!(skey(&Shape::Circle(1.0)), skey(&Shape::Square(1.0)));
    assert_ne!(key(&Shape::Circle(1.0)), key(&Shape::Square(1.0)));
}

#[test]
fn skipped_fields_count_through_the_derive() {
    let q = |limit| Query {
        table: "t".into(),
        limit,
    };
    assert_eq!(skey(&q(1)), skey(&q(3)));
    assert_ne!(key(&q(1)), key(&q(3)));
}

#[derive(CacheKey)]
struct Unit;

#[derive(CacheKey)]
struct Other;

#[derive(CacheKey)]
struct Meters(f64);

#[derive(CacheKey)]
struct Feet(f64);

#[derive(CacheKey)]
struct Pair(u8, u8);

#[derive(CacheKey)]
struct Point {
    x: i32,
    y: i32,
}

#[derive(CacheKey)]
struct Flipped {
    y: i32,
    x: i32,
}

#[derive(CacheKey)]
enum E {
    A,
    B,
    C(u8),
    D(u8, u8),
    F { v: u8 },
}

#[derive(CacheKey)]
enum E2 {
    A,
}

#[derive(CacheKey)]
enum Reordered {
    B,
    A,
}

#[derive(CacheKey)]
enum Never {}

#[test]
fn names_shapes_and_variants_are_in_the_key() {
    assert_ne!(key(&Unit), key(&Other));
    assert_ne!(key(&Meters(1.0)), key(&Feet(1.0)));
    assert_ne!(key(&Meters(1.0)), key(&1.0f64));
    assert_ne!(key(&Pair(1, 2)), key(&Pair(2, 1)));
    assert_ne!(key(&Point { x: 1, y: 2 }), key(&Flipped { y: 2, x: 1 }));
    assert_ne!(key(&Point { x: 1, y: 2 }), key(&Point { x: 2, y: 1 }));
    let all = [
        key(&E::A),
        key(&E::B),
        key(&E::C(0)),
        key(&E::C(1)),
        key(&E::D(0, 1)),
        key(&E::D(1, 0)),
        key(&E::F { v: 0 }),
        key(&E2::A),
        key(&Reordered::A),
        key(&Reordered::B),
    ];
    for (i, a) in all.iter().enumerate() {
        for b in &all[i + 1..] {
            assert_ne!(a, b);
        }
    }
    let _: fn(&Never) -> Key = key::<Never>;
}

#[test]
fn the_derive_writes_the_documented_shape_framing() {
    // Both the derive and serde write user types through one framing; with fields whose
    // KeyHash and serde encodings coincide (scalars, strings, options), the keys agree.
    #[derive(Serialize, CacheKey)]
    struct S {
        name: String,
        n: Option<u64>,
        x: f64,
    }
    #[derive(Serialize, CacheKey)]
    enum V {
        Unit,
        New(i8),
        Tup(i8, char),
        Named { a: bool },
    }
    let s = S {
        name: "x".into(),
        n: Some(3),
        x: -0.0,
    };
    assert_eq!(key(&s), skey(&s));
    for v in [V::Unit, V::New(-1), V::Tup(1, 'c'), V::Named { a: true }] {
        assert_eq!(key(&v), skey(&v));
    }
}

#[derive(CacheKey, Debug, Clone, PartialEq)]
struct Generic<'a, T, const N: usize> {
    items: [T; N],
    label: &'a str,
}

#[derive(CacheKey, Debug, Clone, PartialEq)]
#[allow(non_camel_case_types)]
enum r#Tree {
    Leaf(i64),
    r#Node { r#left: Box<Tree>, right: Box<Tree> },
    Tagged(BTreeMap<String, Option<i64>>),
}

#[test]
fn generics_and_raw_identifiers() {
    let a = Generic {
        items: [1u8, 2],
        label: "a",
    };
    let b = Generic {
        items: [1u8, 3],
        label: "a",
    };
    assert_ne!(key(&a), key(&b));
    assert_eq!(key(&a), key(&a.clone()));
}

fn tree() -> impl Strategy<Value = Tree> {
    let leaf = prop_oneof![
        (-2i64..2).prop_map(Tree::Leaf),
        prop::collection::btree_map("[ab]", prop::option::of(-1i64..1), 0..2)
            .prop_map(Tree::Tagged),
    ];
    leaf.prop_recursive(3, 12, 2, |inner| {
        (inner.clone(), inner).prop_map(|(l, r)| Tree::Node {
            left: Box::new(l),
            right: Box::new(r),
        })
    })
}

proptest! {
    /// Keys agree exactly when values do: no field or variant is lost, no two shapes collide.
    #[test]
    fn derived_keys_are_equal_iff_values_are(a in tree(), b in tree()) {
        prop_assert_eq!(a == b, key(&a) == key(&b));
    }
}

#[test]
fn compile_errors() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
