use memo::memo;

#[memo(max_entries = 0)]
fn f(x: u32) -> u32 {
    x
}

fn main() {}
