use memo::memo;

#[memo(persist = "redis")]
fn shared(x: u32) -> u32 {
    x + 1
}

fn main() {
    shared(1);
}
