//! Rewriting what follows the attributes: `legacy_cache::clear_cache()` calls and the `use`
//! items that import from `legacy_cache`.

use super::decide::Decider;
use super::uses::{LeafKind, UseInfo};
use crate::model::{Applicability, Edit, Finding, Primitives, Rule};
use crate::tokens::{self, Tok};

const IMPORT_MESSAGE: &str = "imports follow the rewritten attributes";

fn import_edit(range: std::ops::Range<usize>, text: impl Into<String>) -> Edit {
    Edit::new(
        range,
        text,
        Rule::Import,
        Applicability::Safe,
        IMPORT_MESSAGE,
    )
}

/// Whether only blanks precede `pos` on its line.
fn starts_line(src: &str, pos: usize) -> bool {
    let line_start = src[..pos].rfind('\n').map_or(0, |i| i + 1);
    src[line_start..pos].trim().is_empty()
}

impl Decider<'_, '_, '_> {
    /// Replaces each legacy `clear_cache()` call with the global clears of the primitives in use.
    pub fn clears(&mut self, fallback: Primitives, keep_legacy: bool) {
        let prims = if self.uses.any() { self.uses } else { fallback };
        // Functions that stay on the legacy cache must still be cleared.
        let keep_legacy = keep_legacy || self.unconverted_sites > 0;
        for call in &self.collected.clears {
            if !self
                .collected
                .resolves_to(&call.path, call.scope, LeafKind::Clear)
            {
                continue;
            }
            self.clear_sites += 1;
            if call.has_args {
                self.findings.push(Finding::new(
                    call.call_range.clone(),
                    Rule::Unsupported,
                    Applicability::Review,
                    "`clear_cache` called with arguments; left untouched",
                ));
                continue;
            }
            if !prims.any() {
                self.unresolved_clear = true;
                if keep_legacy {
                    continue;
                }
                self.findings.push(
                    Finding::new(call.call_range.clone(), Rule::ClearCache, Applicability::Review, "`legacy_cache::clear_cache()` left as is: no function in this package uses #[memo] or #[singleton] yet")
                        .with_help("replace it with `memo::clear_all()` and/or `singleton::clear_all()` by hand"),
                );
                continue;
            }
            let mut calls = Vec::new();
            if prims.memo {
                calls.push("memo::clear_all()");
            }
            if prims.singleton {
                calls.push("singleton::clear_all()");
            }
            if keep_legacy {
                calls.push("legacy_cache::clear_cache()");
            }
            let text = if calls.len() == 1 {
                calls[0].to_string()
            } else if call.is_stmt && starts_line(self.src(), call.call_range.start) {
                let sep = format!(
                    ";{}{}",
                    tokens::line_ending(self.src()),
                    tokens::indent_at(self.src(), call.call_range.start)
                );
                calls.join(&sep)
            } else if call.is_stmt {
                // Sharing its line with other code (a one-line `fn`): stay on that line.
                calls.join("; ")
            } else {
                format!("{{ {} }}", calls.join("; "))
            };
            self.edits.push(Edit::new(
                call.call_range.clone(),
                text,
                Rule::ClearCache,
                Applicability::Safe,
                "`legacy_cache::clear_cache()` -> global clears of the primitives in use",
            ));
        }
    }

    /// Counts uses of `name` outside `use` items and outside text that edits replace.
    fn remaining_idents(&self, toks: &[Tok], name: &str) -> usize {
        toks.iter()
            .filter(|t| t.text == name)
            .filter(|t| {
                !self
                    .collected
                    .uses
                    .iter()
                    .any(|u| u.item_range.start <= t.start && t.start < u.item_range.end)
            })
            .filter(|t| {
                !self
                    .edits
                    .iter()
                    .any(|e| e.range.start <= t.start && t.start < e.range.end)
            })
            .count()
    }

    /// Trims legacy `use` items to what is still used and imports the primitives the converted
    /// sites need.
    pub fn imports(&mut self) {
        if self.collected.leaves.iter().all(|l| l.kind.is_new()) {
            return;
        }
        let toks = tokens::idents(&self.src()[self.collected.base..], self.collected.base);
        let mut new_edits = Vec::new();
        let mut glob_notes = Vec::new();
        for (index, item) in self.collected.uses.iter().enumerate() {
            let legacy: Vec<usize> = item
                .leaves
                .iter()
                .copied()
                .filter(|&l| !self.collected.leaves[l].kind.is_new())
                .collect();
            if legacy.is_empty() {
                continue;
            }
            // A `pub use` stays when it is part of the crate's public API (or the crate's
            // modules are unknown); inside the crate, only while something still names it.
            let public = item.is_pub
                && self
                    .ctx
                    .public_uses
                    .as_ref()
                    .is_none_or(|p| p.contains(&item.item_range.start));
            let keep: Vec<bool> = legacy
                .iter()
                .map(|&l| {
                    let used = self.leaf_still_used(l, &toks);
                    let leaf = &self.collected.leaves[l];
                    if leaf.kind == LeafKind::Glob {
                        glob_notes.push(item.item_range.clone());
                    }
                    let elsewhere = self.ctx.keep.get(&leaf.alias);
                    if !used
                        && !public
                        && let Some(why) = elsewhere
                    {
                        self.findings.push(
                            Finding::new(
                                item.item_range.clone(),
                                Rule::Import,
                                Applicability::Info,
                                format!("`{}` kept: {why}", leaf.alias),
                            )
                            .with_help("remove it by hand once nothing names it any more"),
                        );
                    }
                    used || public || elsewhere.is_some()
                })
                .collect();
            let needed = self.imports_needed(index, item, &legacy);
            let mut new_paths = Vec::new();
            if needed.memo {
                new_paths.push("memo::memo".to_string());
            }
            if needed.singleton {
                new_paths.push("singleton::singleton".to_string());
            }
            let all_kept = keep.iter().all(|k| *k);
            if all_kept && new_paths.is_empty() {
                continue;
            }
            let kept_rel: Vec<String> = legacy
                .iter()
                .zip(&keep)
                .filter(|(_, k)| **k)
                .map(|(&l, _)| self.collected.leaves[l].rel_text.clone())
                .collect();
            let legacy_text = match kept_rel.len() {
                0 => None,
                1 if kept_rel[0] == "self" => Some("legacy_cache".to_string()),
                1 => Some(format!("legacy_cache::{}", kept_rel[0])),
                _ => Some(format!("legacy_cache::{{{}}}", kept_rel.join(", "))),
            };
            self.rewrite_use(item, all_kept, legacy_text, &new_paths, &mut new_edits);
        }
        self.edits.extend(new_edits);
        if self.uses.any() {
            for r in glob_notes {
                self.findings.push(
                    Finding::new(r, Rule::Import, Applicability::Info, "`use legacy_cache::*` kept: it may bring in names this tool does not track")
                        .with_help("remove it once nothing from `legacy_cache` is used, then drop the `legacy-cache` dependency"),
                );
            }
        }
    }

    /// Whether an imported legacy name is still needed after the rewrite.
    fn leaf_still_used(&self, leaf_index: usize, toks: &[Tok]) -> bool {
        let leaf = &self.collected.leaves[leaf_index];
        let macro_mentions = |name: &str| {
            self.collected.macros.iter().any(|m| {
                tokens::stream_has_attr(&m.tokens, name) || tokens::stream_mentions(&m.tokens, name)
            })
        };
        match leaf.kind {
            LeafKind::Attr => {
                self.unconverted_by_leaf
                    .get(&leaf_index)
                    .copied()
                    .unwrap_or(0)
                    > 0
                    || macro_mentions(&leaf.alias)
            }
            LeafKind::Clear | LeafKind::Shared | LeafKind::Crate => {
                self.remaining_idents(toks, &leaf.alias) > 0
            }
            // A glob may bring in names this tool does not track (traits, types); removing it
            // could break the build, so it stays for a human to judge.
            _ => true,
        }
    }

    /// The primitives this `use` item must import: those its converted sites became, minus
    /// what the scope already imports or an earlier item of the scope gets.
    fn imports_needed(&self, index: usize, item: &UseInfo, legacy: &[usize]) -> Primitives {
        let mut needed = Primitives::default();
        for l in legacy {
            if let Some(p) = self.converted_by_leaf.get(l) {
                needed = needed.union(*p);
            }
        }
        for l in &self.collected.leaves {
            if l.scope == item.scope && l.kind == LeafKind::NewMemo {
                needed.memo = false;
            }
            if l.scope == item.scope && l.kind == LeafKind::NewSingleton {
                needed.singleton = false;
            }
        }
        for (other_index, other) in self.collected.uses.iter().enumerate() {
            if other_index < index && other.scope == item.scope {
                for l in &other.leaves {
                    if let Some(p) = self.converted_by_leaf.get(l) {
                        if p.memo {
                            needed.memo = false;
                        }
                        if p.singleton {
                            needed.singleton = false;
                        }
                    }
                }
            }
        }
        needed
    }

    /// The edits that turn one `use` item into the kept legacy part plus the new imports.
    fn rewrite_use(
        &self,
        item: &UseInfo,
        all_kept: bool,
        legacy_text: Option<String>,
        new_paths: &[String],
        out: &mut Vec<Edit>,
    ) {
        let indent = tokens::indent_at(self.src(), item.item_range.start);
        let newline = tokens::line_ending(self.src());
        let extra_items = |paths: &[String]| -> String {
            paths
                .iter()
                .map(|p| format!("{newline}{indent}{}{p};", item.prefix))
                .collect()
        };
        let append = |out: &mut Vec<Edit>, extra: String| {
            if !extra.is_empty() {
                out.push(import_edit(item.item_range.end..item.item_range.end, extra));
            }
        };
        if item.extern_crate {
            // Nothing is imported through it; it goes once nothing uses the name.
            if !all_kept {
                out.push(import_edit(
                    tokens::line_extend(self.src(), item.item_range.clone()),
                    "",
                ));
            }
            return;
        }
        let subtree = match (&item.subtree, all_kept) {
            (Some(st), false) => st,
            _ => {
                // Nothing removable in place: keep the item and add the new imports after it.
                append(out, extra_items(new_paths));
                return;
            }
        };
        let mut parts: Vec<String> = legacy_text.into_iter().collect();
        parts.extend(new_paths.iter().cloned());
        let whole_item = || tokens::line_extend(self.src(), item.item_range.clone());
        match &subtree.siblings {
            None if parts.is_empty() => out.push(import_edit(whole_item(), "")),
            None => {
                out.push(import_edit(subtree.range.clone(), parts[0].clone()));
                append(out, extra_items(&parts[1..]));
            }
            Some((siblings, _)) if parts.is_empty() && siblings.len() == 1 => {
                out.push(import_edit(whole_item(), ""));
            }
            Some((siblings, i)) if parts.is_empty() => {
                let i = *i;
                let range = if i + 1 < siblings.len() {
                    siblings[i].start..siblings[i + 1].start
                } else {
                    siblings[i - 1].end..siblings[i].end
                };
                out.push(import_edit(range, ""));
            }
            Some(_) => out.push(import_edit(subtree.range.clone(), parts.join(", "))),
        }
    }
}
