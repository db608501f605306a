//! Per-site decisions: which attribute sites are legacy, what each becomes, and the findings
//! that go with them.

use super::classify::{RetClass, classify, named_types};
use super::collect::{AttrCandidate, Collector, FnRef};
use super::hazards::SharedUse;
use super::options::{self, LegacyOption, OptionValue};
use super::uses::{LeafKind, PathForm};
use crate::edit::apply_edits;
use crate::model::{Applicability, Edit, FileError, Finding, GlobalFacts, Primitives, Rule};
use crate::tokens;
use cache_codegen::grammar::{Attr, param_is_unhashed, value_kind};
use std::collections::HashMap;
use std::ops::Range;
use syn::spanned::Spanned;

/// The successor primitive a site becomes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Target {
    Memo,
    Singleton,
}

impl Target {
    pub fn name(self) -> &'static str {
        match self {
            Target::Memo => "memo",
            Target::Singleton => "singleton",
        }
    }
    /// The attribute in the shared grammar.
    pub fn attr(self) -> Attr {
        match self {
            Target::Memo => Attr::Memo,
            Target::Singleton => Attr::Singleton,
        }
    }
    pub fn primitives(self) -> Primitives {
        Primitives {
            memo: self == Target::Memo,
            singleton: self == Target::Singleton,
        }
    }
}

/// The target of one site and how the rewrite is classified.
#[derive(Clone, Copy)]
struct Choice {
    target: Target,
    rule: Rule,
    applicability: Applicability,
}

/// The decisions for one file: edits, findings and counters, built pass by pass.
pub(super) struct Decider<'c, 'ast, 'a> {
    pub collected: &'c Collector<'ast, 'a>,
    pub facts: &'c GlobalFacts,
    pub ctx: &'c super::CrateContext,
    pub edits: Vec<Edit>,
    pub findings: Vec<Finding>,
    /// Primitives the converted sites use.
    pub uses: Primitives,
    /// Per bare-name import leaf of the attribute: the primitives its sites became.
    pub converted_by_leaf: HashMap<usize, Primitives>,
    /// Per bare-name import leaf of the attribute: how many of its sites stay legacy.
    pub unconverted_by_leaf: HashMap<usize, usize>,
    pub unresolved_clear: bool,
    pub clear_sites: usize,
    pub unconverted_sites: usize,
}

impl<'c, 'ast, 'a> Decider<'c, 'ast, 'a> {
    pub fn new(
        collected: &'c Collector<'ast, 'a>,
        facts: &'c GlobalFacts,
        ctx: &'c super::CrateContext,
    ) -> Self {
        Decider {
            collected,
            facts,
            ctx,
            edits: Vec::new(),
            findings: Vec::new(),
            uses: Primitives::default(),
            converted_by_leaf: HashMap::new(),
            unconverted_by_leaf: HashMap::new(),
            unresolved_clear: false,
            clear_sites: 0,
            unconverted_sites: 0,
        }
    }
}

