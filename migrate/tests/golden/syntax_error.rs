use legacy_cache::cache;

#[cache]
fn broken( -> u8 {
    1
}
