use cache_key::CacheKey;

struct Connection;

#[derive(CacheKey)]
struct Query {
    table: String,
    conn: Connection,
}

fn main() {}
