// The legacy attribute keeps rejecting type parameters of the function itself (methods of generic
// `impl`s and `impl Trait` parameters are supported, with one cache per instantiation).
use legacy_cache::cache;

#[cache]
fn f<T: Clone + serde::Serialize>(x: T) -> T {
    x
}

fn main() {}
