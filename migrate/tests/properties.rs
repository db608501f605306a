//! Property tests over generated legacy code: the output parses, a second run makes no edits,
//! bytes outside the edited spans are identical, and nothing legacy is left behind.

use proptest::prelude::*;

const SEPS: &[&str] = &[" ", "\n    ", " /* c */ ", "\n    // note\n    ", "  "];
const RETURNS: &[&str] = &[
    "u32",
    "Vec<String>",
    "Conn",
    "&'static str",
    "HashMap<String, u32>",
    "(u8, PgPool)",
    "Option<Vec<u8>>",
];

#[derive(Debug, Clone)]
struct FnSpec {
    opts: Vec<(usize, usize)>, // (option kind, value variant)
    seps: Vec<usize>,
    trailing_comma: bool,
    ret: usize,
    underscore: bool,
    db_param: bool,
    cfg_attr: bool,
    method: bool,
    clears: bool,
}

fn option_text(kind: usize, variant: usize) -> String {
    match kind {
        0 => format!("persist = {}", variant.is_multiple_of(2)),
        1 => format!("allow_output_mutation = {}", variant.is_multiple_of(2)),
        2 => [
            "show_spinner = false",
            "show_spinner = true",
            "show_spinner = \"Loading\"",
        ][variant % 3]
            .into(),
        3 => "suppress_st_warning = true".into(),
        4 => format!("max_entries = {}", variant + 1),
        5 => ["ttl = 3600", "ttl = 1.5", "ttl = 60"][variant % 3].into(),
        6 => "sampling = false".into(),
        _ => "hash_funcs(Db = ignore_db)".into(),
    }
}

fn fn_spec() -> impl Strategy<Value = FnSpec> {
    (
        proptest::sample::subsequence((0..8usize).collect::<Vec<_>>(), 0..=8).prop_shuffle(),
        proptest::collection::vec(0..3usize, 8),
        proptest::collection::vec(0..SEPS.len(), 9),
        any::<bool>(),
        0..RETURNS.len(),
        any::<[bool; 5]>(),
    )
        .prop_map(
            |(kinds, variants, seps, trailing_comma, ret, flags)| FnSpec {
                opts: kinds.iter().map(|&k| (k, variants[k])).collect(),
                seps,
                trailing_comma,
                ret,
                underscore: flags[0],
                db_param: flags[1],
                cfg_attr: flags[2],
                method: flags[3],
                clears: flags[4],
            },
        )
}

fn render(import: usize, fns: &[FnSpec]) -> String {
    let (header, attr) = match import {
        0 => ("use legacy_cache::cache;\n", "cache"),
        1 => ("use legacy_cache::cache as old_cache;\n", "old_cache"),
        2 => ("use legacy_cache::{cache, clear_cache};\n", "cache"),
        3 => ("use legacy_cache as lc;\n", "lc::cache"),
        _ => ("", "legacy_cache::cache"),
    };
    let mut s = String::from("// generated\n");
    s.push_str(header);
    s.push_str("use std::collections::HashMap;\n\npub struct Db;\npub struct Conn;\npub struct PgPool;\npub struct S;\n\nfn ignore_db(_d: &Db) -> u64 {\n    0\n}\n\n");
    for (i, f) in fns.iter().enumerate() {
        let mut args = String::new();
        if !f.opts.is_empty() {
            args.push('(');
            for (j, (k, v)) in f.opts.iter().enumerate() {
                args.push_str(SEPS[f.seps[j]].trim_start_matches(' '));
                args.push_str(&option_text(*k, *v));
                if j + 1 < f.opts.len() || f.trailing_comma {
                    args.push(',');
                }
            }
            args.push(')');
        }
        let meta = format!("{attr}{args}");
        let attr_line = if f.cfg_attr {
            format!("#[cfg_attr(all(), {meta})]")
        } else {
            format!("#[{meta}]")
        };
        let mut params = vec!["x: u32".to_string()];
        if f.underscore {
            params.push("_y: u64".into());
        }
        if f.db_param {
            params.push("db: &Db".into());
        }
        let clear = if f.clears {
            if import == 2 {
                "    clear_cache();\n"
            } else {
                "    legacy_cache::clear_cache();\n"
            }
        } else {
            ""
        };
        let body = format!("{{\n    let _ = x; /* body */\n{clear}    todo!()\n}}");
        let uses_db = if f.db_param {
            "    // db is a parameter\n"
        } else {
            ""
        };
        let item = format!(
            "/// Function {i}.\n{attr_line}\n{uses_db}pub fn f{i}({}) -> {} {body}\n",
            params.join(", "),
            RETURNS[f.ret]
        );
        if f.method {
            s.push_str(&format!(
                "impl S {{\n{}}}\n\n",
                item.lines()
                    .map(|l| format!("    {l}\n"))
                    .collect::<String>()
            ));
        } else {
            s.push_str(&item);
            s.push('\n');
        }
    }
    s
}

