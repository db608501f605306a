use cache_key::CacheKey;

#[derive(CacheKey)]
struct Query {
    table: String,
    #[cache_key(skip)]
    limit: u32,
}

fn main() {}
