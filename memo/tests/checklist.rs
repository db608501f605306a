//! Streamlit's own `memo` and `cache_data` tests, as far as they apply to Rust, plus
//! the key rules: the underscore rule, `hash_funcs`, methods, `Result`/`Option`
//! returns, companions (`clear`, `clear_entry`, `stats`).
//!
//! Each test uses its own functions and counters: tests of one binary run in parallel.

#![allow(clippy::disallowed_names)] // Streamlit's test names: foo, bar

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use memo::memo;
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

macro_rules! counter {
    ($name:ident) => {
        static $name: AtomicUsize = AtomicUsize::new(0);
    };
}

fn get(c: &AtomicUsize) -> usize {
    c.load(Ordering::SeqCst)
}

#[test]
fn test_simple() {
    counter!(RUNS);
    #[memo]
    fn foo() -> i32 {
        RUNS.fetch_add(1, Ordering::SeqCst);
        42
    }
    assert_eq!(foo(), 42);
    assert_eq!(foo(), 42);
    assert_eq!(get(&RUNS), 1);
}

#[test]
fn test_multiple_int_like_floats() {
    #[memo]
    fn foo(x: f64) -> f64 {
        x
    }
    assert_eq!(foo(1.0), 1.0);
    assert_eq!(foo(3.0), 3.0);
    assert_eq!(foo(1.0), 1.0);
    assert_eq!(foo(1.0 + f64::EPSILON), 1.0 + f64::EPSILON);
    assert_eq!(foo::stats().misses, 3);
    assert_eq!(foo::stats().hits, 1);
}

#[test]
fn test_return_cached_object() {
    counter!(RUNS);
    #[memo]
    fn f(x: u32) -> Vec<u32> {
        RUNS.fetch_add(1, Ordering::SeqCst);
        vec![x; 3]
    }
    assert_eq!(f(1), [1, 1, 1]);
    assert_eq!(get(&RUNS), 1);
    assert_eq!(f(1), [1, 1, 1]);
    assert_eq!(get(&RUNS), 1, "a hit does not run the function");
    assert_eq!(f(2), [2, 2, 2]);
    assert_eq!(get(&RUNS), 2, "new arguments run it");
    let s = f::stats();
    assert_eq!((s.hits, s.misses, s.entries), (1, 2, 2));
    // Serialized storage weighs the encoded bytes (Streamlit: len(pickle.dumps(entry))).
    assert_eq!(
        s.stored_bytes,
        2 * memo::codec::encode(&vec![1u32; 3]).unwrap().len()
    );
}

#[test]
fn test_mutate_args() {
    // The key is computed before the body runs; the body's mutation changes the next key.
    #[memo]
    fn foo(d: &mut BTreeMap<String, i32>) -> i32 {
        *d.get_mut("answer").unwrap() += 1;
        d["answer"]
    }
    let mut d = BTreeMap::from([("answer".to_string(), 0)]);
    assert_eq!(foo(&mut d), 1);
    assert_eq!(foo(&mut d), 2);
}

#[test]
fn test_ignored_args() {
    counter!(RUNS);
    #[memo]
    fn foo(arg1: i32, _arg2: i32, args: &[i32], kwarg1: i32, _kwarg2: Option<i32>) -> i32 {
        RUNS.fetch_add(1, Ordering::SeqCst);
        arg1 + args.iter().sum::<i32>() + kwarg1
    }
    foo(1, 2, &[3], 4, None);
    foo(1, 20, &[3], 4, Some(5)); // only `_` arguments changed
    assert_eq!(get(&RUNS), 1);
    foo(10, 2, &[3], 4, None); // arg1
    assert_eq!(get(&RUNS), 2);
    foo(1, 2, &[3, 0], 4, None); // a "*args" value
    assert_eq!(get(&RUNS), 3);
    foo(1, 2, &[3], 40, None); // kwarg1
    assert_eq!(get(&RUNS), 4);
    // A bare `_` pattern is ignored too.
    counter!(WILD);
    #[memo]
    fn wild(x: u8, _: &str) -> u8 {
        WILD.fetch_add(1, Ordering::SeqCst);
        x
    }
    wild(1, "a");
    wild(1, "b");
    assert_eq!(get(&WILD), 1);
}

// The underscore rule (a `_`-prefixed parameter is not part of the key), for arbitrary call
// sequences.

