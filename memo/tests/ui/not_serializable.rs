use memo::memo;

struct Report {
    total: u64,
}

#[memo]
fn report(x: u64) -> Report {
    Report { total: x }
}

fn main() {
    let _ = report(1).total;
}
