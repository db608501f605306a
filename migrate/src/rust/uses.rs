//! `use` trees: which names the file imports from `legacy_cache` (and from `memo`/`singleton`),
//! and resolving a name or path at a site back to those imports.

use super::collect::Collector;
use std::collections::HashSet;
use std::ops::Range;
use syn::spanned::Spanned;

/// What an imported name refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LeafKind {
    /// `legacy_cache::cache`.
    Attr,
    /// `legacy_cache::clear_cache`.
    Clear,
    /// `legacy_cache::Shared`.
    Shared,
    /// The crate itself (`use legacy_cache as lc`).
    Crate,
    /// `legacy_cache::*`.
    Glob,
    /// Any other item of `legacy_cache`.
    Other,
    /// `memo::memo`, already imported.
    NewMemo,
    /// `singleton::singleton`, already imported.
    NewSingleton,
}

impl LeafKind {
    /// The successors' own imports, as opposed to legacy ones.
    pub fn is_new(self) -> bool {
        matches!(self, LeafKind::NewMemo | LeafKind::NewSingleton)
    }
}

/// One imported name.
#[derive(Debug, Clone)]
pub(super) struct Leaf {
    pub kind: LeafKind,
    /// The name it is visible under.
    pub alias: String,
    pub scope: usize,
    /// Path text below `legacy_cache::`, used to rebuild a trimmed `use` tree.
    pub rel_text: String,
    /// Visible in every module of the crate: `extern crate legacy_cache as lc;` at the top
    /// level adds `lc` to the extern prelude.
    pub everywhere: bool,
    /// Imported by a glob from another module of the crate (`use super::*`,
    /// `use crate::prelude::*`): names declared in the scope take precedence.
    pub via_glob: bool,
}

/// Where the `legacy_cache` part of a `use` item sits.
#[derive(Debug, Clone)]
pub(super) struct Subtree {
    pub range: Range<usize>,
    /// The ranges of all trees in the root group, and the legacy one's index, when the legacy
    /// subtree sits in a root group (`use {legacy_cache::cache, std::fmt};`).
    pub siblings: Option<(Vec<Range<usize>>, usize)>,
}

/// One `use` item.
#[derive(Debug, Clone)]
pub(super) struct UseInfo {
    pub scope: usize,
    pub item_range: Range<usize>,
    /// The text before the tree (`pub(crate) use `), reused for added imports.
    pub prefix: String,
    pub is_pub: bool,
    pub subtree: Option<Subtree>,
    /// The whole tree, when it is one path without groups or globs (`crate::cache as c`).
    pub simple_tree: Option<Range<usize>>,
    /// Indices into [`Collector::leaves`].
    pub leaves: Vec<usize>,
    /// An `extern crate legacy_cache ...;` item rather than a `use`.
    pub extern_crate: bool,
}

/// How a site names the legacy item.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum PathForm {
    /// A bare name, imported by this leaf.
    Bare(usize),
    /// `legacy_cache::cache` or `alias::cache`.
    Qualified,
}

fn is_legacy_root(tree: &syn::UseTree) -> bool {
    match tree {
        syn::UseTree::Path(p) => p.ident == "legacy_cache",
        syn::UseTree::Name(n) => n.ident == "legacy_cache",
        syn::UseTree::Rename(r) => r.ident == "legacy_cache",
        _ => false,
    }
}

