//! Model-based test of [`Store::get_or_compute_async`]: random interleavings of async calls,
//! computations that finish, fail or panic, cancelled callers (computing or waiting), clears and
//! plain reads, driven by hand (a no-op waker, every live call polled in order until nothing
//! changes) and checked against the reference model [`cache_store::testing::Model`] plus the
//! single-flight rule:
//! - a call whose key is stored returns that value (a hit);
//! - otherwise, if another live call computes the key, it waits;
//! - otherwise it computes: at most one computation per key at any time;
//! - a computation that finishes stores its value and answers its caller; one that fails,
//!   panics or whose caller is dropped stores nothing, and the next waiter polled computes.
//!
//! Released values (`on_release`), hit and miss counters and entries are compared after every
//! step, and at the end every key must be free (nothing left pending).

use std::cell::Cell;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use cache_store::testing::Model;
use cache_store::{Computed, Eviction, Got, Store, StoreConfig};
use proptest::prelude::*;

type V = u64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Value,
    Fail,
    Panic,
}

#[derive(Debug, Clone)]
enum Op {
    /// A new call on this key.
    Call(u8),
    /// The computation of the n-th live call (modulo), if it computes, ends this way.
    Finish(usize, Outcome),
    /// The n-th live call (modulo) is dropped.
    Cancel(usize),
    Clear,
    Get(u8),
}

fn op() -> impl Strategy<Value = Op> {
    let outcome = prop_oneof![
        4 => Just(Outcome::Value),
        1 => Just(Outcome::Fail),
        1 => Just(Outcome::Panic),
    ];
    prop_oneof![
        5 => (0u8..3).prop_map(Op::Call),
        4 => (0usize..8, outcome).prop_map(|(i, o)| Op::Finish(i, o)),
        2 => (0usize..8).prop_map(Op::Cancel),
        1 => Just(Op::Clear),
        2 => (0u8..3).prop_map(Op::Get),
    ]
}

thread_local! {
    /// Set while this test provokes panics on purpose, to keep their messages out of the log.
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

fn quiet_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                default(info);
            }
        }));
    });
}

/// How a call's computation ends, once the test decides: `None` keeps it open.
type Gate = Rc<Cell<Option<(Outcome, V)>>>;

type CallFuture<'a> = Pin<Box<dyn Future<Output = Result<Got<V, V>, ()>> + 'a>>;

struct Call<'a> {
    key: u128,
    /// How its computation (if it runs one) ends, once the test decides: `None` keeps it open.
    gate: Gate,
    fut: CallFuture<'a>,
}

/// A computation that stays open until its gate is set.
fn gated(gate: Gate) -> impl Future<Output = Result<Computed<V, V>, ()>> {
    std::future::poll_fn(move |_| match gate.get() {
        None => Poll::Pending,
        Some((Outcome::Value, v)) => Poll::Ready(Ok(Computed::cache(v, v))),
        Some((Outcome::Fail, _)) => Poll::Ready(Err(())),
        Some((Outcome::Panic, _)) => panic!("computation panics"),
    })
}

