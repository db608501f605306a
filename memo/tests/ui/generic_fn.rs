use memo::memo;

#[memo]
fn f<T: Clone>(x: T) -> T {
    x
}

fn main() {}
