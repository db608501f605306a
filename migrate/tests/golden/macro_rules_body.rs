use legacy_cache::cache;

macro_rules! cached {
    ($name:ident) => {
        #[legacy_cache::cache]
        fn $name() -> u8 { 1 }
    };
}

#[cache]
fn f() -> u8 {
    1
}
