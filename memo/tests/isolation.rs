//! By-value isolation: whatever a caller does to the value it got back, every later
//! hit equals the first computed value, for nested std values, values holding `Arc<Mutex<_>>`,
//! and polars frames with nulls, with both `storage = "serialized"` (default) and
//! `storage = "clone"`. This is Streamlit's `test_mutate_return` for `cache_data`, generalised.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use memo::memo;
#[cfg(feature = "polars")]
use polars::prelude::*;
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

type Nested = Vec<(String, Option<i64>, Vec<u8>)>;

static NESTED_RUNS: AtomicUsize = AtomicUsize::new(0);
static NESTED_CLONE_RUNS: AtomicUsize = AtomicUsize::new(0);
static SHARED_RUNS: AtomicUsize = AtomicUsize::new(0);
#[cfg(feature = "polars")]
static FRAME_RUNS: AtomicUsize = AtomicUsize::new(0);
#[cfg(feature = "polars")]
static FRAME_CLONE_RUNS: AtomicUsize = AtomicUsize::new(0);

/// The value is passed as `_v` (not part of the key), so a hit provably comes from the cache:
/// hits are called with a different `_v`.
#[memo]
fn nested_serialized(case: u8, _v: &Nested) -> Nested {
    NESTED_RUNS.fetch_add(1, Ordering::SeqCst);
    let _ = case;
    _v.clone()
}

#[memo(storage = "clone")]
fn nested_clone(case: u8, _v: &Nested) -> Nested {
    NESTED_CLONE_RUNS.fetch_add(1, Ordering::SeqCst);
    let _ = case;
    _v.clone()
}

#[derive(Debug, Clone, Copy)]
enum NestedMut {
    Push,
    Pop,
    Clear,
    SetText(usize),
    SetNumber(usize, Option<i64>),
    PushByte(usize, u8),
    ClearBytes(usize),
    Reverse,
}

fn nested_mut() -> impl Strategy<Value = NestedMut> {
    prop_oneof![
        Just(NestedMut::Push),
        Just(NestedMut::Pop),
        Just(NestedMut::Clear),
        any::<usize>().prop_map(NestedMut::SetText),
        (any::<usize>(), any::<Option<i64>>()).prop_map(|(i, n)| NestedMut::SetNumber(i, n)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| NestedMut::PushByte(i, b)),
        any::<usize>().prop_map(NestedMut::ClearBytes),
        Just(NestedMut::Reverse),
    ]
}

fn apply_nested(v: &mut Nested, m: NestedMut) {
    let n = v.len();
    match m {
        NestedMut::Push => v.push(("pushed".into(), Some(-1), vec![9])),
        NestedMut::Pop => {
            v.pop();
        }
        NestedMut::Clear => v.clear(),
        NestedMut::SetText(i) if n > 0 => v[i % n].0.push_str("!mutated"),
        NestedMut::SetNumber(i, x) if n > 0 => v[i % n].1 = x.or(Some(i64::MIN)),
        NestedMut::PushByte(i, b) if n > 0 => v[i % n].2.push(b),
        NestedMut::ClearBytes(i) if n > 0 => v[i % n].2.clear(),
        NestedMut::Reverse => v.reverse(),
        _ => v.push(Default::default()),
    }
}

fn nested_value() -> impl Strategy<Value = Nested> {
    proptest::collection::vec(
        (
            "[a-z]{0,6}",
            any::<Option<i64>>(),
            proptest::collection::vec(any::<u8>(), 0..8),
        ),
        0..6,
    )
}

/// A value whose Rust clone would share its vector: memo must still isolate it (serialized
/// storage decodes fresh mutexes on every hit).
#[derive(Debug, Serialize, Deserialize)]
struct WithSharedState {
    label: String,
    items: Arc<Mutex<Vec<i32>>>,
}

impl WithSharedState {
    fn snapshot(&self) -> (String, Vec<i32>) {
        (self.label.clone(), self.items.lock().unwrap().clone())
    }
}

#[memo]
fn shared_state(case: u8, _label: &str, _items: &[i32]) -> WithSharedState {
    SHARED_RUNS.fetch_add(1, Ordering::SeqCst);
    let _ = case;
    WithSharedState {
        label: _label.to_string(),
        items: Arc::new(Mutex::new(_items.to_vec())),
    }
}

#[derive(Debug, Clone, Copy)]
enum SharedMut {
    Push(i32),
    Clear,
    Sort,
    Label,
    ReplaceArc,
}

fn shared_mut() -> impl Strategy<Value = SharedMut> {
    prop_oneof![
        any::<i32>().prop_map(SharedMut::Push),
        Just(SharedMut::Clear),
        Just(SharedMut::Sort),
        Just(SharedMut::Label),
        Just(SharedMut::ReplaceArc),
    ]
}

fn apply_shared(v: &mut WithSharedState, m: SharedMut) {
    match m {
        SharedMut::Push(x) => v.items.lock().unwrap().push(x),
        SharedMut::Clear => v.items.lock().unwrap().clear(),
        SharedMut::Sort => v.items.lock().unwrap().sort_unstable_by(|a, b| b.cmp(a)),
        SharedMut::Label => v.label.push('*'),
        SharedMut::ReplaceArc => v.items = Arc::new(Mutex::new(vec![7, 7, 7])),
    }
}

