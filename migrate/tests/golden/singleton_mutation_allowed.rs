use legacy_cache::cache;
use std::collections::HashMap;

#[cache(
    allow_output_mutation = true,
    persist = true,
    max_entries = 10, // bounded
    show_spinner = false,
    hash_funcs(Config = config_hash),
)]
pub fn registry(cfg: Config) -> HashMap<String, u32> {
    HashMap::new()
}

#[cache(ttl = 60, allow_output_mutation = true, suppress_st_warning = true)]
pub fn counters() -> Vec<u64> {
    Vec::new()
}

pub struct Config(u32);
fn config_hash(c: &Config) -> u64 {
    c.0 as u64
}
