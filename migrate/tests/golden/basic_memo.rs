use legacy_cache::cache;

/// Loads rows; the comment below must survive.
#[cache(persist = true, ttl = 3600, suppress_st_warning = true)]
pub fn load(n: u32) -> Vec<u32> {
    (0..n).collect() // keep me
}

#[cache(persist = false, show_spinner = "Loading...", max_entries = 10)]
pub fn names() -> Vec<String> {
    vec![]
}

#[cache]
fn plain(x: i64) -> i64 {
    x * 2
}
