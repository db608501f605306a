use cache_key::CacheKey;

#[derive(CacheKey)]
union Bits {
    i: u32,
    f: f32,
}

fn main() {}