impl<'ast> Collector<'ast, '_> {
    pub(super) fn record_use(&mut self, item: &'ast syn::ItemUse) {
        let item_range = self.range_of(item.span());
        let tree_range = self.range_of(item.tree.span());
        let prefix = self.src[item_range.start..tree_range.start].to_string();
        let subtree = match &item.tree {
            t if is_legacy_root(t) => Some(Subtree {
                range: tree_range.clone(),
                siblings: None,
            }),
            syn::UseTree::Group(g) => {
                let sib: Vec<Range<usize>> =
                    g.items.iter().map(|t| self.range_of(t.span())).collect();
                g.items.iter().position(is_legacy_root).map(|i| Subtree {
                    range: sib[i].clone(),
                    siblings: Some((sib.clone(), i)),
                })
            }
            _ => None,
        };
        if let syn::UseTree::Path(p) = &item.tree
            && p.ident == "super"
            && matches!(&*p.tree, syn::UseTree::Glob(_))
        {
            self.mark_glob_super();
        }
        let simple_tree = is_simple(&item.tree).then(|| tree_range.clone());
        let mut found = Vec::new();
        walk_use(&item.tree, &mut Vec::new(), &mut found);
        let scope = self.current_scope();
        let mut leaf_ids = Vec::new();
        for (kind, alias, rel_text) in found {
            leaf_ids.push(self.leaves.len());
            self.leaves.push(Leaf {
                kind,
                alias,
                scope,
                rel_text,
                everywhere: false,
                via_glob: false,
            });
        }
        self.uses.push(UseInfo {
            scope,
            item_range,
            prefix,
            is_pub: !matches!(item.vis, syn::Visibility::Inherited),
            subtree,
            simple_tree,
            leaves: leaf_ids,
            extern_crate: false,
        });
    }

    /// `extern crate legacy_cache;` or `extern crate legacy_cache as lc;`: the crate under a
    /// name, like `use legacy_cache as lc;`.
    pub(super) fn record_extern_crate(&mut self, item: &'ast syn::ItemExternCrate) {
        if item.ident != "legacy_cache" {
            return;
        }
        let alias = item
            .rename
            .as_ref()
            .map_or_else(|| item.ident.to_string(), |(_, r)| r.to_string());
        let scope = self.current_scope();
        self.leaves.push(Leaf {
            kind: LeafKind::Crate,
            alias,
            scope,
            rel_text: "self".into(),
            everywhere: scope == 0,
            via_glob: false,
        });
        self.uses.push(UseInfo {
            scope,
            item_range: self.range_of(item.span()),
            prefix: String::new(),
            is_pub: !matches!(item.vis, syn::Visibility::Inherited),
            subtree: None,
            simple_tree: None,
            leaves: vec![self.leaves.len() - 1],
            extern_crate: true,
        });
    }

    /// Resolves a bare name to a legacy `use` leaf of the wanted kind, walking out through the
    /// enclosing scopes as Rust's name lookup does.
    pub(super) fn resolve(&self, name: &str, scope: usize, want: LeafKind) -> Option<usize> {
        let glob_name = match want {
            LeafKind::Attr => "cache",
            LeafKind::Clear => "clear_cache",
            LeafKind::Shared => "Shared",
            _ => "",
        };
        let mut next = Some(scope);
        while let Some(sc) = next {
            if let Some(i) = self.leaves.iter().position(|l| {
                l.scope == sc && l.alias == name && l.kind != LeafKind::Glob && !l.via_glob
            }) {
                return (self.leaves[i].kind == want).then_some(i);
            }
            if self.scopes[sc].fns.contains(name) {
                return None;
            }
            if let Some(i) = self
                .leaves
                .iter()
                .position(|l| l.scope == sc && l.alias == name && l.via_glob)
            {
                return (self.leaves[i].kind == want).then_some(i);
            }
            if name == glob_name
                && let Some(i) = self
                    .leaves
                    .iter()
                    .position(|l| l.scope == sc && l.kind == LeafKind::Glob)
            {
                return Some(i);
            }
            let info = &self.scopes[sc];
            next = if info.module && !info.glob_super {
                None
            } else {
                let mut parent = info.parent;
                // `use super::*` continues in the parent *module*, skipping nothing else.
                if info.module {
                    while let Some(p) = parent {
                        if self.scopes[p].module {
                            break;
                        }
                        parent = self.scopes[p].parent;
                    }
                }
                parent
            };
        }
        None
    }

    /// Whether `path` is `legacy_cache::<last>` or `<crate alias>::<last>`.
    pub(super) fn resolve_qualified(&self, path: &syn::Path, scope: usize, last: &str) -> bool {
        if path.segments.len() != 2 || path.segments[1].ident != last {
            return false;
        }
        let first = path.segments[0].ident.to_string();
        let extern_prelude = || {
            self.leaves
                .iter()
                .any(|l| l.everywhere && l.kind == LeafKind::Crate && l.alias == first)
        };
        first == "legacy_cache"
            || (path.leading_colon.is_none()
                && (self.resolve(&first, scope, LeafKind::Crate).is_some() || extern_prelude()))
    }

    /// Whether a bare or qualified path names `legacy_cache::<last>` at `scope`.
    pub(super) fn resolves_to(&self, path: &syn::Path, scope: usize, want: LeafKind) -> bool {
        let last = match want {
            LeafKind::Clear => "clear_cache",
            LeafKind::Shared => "Shared",
            _ => "cache",
        };
        if path.segments.len() == 1 && path.leading_colon.is_none() {
            self.resolve(&path.segments[0].ident.to_string(), scope, want)
                .is_some()
        } else {
            self.resolve_qualified(path, scope, last)
        }
    }

    /// How an attribute path names `legacy_cache::cache`, if it does.
    pub(super) fn resolve_attr(&self, path: &syn::Path, scope: usize) -> Option<PathForm> {
        if path.segments.len() == 1 && path.leading_colon.is_none() {
            let name = path.segments[0].ident.to_string();
            return self
                .resolve(&name, scope, LeafKind::Attr)
                .map(PathForm::Bare);
        }
        self.resolve_qualified(path, scope, "cache")
            .then_some(PathForm::Qualified)
    }

    /// Every name the legacy crate or its attribute and clear function are visible under.
    pub(super) fn legacy_aliases(&self) -> HashSet<String> {
        let mut names: HashSet<String> = self
            .leaves
            .iter()
            .filter(|l| matches!(l.kind, LeafKind::Attr | LeafKind::Clear | LeafKind::Crate))
            .map(|l| l.alias.clone())
            .collect();
        names.insert("legacy_cache".into());
        names
    }
}

