use memo::memo;

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Point {
    x: u32,
}

impl Point {
    #[memo]
    fn origin(x: u32) -> Self {
        Point { x }
    }
}

fn main() {}
