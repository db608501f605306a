//! [`Store::get_or_compute_async`] cases the model test does not reach: recursion detection
//! (named store, blocking owner), a panicked computation kept alive by its executor, blocking
//! and async callers sharing one computation, and `validate` on the async path.

use std::future::Future as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use cache_store::testing::bounded;
use cache_store::{Computed, Got, Store, StoreConfig};

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[test]
fn awaiting_the_same_key_inside_its_computation_names_the_function() {
    let store: Store<u32> = Store::named("load", StoreConfig::default());
    let r = bounded(Duration::from_secs(10), move || {
        let r = catch_unwind(AssertUnwindSafe(|| {
            futures::executor::block_on(store.get_or_compute_async(1, None, || async {
                let inner = store
                    .get_or_compute_async(1, None, || async { Ok::<_, ()>(Computed::cache(0, 0)) })
                    .await;
                Ok::<_, ()>(Computed::cache(inner.is_ok() as u32, 1))
            }))
        }));
        (r.map_err(|p| panic_message(&*p)), store.contains(1))
    });
    let (r, cached) = r;
    let msg = r.expect_err("a panic, not a hang");
    assert!(
        msg.contains("`load()` called itself with the same arguments"),
        "{msg}"
    );
    assert!(!cached);
}

#[test]
fn the_blocking_path_names_the_function_too() {
    let store: Store<u32> = Store::named("parse", StoreConfig::default());
    let r = catch_unwind(AssertUnwindSafe(|| {
        store.get_or_compute(3, None, || {
            let inner = store.get_or_compute(3, None, || Ok::<_, ()>(Computed::cache(1, 1)));
            Ok::<_, ()>(Computed::cache(inner.is_ok() as u32, 0))
        })
    }));
    let msg = panic_message(&*r.expect_err("re-entry panics"));
    assert!(msg.contains("`parse()` called itself"), "{msg}");
}

#[test]
fn a_panicked_computation_kept_alive_by_its_executor_still_hands_over() {
    let store: Store<u32> = Store::new(StoreConfig::default());
    let mut cx = Context::from_waker(Waker::noop());
    let mut owner = pin!(store.get_or_compute_async(5, None, || async {
        panic!("boom");
        #[allow(unreachable_code)]
        Ok::<_, ()>(Computed::cache(0, 0))
    }));
    // An executor that catches the panic and keeps the future (some do, until the task is
    // dropped): the key must be free anyway.
    let caught = catch_unwind(AssertUnwindSafe(|| owner.as_mut().poll(&mut cx)));
    assert!(caught.is_err());
    let mut next =
        pin!(store.get_or_compute_async(5, None, || async { Ok::<_, ()>(Computed::cache(7, 7)) }));
    assert_eq!(
        next.as_mut().poll(&mut cx),
        Poll::Ready(Ok(Got::Computed(7)))
    );
}

#[test]
fn blocking_and_async_callers_share_one_computation() {
    let store: Arc<Store<u64>> = Arc::new(Store::new(StoreConfig::default()));
    let runs = Arc::new(AtomicUsize::new(0));
    bounded(Duration::from_secs(30), move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_time()
            .build()
            .unwrap();
        let (s, r) = (Arc::clone(&store), Arc::clone(&runs));
        let owner = rt.spawn(async move {
            s.get_or_compute_async(1, None, || async {
                r.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(100)).await;
                Ok::<_, ()>(Computed::cache(11, 11))
            })
            .await
        });
        while runs.load(Ordering::SeqCst) == 0 {
            std::thread::yield_now();
        }
        // A blocking caller waits on the same marker (condition variable) for the async owner.
        let blocking = store.get_or_compute(1, None, || -> Result<Computed<u64, u64>, ()> {
            unreachable!("the async computation is shared")
        });
        assert_eq!(blocking, Ok(Got::Hit(11)));
        assert_eq!(rt.block_on(owner).unwrap(), Ok(Got::Computed(11)));
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn validate_on_the_async_path_replaces_rejected_values() {
    let store: Store<u64> = Store::new(StoreConfig::default());
    let compute = |v: u64| move || async move { Ok::<_, ()>(Computed::cache(v, v)) };
    let reject_odd = |v: &u64| v.is_multiple_of(2);
    let b = futures::executor::block_on;
    assert_eq!(
        b(store.get_or_compute_async(1, Some(&reject_odd), compute(3))),
        Ok(Got::Computed(3))
    );
    // 3 fails validation: dropped and computed anew.
    assert_eq!(
        b(store.get_or_compute_async(1, Some(&reject_odd), compute(4))),
        Ok(Got::Computed(4))
    );
    assert_eq!(
        b(store.get_or_compute_async(1, Some(&reject_odd), compute(6))),
        Ok(Got::Hit(4))
    );
}
