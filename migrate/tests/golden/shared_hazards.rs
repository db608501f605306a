use legacy_cache::{cache, Shared};

#[cache]
fn rows(n: u32) -> Vec<u32> {
    (0..n).collect()
}

#[cache]
fn totals(n: u32) -> Vec<u32> {
    (0..n).collect()
}

#[cache]
fn labels(n: u32) -> Vec<String> {
    vec![n.to_string()]
}

#[cache]
fn untouched(n: u32) -> u32 {
    n
}

pub fn mutate_direct() {
    rows(3).mutate(|v| v.push(1));
}

pub fn mutate_bound() {
    let mut t = totals(3);
    t.mutate(|v| v.clear());
}

pub fn typed() -> usize {
    let l: Shared<Vec<String>> = labels(2);
    l.len()
}

pub fn param(x: &legacy_cache::Shared<Vec<u32>>) -> usize {
    x.len() + untouched(1).to_string().len()
}

pub fn reset() {
    legacy_cache::clear_cache();
}
