use std::cell::RefCell;

use singleton::singleton;

#[singleton]
fn counter(start: u32) -> RefCell<u32> {
    RefCell::new(start)
}

fn main() {}
