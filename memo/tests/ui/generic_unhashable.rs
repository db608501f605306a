// A generic parameter is hashed through the bounds written on it: without `KeyHash` or
// `Serialize` among them it cannot be part of the key.
use memo::memo;

#[memo]
fn f<T>(x: T) -> u8 {
    let _ = x;
    1
}

fn main() {}
