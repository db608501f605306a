//! Property tests over generated Streamlit apps: the analysis succeeds, the output parses, a
//! second run makes no edits, edits never touch a comment or a string, the bytes outside the
//! edited spans are identical, and no removed API is left in code.

use migrate::python::analyze_python;
use proptest::prelude::*;
use ruff_python_ast::token::TokenKind;
use ruff_text_size::Ranged;

const OPTIONS: &[&str] = &[
    "persist=True",
    "persist=False",
    "allow_output_mutation=True",
    "allow_output_mutation=False",
    "suppress_st_warning=True",
    "show_spinner=False",
    "max_entries=10",
    "ttl=600",
    "hash_funcs={int: id}",
    "ignore_hash=True",
    "experimental_allow_widgets=True",
];
const SEPS: &[&str] = &[", ", ",\n    ", ",  # note\n    ", " , "];
const APIS: &[&str] = &[
    "cache",
    "experimental_memo",
    "experimental_singleton",
    "cache_data",
    "cache_resource",
];
const BODIES: &[&str] = &[
    "return sqlite3.connect(':memory:')",
    "return pd.DataFrame({'a': [x]})",
    "return [x, 'st.cache(x)']",
    "st.write('@st.cache')\n    return x",
    "conn = sqlite3.connect(':memory:')\n    return conn",
];

#[derive(Debug, Clone)]
struct Func {
    api: usize,
    opts: Vec<usize>,
    seps: Vec<usize>,
    trailing: bool,
    parens: bool,
    body: usize,
    place: usize,
    stacked: bool,
    comment: bool,
}

fn func() -> impl Strategy<Value = Func> {
    (
        0..APIS.len(),
        proptest::sample::subsequence((0..OPTIONS.len()).collect::<Vec<_>>(), 0..=4).prop_shuffle(),
        proptest::collection::vec(0..SEPS.len(), 4),
        any::<[bool; 4]>(),
        0..BODIES.len(),
        0..4usize,
    )
        .prop_map(|(api, opts, seps, flags, body, place)| Func {
            api,
            opts,
            seps,
            trailing: flags[0],
            parens: flags[1],
            body,
            place,
            stacked: flags[2],
            comment: flags[3],
        })
}

fn render(module: &str, funcs: &[Func], clear: bool) -> String {
    let mut s = format!(
        "import sqlite3\nimport pandas as pd\nimport streamlit as {module}\nst = {module}\n\n"
    );
    for (i, f) in funcs.iter().enumerate() {
        let mut deco = format!("@{module}.{}", APIS[f.api]);
        if f.parens || !f.opts.is_empty() {
            deco.push('(');
            for (j, &o) in f.opts.iter().enumerate() {
                if j > 0 {
                    deco.push_str(SEPS[f.seps[j % f.seps.len()]]);
                }
                deco.push_str(OPTIONS[o]);
            }
            if f.trailing && !f.opts.is_empty() {
                deco.push(',');
            }
            deco.push(')');
        }
        let (indent, head, param) = match f.place {
            0 => ("", String::new(), "x"),
            1 => ("    ", format!("class C{i}:\n"), "self, x"),
            2 => ("    ", "if True:\n".to_string(), "x"),
            _ => ("    ", format!("with {module}.echo():\n"), "x"),
        };
        s.push_str(&head);
        if f.comment {
            s.push_str(&format!("{indent}# @{module}.cache(ttl=1)\n"));
        }
        if f.stacked {
            s.push_str(&format!("{indent}@staticmethod\n"));
        }
        s.push_str(&format!(
            "{indent}{}\n",
            deco.replace('\n', &format!("\n{indent}"))
        ));
        let body = BODIES[f.body].replace("\n    ", &format!("\n{indent}    "));
        s.push_str(&format!(
            "{indent}def f{i}({param}):\n{indent}    {body}\n\n\n"
        ));
    }
    if clear {
        s.push_str(&format!("{module}.legacy_caching.clear_cache()\n"));
    }
    s
}

/// Byte ranges of comments and string literals.
fn protected(src: &str) -> Vec<std::ops::Range<usize>> {
    let parsed = ruff_python_parser::parse_module(src).expect("generated code parses");
    parsed
        .tokens()
        .iter()
        .filter(|t| matches!(t.kind(), TokenKind::Comment | TokenKind::String))
        .map(|t| t.start().to_usize()..t.end().to_usize())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn migration_is_sound(
        funcs in proptest::collection::vec(func(), 1..5),
        module in prop::sample::select(vec!["st", "streamlit", "stl"]),
        clear in any::<bool>(),
    ) {
        let src = render(module, &funcs, clear);
        let a = analyze_python(&src).map_err(|e| TestCaseError::fail(format!("{e:?}\n{src}")))?;
        prop_assert!(ruff_python_parser::parse_module(&a.output).is_ok(), "{}", a.output);

        // Edits never touch comments or strings.
        for e in &a.edits {
            for p in protected(&src) {
                prop_assert!(
                    e.range.end <= p.start || e.range.start >= p.end,
                    "edit {:?} touches {:?} in\n{}", e.range, &src[p.clone()], src
                );
            }
        }
        // Bytes outside the edited spans are identical, in order.
        let mut edits = a.edits.clone();
        edits.sort_by_key(|e| (e.range.start, e.range.end));
        let (mut i, mut o) = (0usize, 0usize);
        for e in &edits {
            let gap = &src[i..e.range.start];
            prop_assert_eq!(&a.output[o..o + gap.len()], gap);
            o += gap.len() + e.replacement.len();
            i = e.range.end;
        }
        prop_assert_eq!(&a.output[o..], &src[i..]);

        // A fixed point, and nothing removed is left in code.
        let again = analyze_python(&a.output).expect("second run");
        prop_assert!(again.edits.is_empty(), "second run edits: {:?}\n{}", again.edits, a.output);
        let code: String = {
            let mut c = a.output.clone();
            let mut prot = protected(&a.output);
            prot.sort_by_key(|r| std::cmp::Reverse(r.start));
            for r in prot {
                c.replace_range(r, "");
            }
            c
        };
        for gone in [".cache(", ".cache\n", "experimental_memo", "experimental_singleton", "legacy_caching", "suppress_st_warning", "allow_output_mutation", "ignore_hash"] {
            prop_assert!(!code.contains(gone), "`{}` left in\n{}", gone, a.output);
        }
    }
}
