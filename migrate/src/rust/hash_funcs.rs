//! `hash_funcs` entries: an entry whose function returns a constant ignored the value, so the
//! matching parameters become `_`-prefixed (left out of the key); other entries are kept.

use super::classify::returns_constant;
use super::collect::FnRef;
use super::decide::Decider;
use super::options::{self, LegacyOption, OptionValue};
use super::rename::plan_rename;
use crate::model::{Applicability, Edit, Finding, Rule};
use std::ops::Range;
use syn::spanned::Spanned;

fn strip_refs(ty: &syn::Type) -> &syn::Type {
    match ty {
        syn::Type::Reference(r) => strip_refs(&r.elem),
        syn::Type::Paren(p) => strip_refs(&p.elem),
        _ => ty,
    }
}

fn type_matches(param_ty: &syn::Type, key: &str) -> bool {
    let t = strip_refs(param_ty);
    let text: String = quote::ToTokens::to_token_stream(t)
        .to_string()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if text == key {
        return true;
    }
    // `db::Conn` in the entry matches a parameter written `Conn`, and the other way round.
    let last = |s: &str| s.rsplit("::").next().unwrap_or("").to_string();
    (text.contains("::") != key.contains("::")) && last(&text) == last(key)
}

/// A parameter rename planned for one entry: the name and its edits.
type RenamePlan = Vec<(String, Vec<(Range<usize>, String)>)>;

impl Decider<'_, '_, '_> {
    /// Handles `hash_funcs`; returns whether the option is kept at all.
    pub(super) fn hash_funcs(
        &mut self,
        o: &LegacyOption,
        function: FnRef<'_>,
        attr_range: &Range<usize>,
        sub: &mut Vec<Edit>,
        notes: &mut Vec<String>,
    ) -> bool {
        let OptionValue::Group(ts) = &o.value else {
            return true;
        };
        let entries = options::hash_entries(ts.clone(), self.collected.base);
        let mut keep = Vec::new();
        for entry in &entries {
            let constant = entry
                .func
                .as_ref()
                .and_then(|p| p.segments.last())
                .and_then(|s| self.collected.fns.get(&s.ident.to_string()))
                .is_some_and(|hf| returns_constant(hf.block));
            if !constant {
                self.findings.push(
                    Finding::new(entry.range.clone(), Rule::HashFuncsKept, Applicability::Info, "`hash_funcs` entry kept: its function is not a constant in this file")
                        .with_help("the successors apply `hash_funcs` to arguments only, not to the function body or its result"),
                );
                keep.push(true);
                continue;
            }
            let params: Vec<&syn::PatType> = function
                .sig
                .inputs
                .iter()
                .filter_map(|a| match a {
                    syn::FnArg::Typed(t) if type_matches(&t.ty, &entry.ty_text) => Some(t),
                    _ => None,
                })
                .collect();
            if params.is_empty() {
                self.findings.push(
                    Finding::new(entry.range.clone(), Rule::HashFuncsKept, Applicability::Info, format!("`hash_funcs` entry kept: no parameter has type `{}`", entry.ty_text))
                        .with_help("if the type is nested in another parameter, rename that parameter with a leading `_` by hand"),
                );
                keep.push(true);
                continue;
            }
            match self.plan_renames(function, &params, attr_range.start) {
                Ok(plan) => {
                    self.apply_renames(plan, &entry.ty_text, notes);
                    keep.push(false);
                }
                Err((range, name, why)) => {
                    self.findings.push(
                        Finding::new(range, Rule::HashFuncsKept, Applicability::Review, format!("cannot rename `{name}` to `_{name}` for the constant `hash_funcs` entry `{}`: {why}", entry.ty_text))
                            .with_help("the entry is kept as `hash_funcs`; rename the parameter by hand to stop hashing it"),
                    );
                    keep.push(true);
                }
            }
        }
        if keep.iter().all(|k| !k) {
            return false;
        }
        let ranges: Vec<_> = entries.iter().map(|e| e.range.clone()).collect();
        for r in options::removal_ranges(&ranges, &keep) {
            sub.push(Edit::new(
                r,
                "",
                Rule::HashFuncsUnderscore,
                Applicability::Safe,
                "",
            ));
        }
        true
    }

    /// Plans the `_` rename of every matching parameter not already `_`-prefixed, or says
    /// (range, name, why) which one cannot be renamed.
    fn plan_renames(
        &self,
        function: FnRef<'_>,
        params: &[&syn::PatType],
        attr_start: usize,
    ) -> Result<RenamePlan, (Range<usize>, String, String)> {
        let collected = self.collected;
        let mut plan = Vec::new();
        for p in params {
            match &*p.pat {
                syn::Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                    if pi.ident.to_string().starts_with('_') {
                        continue;
                    }
                    let attr_range_of = |a: &syn::Attribute| collected.range_of(a.span());
                    match plan_rename(function, pi, collected.base, attr_start, &attr_range_of) {
                        Ok(edits) => plan.push((pi.ident.to_string(), edits)),
                        Err(why) => {
                            return Err((
                                self.range_of(pi.ident.span()),
                                pi.ident.to_string(),
                                why,
                            ));
                        }
                    }
                }
                other => {
                    return Err((
                        self.range_of(other.span()),
                        "this pattern".into(),
                        "it is not a plain identifier".into(),
                    ));
                }
            }
        }
        Ok(plan)
    }

    fn apply_renames(&mut self, plan: RenamePlan, ty_text: &str, notes: &mut Vec<String>) {
        for (name, edits) in plan {
            for (r, text) in edits {
                self.edits.push(Edit::new(
                    r,
                    text,
                    Rule::HashFuncsUnderscore,
                    Applicability::Safe,
                    format!("`{name}` is not hashed: its `hash_funcs` entry ignored the value"),
                ));
            }
            notes.push(format!(
                "`hash_funcs` entry for `{ty_text}` became the `_{name}` parameter"
            ));
        }
    }
}
