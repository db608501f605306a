//! Keys of standard-library values: framing, tags, order independence, determinism.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::ffi::OsString;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use cache_key::{Key, KeyHash, KeyHasher};
use proptest::prelude::*;

fn key<T: KeyHash + ?Sized>(v: &T) -> Key {
    let mut h = KeyHasher::new();
    v.key_hash(&mut h);
    h.finish()
}

#[test]
fn tuple_of_strings_is_framed() {
    assert_ne!(key(&("ab", "c")), key(&("a", "bc")));
    assert_ne!(key(&("", "ab")), key(&("ab", "")));
    assert_ne!(
        key(&(String::from("ab"), String::from("c"))),
        key(&(String::from("a"), String::from("bc")))
    );
    assert_ne!(key(&vec!["ab", "c"]), key(&vec!["a", "bc"]));
}

#[test]
fn none_differs_from_some_zero() {
    assert_ne!(key(&None::<i32>), key(&Some(0i32)));
    assert_ne!(key(&Some(None::<i32>)), key(&None::<Option<i32>>));
    assert_ne!(key(&Some(0u8)), key(&0u8));
}

#[test]
fn result_variants_differ() {
    assert_ne!(key(&Ok::<i32, i32>(1)), key(&Err::<i32, i32>(1)));
}

#[test]
fn bytes_and_string_differ() {
    assert_ne!(key(&b"abc".to_vec()), key(&String::from("abc")));
    assert_ne!(key(&b"abc".to_vec()), key(&PathBuf::from("abc")));
    assert_ne!(key(&PathBuf::from("abc")), key(&String::from("abc")));
    assert_ne!(key(&PathBuf::from("abc")), key(&OsString::from("abc")));
}

#[test]
fn integer_widths_and_signs_are_tagged() {
    // Decision: widths are part of the key, so a value that changes type changes key.
    assert_ne!(key(&1u32), key(&1u64));
    assert_ne!(key(&1u64), key(&1i64));
    assert_ne!(key(&1u64), key(&1usize));
    assert_ne!(key(&1i64), key(&1isize));
    assert_ne!(key(&vec![1u32]), key(&vec![1u64]));
    assert_ne!(key(&1u32), key(&'\u{1}'));
    assert_ne!(key(&1u8), key(&true));
}

/// Regression: `-0.0` was keyed as `0.0`, so `reciprocal(-0.0)` was served `reciprocal(0.0)`'s
/// `inf`. Floats are keyed by bit pattern (Streamlit's `struct.pack("<d")`) with one canonical
/// NaN, on the scalar and the bulk slice path alike.
#[test]
fn floats_keep_the_sign_of_zero_and_share_one_nan() {
    assert_ne!(key(&0.0f64), key(&-0.0f64));
    assert_ne!(key(&0.0f32), key(&-0.0f32));
    assert_eq!(key(&f64::NAN), key(&f64::from_bits(0x7ff0_0000_0000_0001)));
    assert_eq!(key(&f64::NAN), key(&-f64::NAN));
    assert_eq!(key(&f32::NAN), key(&-f32::NAN));
    assert_ne!(key(&f64::NAN), key(&f64::INFINITY));
    assert_ne!(key(&1.0f64), key(&1.0f32));
    assert_ne!(key(&1.0f64), key(&-1.0f64));
    // The bulk slice path (every element after the first) agrees with the scalar path.
    assert_ne!(key(&vec![1.0f64, 0.0]), key(&vec![1.0f64, -0.0]));
    assert_ne!(key(&vec![1.0f32, 0.0]), key(&vec![1.0f32, -0.0]));
    assert_eq!(
        key(&vec![1.0f64, f64::NAN]),
        key(&vec![1.0f64, -f64::from_bits(0x7ff0_0000_0000_0001)])
    );
    assert_ne!(key(&vec![-0.0f64]), key(&vec![0.0f64]));
}

