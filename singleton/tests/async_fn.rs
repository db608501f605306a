//! `#[singleton]` on `async fn`: one shared object per key across tasks, `validate` and
//! `on_release`, `Result` returns, hand-over when the creating task is cancelled, and `Send`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use cache_store::testing::bounded;
use singleton::singleton;

fn multi_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_time()
        .build()
        .expect("tokio runtime")
}

struct Client {
    url: String,
    healthy: AtomicBool,
}

static CREATED: AtomicUsize = AtomicUsize::new(0);
static RELEASED: AtomicUsize = AtomicUsize::new(0);

fn healthy(c: &Client) -> bool {
    c.healthy.load(Ordering::SeqCst)
}

fn release(_: &Client) {
    RELEASED.fetch_add(1, Ordering::SeqCst);
}

#[singleton(validate = healthy, on_release = release, show_spinner = false)]
async fn client(url: &str) -> Client {
    CREATED.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(30)).await;
    Client {
        url: url.to_string(),
        healthy: AtomicBool::new(true),
    }
}

#[test]
fn concurrent_tasks_share_one_object_and_validate_replaces_it() {
    bounded(Duration::from_secs(30), || {
        multi_thread().block_on(async {
            let tasks: Vec<_> = (0..1_000)
                .map(|_| tokio::spawn(async { client("db://a").await }))
                .collect();
            let mut all = Vec::new();
            for t in tasks {
                all.push(t.await.expect("no task panics"));
            }
            assert_eq!(CREATED.load(Ordering::SeqCst), 1, "created once");
            assert!(all.iter().all(|c| Arc::ptr_eq(c, &all[0])));
            assert_eq!(all[0].url, "db://a");

            // A failed validation drops the object (releasing it) and creates a new one.
            all[0].healthy.store(false, Ordering::SeqCst);
            let fresh = client("db://a").await;
            assert!(!Arc::ptr_eq(&fresh, &all[0]));
            assert_eq!(CREATED.load(Ordering::SeqCst), 2);
            assert_eq!(RELEASED.load(Ordering::SeqCst), 1);
            client::clear();
            assert_eq!(RELEASED.load(Ordering::SeqCst), 2);
        });
    });
}

#[test]
fn results_methods_and_cancelled_creators() {
    static ATTEMPTS: AtomicUsize = AtomicUsize::new(0);

    #[singleton]
    async fn session(user: u32) -> Result<String, String> {
        if ATTEMPTS.fetch_add(1, Ordering::SeqCst) == 0 {
            // The first creator never finishes; its caller times out.
            std::future::pending::<()>().await;
        }
        if user == 0 {
            return Err("no user 0".into());
        }
        Ok(format!("session-{user}"))
    }

    struct Registry;
    impl Registry {
        #[singleton(skip_self)]
        async fn named(&self, name: String) -> String {
            tokio::task::yield_now().await;
            name.to_uppercase()
        }
    }

    bounded(Duration::from_secs(30), || {
        multi_thread().block_on(async {
            let creator =
                tokio::spawn(tokio::time::timeout(Duration::from_millis(100), session(7)));
            while ATTEMPTS.load(Ordering::SeqCst) == 0 {
                tokio::task::yield_now().await;
            }
            let waiters: Vec<_> = (0..4).map(|_| tokio::spawn(session(7))).collect();
            assert!(creator.await.unwrap().is_err(), "timed out");
            let mut got = Vec::new();
            for w in waiters {
                got.push(w.await.unwrap().expect("Ok"));
            }
            assert!(got.iter().all(|s| Arc::ptr_eq(s, &got[0])));
            assert_eq!(*got[0], "session-7");
            assert_eq!(ATTEMPTS.load(Ordering::SeqCst), 2, "one waiter took over");

            assert_eq!(session(0).await, Err("no user 0".to_string()));
            assert_eq!(session::stats().entries, 1, "Err is not cached");

            let r = Registry;
            let a = r.named("x".into()).await;
            assert!(Arc::ptr_eq(&a, &r.named("x".into()).await));
            assert_eq!(Registry::named_stats().hits, 1);
        });
    });
}

#[test]
fn the_future_is_send_when_arguments_and_body_are() {
    #[singleton]
    async fn conn(url: String, _retries: u8) -> Vec<String> {
        tokio::task::yield_now().await;
        vec![url]
    }

    fn assert_send<F: std::future::Future + Send + 'static>(f: F) -> F {
        f
    }
    let fut = assert_send(conn("db://send".into(), 3));
    let c = multi_thread().block_on(async { tokio::spawn(fut).await.unwrap() });
    assert_eq!(*c, ["db://send"]);
    // The same object under `futures::executor::block_on`, with no runtime at all.
    let again = futures::executor::block_on(conn("db://send".into(), 0));
    assert!(Arc::ptr_eq(&c, &again));
}
