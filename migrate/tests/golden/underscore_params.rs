use legacy_cache::cache;

#[cache]
fn lookup(_conn_id: u64, key: String, _: u8) -> String {
    key
}

#[cache(allow_output_mutation = true)]
fn shared(_seed: u64) -> Vec<u64> {
    vec![]
}
