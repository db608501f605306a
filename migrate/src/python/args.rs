//! Keyword arguments of a caching call: which ones survive, which are rewritten, and the byte
//! ranges that remove the others without disturbing the rest of the argument list.

use super::scope::{Api, Target, range_of};
use crate::model::{Applicability, Edit, Finding, Rule};
use ruff_python_ast::{Arguments, Expr};
use std::ops::Range;

/// Keywords `st.cache_data` accepts (Streamlit 1.67).
const DATA_KW: &[&str] = &[
    "func",
    "ttl",
    "max_entries",
    "max_size",
    "show_spinner",
    "show_time",
    "persist",
    "hash_funcs",
    "scope",
    "refresh_mode",
];

/// Keywords `st.cache_resource` accepts (Streamlit 1.67).
const RESOURCE_KW: &[&str] = &[
    "func",
    "ttl",
    "max_entries",
    "show_spinner",
    "show_time",
    "validate",
    "hash_funcs",
    "on_release",
    "scope",
    "refresh_mode",
];

/// Keywords that only the legacy decorators took; the new ones raise `TypeError` on them.
const LEGACY_ONLY: &[&str] = &[
    "allow_output_mutation",
    "ignore_hash",
    "suppress_st_warning",
    "experimental_allow_widgets",
];

/// `True` / `False` literal value.
pub(crate) fn literal_bool(e: &Expr) -> Option<bool> {
    match e {
        Expr::BooleanLiteral(b) => Some(b.value),
        _ => None,
    }
}

/// The `allow_output_mutation` (or its pre-0.49 name `ignore_hash`) keyword.
pub(crate) fn mutation_flag(args: &Arguments) -> Option<&Expr> {
    args.keywords
        .iter()
        .find(|k| {
            k.arg
                .as_ref()
                .is_some_and(|a| matches!(a.id.as_str(), "allow_output_mutation" | "ignore_hash"))
        })
        .map(|k| &k.value)
}

/// The outcome of planning one argument list.
#[derive(Debug, Default)]
pub(crate) struct ArgPlan<'x> {
    pub edits: Vec<Edit>,
    pub findings: Vec<Finding>,
    /// The argument list has a form the tool does not rewrite (extra positional arguments).
    pub unsupported: Option<String>,
    /// The `hash_funcs` value, when present.
    pub hash_funcs: Option<&'x Expr>,
}

/// Plans the keyword edits for a call of `api` that becomes `target`. `text` is the source,
/// needed to find commas and comments between arguments. A decorator left without arguments
/// loses its parentheses too (`@st.cache_resource`).
pub(crate) fn plan<'x>(
    text: &str,
    args: &'x Arguments,
    api: Api,
    target: Target,
    decorator: bool,
) -> ArgPlan<'x> {
    let mut plan = ArgPlan::default();
    if args.args.len() > 1 {
        plan.unsupported = Some(format!(
            "{} with {} positional arguments: only the function may be positional",
            api.legacy_name(),
            args.args.len()
        ));
        return plan;
    }
    let accepted = match target {
        Target::Data => DATA_KW,
        Target::Resource => RESOURCE_KW,
    };
    let new = format!("st.{}", target.name());
    let mut remove: Vec<Range<usize>> = Vec::new();
    for k in args.keywords.iter() {
        let krange = range_of(k);
        let Some(name) = k.arg.as_ref().map(|a| a.id.as_str()) else {
            plan.findings.push(
                Finding::new(
                    krange,
                    Rule::Unsupported,
                    Applicability::Review,
                    format!("`**` keywords cannot be checked against {new}"),
                )
                .with_help(format!(
                    "make sure the mapping holds none of {}",
                    LEGACY_ONLY.join(", ")
                )),
            );
            continue;
        };
        let legacy = matches!(api, Api::Cache | Api::Memo | Api::Singleton);
        let rule = if legacy {
            Rule::OptionDropped
        } else {
            Rule::LegacyKeyword
        };
        match name {
            "allow_output_mutation" | "ignore_hash" if api == Api::Cache => {
                remove.push(krange.clone());
                match literal_bool(&k.value) {
                    // True chose cache_resource; the site's own edit says so.
                    Some(true) => {}
                    Some(false) => plan.findings.push(Finding::new(
                        krange,
                        Rule::OptionDropped,
                        Applicability::Info,
                        format!("`{name}=False` dropped: it was the default"),
                    )),
                    None => plan.findings.push(
                        Finding::new(
                            krange,
                            Rule::Unsupported,
                            Applicability::Review,
                            format!("`{name}` is not a literal: chose {new} as if it were False"),
                        )
                        .with_help("if it is True at run time, use st.cache_resource"),
                    ),
                }
            }
            "persist" if target == Target::Resource => {
                remove.push(krange.clone());
                let (rule, app, msg) = if api == Api::CacheResource {
                    (
                        Rule::LegacyKeyword,
                        Applicability::Info,
                        "`persist` removed: st.cache_resource raises TypeError on it",
                    )
                } else {
                    (
                        Rule::PersistDropped,
                        Applicability::Review,
                        "`persist` dropped: st.cache_resource keeps results in memory only",
                    )
                };
                plan.findings.push(
                    Finding::new(krange, rule, app, msg)
                        .with_help("if the result is data that must survive restarts, use st.cache_data(persist=\"disk\")"),
                );
            }
            "persist" if literal_bool(&k.value) == Some(true) => {
                let v = range_of(&k.value);
                plan.edits.push(Edit::new(
                    v,
                    "\"disk\"",
                    Rule::PersistToDisk,
                    Applicability::Safe,
                    "persist=True becomes persist=\"disk\"",
                ));
            }
            _ if LEGACY_ONLY.contains(&name) => {
                remove.push(krange.clone());
                plan.findings.push(Finding::new(
                    krange,
                    rule,
                    Applicability::Info,
                    format!("`{name}` removed: {new} does not take it (TypeError)"),
                ));
            }
            "hash_funcs" => plan.hash_funcs = Some(&k.value),
            _ if accepted.contains(&name) => {}
            _ => plan.findings.push(
                Finding::new(
                    krange,
                    Rule::Unsupported,
                    Applicability::Review,
                    format!("`{name}` is not an argument of {new}"),
                )
                .with_help(format!("{new} takes {}", accepted[1..].join(", "))),
            ),
        }
    }
    plan.edits.extend(
        removal_edits(text, args, &remove, decorator)
            .into_iter()
            .map(|r| {
                let what = text[r.clone()].trim_matches(|c: char| c == ',' || c.is_whitespace());
                Edit::new(
                    r,
                    "",
                    Rule::OptionDropped,
                    Applicability::Safe,
                    format!("remove `{what}`"),
                )
            }),
    );
    plan
}

