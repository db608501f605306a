use legacy_cache::{cache, clear_cache};
use {legacy_cache::Shared, std::fmt::Debug};

#[cache]
fn a(x: u32) -> u32 {
    x
}

#[cache(allow_output_mutation = true)]
fn b(x: u32) -> Vec<u32> {
    vec![x]
}

pub fn reset() {
    clear_cache();
    let done = { clear_cache() };
    done
}

pub fn show<T: Debug>(x: Shared<T>) {
    println!("{:?}", *x);
}
