use memo::memo;

#[memo(skip_self)]
fn f(x: u32) -> u32 {
    x
}

fn main() {}