counter!(UNDERSCORE_RUNS);

#[memo]
fn underscore(a: u8, _b: u8, c: &str, _d: &[u8]) -> (u8, u8, String) {
    UNDERSCORE_RUNS.fetch_add(1, Ordering::SeqCst);
    (a, _b, c.to_string())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn underscore_args_never_rerun_other_args_always_do(
        calls in proptest::collection::vec(
            (0u8..3, any::<u8>(), prop_oneof![Just("x"), Just("y")], proptest::collection::vec(any::<u8>(), 0..3)),
            1..30,
        )
    ) {
        underscore::clear();
        // Reference: the first `_b` seen for each hashed pair (a, c).
        let mut first_b: BTreeMap<(u8, &str), u8> = BTreeMap::new();
        for (a, b, c, d) in calls {
            let before = get(&UNDERSCORE_RUNS);
            let got = underscore(a, b, c, &d);
            let ran = get(&UNDERSCORE_RUNS) - before;
            match first_b.get(&(a, c)) {
                Some(&b0) => {
                    prop_assert_eq!(ran, 0, "only `_` arguments differ from a cached call");
                    prop_assert_eq!(got, (a, b0, c.to_string()));
                }
                None => {
                    prop_assert_eq!(ran, 1, "new hashed arguments always run the function");
                    prop_assert_eq!(got, (a, b, c.to_string()));
                    first_b.insert((a, c), b);
                }
            }
        }
        prop_assert_eq!(underscore::stats().entries, first_b.len());
    }
}

// Methods.

#[derive(Serialize)]
struct Hashed {
    id: u32,
}

#[derive(Clone)]
struct NotHashable {
    offset: u32,
}

counter!(METHOD_HASHED_RUNS);
counter!(METHOD_SKIPPED_RUNS);
counter!(ASSOC_RUNS);

impl Hashed {
    #[memo]
    fn scaled(&self, x: u32) -> u32 {
        METHOD_HASHED_RUNS.fetch_add(1, Ordering::SeqCst);
        self.id * x
    }
}

impl NotHashable {
    #[memo(skip_self)]
    fn shifted(&self, x: u32) -> u32 {
        METHOD_SKIPPED_RUNS.fetch_add(1, Ordering::SeqCst);
        self.offset + x
    }

    /// "staticmethod": no receiver, no `Self`.
    #[memo(in_impl)]
    fn assoc(x: u32) -> u32 {
        ASSOC_RUNS.fetch_add(1, Ordering::SeqCst);
        x + 1
    }

    /// "classmethod": constructs the type (named: a cache cannot name `Self`).
    #[memo(storage = "clone", in_impl)]
    fn make(offset: u32) -> NotHashable {
        NotHashable { offset }
    }
}

impl memo::storage::CloneIsolated for NotHashable {}

#[test]
fn test_cached_member_function() {
    // Hashed self: different receivers are different keys.
    let (a, b) = (Hashed { id: 2 }, Hashed { id: 3 });
    assert_eq!(a.scaled(10), 20);
    assert_eq!(a.scaled(10), 20);
    assert_eq!(b.scaled(10), 30);
    assert_eq!(
        Hashed { id: 2 }.scaled(10),
        20,
        "equal receivers share entries"
    );
    assert_eq!(get(&METHOD_HASHED_RUNS), 2);
    assert_eq!(Hashed::scaled_stats().entries, 2);

    // skip_self (Streamlit's `_self`): the receiver is not part of the key.
    let (c, d) = (NotHashable { offset: 1 }, NotHashable { offset: 100 });
    assert_eq!(c.shifted(5), 6);
    assert_eq!(d.shifted(5), 6, "a hit computed with another receiver");
    assert_eq!(get(&METHOD_SKIPPED_RUNS), 1);

    // Associated functions.
    assert_eq!(NotHashable::assoc(1), 2);
    assert_eq!(NotHashable::assoc(1), 2);
    assert_eq!(get(&ASSOC_RUNS), 1);
    assert_eq!(NotHashable::make(4).offset, 4);
    assert_eq!(NotHashable::make_stats().misses, 1);

    // Method companions.
    assert!(a.scaled_clear_entry(10));
    assert!(!a.scaled_clear_entry(10), "already removed");
    assert_eq!(a.scaled(10), 20);
    assert_eq!(get(&METHOD_HASHED_RUNS), 3);
    assert!(c.shifted_clear_entry(5));
    NotHashable::shifted_clear();
    assert_eq!(NotHashable::shifted_stats().entries, 0);
}