fn check_outside_spans(original: &str, output: &str, edits: &[migrate::Edit]) {
    let mut cursor = 0;
    let mut out_pos = 0;
    for e in edits {
        let seg = &original[cursor..e.range.start];
        assert_eq!(
            &output[out_pos..out_pos + seg.len()],
            seg,
            "bytes outside edits changed"
        );
        out_pos += seg.len();
        assert_eq!(
            &output[out_pos..out_pos + e.replacement.len()],
            e.replacement
        );
        out_pos += e.replacement.len();
        cursor = e.range.end;
    }
    assert_eq!(&output[out_pos..], &original[cursor..], "tail changed");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn rewrite_is_valid_idempotent_and_local(import in 0..5usize, fns in proptest::collection::vec(fn_spec(), 1..5)) {
        let src = render(import, &fns);
        let a = migrate::migrate_str(&src).expect("generated input migrates");
        prop_assert!(syn::parse_file(&a.output).is_ok(), "output does not parse:\n{}", a.output);
        prop_assert!(!a.edits.is_empty());
        check_outside_spans(&src, &a.output, &a.edits);
        // Every site here is migratable, so nothing legacy may remain.
        prop_assert!(!a.legacy_remaining, "legacy left in:\n{}", a.output);
        prop_assert!(!a.output.contains("suppress_st_warning") && !a.output.contains("allow_output_mutation") && !a.output.contains("sampling"));
        // Comments survive.
        prop_assert_eq!(src.matches("/* body */").count(), a.output.matches("/* body */").count());
        // Including those between options that are removed.
        prop_assert_eq!(src.matches("/* c */").count(), a.output.matches("/* c */").count(), "{}", a.output);
        prop_assert_eq!(src.matches("// note").count(), a.output.matches("// note").count(), "{}", a.output);
        let again = migrate::migrate_str(&a.output).expect("output migrates");
        prop_assert!(again.edits.is_empty(), "second run edits: {:?}\n{}", again.edits, a.output);
        prop_assert_eq!(again.output, a.output);
    }

    #[test]
    fn code_without_the_legacy_crate_is_never_edited(
        names in proptest::collection::vec("[a-z][a-z0-9_]{0,6}", 1..6),
        attr in prop_oneof![Just("cache"), Just("memo"), Just("cached::cached"), Just("inline")],
    ) {
        let mut src = String::new();
        for n in &names {
            src.push_str(&format!("#[{attr}]\nfn r#{n}(x: u32) -> u32 {{ x.mutate(|v| v) }}\n"));
        }
        src.push_str("fn clear() { clear_cache(); other::clear_cache(); }\n");
        if let Ok(a) = migrate::migrate_str(&src) {
            prop_assert!(a.edits.is_empty());
            prop_assert_eq!(a.output, src);
        }
    }
}

#[test]
fn generator_produces_the_forms_it_claims() {
    let spec = FnSpec {
        opts: vec![(7, 0), (1, 0), (0, 0), (3, 0)],
        seps: vec![1, 2, 3, 0, 0, 0, 0, 0, 0],
        trailing_comma: true,
        ret: 1,
        underscore: true,
        db_param: true,
        cfg_attr: true,
        method: true,
        clears: true,
    };
    let src = render(2, &[spec]);
    assert!(src.contains("#[cfg_attr(all(), cache(\n        hash_funcs(Db = ignore_db),/* c */ allow_output_mutation = true,"), "{src}");
    let a = migrate::migrate_str(&src).unwrap();
    // Every option is dropped (the hash_funcs entry became `_db`); the comments between them
    // are the user's and stay.
    assert!(
        a.output
            .contains("#[cfg_attr(all(), singleton(/* c */ // note\n        ))]"),
        "{}",
        a.output
    );
    assert!(
        a.output.contains("pub fn f0(x: u32, _y: u64, _db: &Db)"),
        "{}",
        a.output
    );
    assert!(a.output.contains("singleton::clear_all();"), "{}", a.output);
}
