//! Model-based test of [`Store`]: random operation sequences run against the real store (under a
//! per-thread [`MockClock`]) and against the deliberately naive reference model
//! [`cache_store::testing::Model`] (a `Vec` in recency order, each entry carrying its insertion
//! time). After every operation the two must agree on the returned value, on which values were
//! released (`on_release`, in order), on the hit/miss/entry/byte counters, and on which keys are
//! live.
//!
//! What the model encodes (the semantics of the `cachetools.TTLCache` behind Streamlit's
//! `cache_data` and `cache_resource`, in memory and for `persist = "disk"`, with either eviction
//! policy):
//! - TTL is measured from insertion; an entry whose age is `>= ttl` is a miss;
//! - a read refreshes recency (LRU: moves to the back; CLOCK: the referenced flag) but not the
//!   TTL;
//! - inserting a new key into a full store evicts the least recently used entry (LRU) or the
//!   first unreferenced one in insertion order, referenced ones getting a second chance (CLOCK);
//! - every value that leaves the store (expiry, eviction, replacement, remove, clear, sweep,
//!   failed validation) is passed to `on_release` exactly once.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cache_store::clock::MockClock;
use cache_store::testing::Model;
use cache_store::{Computed, Eviction, Got, Stats, Store, StoreConfig};
use proptest::prelude::*;

/// Values are unique per case, so "released exactly once" can be checked by value.
type V = u64;

fn weigh(v: &V) -> usize {
    (*v % 7) as usize + 1
}

#[derive(Debug, Clone)]
enum Outcome {
    /// The computation returns a value and stores it.
    Store,
    /// The computation returns a value but stores nothing.
    Uncached,
    /// The computation fails.
    Fail,
}

#[derive(Debug, Clone)]
enum Op {
    Get(u8),
    /// `Store::hit_with`: the shared-lock hit alone.
    HitWith(u8),
    Insert(u8),
    InsertAged(u8, u64),
    GetOrCompute {
        key: u8,
        validate: Option<bool>,
        outcome: Outcome,
    },
    Remove(u8),
    Contains(u8),
    Clear,
    Sweep,
    Advance(u64),
}

fn op() -> impl Strategy<Value = Op> {
    let key = 0u8..6;
    let outcome = prop_oneof![
        6 => Just(Outcome::Store),
        1 => Just(Outcome::Uncached),
        1 => Just(Outcome::Fail),
    ];
    prop_oneof![
        4 => key.clone().prop_map(Op::Get),
        2 => key.clone().prop_map(Op::HitWith),
        3 => key.clone().prop_map(Op::Insert),
        1 => (key.clone(), 0u64..12).prop_map(|(k, a)| Op::InsertAged(k, a)),
        5 => (key.clone(), proptest::option::of(any::<bool>()), outcome)
            .prop_map(|(key, validate, outcome)| Op::GetOrCompute { key, validate, outcome }),
        1 => key.clone().prop_map(Op::Remove),
        1 => key.prop_map(Op::Contains),
        1 => Just(Op::Clear),
        1 => Just(Op::Sweep),
        3 => (0u64..6).prop_map(Op::Advance),
    ]
}

/// The store's expected counters, given the reference model and the hits and misses counted
/// alongside it.
fn expected_stats(model: &Model<V>, hits: u64, misses: u64) -> Stats {
    Stats {
        hits,
        misses,
        entries: model.len(),
        stored_bytes: model.values().map(weigh).sum(),
    }
}

