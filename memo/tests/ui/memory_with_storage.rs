use memo::memo;

#[memo(persist = "disk", storage = "clone", memory = false)]
fn f(x: u32) -> u32 {
    x
}

fn main() {}
