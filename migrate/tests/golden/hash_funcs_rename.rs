use legacy_cache::cache;

pub struct Db;
pub struct Session;
pub struct Row<'a> {
    db: &'a Db,
}

fn ignore_db(_db: &Db) -> u64 {
    0
}

fn ignore_session(_s: &Session) -> u64 {
    IGNORED
}
const IGNORED: u64 = 7;

fn real_hash(s: &String) -> u64 {
    s.len() as u64
}

#[cache(hash_funcs(Db = ignore_db, String = real_hash), ttl = 10)]
pub fn query(db: &Db, sql: String) -> Vec<String> {
    let row = Row { db };
    let n = run(db, &sql);
    let f = || db;
    vec![format!("{}", n)]
}

#[cache(hash_funcs(Session = self::ignore_session))]
pub fn fetch(mut session: Session, key: u32) -> u32 {
    session = Session;
    key
}

fn run(_d: &Db, _s: &str) -> usize {
    0
}
