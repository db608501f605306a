use std::sync::{Arc, Mutex};

use memo::memo;

#[memo(storage = "clone")]
fn shared(x: u32) -> Arc<Mutex<u32>> {
    Arc::new(Mutex::new(x))
}

fn main() {}
