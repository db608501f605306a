use legacy_cache::cache as cached_fn;
use legacy_cache as lc;
use std::{collections::HashMap, fmt};

#[cached_fn(ttl = 5)]
fn aliased(x: u32) -> u32 {
    x
}

#[lc::cache(allow_output_mutation = true)]
fn crate_alias() -> HashMap<u32, u32> {
    HashMap::new()
}

#[::legacy_cache::cache(max_entries = 2)]
fn leading_colon(s: String) -> String {
    s
}

pub fn show(f: &mut fmt::Formatter<'_>) -> fmt::Result {
    write!(f, "{}", aliased(1))
}
