use legacy_cache::cache;

pub struct Db;

fn ignore_db(_db: &Db) -> u64 {
    0
}

#[cache(hash_funcs(Db = ignore_db))]
pub fn in_macro(db: &Db, n: u32) -> u32 {
    println!("{:p}", db);
    n
}

#[cache(hash_funcs(Db = ignore_db))]
pub fn shadowed(db: &Db, n: u32) -> u32 {
    let db = n;
    db
}

#[cache(hash_funcs(Db = ignore_db))]
pub fn collides(db: &Db, _db: u32) -> u32 {
    _db
}

#[cache(hash_funcs(Db = ignore_db))]
pub fn inline_fmt(db: &Db) -> String {
    format!("{db:p}")
}

#[cache(hash_funcs(Db = ignore_db))]
pub fn no_param_of_type(n: u32) -> u32 {
    n
}

#[cache(hash_funcs(Db = external::hash_db))]
pub fn unknown_func(db: &Db) -> u32 {
    1
}
