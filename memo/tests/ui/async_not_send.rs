use std::rc::Rc;

use memo::memo;

// The body holds an `Rc` across an `.await`, so its future is not `Send`: spawning it on a
// multi-threaded executor is rustc's error about the body, not one from inside the cache.
#[memo]
async fn f(x: u32) -> u32 {
    let local = Rc::new(x);
    std::future::ready(()).await;
    *local
}

fn spawn<F: std::future::Future + Send + 'static>(_: F) {}

fn main() {
    spawn(f(1));
}