impl Decider<'_, '_, '_> {
    pub fn src(&self) -> &str {
        self.collected.src
    }

    pub fn range_of(&self, span: proc_macro2::Span) -> Range<usize> {
        self.collected.range_of(span)
    }

    /// Legacy code inside macro bodies: a `macro_rules!` body refuses the file, an invocation
    /// gets a finding.
    pub fn check_macros(&mut self) -> Result<(), FileError> {
        let aliases = self.collected.legacy_aliases();
        let has_legacy_imports = self.collected.leaves.iter().any(|l| !l.kind.is_new());
        for m in &self.collected.macros {
            let mentions = tokens::stream_mentions(&m.tokens, "legacy_cache")
                || (has_legacy_imports
                    && aliases
                        .iter()
                        .any(|a| tokens::stream_has_attr(&m.tokens, a)));
            if !mentions {
                continue;
            }
            if m.is_macro_rules {
                return Err(FileError {
                    rule: Rule::MacroBody,
                    message: "legacy cache code inside a `macro_rules!` body: syn cannot see into macro bodies, so this file is left untouched; migrate the macro by hand".into(),
                    range: Some(m.range.clone()),
                });
            }
            self.findings.push(
                Finding::new(
                    m.range.clone(),
                    Rule::MacroBody,
                    Applicability::Review,
                    "legacy cache code inside a macro invocation is not rewritten",
                )
                .with_help("migrate the code inside the macro by hand; its imports are kept"),
            );
        }
        Ok(())
    }

    /// Decides every attribute candidate that resolves to the legacy attribute.
    pub fn sites(&mut self) {
        for cand in &self.collected.attrs {
            let Some(form) = self.collected.resolve_attr(cand.meta.path(), cand.scope) else {
                if self.reaches_legacy_through_reexport(cand.meta.path()) {
                    self.findings.push(
                        Finding::new(
                            cand.attr_range.clone(),
                            Rule::Unsupported,
                            Applicability::Review,
                            "legacy cache attribute reached through a re-export of `legacy_cache`; not rewritten",
                        )
                        .with_help("write it as `#[legacy_cache::cache]` (or `use legacy_cache::cache;` here) and run again, or rewrite it by hand"),
                    );
                    self.unconverted_sites += 1;
                }
                continue;
            };
            let converted = match cand.function {
                None => {
                    self.findings.push(
                        Finding::new(
                            cand.attr_range.clone(),
                            Rule::Unsupported,
                            Applicability::Review,
                            "legacy cache attribute on something other than a function with a body",
                        )
                        .with_help(
                            "only free functions and methods in `impl` blocks are rewritten",
                        ),
                    );
                    None
                }
                Some(function) => self.site(cand, function, form),
            };
            if let PathForm::Bare(leaf) = form {
                match converted {
                    Some(t) => {
                        let e = self.converted_by_leaf.entry(leaf).or_default();
                        *e = e.union(t.primitives());
                    }
                    None => *self.unconverted_by_leaf.entry(leaf).or_default() += 1,
                }
            }
            match converted {
                Some(t) => self.uses = self.uses.union(t.primitives()),
                None => self.unconverted_sites += 1,
            }
        }
    }

    /// Whether an attribute path that does not resolve in this file names the legacy attribute
    /// through a re-export made elsewhere in the run.
    fn reaches_legacy_through_reexport(&self, path: &syn::Path) -> bool {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        let Some((last, before)) = segments.split_last() else {
            return false;
        };
        self.facts.reexported_attrs.contains(last)
            || (last == "cache"
                && before
                    .iter()
                    .any(|s| s == "legacy_cache" || self.facts.reexported_crates.contains(s)))
    }

    /// Rewrites one site. Returns the chosen target, or `None` when the site is left as is.
    fn site(
        &mut self,
        cand: &AttrCandidate<'_>,
        function: FnRef<'_>,
        form: PathForm,
    ) -> Option<Target> {
        let opts = self.read_options(cand)?;
        if self.is_blocked(cand, function) {
            return None;
        }
        if let Err(finding) = options::check_options(&opts) {
            self.findings.push(finding);
            return None;
        }
        let choice = self.choose_target(function, &opts);
        let mut notes = Vec::new();
        let new_meta = self.rewrite_meta(cand, function, form, &opts, choice, &mut notes)?;
        let fname = function.name.to_string();
        let mut message = format!("`{fname}`: legacy cache -> #[{}]", choice.target.name());
        if !notes.is_empty() {
            message.push_str("; ");
            message.push_str(&notes.join("; "));
        }
        self.edits.push(Edit::new(
            self.range_of(cand.meta.span()),
            new_meta,
            choice.rule,
            choice.applicability,
            message,
        ));
        self.underscore_params(function, choice.target);
        self.hashed_receiver(function, choice.target);
        if choice.target == Target::Memo {
            self.unstorable_return(function);
        }
        Some(choice.target)
    }

    /// The site's options, or a finding when they cannot be read.
    fn read_options(&mut self, cand: &AttrCandidate<'_>) -> Option<Vec<LegacyOption>> {
        match options::parse_options(&cand.meta, self.collected.base) {
            Ok(o) => Some(o),
            Err((range, why)) => {
                self.findings.push(
                    Finding::new(
                        range,
                        Rule::Unsupported,
                        Applicability::Review,
                        format!("cannot read this legacy cache attribute: {why}"),
                    )
                    .with_help("rewrite it by hand"),
                );
                None
            }
        }
    }

    /// Whether the pre-scan found callers that keep this function on the legacy cache (with a
    /// finding saying so).
    fn is_blocked(&mut self, cand: &AttrCandidate<'_>, function: FnRef<'_>) -> bool {
        let fname = function.name.to_string();
        let Some(reasons) = self.facts.blocked.get(&fname) else {
            return false;
        };
        // Mutation is the weightier reason when there are several.
        let mutated = reasons
            .iter()
            .any(|r| SharedUse::of_reason(r).is_some_and(SharedUse::mutates));
        let mut finding = Finding::new(
            cand.attr_range.clone(),
            if mutated {
                Rule::SharedMutation
            } else {
                Rule::SharedApi
            },
            Applicability::Review,
            format!(
                "`{fname}` keeps the legacy cache: its result is {}",
                reasons.join("; ")
            ),
        );
        finding.help = Some("#[memo] returns `T` and #[singleton] returns `Arc<T>`, neither a `Shared<T>`, so these uses would not compile; each use has a finding with its fix; change them, then run again".into());
        self.findings.push(finding);
        true
    }

    /// `allow_output_mutation = true` selects `#[singleton]`; otherwise the return type decides.
    fn choose_target(&mut self, function: FnRef<'_>, opts: &[LegacyOption]) -> Choice {
        let allow_mutation = options::find(opts, "allow_output_mutation")
            .and_then(|o| o.value.as_bool())
            == Some(true);
        let memo = Choice {
            target: Target::Memo,
            rule: Rule::CacheToMemo,
            applicability: Applicability::Safe,
        };
        if allow_mutation {
            return Choice {
                target: Target::Singleton,
                rule: Rule::CacheToSingleton,
                ..memo
            };
        }
        let syn::ReturnType::Type(_, ty) = &function.sig.output else {
            return memo;
        };
        let fname = function.name.to_string();
        let ty_range = self.range_of(ty.span());
        let ty_text = self.src()[ty_range.clone()].to_string();
        let (rule, message, help) = match classify(ty) {
            RetClass::Data => return memo,
            RetClass::Resource(name) => (
                Rule::ResourceToSingleton,
                format!(
                    "`{ty_text}` looks like a resource (`{name}`), so `{fname}` becomes `#[singleton]` rather than `#[memo]`"
                ),
                "callers now share one `Arc<T>`; if this is really data, change the attribute to `#[memo]`",
            ),
            RetClass::Unserializable(what) => (
                Rule::UnserializableReturn,
                format!(
                    "`{ty_text}` is {what} and cannot be serialized, so `{fname}` becomes `#[singleton]` (memo stores values by serialization)"
                ),
                "if an owned, serializable type can be returned instead, use `#[memo]`",
            ),
        };
        self.findings
            .push(Finding::new(ty_range, rule, Applicability::Review, message).with_help(help));
        Choice {
            target: Target::Singleton,
            rule,
            applicability: Applicability::Review,
        }
    }

    /// The attribute's new text: the path renamed, options translated, kept or removed.
    /// `None` (with a finding) when the edits cannot be combined.
    fn rewrite_meta(
        &mut self,
        cand: &AttrCandidate<'_>,
        function: FnRef<'_>,
        form: PathForm,
        opts: &[LegacyOption],
        choice: Choice,
        notes: &mut Vec<String>,
    ) -> Option<String> {
        let Choice {
            target,
            rule,
            applicability,
        } = choice;
        let meta_range = self.range_of(cand.meta.span());
        let path_range = self.range_of(cand.meta.path().span());
        let (new_path, path_start) = match form {
            PathForm::Bare(_) => (target.name().to_string(), path_range.start),
            PathForm::Qualified => (
                format!("{0}::{0}", target.name()),
                self.range_of(cand.meta.path().segments[0].ident.span())
                    .start,
            ),
        };
        let mut sub = vec![Edit::new(
            path_start..path_range.end,
            new_path,
            rule,
            applicability,
            "",
        )];
        let keep: Vec<bool> = opts
            .iter()
            .map(|o| self.translate_option(o, function, cand, target, &mut sub, notes))
            .collect();
        if let syn::Meta::List(list) = &cand.meta {
            if keep.iter().all(|k| !k) {
                let group_start = self.range_of(list.delimiter.span().open()).start;
                sub.push(Edit::new(
                    group_start..meta_range.end,
                    "",
                    rule,
                    applicability,
                    "",
                ));
            } else {
                let ranges: Vec<_> = opts.iter().map(|o| o.range.clone()).collect();
                for r in options::removal_ranges(&ranges, &keep) {
                    sub.push(Edit::new(r, "", rule, applicability, ""));
                }
            }
        }
        drop_nested_in_removals(&mut sub);
        self.keep_removed_comments(&mut sub);
        let relative: Vec<Edit> = sub
            .iter()
            .map(|e| {
                Edit::new(
                    e.range.start - meta_range.start..e.range.end - meta_range.start,
                    e.replacement.clone(),
                    e.rule,
                    e.applicability,
                    "",
                )
            })
            .collect();
        match apply_edits(&self.src()[meta_range], &relative) {
            Ok(t) => Some(t),
            Err(_) => {
                self.findings.push(Finding::new(
                    cand.attr_range.clone(),
                    Rule::InternalError,
                    Applicability::Review,
                    "could not combine the edits for this attribute; left untouched",
                ));
                None
            }
        }
    }

    /// Translates one option into sub-edits of the attribute; returns whether it is kept.
    fn translate_option(
        &mut self,
        o: &LegacyOption,
        function: FnRef<'_>,
        cand: &AttrCandidate<'_>,
        target: Target,
        sub: &mut Vec<Edit>,
        notes: &mut Vec<String>,
    ) -> bool {
        let fname = function.name;
        let persist = o.name == "persist" && o.value.as_bool() == Some(true);
        match o.name.as_str() {
            "allow_output_mutation" => {
                notes.push("dropped `allow_output_mutation` (it selects the target)".into());
                false
            }
            "suppress_st_warning" => {
                notes.push("dropped `suppress_st_warning` (no successor)".into());
                false
            }
            "sampling" => {
                self.findings.push(
                    Finding::new(o.range.clone(), Rule::SamplingDropped, Applicability::Info, "`sampling` is a harness-only legacy option with no successor; dropped")
                        .with_help("memo copies values and singleton shares them, so no mutation check needs sampling"),
                );
                false
            }
            "persist" if !persist => {
                notes.push("dropped `persist = false`".into());
                false
            }
            "persist" if target == Target::Singleton => {
                self.findings.push(
                    Finding::new(o.range.clone(), Rule::PersistDropped, Applicability::Review, format!("`persist` dropped: `{fname}` becomes `#[singleton]`, and singletons are not persisted"))
                        .with_help("values are recomputed after a restart; if they must survive, return data and use `#[memo(persist = \"disk\")]`"),
                );
                false
            }
            "persist" => {
                let (range, text) = match &o.value {
                    OptionValue::Expr(value_range, _) => (value_range.clone(), "\"disk\""),
                    _ => (o.range.clone(), "persist = \"disk\""),
                };
                sub.push(Edit::new(
                    range,
                    text,
                    Rule::PersistToDisk,
                    Applicability::Safe,
                    "",
                ));
                notes.push("`persist = true` became `persist = \"disk\"`".into());
                true
            }
            "max_entries" => {
                self.findings.push(
                    Finding::new(o.range.clone(), Rule::EvictionClock, Applicability::Info, format!("`max_entries` kept: #[{}] evicts by CLOCK (an entry read since eviction last passed it gets a second chance), not by exact least-recent use as the legacy cache did", target.name()))
                        .with_help("which entry leaves a full cache can differ; hits no longer need an exclusive lock"),
                );
                true
            }
            "hash_funcs" => self.hash_funcs(o, function, &cand.attr_range, sub, notes),
            // Everything else carries over verbatim when the target reads it the same way.
            name if value_kind(target.attr(), name) == value_kind(Attr::Legacy, name) => true,
            name => {
                self.findings.push(
                    Finding::new(o.range.clone(), Rule::OptionDropped, Applicability::Review, format!("`{name}` dropped: #[{}] does not accept it as the legacy cache wrote it", target.name()))
                        .with_help("translate the option by hand if its effect is still wanted"),
                );
                false
            }
        }
    }

    /// `_`-prefixed parameters were hashed by the legacy cache and are ignored now.
    fn underscore_params(&mut self, function: FnRef<'_>, target: Target) {
        for a in &function.sig.inputs {
            let syn::FnArg::Typed(t) = a else { continue };
            if !param_is_unhashed(&t.pat) {
                continue;
            }
            let (name, range) = match &*t.pat {
                syn::Pat::Ident(pi) => (pi.ident.to_string(), self.range_of(pi.ident.span())),
                other => ("_".to_string(), self.range_of(other.span())),
            };
            let stem = name
                .strip_prefix("r#")
                .unwrap_or(&name)
                .trim_start_matches('_');
            let help = if stem.is_empty() {
                "give the parameter a name without a leading `_` if it should stay part of the key"
                    .to_string()
            } else {
                format!("rename it to `{stem}` if it should stay part of the key")
            };
            self.findings.push(
                Finding::new(range, Rule::UnderscoreParam, Applicability::Review, format!("parameter `{name}` was hashed by the legacy cache but is ignored by #[{}]: calls that differ only in it will share one entry", target.name()))
                    .with_help(help),
            );
        }
    }

    /// A method's receiver joins the key, and the successors check at compile time that it can
    /// be hashed; the legacy cache tried at run time and, for a type it could not hash, logged
    /// an error and ran the method uncached. So the rewrite compiles only if the type is
    /// hashable, which this file alone cannot tell.
    fn hashed_receiver(&mut self, function: FnRef<'_>, target: Target) {
        let Some(receiver) = function.sig.receiver() else {
            return;
        };
        let attr = target.name();
        self.findings.push(
            Finding::new(
                self.range_of(receiver.self_token.span),
                Rule::SelfHashed,
                Applicability::Review,
                format!("`self` is part of #[{attr}]'s key and must be hashable at compile time (the legacy cache hashed it at run time and ran the method uncached when it could not)"),
            )
            .with_help(format!("if the type is neither `serde::Serialize` nor `KeyHash`, add `#[derive({attr}::CacheKey)]` to it, or add `skip_self` to the attribute if the result does not depend on `self`")),
        );
    }

    /// #[memo] stores a serialized copy, so its return type must be `Serialize + Deserialize`;
    /// the legacy cache compiled without (it returned such values uncached). A type defined in
    /// this file without those derives or impls makes the rewrite fail to compile: say so.
    /// Types defined elsewhere are not known here, and `storage = "clone"` (not a legacy
    /// option) never arises from a rewrite.
    fn unstorable_return(&mut self, function: FnRef<'_>) {
        let syn::ReturnType::Type(_, ty) = &function.sig.output else {
            return;
        };
        let mut names = Vec::new();
        named_types(ty, &mut names);
        let Some(bad) = names
            .into_iter()
            .find(|n| self.collected.local_types.get(n) == Some(&false))
        else {
            return;
        };
        let fname = function.name;
        self.findings.push(
            Finding::new(
                self.range_of(ty.span()),
                Rule::NotStorable,
                Applicability::Review,
                format!("`{bad}` (defined in this file) is not `serde::Serialize + serde::Deserialize`, which #[memo] needs to store a copy of what `{fname}` returns: the rewrite does not compile as is (the legacy cache returned such values uncached)"),
            )
            .with_help(format!("add `#[derive(serde::Serialize, serde::Deserialize)]` to `{bad}` (and `serde` to the dependencies); if it is a shared object rather than data, change the attribute to `#[singleton]`")),
        );
    }

    /// Findings for `Shared<T>` written as a type and for mutated results.
    pub fn shared_and_mutations(&mut self) {
        for site in &self.collected.shared_types {
            if self
                .collected
                .resolves_to(&site.path, site.scope, LeafKind::Shared)
            {
                self.findings.push(
                    Finding::new(site.range.clone(), Rule::SharedType, Applicability::Review, "`legacy_cache::Shared<T>` written as a type: memo functions return `T` and singleton functions return `Arc<T>`")
                        .with_help("replace it with `T` (memo) or `std::sync::Arc<T>` (singleton) once the function it holds is migrated"),
                );
            }
        }
        for site in &self.collected.hazard_sites {
            let callee = &site.callee;
            if self.facts.legacy_fns.contains(callee) {
                let rule = if site.kind.mutates() {
                    Rule::SharedMutation
                } else {
                    Rule::SharedApi
                };
                self.findings.push(
                    Finding::new(
                        site.range.clone(),
                        rule,
                        Applicability::Review,
                        format!(
                            "the result of `{callee}` is {}; `{callee}` keeps the legacy cache",
                            site.kind.why()
                        ),
                    )
                    .with_help(site.kind.fix(callee)),
                );
            }
        }
    }
}

