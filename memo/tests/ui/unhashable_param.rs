use memo::memo;

struct Connection;

#[memo]
fn query(sql: &str, conn: &Connection) -> u64 {
    let _ = conn;
    sql.len() as u64
}

fn main() {}
