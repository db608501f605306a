use singleton::singleton;

struct Config;

#[singleton]
fn client(config: Config) -> String {
    let _ = config;
    String::new()
}

fn main() {}
