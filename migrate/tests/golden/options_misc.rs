use legacy_cache::cache;

const MUTABLE: bool = true;

#[cache(sampling = false, ttl = 1.5)]
fn sampled() -> Vec<u8> {
    vec![]
}

#[cache(allow_output_mutation = MUTABLE)]
fn not_literal() -> Vec<u8> {
    vec![]
}

#[cache(frobnicate = 3)]
fn unknown() -> u8 {
    1
}

#[cache(ttl = 1, ttl = 2)]
fn twice() -> u8 {
    1
}

#[cache]
struct NotAFunction;

pub trait T {
    #[cache]
    fn in_trait(&self) -> u8;
}
