use memo::memo;

#[memo(memory = false)]
fn f(x: u32) -> u32 {
    x
}

fn main() {}