// Frames: a few rows of i64, f64, bool and String columns, each with nulls.

#[cfg(feature = "polars")]
#[derive(Debug, Clone)]
struct Rows {
    ints: Vec<Option<i64>>,
    floats: Vec<Option<f64>>,
    bools: Vec<Option<bool>>,
    texts: Vec<Option<String>>,
}

#[cfg(feature = "polars")]
fn rows() -> impl Strategy<Value = Rows> {
    (0usize..7).prop_flat_map(|n| {
        let float = prop_oneof![(-1e6f64..1e6).prop_map(Some), Just(None)];
        (
            proptest::collection::vec(any::<Option<i64>>(), n),
            proptest::collection::vec(float, n),
            proptest::collection::vec(any::<Option<bool>>(), n),
            proptest::collection::vec(proptest::option::of("[a-z]{0,4}"), n),
        )
            .prop_map(|(ints, floats, bools, texts)| Rows {
                ints,
                floats,
                bools,
                texts,
            })
    })
}

#[cfg(feature = "polars")]
fn frame(r: &Rows) -> DataFrame {
    df!(
        "i" => r.ints.clone(),
        "f" => r.floats.clone(),
        "b" => r.bools.clone(),
        "s" => r.texts.clone(),
    )
    .expect("columns have equal lengths")
}

#[cfg(feature = "polars")]
#[memo]
fn frame_serialized(case: u8, _r: &Rows) -> DataFrame {
    FRAME_RUNS.fetch_add(1, Ordering::SeqCst);
    let _ = case;
    frame(_r)
}

#[cfg(feature = "polars")]
#[memo(storage = "clone")]
fn frame_clone(case: u8, _r: &Rows) -> DataFrame {
    FRAME_CLONE_RUNS.fetch_add(1, Ordering::SeqCst);
    let _ = case;
    frame(_r)
}

#[cfg(feature = "polars")]
#[derive(Debug, Clone, Copy)]
enum FrameMut {
    ReplaceColumn,
    Drop(usize),
    Rename(usize),
    Sort(bool),
    Reverse(usize),
    Extend,
    VstackRechunk,
    Slice,
    Clear,
    InsertColumn,
}

#[cfg(feature = "polars")]
fn frame_mut() -> impl Strategy<Value = FrameMut> {
    prop_oneof![
        Just(FrameMut::ReplaceColumn),
        any::<usize>().prop_map(FrameMut::Drop),
        any::<usize>().prop_map(FrameMut::Rename),
        any::<bool>().prop_map(FrameMut::Sort),
        any::<usize>().prop_map(FrameMut::Reverse),
        Just(FrameMut::Extend),
        Just(FrameMut::VstackRechunk),
        Just(FrameMut::Slice),
        Just(FrameMut::Clear),
        Just(FrameMut::InsertColumn),
    ]
}

#[cfg(feature = "polars")]
fn apply_frame(df: &mut DataFrame, m: FrameMut) {
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    let pick = |i: usize| names.get(i % names.len().max(1)).cloned();
    let h = df.height();
    // Mutations may legitimately fail on an oddly shaped frame (e.g. a dropped sort column);
    // failing is fine, corrupting the cache is not.
    let _ = match m {
        FrameMut::ReplaceColumn => df
            .with_column(Column::new("i".into(), vec![0i64; h]))
            .map(|_| ()),
        FrameMut::Drop(i) => match pick(i) {
            Some(n) => df.drop_in_place(&n).map(|_| ()),
            None => Ok(()),
        },
        FrameMut::Rename(i) => match pick(i) {
            Some(n) => df.rename(&n, format!("{n}_renamed").into()).map(|_| ()),
            None => Ok(()),
        },
        FrameMut::Sort(desc) => df
            .sort_in_place(
                ["i"],
                SortMultipleOptions::default().with_order_descending(desc),
            )
            .map(|_| ()),
        FrameMut::Reverse(i) => match pick(i) {
            Some(n) => df
                .apply(&n, |c| c.as_materialized_series().reverse())
                .map(|_| ()),
            None => Ok(()),
        },
        FrameMut::Extend => {
            let other = df.clone();
            df.extend(&other)
        }
        FrameMut::VstackRechunk => {
            let other = df.clone();
            df.vstack_mut(&other).map(|d| {
                d.rechunk_mut();
            })
        }
        FrameMut::Slice => {
            *df = df.slice(1, 2);
            Ok(())
        }
        FrameMut::Clear => {
            *df = df.clear();
            Ok(())
        }
        FrameMut::InsertColumn => df
            .insert_column(0, Column::new("new".into(), vec![true; h]))
            .map(|_| ()),
    };
}

