//! `on_release` hooks: one that panics for one object does not keep the others from being
//! released; the first panic reaches the caller after all ran.

use singleton::singleton;

static RELEASED: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());

fn flaky_release(v: &u8) {
    RELEASED.lock().unwrap_or_else(|e| e.into_inner()).push(*v);
    assert_ne!(*v, 1, "cannot release object 1");
}

#[singleton(on_release = flaky_release)]
fn object(x: u8) -> u8 {
    x
}

#[test]
fn one_panicking_on_release_does_not_keep_the_other_objects_from_being_released() {
    for x in [1, 2, 3] {
        object(x);
    }
    let r = std::panic::catch_unwind(object::clear);
    assert!(r.is_err(), "the hook's panic reaches the caller of clear");
    let mut released = RELEASED.lock().unwrap().clone();
    released.sort_unstable();
    assert_eq!(released, [1, 2, 3], "all three released");
    assert_eq!(object::stats().entries, 0);
}
