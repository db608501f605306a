use legacy_cache::cache;

mod a {
    pub mod b {
        pub struct Conn;
    }
}

fn no_key(_c: &a::b::Conn) -> u8 {
    0
}

fn my_hash(v: &[u8]) -> usize {
    v.len()
}

pub struct Store;

impl Store {
    // Accepted by all three attributes: carried over.
    #[cache(in_impl, max_entries = 4)]
    fn size(n: u32) -> u64 {
        u64::from(n)
    }
}

// `b::Conn` names `a::b::Conn`, as the macros match types.
#[cache(hash_funcs(b::Conn = no_key))]
pub fn query(c: &a::b::Conn, n: u32) -> u32 {
    let _ = c;
    n
}

// Matches the return type only: #[memo] would reject the entry.
#[cache(hash_funcs(Vec<u8> = my_hash))]
pub fn bytes(x: u64) -> Vec<u8> {
    x.to_le_bytes().to_vec()
}

// Matches an `_` parameter only, which #[memo] does not hash.
#[cache(hash_funcs(Vec<u8> = my_hash))]
pub fn ignored(_buf: Vec<u8>, n: u32) -> u32 {
    n
}

// A raw identifier starting with `_` is not hashed by #[memo] either.
#[cache]
pub fn traced(r#_trace: u32, n: u32) -> u32 {
    n
}