fn run(
    ttl: Option<u64>,
    max: Option<usize>,
    eviction: Eviction,
    ops: Vec<Op>,
) -> Result<(), TestCaseError> {
    let clock = MockClock::install();
    let released = Arc::new(Mutex::new(Vec::<V>::new()));
    let sink = Arc::clone(&released);
    let store: Store<V> = Store::new(StoreConfig {
        ttl: ttl.map(Duration::from_secs),
        max_entries: max,
        eviction,
        weigh,
        on_release: Some(Box::new(move |v| sink.lock().unwrap().push(v))),
    });
    let mut model: Model<V> = Model::with_eviction(ttl, max, eviction);
    let (mut hits, mut misses) = (0u64, 0u64);
    // Every value the model says departed so far, in order.
    let mut model_released: Vec<V> = Vec::new();
    let mut next_value: V = 1;
    let mut fresh = || {
        next_value += 1;
        next_value
    };
    let mut everything_stored = Vec::new();

    for (step, op) in ops.iter().enumerate() {
        match op.clone() {
            Op::Get(k) => {
                let k = k as u128;
                let expected = model.lookup(&k).copied();
                if expected.is_some() {
                    hits += 1;
                } else {
                    misses += 1;
                }
                prop_assert_eq!(store.get(k), expected, "step {}: {:?}", step, op);
            }
            Op::HitWith(k) => {
                let k = k as u128;
                // Answered under the shared lock: a live entry of a store whose hits do not
                // reorder (all but bounded LRU); anything else is left, uncounted, to the
                // exclusive path.
                let shared = max.is_none() || eviction == Eviction::Clock;
                let expected = if shared && model.contains(&k) {
                    hits += 1;
                    model.lookup(&k).copied()
                } else {
                    None
                };
                prop_assert_eq!(
                    store.hit_with(k, |v| *v),
                    expected,
                    "step {}: {:?}",
                    step,
                    op
                );
            }
            Op::Insert(k) => {
                let v = fresh();
                everything_stored.push(v);
                model.insert(k as u128, v);
                store.insert(k as u128, v);
            }
            Op::InsertAged(k, age) => {
                let v = fresh();
                everything_stored.push(v);
                model.insert_aged(k as u128, v, age);
                store.insert_aged(k as u128, v, Duration::from_secs(age));
            }
            Op::GetOrCompute {
                key,
                validate,
                outcome,
            } => {
                let k = key as u128;
                let v = fresh();
                // Model.
                let mut expected_validate_calls = Vec::new();
                let expected = loop {
                    match model.lookup(&k).copied() {
                        Some(hit) => {
                            if let Some(ok) = validate {
                                expected_validate_calls.push(hit);
                                if !ok {
                                    prop_assert!(model.remove(&k), "just looked up");
                                    continue;
                                }
                            }
                            hits += 1;
                            break Ok(Got::Hit(hit));
                        }
                        None => {
                            misses += 1;
                            break match outcome {
                                Outcome::Store => {
                                    model.insert(k, v);
                                    Ok(Got::Computed(v))
                                }
                                Outcome::Uncached => Ok(Got::Computed(v)),
                                Outcome::Fail => Err("failed"),
                            };
                        }
                    }
                };
                // Store.
                let seen = std::cell::RefCell::new(Vec::new());
                let validator = |x: &V| {
                    seen.borrow_mut().push(*x);
                    validate.unwrap_or(true)
                };
                let computed_runs = std::cell::Cell::new(0);
                let got = store.get_or_compute(
                    k,
                    validate.map(|_| &validator as &dyn Fn(&V) -> bool),
                    || {
                        computed_runs.set(computed_runs.get() + 1);
                        match outcome {
                            Outcome::Store => Ok(Computed::cache(v, v)),
                            Outcome::Uncached => Ok(Computed::uncached(v)),
                            Outcome::Fail => Err("failed"),
                        }
                    },
                );
                if matches!(outcome, Outcome::Store) && computed_runs.get() == 1 {
                    everything_stored.push(v);
                }
                prop_assert_eq!(&got, &expected, "step {}: {:?}", step, op);
                prop_assert_eq!(
                    computed_runs.get(),
                    usize::from(!matches!(expected, Ok(Got::Hit(_)))),
                    "the computation runs exactly on misses"
                );
                prop_assert_eq!(
                    seen.into_inner(),
                    expected_validate_calls,
                    "validate runs once per hit, with the cached value, never on the computed one"
                );
            }
            Op::Remove(k) => {
                let k = k as u128;
                let expected = model.remove(&k);
                prop_assert_eq!(store.remove(k), expected);
            }
            Op::Contains(k) => {
                let k = k as u128;
                prop_assert_eq!(store.contains(k), model.contains(&k));
            }
            Op::Clear => {
                model.clear();
                store.clear();
            }
            Op::Sweep => {
                model.sweep();
                store.sweep();
            }
            Op::Advance(s) => {
                model.advance(s);
                clock.advance(Duration::from_secs(s));
            }
        }
        model_released.extend(model.take_departed());
        prop_assert_eq!(
            &*released.lock().unwrap(),
            &model_released,
            "step {}: on_release calls after {:?}",
            step,
            op
        );
        prop_assert_eq!(
            store.stats(),
            expected_stats(&model, hits, misses),
            "step {}: stats after {:?}",
            step,
            op
        );
    }

    // Everything still stored departs on clear: over the whole run, every stored value was
    // released exactly once.
    store.clear();
    let mut all_released = released.lock().unwrap().clone();
    all_released.sort_unstable();
    let before_dedup = all_released.len();
    all_released.dedup();
    prop_assert_eq!(
        before_dedup,
        all_released.len(),
        "a value was released twice"
    );
    everything_stored.sort_unstable();
    prop_assert_eq!(all_released, everything_stored);
    MockClock::uninstall();
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn lru_store_matches_reference_model(
        ttl in proptest::option::of(1u64..10),
        max in proptest::option::of(1usize..5),
        ops in proptest::collection::vec(op(), 1..60),
    ) {
        run(ttl, max, Eviction::Lru, ops)?;
    }

    #[test]
    fn clock_store_matches_reference_model(
        ttl in proptest::option::of(1u64..10),
        max in proptest::option::of(1usize..5),
        ops in proptest::collection::vec(op(), 1..60),
    ) {
        run(ttl, max, Eviction::Clock, ops)?;
    }
}

