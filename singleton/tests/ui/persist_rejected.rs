use singleton::singleton;

struct Pool;

#[singleton(persist = true)]
fn pool(url: &str) -> Pool {
    let _ = url;
    Pool
}

fn main() {}