#[test]
fn sequence_families_share_a_tag_and_hash_by_content() {
    let v = vec![1u16, 2, 3];
    let a = [1u16, 2, 3];
    let d: VecDeque<u16> = v.iter().copied().collect();
    assert_eq!(key(&v), key(&a));
    assert_eq!(key(&v), key(&d));
    assert_eq!(key(&v), key(v.as_slice()));
    // A deque whose ring buffer wraps around still hashes like the Vec.
    let mut wrapped = VecDeque::with_capacity(4);
    wrapped.extend([0u16, 0, 1]);
    wrapped.pop_front();
    wrapped.pop_front();
    wrapped.extend([2, 3]);
    assert_eq!(key(&v), key(&wrapped));
    assert_ne!(key(&vec![1u16, 2]), key(&vec![1u16, 2, 0]));
    // Nested sequences are framed too.
    assert_ne!(key(&vec![vec![1u8], vec![]]), key(&vec![vec![], vec![1u8]]));
}

#[test]
fn pointers_are_transparent() {
    let s = String::from("x");
    assert_eq!(key(&s), key("x"));
    assert_eq!(key(&s), key(&Box::new(s.clone())));
    assert_eq!(key(&s), key(&Arc::new(s.clone())));
    assert_eq!(key(&s), key(&Rc::new(s.clone())));
    assert_eq!(key(&s), key(&Cow::<str>::Borrowed("x")));
    assert_eq!(key(&s), key(&Cow::<str>::Owned(s.clone())));
    assert_eq!(key(&s), key(&&mut s.clone()));
}

#[test]
fn tuples_carry_their_arity() {
    assert_ne!(key(&(1u8,)), key(&1u8));
    assert_ne!(key(&((1u8, 2u8), 3u8)), key(&(1u8, (2u8, 3u8))));
    let t12 = (
        1u8, 2u8, 3u8, 4u8, 5u8, 6u8, 7u8, 8u8, 9u8, 10u8, 11u8, 12u8,
    );
    assert_eq!(key(&t12), key(&t12.clone()));
}

#[test]
fn durations_and_units() {
    assert_ne!(key(&Duration::from_secs(1)), key(&Duration::from_nanos(1)));
    assert_eq!(
        key(&Duration::from_millis(1500)),
        key(&Duration::new(1, 500_000_000))
    );
    assert_ne!(key(&()), key(&None::<()>));
}

#[test]
fn btree_and_hash_collections_differ_from_each_other() {
    let b: BTreeSet<u8> = [1, 2].into();
    let h: HashSet<u8> = [1, 2].into();
    assert_ne!(key(&b), key(&h));
    let bm: BTreeMap<u8, u8> = [(1, 2)].into();
    let hm: HashMap<u8, u8> = [(1, 2)].into();
    assert_ne!(key(&bm), key(&hm));
    // A set of pairs is not a map.
    let hs: HashSet<(u8, u8)> = [(1, 2)].into();
    assert_ne!(key(&hs), key(&hm));
}

#[test]
fn hash_map_entries_are_bound_together() {
    // Swapping values between keys must change the key even though the multiset of keys and
    // the multiset of values stay the same.
    let a: HashMap<&str, i32> = [("x", 1), ("y", 2)].into();
    let b: HashMap<&str, i32> = [("x", 2), ("y", 1)].into();
    assert_ne!(key(&a), key(&b));
    let empty: HashMap<&str, i32> = HashMap::new();
    assert_ne!(key(&empty), key(&HashSet::<&str>::new()));
}

/// Regression guard for cross-process stability. These digests were computed once by this
/// crate (xxh3-128 with the fixed default seed over the framed stream) and pasted here. Keys
/// are persisted to disk by `memo`, so they must never depend on per-process randomness
/// (`RandomState`, addresses, `HashMap` iteration order); a change here means every persisted
/// cache entry silently misses after an upgrade, which must be a deliberate decision.
#[test]
fn golden_keys_are_stable_across_processes() {
    let map: HashMap<String, Vec<i64>> = [
        ("alpha".to_string(), vec![1, 2, 3]),
        ("beta".to_string(), vec![]),
        ("gamma".to_string(), vec![-1]),
    ]
    .into();
    let cases: [(&str, Key); 5] = [
        ("u64 42", key(&42u64)),
        ("str", key("hello")),
        ("tuple", key(&("ab", Some(1.5f64), vec![1u8, 2, 3]))),
        ("hashmap", key(&map)),
        (
            "nested",
            key(&(None::<i32>, Ok::<_, ()>(vec!["x".to_string()]))),
        ),
    ];
    let got: Vec<String> = cases.iter().map(|(n, k)| format!("{n}={k}")).collect();
    let want = GOLDEN;
    assert_eq!(
        got, want,
        "cache keys changed: persisted entries would no longer be found"
    );
}

