use std::rc::Rc;

use singleton::singleton;

// `Rc` is neither `Send` nor `Sync`: one error, ours.
#[singleton]
fn shared_name() -> Rc<str> {
    Rc::from("name")
}

fn main() {}