/// A tree that is one path: `a::b::c` or `a::b::c as d`.
fn is_simple(tree: &syn::UseTree) -> bool {
    match tree {
        syn::UseTree::Path(p) => is_simple(&p.tree),
        syn::UseTree::Name(_) | syn::UseTree::Rename(_) => true,
        _ => false,
    }
}

impl Collector<'_, '_> {
    /// Adds the names the crate-level pass found this file's `use` items import from other
    /// modules, as legacy leaves of those items. A one-path item importing only such a name can
    /// then be removed or replaced like a `use legacy_cache::...` item.
    pub(super) fn inject(&mut self, ctx: &super::CrateContext) {
        for imp in &ctx.imported {
            let Some(ui) = self
                .uses
                .iter()
                .position(|u| u.item_range.start == imp.offset && !u.extern_crate)
            else {
                continue;
            };
            if self.uses[ui]
                .leaves
                .iter()
                .any(|&l| self.leaves[l].alias == imp.alias && !self.leaves[l].kind.is_new())
            {
                continue;
            }
            self.leaves.push(Leaf {
                kind: imp.kind,
                alias: imp.alias.clone(),
                scope: self.uses[ui].scope,
                rel_text: String::new(),
                everywhere: false,
                via_glob: imp.glob,
            });
            let id = self.leaves.len() - 1;
            let u = &mut self.uses[ui];
            u.leaves.push(id);
            if !imp.glob && u.subtree.is_none() && u.leaves.len() == 1 {
                u.subtree = u.simple_tree.clone().map(|range| Subtree {
                    range,
                    siblings: None,
                });
            }
        }
        for alias in &ctx.extern_aliases {
            self.leaves.push(Leaf {
                kind: LeafKind::Crate,
                alias: alias.clone(),
                scope: 0,
                rel_text: "self".into(),
                everywhere: true,
                via_glob: false,
            });
        }
    }
}

/// Flattens a `use` tree into `(kind, alias, path below legacy_cache)` leaves.
fn walk_use(
    tree: &syn::UseTree,
    prefix: &mut Vec<String>,
    out: &mut Vec<(LeafKind, String, String)>,
) {
    let mut leaf = |full: Vec<String>, alias: String, renamed: bool| {
        let kind = match full
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice()
        {
            ["memo", "memo"] => LeafKind::NewMemo,
            ["singleton", "singleton"] => LeafKind::NewSingleton,
            ["legacy_cache"] => LeafKind::Crate,
            ["legacy_cache", "cache"] => LeafKind::Attr,
            ["legacy_cache", "clear_cache"] => LeafKind::Clear,
            ["legacy_cache", "Shared"] => LeafKind::Shared,
            ["legacy_cache", "*"] => LeafKind::Glob,
            ["legacy_cache", ..] => LeafKind::Other,
            _ => return,
        };
        let mut rel = if full.len() == 1 {
            "self".to_string()
        } else {
            full[1..].join("::")
        };
        if renamed {
            rel = format!("{rel} as {alias}");
        }
        out.push((kind, alias, rel));
    };
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            walk_use(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) => {
            let mut full = prefix.clone();
            if n.ident != "self" {
                full.push(n.ident.to_string());
            }
            let alias = full.last().cloned().unwrap_or_default();
            leaf(full, alias, false);
        }
        syn::UseTree::Rename(r) => {
            let mut full = prefix.clone();
            if r.ident != "self" {
                full.push(r.ident.to_string());
            }
            leaf(full, r.rename.to_string(), true);
        }
        syn::UseTree::Glob(_) => {
            let mut full = prefix.clone();
            full.push("*".into());
            leaf(full, "*".into(), false);
        }
        syn::UseTree::Group(g) => {
            for t in &g.items {
                walk_use(t, prefix, out);
            }
        }
    }
}
