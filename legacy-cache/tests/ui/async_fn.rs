use legacy_cache::cache;

// The legacy cache has no async support; the error points at the attributes that have it.
#[cache]
async fn f(x: u32) -> u32 {
    x
}

fn main() {}
