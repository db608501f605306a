//! Migration follows the macros' own attribute grammar (`cache_codegen::grammar`) and type
//! matching (`cache_codegen::type_matches`), so what it writes is what the macros accept.

use migrate::{Rule, migrate_str};

fn rules(src: &str) -> Vec<Rule> {
    migrate_str(src)
        .unwrap()
        .findings
        .iter()
        .map(|f| f.rule)
        .collect()
}

#[test]
fn in_impl_is_a_known_option_and_carries_over() {
    let src = "struct S;\nimpl S {\n    #[legacy_cache::cache(in_impl)]\n    fn f(n: u32) -> u32 { n }\n}\n";
    let a = migrate_str(src).unwrap();
    assert!(
        a.output.contains("#[memo::memo(in_impl)]"),
        "{}\n{:?}",
        a.output,
        a.findings
    );
    assert_eq!(a.kept_sites, 0);
}

#[test]
fn every_option_the_legacy_macro_accepts_is_known() {
    for name in cache_codegen::grammar::accepted(cache_codegen::grammar::Attr::Legacy) {
        let src = format!("#[legacy_cache::cache({name})]\nfn f(n: u32) -> u32 {{ n }}\n");
        let a = migrate_str(&src).unwrap();
        let unknown = a
            .findings
            .iter()
            .any(|f| f.message.contains("unknown legacy cache option"));
        assert!(!unknown, "{name}: {:?}", a.findings);
    }
}

#[test]
fn a_shorter_path_matches_the_parameter_type() {
    let src = "fn k(_c: &a::b::Conn) -> u8 { 0 }\n#[legacy_cache::cache(hash_funcs(b::Conn = k))]\nfn f(c: &a::b::Conn) -> u32 { let _ = c; 1 }\n";
    let a = migrate_str(src).unwrap();
    assert!(
        a.output
            .contains("#[memo::memo]\nfn f(_c: &a::b::Conn) -> u32 { let _ = _c; 1 }"),
        "{}\n{:?}",
        a.output,
        a.findings
    );
    assert!(!rules(src).contains(&Rule::HashFuncsKept));
}

#[test]
fn an_entry_matching_only_the_return_type_is_dropped() {
    let src = "fn my_hash(v: &[u8]) -> usize { v.len() }\n#[legacy_cache::cache(hash_funcs(Vec<u8> = my_hash))]\nfn f(x: u64) -> Vec<u8> { x.to_le_bytes().to_vec() }\n";
    let a = migrate_str(src).unwrap();
    assert!(
        a.output.contains("#[memo::memo]\nfn f(x: u64)"),
        "{}",
        a.output
    );
    let dropped: Vec<_> = a
        .findings
        .iter()
        .filter(|f| f.rule == Rule::HashFuncsDropped)
        .collect();
    assert_eq!(dropped.len(), 1, "{:?}", a.findings);
    assert!(dropped[0].message.contains("return value"), "{dropped:?}");
}

#[test]
fn an_entry_for_a_matching_and_an_unmatched_type_keeps_only_the_match() {
    let src = "fn h(c: &Conn) -> u64 { c.id }\n#[legacy_cache::cache(hash_funcs(Conn = h, Vec<u8> = h))]\nfn f(c: &Conn) -> Vec<u8> { vec![] }\n";
    let a = migrate_str(src).unwrap();
    assert!(
        a.output.contains("#[memo::memo(hash_funcs(Conn = h))]"),
        "{}",
        a.output
    );
}

#[test]
fn a_raw_underscore_parameter_gets_the_underscore_finding() {
    let src = "#[legacy_cache::cache]\nfn f(r#_trace: u32, n: u32) -> u32 { n }\n";
    let a = migrate_str(src).unwrap();
    let f = a
        .findings
        .iter()
        .find(|f| f.rule == Rule::UnderscoreParam)
        .unwrap_or_else(|| panic!("{:?}", a.findings));
    assert!(f.message.contains("`r#_trace`"), "{}", f.message);
    assert!(f.help.as_deref().unwrap_or("").contains("`trace`"), "{f:?}");
}
