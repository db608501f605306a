use legacy_cache::cache;

#[cache]
fn visible() -> u8 {
    1
}

some_macro! {
    #[cache]
    fn hidden() -> u8 { 2 }
}