fn run(max: Option<usize>, eviction: Eviction, ops: Vec<Op>) -> Result<(), TestCaseError> {
    quiet_panics();
    let released = Arc::new(Mutex::new(Vec::<V>::new()));
    let sink = Arc::clone(&released);
    let store: Store<V> = Store::new(StoreConfig {
        max_entries: max,
        eviction,
        on_release: Some(Box::new(move |v| sink.lock().unwrap().push(v))),
        ..StoreConfig::default()
    });
    let mut model: Model<V> = Model::with_eviction(None, max, eviction);
    let mut model_released = Vec::new();
    let (mut hits, mut misses) = (0u64, 0u64);
    let mut calls: Vec<Call<'_>> = Vec::new();
    // Which live call computes each key (by the gate, which identifies a call).
    let mut computing: Vec<(u128, Gate)> = Vec::new();
    let mut next_value: V = 0;
    let mut cx = Context::from_waker(Waker::noop());

    for (step, op) in ops.iter().enumerate() {
        match op.clone() {
            Op::Call(k) => {
                let key = u128::from(k);
                let gate = Rc::new(Cell::new(None));
                let g = Rc::clone(&gate);
                let fut: CallFuture<'_> =
                    Box::pin(store.get_or_compute_async(key, None, move || gated(g)));
                calls.push(Call { key, gate, fut });
            }
            Op::Finish(i, outcome) if !calls.is_empty() => {
                let gate = &calls[i % calls.len()].gate;
                if gate.get().is_none() {
                    next_value += 1;
                    gate.set(Some((outcome, next_value)));
                }
            }
            Op::Cancel(i) if !calls.is_empty() => {
                let call = calls.remove(i % calls.len());
                computing.retain(|(_, g)| !Rc::ptr_eq(g, &call.gate));
                drop(call);
            }
            Op::Clear => {
                store.clear();
                model.clear();
            }
            Op::Get(k) => {
                let key = u128::from(k);
                let expected = model.lookup(&key).copied();
                if expected.is_some() {
                    hits += 1;
                } else {
                    misses += 1;
                }
                prop_assert_eq!(store.get(key), expected, "step {}: {:?}", step, op);
            }
            Op::Finish(..) | Op::Cancel(_) => {}
        }

        // Poll every live call, in order, until a whole round changes nothing.
        loop {
            let mut changed = false;
            let mut i = 0;
            while i < calls.len() {
                let call = &mut calls[i];
                let owner = computing
                    .iter()
                    .find(|(k, _)| *k == call.key)
                    .map(|(_, g)| Rc::clone(g));
                let is_owner = owner.as_ref().is_some_and(|g| Rc::ptr_eq(g, &call.gate));
                QUIET.with(|q| q.set(true));
                let polled = catch_unwind(AssertUnwindSafe(|| call.fut.as_mut().poll(&mut cx)));
                QUIET.with(|q| q.set(false));
                let key = call.key;
                let gate = call.gate.get();
                match (is_owner, owner.is_some(), polled) {
                    // The computing call: done when its gate is set.
                    (true, _, Ok(Poll::Pending)) => {
                        prop_assert!(
                            gate.is_none(),
                            "step {}: a finished computation is pending",
                            step
                        );
                    }
                    (true, _, Ok(Poll::Ready(r))) => {
                        match gate {
                            Some((Outcome::Value, v)) => {
                                prop_assert_eq!(r, Ok(Got::Computed(v)), "step {}", step);
                                model.insert(key, v);
                            }
                            Some((Outcome::Fail, _)) => {
                                prop_assert_eq!(r, Err(()), "step {}", step)
                            }
                            other => {
                                prop_assert!(false, "step {}: ready with gate {:?}", step, other)
                            }
                        }
                        computing.retain(|(k, _)| *k != key);
                        calls.remove(i);
                        changed = true;
                        continue;
                    }
                    (true, _, Err(_)) => {
                        prop_assert_eq!(gate.map(|g| g.0), Some(Outcome::Panic), "step {}", step);
                        computing.retain(|(k, _)| *k != key);
                        calls.remove(i);
                        changed = true;
                        continue;
                    }
                    // Another call computes this key: wait.
                    (false, true, polled) => {
                        prop_assert!(
                            matches!(polled, Ok(Poll::Pending)),
                            "step {}: a waiter did not wait",
                            step
                        );
                    }
                    // Nobody computes it: a hit, or this call's turn to compute.
                    (false, false, polled) => match model.lookup(&key).copied() {
                        Some(v) => {
                            prop_assert!(
                                matches!(polled, Ok(Poll::Ready(Ok(Got::Hit(x)))) if x == v),
                                "step {}: expected a hit of {}",
                                step,
                                v
                            );
                            hits += 1;
                            calls.remove(i);
                            changed = true;
                            continue;
                        }
                        None => {
                            misses += 1;
                            match (gate, polled) {
                                (None, Ok(Poll::Pending)) => {
                                    computing.push((key, Rc::clone(&calls[i].gate)));
                                    changed = true;
                                }
                                // Its gate was already set: the computation ends in this poll.
                                (Some((Outcome::Value, v)), Ok(Poll::Ready(r))) => {
                                    prop_assert_eq!(r, Ok(Got::Computed(v)), "step {}", step);
                                    model.insert(key, v);
                                    calls.remove(i);
                                    changed = true;
                                    continue;
                                }
                                (Some((Outcome::Fail, _)), Ok(Poll::Ready(r))) => {
                                    prop_assert_eq!(r, Err(()), "step {}", step);
                                    calls.remove(i);
                                    changed = true;
                                    continue;
                                }
                                (Some((Outcome::Panic, _)), Err(_)) => {
                                    calls.remove(i);
                                    changed = true;
                                    continue;
                                }
                                (gate, polled) => prop_assert!(
                                    false,
                                    "step {}: a call that computes with gate {:?} polled {:?}",
                                    step,
                                    gate,
                                    polled.map_err(|_| "panic")
                                ),
                            }
                        }
                    },
                }
                i += 1;
            }
            if !changed {
                break;
            }
        }

        model_released.extend(model.take_departed());
        prop_assert_eq!(
            &*released.lock().unwrap(),
            &model_released,
            "step {}: released",
            step
        );
        let stats = store.stats();
        prop_assert_eq!(
            (stats.hits, stats.misses),
            (hits, misses),
            "step {}: counters",
            step
        );
        prop_assert_eq!(stats.entries, model.len(), "step {}: entries", step);
    }

    // Dropping every call leaves no key pending: each computes at once.
    calls.clear();
    for k in 0..3u128 {
        let fresh =
            store.get_or_compute_async(k, None, || async { Ok::<_, ()>(Computed::uncached(0)) });
        let mut fresh = std::pin::pin!(fresh);
        prop_assert!(
            fresh.as_mut().poll(&mut cx).is_ready(),
            "key {} left pending",
            k
        );
    }
    Ok(())
}

#[test]
fn async_calls_agree_with_the_model() {
    // On its own thread with a time limit: a lost wake-up or a marker left behind shows as a
    // call that never settles (a poll that loops), which must fail rather than hang the suite.
    cache_store::testing::bounded(std::time::Duration::from_secs(300), || {
        let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(512));
        let strategy = (
            proptest::option::of(1usize..4),
            prop_oneof![Just(Eviction::Lru), Just(Eviction::Clock)],
            proptest::collection::vec(op(), 1..60),
        );
        if let Err(e) = runner.run(&strategy, |(max, eviction, ops)| run(max, eviction, ops)) {
            panic!("{e}");
        }
    });
}
