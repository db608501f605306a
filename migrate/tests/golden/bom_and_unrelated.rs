// A file with a byte-order mark.
use legacy_cache::cache;

#[cache(ttl = 2)] fn f() -> u8 { 1 }

#[cached::proc_macro::cached]
fn other_crate() -> u8 { 2 }
