//! `hash_funcs` entries: an entry whose function returns a constant ignored the value, so the
//! matching parameters become `_`-prefixed (left out of the key); an entry that matches no
//! hashed parameter is dropped (the successors reject it); other entries are kept.
//!
//! Types are matched by `cache_codegen::type_matches`, the macros' own rule.

use super::classify::returns_constant;
use super::collect::FnRef;
use super::decide::Decider;
use super::options::{self, HashEntry, LegacyOption, OptionValue};
use super::rename::{plan_rename, underscored};
use crate::model::{Applicability, Edit, Finding, Rule};
use cache_codegen::grammar::param_is_unhashed;
use cache_codegen::{strip_refs, type_matches};
use quote::ToTokens;
use std::collections::HashSet;
use std::ops::Range;
use syn::spanned::Spanned;

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
        // Two entries can name the same parameter (`Conn` and `db::Conn`): rename it once.
        let mut renamed: HashSet<String> = HashSet::new();
        for entry in &entries {
            let hashed: Vec<&syn::PatType> = function
                .sig
                .inputs
                .iter()
                .filter_map(|a| match a {
                    syn::FnArg::Typed(t) if !param_is_unhashed(&t.pat) => Some(t),
                    _ => None,
                })
                .filter(|t| entry.ty.as_ref().is_some_and(|w| type_matches(&t.ty, w)))
                .collect();
            if hashed.is_empty() && self.drop_unmatched(entry, function) {
                keep.push(false);
                continue;
            }
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
            if hashed.is_empty() {
                self.findings.push(
                    Finding::new(entry.range.clone(), Rule::HashFuncsKept, Applicability::Info, format!("`hash_funcs` entry kept: no parameter has type `{}`", entry.ty_text))
                        .with_help("a `Self` entry applies to the receiver; otherwise the type could not be read: check the entry by hand"),
                );
                keep.push(true);
                continue;
            }
            let pending: Vec<&syn::PatType> = hashed
                .iter()
                .copied()
                .filter(|t| !matches!(&*t.pat, syn::Pat::Ident(pi) if renamed.contains(&pi.ident.to_string())))
                .collect();
            match self.plan_renames(function, &pending, attr_range.start) {
                Ok(plan) => {
                    renamed.extend(plan.iter().map(|(name, _)| name.clone()));
                    self.apply_renames(plan, &entry.ty_text, notes);
                    keep.push(false);
                }
                Err((range, name, why)) => {
                    self.findings.push(
                        Finding::new(range, Rule::HashFuncsKept, Applicability::Review, format!("cannot rename `{name}` to `{}` for the constant `hash_funcs` entry `{}`: {why}", underscored(&name), entry.ty_text))
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

    /// Drops an entry (with a finding) that matches no hashed parameter: `#[memo]` and
    /// `#[singleton]` reject it, while the legacy cache also applied it to `_` parameters and to
    /// the return value (for its mutation check), neither of which the successors hash. A `Self`
    /// entry and an unreadable type are left to the caller. Returns whether it was dropped.
    fn drop_unmatched(&mut self, entry: &HashEntry, function: FnRef<'_>) -> bool {
        let Some(wanted) = &entry.ty else {
            return false;
        };
        if strip_refs(wanted).to_token_stream().to_string() == "Self" {
            return false;
        }
        let fname = function.name;
        let ty = &entry.ty_text;
        let returns_it =
            matches!(&function.sig.output, syn::ReturnType::Type(_, r) if type_matches(r, wanted));
        let matches_unhashed = function.sig.inputs.iter().any(|a| {
            matches!(a, syn::FnArg::Typed(t) if param_is_unhashed(&t.pat) && type_matches(&t.ty, wanted))
        });
        let why = if returns_it {
            "; the legacy cache applied it to the return value, for its mutation check, which the successors do not have"
        } else if matches_unhashed {
            "; it matches only `_` parameters, which the successors leave out of the key"
        } else {
            ""
        };
        self.findings.push(
            Finding::new(entry.range.clone(), Rule::HashFuncsDropped, Applicability::Info, format!("`hash_funcs` entry for `{ty}` dropped: it matches no hashed parameter of `{fname}`{why}"))
                .with_help("#[memo] and #[singleton] apply `hash_funcs` to hashed arguments only and reject an entry that matches none"),
        );
        true
    }

    /// Plans the `_` rename of every given parameter, or says (range, name, why) which one
    /// cannot be renamed.
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
                "`hash_funcs` entry for `{ty_text}` became the `{}` parameter",
                underscored(&name)
            ));
        }
    }
}
