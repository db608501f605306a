// Generic functions are cached per instantiation, in a cache that lives for the whole program:
// a type parameter of the cached value must be `'static`, and the error says so at `T`.
use memo::memo;
use serde::Serialize;
use serde::de::DeserializeOwned;

#[memo]
fn f<T: Clone + Serialize + DeserializeOwned>(x: T) -> T {
    x
}

fn main() {}
