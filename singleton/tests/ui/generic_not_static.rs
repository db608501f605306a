// A generic singleton is cached per instantiation for the whole program, and shared across
// threads: its type must be `Send + Sync + 'static`, and the error says so.
use singleton::singleton;

#[singleton]
fn make<T: Default + Send + Sync>() -> T {
    T::default()
}

fn main() {}
