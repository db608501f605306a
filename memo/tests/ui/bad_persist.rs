use memo::memo;

#[memo(persist = "yesplz")]
fn f(x: u32) -> u32 {
    x
}

fn main() {}
