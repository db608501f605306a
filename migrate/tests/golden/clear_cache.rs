#[legacy_cache::cache]
fn data() -> Vec<u8> {
    vec![]
}

#[legacy_cache::cache(allow_output_mutation = true)]
fn handle() -> Vec<u8> {
    vec![]
}

pub fn reset() {
    legacy_cache::clear_cache();
    if true {
        legacy_cache::clear_cache()
    }
    let _ = legacy_cache::clear_cache();
}