/// Byte ranges that delete the keyword arguments in `remove` from `args`, each with one of its
/// neighbouring commas. Comments are never deleted: in an argument list that holds one, each
/// argument goes with its own trailing comma only.
fn removal_edits(
    text: &str,
    args: &Arguments,
    remove: &[Range<usize>],
    decorator: bool,
) -> Vec<Range<usize>> {
    if remove.is_empty() {
        return Vec::new();
    }
    let items: Vec<Range<usize>> = args
        .iter_source_order()
        .map(|a| match a {
            ruff_python_ast::ArgOrKeyword::Arg(e) => range_of(e),
            ruff_python_ast::ArgOrKeyword::Keyword(k) => range_of(k),
        })
        .collect();
    let parens = range_of(args);
    let inner = parens.start + 1..parens.end - 1;
    if text[inner.clone()].contains('#') {
        return remove
            .iter()
            .map(|r| own_line(text, r.start..with_trailing_comma(text, r.end, inner.end)))
            .collect();
    }
    let removed = |r: &Range<usize>| remove.contains(r);
    let Some(first_kept) = items.iter().position(|r| !removed(r)) else {
        // Everything goes: a decorator drops the parentheses; a call form keeps them, as
        // `st.cache_data()(f)` must stay a call.
        return vec![if decorator { parens } else { inner }];
    };
    items
        .iter()
        .enumerate()
        .filter(|(_, r)| removed(r))
        // Before the first kept item: up to the next item; after it: from the end of the
        // previous item. Adjacent ranges never overlap.
        .map(|(i, r)| {
            if i < first_kept {
                r.start..items[i + 1].start
            } else {
                items[i - 1].end..r.end
            }
        })
        .collect()
}

/// `end` extended over whitespace and one comma, if a comma follows before `limit`.
fn with_trailing_comma(text: &str, end: usize, limit: usize) -> usize {
    let rest = &text[end..limit];
    let skipped = rest.len() - rest.trim_start().len();
    if rest[skipped..].starts_with(',') {
        end + skipped + 1
    } else {
        end
    }
}

/// `r` grown to whole lines when nothing else shares them, so no blank line is left behind.
fn own_line(text: &str, r: Range<usize>) -> Range<usize> {
    let before = &text[..r.start];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let after = &text[r.end..];
    let line_end = after.find('\n').map(|i| r.end + i + 1);
    match line_end {
        Some(end)
            if before[line_start..].trim().is_empty() && text[r.end..end].trim().is_empty() =>
        {
            line_start..end
        }
        _ => r,
    }
}
