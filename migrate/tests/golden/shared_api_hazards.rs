//! Uses of a result that only `Shared<T>` supports: every function here but `plain` keeps the
//! legacy cache, because its rewrite would not compile.
use legacy_cache::{cache, Shared};

#[cache]
fn cloned(n: u32) -> Vec<u32> {
    (0..n).collect()
}

#[cache(allow_output_mutation = true)]
fn counters(n: u32) -> Vec<u32> {
    vec![0; n as usize]
}

#[cache]
fn paired(n: u32) -> Vec<u32> {
    vec![n]
}

#[cache]
fn identity(n: u32) -> Vec<u32> {
    vec![n]
}

#[cache]
fn fallible(n: u32) -> Vec<u32> {
    vec![n]
}

#[cache]
fn reread(n: u32) -> Vec<u32> {
    vec![n]
}

#[cache]
fn snap(n: u32) -> Vec<u32> {
    vec![n]
}

#[cache]
fn assigned(n: u32) -> Vec<u32> {
    vec![n]
}

#[cache]
fn plain(n: u32) -> u32 {
    n
}

pub fn through_a_clone() {
    let h = cloned(3);
    let mut h2 = h.clone();
    h2.mutate(|v| v.push(1));
}

pub fn try_mutate() -> Option<()> {
    let mut c = counters(2);
    c.try_mutate(|v| v[0] += 1)
}

pub fn destructured() {
    let (mut n, _) = (paired(1), 1);
    n.mutate(|v| v.clear());
}

pub fn same_object() -> bool {
    Shared::ptr_eq(&identity(1), &identity(1))
}

pub fn companion() -> usize {
    match try_fallible(4) {
        Ok(v) => v.len(),
        Err(_) => 0,
    }
}

pub fn refreshed() -> usize {
    let mut r = reread(1);
    r.refresh();
    r.len()
}

pub fn snapshot() -> std::sync::Arc<Vec<u32>> {
    std::sync::Arc::clone(snap(1).snapshot())
}

pub fn assigned_later() {
    let mut a;
    a = assigned(2);
    a.mutate(|v| v.push(2));
}

pub fn unaffected() -> String {
    plain(1).to_string()
}
