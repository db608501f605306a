use legacy_cache::cache;

#[cache]
fn greeting() -> &'static str {
    "hi"
}

#[cache]
fn evens(n: u32) -> impl Iterator<Item = u32> {
    (0..n).filter(|x| x % 2 == 0)
}

#[cache]
fn callback() -> Box<dyn Fn(u32) -> u32 + Send + Sync> {
    Box::new(|x| x + 1)
}

#[cache]
fn pointer() -> fn(u32) -> u32 {
    |x| x
}
