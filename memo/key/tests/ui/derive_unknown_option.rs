use cache_key::CacheKey;

#[derive(CacheKey)]
#[cache_key(rename = "Q")]
struct Query {
    table: String,
}

fn main() {}
