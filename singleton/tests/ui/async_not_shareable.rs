use std::cell::Cell;

use singleton::singleton;

// An async singleton's value must still be thread-safe: one error, ours.
#[singleton]
async fn counter() -> Cell<u32> {
    Cell::new(0)
}

fn main() {}
