use memo::memo;

struct Pool;

fn hash_pool(_: &Pool) -> u8 {
    0
}

#[memo(hash_funcs(Pool = hash_pool))]
fn f(x: u32) -> u32 {
    x
}

fn main() {}