impl Decider<'_, '_, '_> {
    /// Turns deletions inside an attribute into deletions that keep the comments they cover
    /// (`suppress_st_warning = true, // TODO ...`): comments are the user's, not the option's.
    fn keep_removed_comments(&self, sub: &mut [Edit]) {
        let src = self.src();
        let newline = tokens::line_ending(src);
        for e in sub.iter_mut() {
            if !e.replacement.is_empty() || e.range.is_empty() {
                continue;
            }
            let removed = &src[e.range.clone()];
            let indent = tokens::indent_at(src, e.range.end);
            // A whole removed argument list keeps its parentheses around the comments.
            let whole_list = removed.starts_with('(') && removed.ends_with(')');
            let space_first = !whole_list
                && src[..e.range.start]
                    .chars()
                    .next_back()
                    .is_some_and(|c| !c.is_whitespace() && c != '(');
            let kept = tokens::kept_comments(removed, newline, &indent, space_first);
            if kept.is_empty() {
                continue;
            }
            e.replacement = if whole_list {
                format!("({kept})")
            } else {
                kept
            };
        }
    }
}

/// Drops sub-edits nested inside a removed range (a removed `hash_funcs` group, say).
fn drop_nested_in_removals(sub: &mut Vec<Edit>) {
    let removed: Vec<Range<usize>> = sub
        .iter()
        .filter(|e| e.replacement.is_empty())
        .map(|e| e.range.clone())
        .collect();
    sub.retain(|e| {
        !removed.iter().any(|r| {
            r != &e.range
                && r.start <= e.range.start
                && e.range.end <= r.end
                && !(e.range.is_empty() && e.range.start == r.end)
        })
    });
}