/// The stream is the documented one: the key of `42u64` is xxh3-128 (default seed) of the `u64`
/// tag byte followed by the little-endian value, and a string is its tag, `u64` length, bytes.
#[test]
fn keys_are_xxh3_of_the_documented_stream() {
    use xxhash_rust::xxh3::xxh3_128;
    let mut stream = vec![0x13u8];
    stream.extend_from_slice(&42u64.to_le_bytes());
    assert_eq!(key(&42u64), Key(xxh3_128(&stream)));
    let mut stream = vec![0x30u8];
    stream.extend_from_slice(&5u64.to_le_bytes());
    stream.extend_from_slice(b"hello");
    assert_eq!(key("hello"), Key(xxh3_128(&stream)));
}

const GOLDEN: [&str; 5] = [
    "u64 42=82613b9b4bcdb54a39a6cf3d9dc8d166",
    "str=038ec349d01b092b9027afacf4d32485",
    "tuple=bf136a0f47ac7f00346c948523d43681",
    "hashmap=ab874050c9c1c73b2803ee0cd44548fc",
    "nested=951b627ef41f04a8107239d25a723e9b",
];

fn map_from(entries: &[(String, i64)]) -> HashMap<String, i64> {
    entries.iter().cloned().collect()
}

proptest! {
    #[test]
    fn equal_values_equal_keys(v in prop::collection::vec((".{0,6}", prop::option::of(any::<i64>())), 0..8)) {
        prop_assert_eq!(key(&v), key(&v.clone()));
        let boxed: Vec<(Box<str>, Option<i64>)> =
            v.iter().map(|(s, o)| (s.clone().into_boxed_str(), *o)).collect();
        prop_assert_eq!(key(&v), key(&boxed));
    }

    #[test]
    fn distinct_nested_values_distinct_keys(
        a in prop::collection::vec(("[ab]{0,3}", prop::option::of(-2i64..2)), 0..4),
        b in prop::collection::vec(("[ab]{0,3}", prop::option::of(-2i64..2)), 0..4),
    ) {
        // Small alphabets make equal pairs (and near-misses) frequent.
        prop_assert_eq!(a == b, key(&a) == key(&b));
    }

    #[test]
    fn hash_map_key_ignores_insertion_order(
        entries in prop::collection::hash_map(".{0,4}", any::<i64>(), 0..16),
        seed in any::<u64>(),
    ) {
        let mut list: Vec<(String, i64)> = entries.into_iter().collect();
        let forward = map_from(&list);
        list.reverse();
        let reversed = map_from(&list);
        // Rotate by a seed-dependent amount for a third order.
        if !list.is_empty() {
            let n = (seed as usize) % list.len();
            list.rotate_left(n);
        }
        let rotated = map_from(&list);
        prop_assert_eq!(key(&forward), key(&reversed));
        prop_assert_eq!(key(&forward), key(&rotated));
        let set_a: HashSet<String> = forward.keys().cloned().collect();
        let set_b: HashSet<String> = list.iter().map(|(k, _)| k.clone()).rev().collect();
        prop_assert_eq!(key(&set_a), key(&set_b));
    }

    #[test]
    fn distinct_maps_distinct_keys(
        a in prop::collection::hash_map("[xy]", 0i64..3, 0..3),
        b in prop::collection::hash_map("[xy]", 0i64..3, 0..3),
    ) {
        prop_assert_eq!(a == b, key(&a) == key(&b));
        let ba: BTreeMap<_, _> = a.iter().collect();
        let bb: BTreeMap<_, _> = b.iter().collect();
        prop_assert_eq!(a == b, key(&ba) == key(&bb));
    }

    #[test]
    fn distinct_number_slices_distinct_keys(
        a in prop::collection::vec(0u32..3, 0..5),
        b in prop::collection::vec(0u32..3, 0..5),
    ) {
        prop_assert_eq!(a == b, key(&a) == key(&b));
        let fa: Vec<f64> = a.iter().map(|&x| f64::from(x)).collect();
        let fb: Vec<f64> = b.iter().map(|&x| f64::from(x)).collect();
        prop_assert_eq!(a == b, key(&fa) == key(&fb));
    }
}