#[cfg(feature = "polars")]
fn same_frame(a: &DataFrame, b: &DataFrame) -> bool {
    a.schema() == b.schema() && a.equals_missing(b)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn nested_values_are_isolated_with_serialized_storage(
        v in nested_value(),
        rounds in proptest::collection::vec(proptest::collection::vec(nested_mut(), 0..6), 1..5),
    ) {
        nested_serialized::clear();
        let runs = NESTED_RUNS.load(Ordering::SeqCst);
        let mut got = nested_serialized(1, &v);
        prop_assert_eq!(&got, &v);
        for muts in rounds {
            for m in muts { apply_nested(&mut got, m); }
            got = nested_serialized(1, &Vec::new());
            prop_assert_eq!(&got, &v, "a hit equals the first computed value");
        }
        prop_assert_eq!(NESTED_RUNS.load(Ordering::SeqCst) - runs, 1);
    }

    #[test]
    fn nested_values_are_isolated_with_clone_storage(
        v in nested_value(),
        rounds in proptest::collection::vec(proptest::collection::vec(nested_mut(), 0..6), 1..5),
    ) {
        nested_clone::clear();
        let runs = NESTED_CLONE_RUNS.load(Ordering::SeqCst);
        let mut got = nested_clone(1, &v);
        prop_assert_eq!(&got, &v);
        for muts in rounds {
            for m in muts { apply_nested(&mut got, m); }
            got = nested_clone(1, &Vec::new());
            prop_assert_eq!(&got, &v, "a hit equals the first computed value");
        }
        prop_assert_eq!(NESTED_CLONE_RUNS.load(Ordering::SeqCst) - runs, 1);
    }

    #[test]
    fn values_holding_arc_mutex_are_isolated(
        label in "[a-z]{0,5}",
        items in proptest::collection::vec(any::<i32>(), 0..6),
        rounds in proptest::collection::vec(proptest::collection::vec(shared_mut(), 0..6), 1..5),
    ) {
        shared_state::clear();
        let runs = SHARED_RUNS.load(Ordering::SeqCst);
        let expected = (label.clone(), items.clone());
        let mut got = shared_state(1, &label, &items);
        let mut previous: Vec<Arc<Mutex<Vec<i32>>>> = Vec::new();
        for muts in rounds {
            for m in muts { apply_shared(&mut got, m); }
            previous.push(Arc::clone(&got.items));
            got = shared_state(1, "other", &[]);
            prop_assert_eq!(got.snapshot(), expected.clone());
            // No hit shares its mutex with an earlier caller's value.
            prop_assert!(previous.iter().all(|p| !Arc::ptr_eq(p, &got.items)));
        }
        prop_assert_eq!(SHARED_RUNS.load(Ordering::SeqCst) - runs, 1);
    }

    #[cfg(feature = "polars")]
    #[test]
    fn frames_are_isolated_with_serialized_storage(
        r in rows(),
        rounds in proptest::collection::vec(proptest::collection::vec(frame_mut(), 0..5), 1..4),
    ) {
        frame_serialized::clear();
        let runs = FRAME_RUNS.load(Ordering::SeqCst);
        let expected = frame(&r);
        let empty = Rows { ints: vec![], floats: vec![], bools: vec![], texts: vec![] };
        let mut got = frame_serialized(1, &r);
        prop_assert!(same_frame(&got, &expected));
        for muts in rounds {
            for m in muts { apply_frame(&mut got, m); }
            got = frame_serialized(1, &empty);
            prop_assert!(same_frame(&got, &expected), "hit {:?} != first {:?}", got, expected);
        }
        prop_assert_eq!(FRAME_RUNS.load(Ordering::SeqCst) - runs, 1);
    }

    #[cfg(feature = "polars")]
    #[test]
    fn frames_are_isolated_with_clone_storage(
        r in rows(),
        rounds in proptest::collection::vec(proptest::collection::vec(frame_mut(), 0..5), 1..4),
    ) {
        frame_clone::clear();
        let runs = FRAME_CLONE_RUNS.load(Ordering::SeqCst);
        let expected = frame(&r);
        let empty = Rows { ints: vec![], floats: vec![], bools: vec![], texts: vec![] };
        let mut got = frame_clone(1, &r);
        prop_assert!(same_frame(&got, &expected));
        // Two hits alive at once, mutated alternately, never see each other's writes.
        let mut other = frame_clone(1, &empty);
        for muts in rounds {
            for m in &muts { apply_frame(&mut got, *m); }
            prop_assert!(same_frame(&other, &expected), "a live copy changed under a neighbour's write");
            for m in muts { apply_frame(&mut other, m); }
            got = frame_clone(1, &empty);
            prop_assert!(same_frame(&got, &expected), "hit {:?} != first {:?}", got, expected);
            other = frame_clone(1, &empty);
        }
        prop_assert_eq!(FRAME_CLONE_RUNS.load(Ordering::SeqCst) - runs, 1);
    }
}

#[test]
fn test_mutate_return() {
    // Streamlit: r1 mutated to [1, 1]; r2 is still [0, 1].
    #[memo]
    fn f() -> Vec<i32> {
        vec![0, 1]
    }
    let mut r1 = f();
    r1[0] = 1;
    let r2 = f();
    assert_eq!(r1, [1, 1]);
    assert_eq!(r2, [0, 1]);
}