#[test]
fn test_cached_member_function_with_hash_func() {
    struct Handle {
        id: u64,
        _scratch: Vec<u8>,
    }
    fn handle_id(h: &Handle) -> u64 {
        h.id
    }
    counter!(RUNS);
    impl Handle {
        #[memo(hash_funcs(Self = handle_id))]
        fn twice(&self) -> u64 {
            RUNS.fetch_add(1, Ordering::SeqCst);
            self.id * 2
        }
    }
    let a = Handle {
        id: 4,
        _scratch: vec![1],
    };
    let b = Handle {
        id: 4,
        _scratch: vec![2, 3],
    };
    assert_eq!(a.twice(), 8);
    assert_eq!(b.twice(), 8);
    assert_eq!(get(&RUNS), 1, "self hashed through the hash function only");
    assert_eq!(
        Handle {
            id: 5,
            _scratch: vec![]
        }
        .twice(),
        10
    );
    assert_eq!(get(&RUNS), 2);
}

#[test]
fn test_clear_single_cache() {
    counter!(FOO);
    counter!(BAR);
    #[memo]
    fn foo(x: u8) -> u8 {
        FOO.fetch_add(1, Ordering::SeqCst);
        x
    }
    #[memo]
    fn bar(x: u8) -> u8 {
        BAR.fetch_add(1, Ordering::SeqCst);
        x
    }
    foo(1);
    foo(2);
    bar(1);
    foo::clear();
    assert_eq!(foo::stats().entries, 0);
    foo(1);
    foo(2);
    bar(1);
    assert_eq!(get(&FOO), 4, "foo recomputes");
    assert_eq!(get(&BAR), 1, "bar is untouched");
}

#[test]
fn test_cached_st_function_clear_args() {
    counter!(RUNS);
    #[memo]
    fn foo(y: u32) -> usize {
        let _ = y;
        RUNS.fetch_add(1, Ordering::SeqCst) + 1
    }
    assert_eq!(foo(1), 1);
    assert!(!foo::clear_entry(2), "no entry for 2");
    assert_eq!(foo(1), 1, "clear_entry(2) keeps foo(1)");
    assert!(foo::clear_entry(1));
    assert_eq!(foo(1), 2, "clear_entry(1) removed it");

    // The same key rule as a call: `_` arguments are ignored by clear_entry too.
    counter!(G);
    #[memo]
    fn g(x: u32, _conn: &str) -> usize {
        let _ = x;
        G.fetch_add(1, Ordering::SeqCst) + 1
    }
    assert_eq!(g(7, "a"), 1);
    assert!(g::clear_entry(7, "some other connection"));
    assert_eq!(g(7, "a"), 2);
}

#[test]
fn result_err_is_not_cached_and_ok_is() {
    counter!(RUNS);
    #[memo]
    fn parse(s: &str) -> Result<u32, String> {
        RUNS.fetch_add(1, Ordering::SeqCst);
        s.parse().map_err(|e| format!("{e}"))
    }
    assert!(parse("x").is_err());
    assert!(parse("x").is_err());
    assert_eq!(get(&RUNS), 2, "Err runs every time");
    assert_eq!(parse::stats().entries, 0);
    assert_eq!(parse("12"), Ok(12));
    assert_eq!(parse("12"), Ok(12));
    assert_eq!(get(&RUNS), 3, "Ok is cached");

    // A `Result` alias works the same way.
    counter!(IO);
    #[memo]
    fn read(ok: bool) -> std::io::Result<u8> {
        IO.fetch_add(1, Ordering::SeqCst);
        if ok {
            Ok(1)
        } else {
            Err(std::io::Error::other("no"))
        }
    }
    assert!(read(false).is_err());
    assert!(read(false).is_err());
    assert_eq!(read(true).unwrap(), 1);
    assert_eq!(read(true).unwrap(), 1);
    assert_eq!(get(&IO), 3);
}

#[test]
fn option_is_cached_as_a_value() {
    counter!(RUNS);
    #[memo]
    fn find(x: u8) -> Option<u8> {
        RUNS.fetch_add(1, Ordering::SeqCst);
        (x > 0).then_some(x)
    }
    assert_eq!(find(0), None);
    assert_eq!(find(0), None);
    assert_eq!(find(3), Some(3));
    assert_eq!(find(3), Some(3));
    assert_eq!(get(&RUNS), 2, "None is a cached value like Some");
}

