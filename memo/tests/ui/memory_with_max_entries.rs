use memo::memo;

#[memo(persist = "disk", memory = false, max_entries = 10)]
fn f(x: u32) -> u32 {
    x
}

fn main() {}
