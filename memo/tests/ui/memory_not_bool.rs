use memo::memo;

#[memo(persist = "disk", memory = "off")]
fn f(x: u32) -> u32 {
    x
}

fn main() {}