/// Both policies with a bound of 0, which the macros reject but `StoreConfig` allows: every
/// value departs as it arrives.
#[test]
fn a_zero_bound_keeps_nothing_under_either_policy() {
    for eviction in [Eviction::Lru, Eviction::Clock] {
        let ops = vec![
            Op::Insert(1),
            Op::Get(1),
            Op::GetOrCompute {
                key: 1,
                validate: None,
                outcome: Outcome::Store,
            },
            Op::Insert(2),
        ];
        run(None, Some(0), eviction, ops).unwrap();
    }
}

#[test]
fn ttl_is_from_insertion_and_reads_do_not_refresh_it() {
    let clock = MockClock::install();
    let store: Store<u8> = Store::new(StoreConfig {
        ttl: Some(Duration::from_secs(10)),
        ..StoreConfig::default()
    });
    store.insert(1, 7);
    for _ in 0..9 {
        clock.advance(Duration::from_secs(1));
        assert_eq!(store.get(1), Some(7), "read before the TTL");
    }
    clock.advance(Duration::from_secs(1));
    assert_eq!(store.get(1), None, "10 s after insertion, despite 9 reads");
    MockClock::uninstall();
}

#[test]
fn reads_refresh_lru_recency() {
    let store: Store<u8> = Store::new(StoreConfig {
        max_entries: Some(2),
        ..StoreConfig::default()
    });
    assert_eq!(StoreConfig::<u8>::default().eviction, Eviction::Lru);
    store.insert(1, 1);
    store.insert(2, 2);
    assert_eq!(store.get(1), Some(1)); // 1 is now the most recent
    store.insert(3, 3); // evicts 2, the least recently used
    assert!(store.contains(1));
    assert!(!store.contains(2));
    assert!(store.contains(3));
}

#[test]
fn clock_evicts_in_insertion_order_among_entries_all_read() {
    let clock_store = |eviction| {
        let store: Store<u8> = Store::new(StoreConfig {
            max_entries: Some(2),
            eviction,
            ..StoreConfig::default()
        });
        store.insert(1, 1);
        store.insert(2, 2);
        assert_eq!(store.get(2), Some(2));
        assert_eq!(store.get(1), Some(1));
        store.insert(3, 3);
        (store.contains(1), store.contains(2), store.contains(3))
    };
    assert_eq!(
        clock_store(Eviction::Lru),
        (true, false, true),
        "LRU: 2 was read least recently"
    );
    assert_eq!(
        clock_store(Eviction::Clock),
        (false, true, true),
        "CLOCK: both were read, so the first inserted goes"
    );
}

#[test]
fn stats_count_hits_misses_entries_and_bytes() {
    let store: Store<Vec<u8>> = Store::new(StoreConfig {
        weigh: Vec::len,
        ..StoreConfig::default()
    });
    assert_eq!(store.get(1), None);
    let r = store.get_or_compute(1, None, || Ok::<_, ()>(Computed::cache(3, vec![0; 3])));
    assert_eq!(r, Ok(Got::Computed(3)));
    let r = store.get_or_compute(1, None, || Ok::<_, ()>(Computed::cache(0, vec![])));
    assert_eq!(r, Ok(Got::Hit(vec![0; 3])));
    store.insert(2, vec![0; 5]);
    assert_eq!(
        store.stats(),
        Stats {
            hits: 1,
            misses: 2,
            entries: 2,
            stored_bytes: 8
        }
    );
    store.remove(1);
    assert_eq!(store.stats().stored_bytes, 5);
    store.clear();
    assert_eq!(store.stats().stored_bytes, 0);
    assert_eq!(store.stats().entries, 0);
}