// hash_funcs.

struct Connection {
    id: u32,
    _socket: std::cell::Cell<u8>, // not hashable, not serializable
}

fn connection_id(c: &Connection) -> u32 {
    c.id
}

fn constant(_: &Connection) -> u8 {
    0
}

#[derive(Serialize, Clone, Copy)]
struct Celsius(f64);

fn rounded(c: &Celsius) -> i64 {
    c.0.round() as i64
}

#[test]
fn hash_funcs_custom_function_is_used_for_its_type() {
    counter!(RUNS);
    #[memo(hash_funcs(Connection = connection_id))]
    fn query(conn: &Connection, sql: &str) -> String {
        RUNS.fetch_add(1, Ordering::SeqCst);
        format!("{}:{sql}", conn.id)
    }
    let a = Connection {
        id: 1,
        _socket: 0.into(),
    };
    let a2 = Connection {
        id: 1,
        _socket: 9.into(),
    };
    let b = Connection {
        id: 2,
        _socket: 0.into(),
    };
    assert_eq!(query(&a, "q"), "1:q");
    assert_eq!(query(&a2, "q"), "1:q", "same id: a hit");
    assert_eq!(get(&RUNS), 1);
    assert_eq!(query(&b, "q"), "2:q");
    assert_eq!(query(&a, "r"), "1:r");
    assert_eq!(get(&RUNS), 3);

    // Exact type match: the hash function applies to `Celsius` only, not to the `f64` beside it.
    counter!(T);
    #[memo(hash_funcs(Celsius = rounded))]
    fn adjust(t: Celsius, by: f64) -> f64 {
        T.fetch_add(1, Ordering::SeqCst);
        t.0 + by
    }
    assert_eq!(adjust(Celsius(20.1), 0.5), 20.6);
    assert_eq!(
        adjust(Celsius(20.3), 0.5),
        20.6,
        "20.3 rounds like 20.1: a hit"
    );
    assert_eq!(get(&T), 1);
    adjust(Celsius(20.1), 0.6);
    assert_eq!(get(&T), 2, "the f64 is hashed exactly, not rounded");
    adjust(Celsius(21.0), 0.5);
    assert_eq!(get(&T), 3);
}

#[test]
fn hash_funcs_constant_makes_the_parameter_irrelevant() {
    counter!(RUNS);
    #[memo(hash_funcs(Connection = constant))]
    fn rows(conn: &Connection, table: &str) -> usize {
        RUNS.fetch_add(1, Ordering::SeqCst);
        let _ = conn;
        table.len()
    }
    for id in 0..5 {
        assert_eq!(
            rows(
                &Connection {
                    id,
                    _socket: 0.into()
                },
                "users"
            ),
            5
        );
    }
    assert_eq!(get(&RUNS), 1);
    rows(
        &Connection {
            id: 0,
            _socket: 0.into(),
        },
        "orders",
    );
    assert_eq!(get(&RUNS), 2);
}

#[test]
fn function_identity_is_part_of_the_key() {
    // Two functions with the same argument values never share entries.
    #[memo]
    fn one(x: u8) -> u8 {
        x
    }
    #[memo]
    fn two(x: u8) -> u8 {
        x + 1
    }
    assert_eq!(one(1), 1);
    assert_eq!(two(1), 2);
    assert_eq!(one(1), 1);
}

/// A Serialize impl that fails at run time. (Declared at module level: the generated companion
/// module `make` resolves types through `use super::*`, which cannot see items declared inside a
/// function body.)
#[derive(Debug, PartialEq, Deserialize)]
struct Flaky(u8);

impl Serialize for Flaky {
    fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom("cannot serialize Flaky"))
    }
}

#[test]
fn unserializable_value_is_returned_but_not_cached() {
    // The caller still gets the value; nothing is stored.
    counter!(RUNS);
    #[memo]
    fn make(x: u8) -> Flaky {
        RUNS.fetch_add(1, Ordering::SeqCst);
        Flaky(x)
    }
    assert_eq!(make(1), Flaky(1));
    assert_eq!(make(1), Flaky(1));
    assert_eq!(get(&RUNS), 2);
    assert_eq!(make::stats().entries, 0);
}
