//! The crate-level pass: which names each module binds to `legacy_cache` items, followed through
//! `use super::*`, `crate::`/`super::`/`self::` paths and in-crate re-exports, so that a file that
//! never names `legacy_cache` but uses an import made in another file is migrated with it, and
//! an import another file still needs is kept.
//!
//! Modules are found the way rustc finds them: from the crate roots (`src/lib.rs`,
//! `src/main.rs`, `src/bin/*`, `tests/*`, `examples/*`, `benches/*`, `build.rs` and the
//! manifest's `path = ...` targets) through `mod name;` declarations. What cannot be followed
//! (a `#[path]` module, an item macro that may expand to a module, a file no `mod` reaches) makes
//! the view uncertain, and then every legacy import of the package is kept.

use super::prescan::{Prescan, prescan_parsed};
use super::uses::LeafKind;
use super::{on_analysis_stack, parse};
use crate::model::FileError;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use syn::spanned::Spanned;

/// How far a `use` item is visible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Vis {
    /// No `pub`: this module and its descendants.
    Private,
    /// `pub(crate)`, `pub(super)`, `pub(in ..)`: inside the crate.
    Internal,
    /// `pub`.
    Pub,
}

fn vis_of(v: &syn::Visibility) -> Vis {
    match v {
        syn::Visibility::Inherited => Vis::Private,
        syn::Visibility::Restricted(_) => Vis::Internal,
        syn::Visibility::Public(_) => Vis::Pub,
    }
}

/// An out-of-line `mod name;`.
#[derive(Debug, Clone)]
pub(crate) struct ModDecl {
    /// Inline modules of the file enclosing the declaration.
    pub within: Vec<String>,
    pub name: String,
    pub has_path_attr: bool,
    pub is_pub: bool,
}

/// One path of a `use` tree: `segments` up to the imported name; `alias` is `None` for a glob.
#[derive(Debug, Clone)]
pub(crate) struct UsePath {
    pub segments: Vec<String>,
    pub alias: Option<String>,
}

/// A module-level `use` item.
#[derive(Debug, Clone)]
pub(crate) struct UseFact {
    pub within: Vec<String>,
    /// Byte offset of the item in the file (the same the analysis records).
    pub offset: usize,
    pub vis: Vis,
    pub paths: Vec<UsePath>,
}

/// What the crate-level pass needs from one file.
#[derive(Debug, Clone, Default)]
pub(crate) struct ModuleFacts {
    pub mods: Vec<ModDecl>,
    /// Inline modules: path within the file and whether declared `pub`.
    pub inline_mods: Vec<(Vec<String>, bool)>,
    pub uses: Vec<UseFact>,
    /// Aliases of a top-level `extern crate legacy_cache as x;`.
    pub extern_aliases: Vec<String>,
    /// An item-level macro invocation that mentions `mod`: it may expand to a module.
    pub macro_module: bool,
}

/// Parses one file and extracts its [`ModuleFacts`] and, from the same parse, its [`Prescan`]
/// (so a file the run analyses is not parsed once more for the pre-scan).
pub(crate) fn module_facts(src: &str) -> Result<(ModuleFacts, Prescan), FileError> {
    let r = on_analysis_stack(|| {
        let (file, base) = parse(src)?;
        let mut out = ModuleFacts::default();
        walk_items(&file.items, &mut Vec::new(), base, &mut out);
        Ok((out, prescan_parsed(src, base, &file)))
    });
    proc_macro2::extra::invalidate_current_thread_spans();
    r
}

fn walk_items(items: &[syn::Item], within: &mut Vec<String>, base: usize, out: &mut ModuleFacts) {
    for item in items {
        match item {
            syn::Item::Mod(m) => {
                let name = m.ident.to_string();
                let is_pub = !matches!(m.vis, syn::Visibility::Inherited);
                match &m.content {
                    Some((_, inner)) => {
                        within.push(name);
                        out.inline_mods.push((within.clone(), is_pub));
                        walk_items(inner, within, base, out);
                        within.pop();
                    }
                    None => out.mods.push(ModDecl {
                        within: within.clone(),
                        name,
                        has_path_attr: m.attrs.iter().any(|a| a.path().is_ident("path")),
                        is_pub,
                    }),
                }
            }
            syn::Item::Use(u) => {
                let mut paths = Vec::new();
                flatten(&u.tree, &mut Vec::new(), &mut paths);
                out.uses.push(UseFact {
                    within: within.clone(),
                    offset: u.span().byte_range().start + base,
                    vis: vis_of(&u.vis),
                    paths,
                });
            }
            syn::Item::ExternCrate(e) if e.ident == "legacy_cache" && within.is_empty() => {
                let alias = e
                    .rename
                    .as_ref()
                    .map_or_else(|| e.ident.to_string(), |(_, r)| r.to_string());
                out.extern_aliases.push(alias);
            }
            syn::Item::Macro(m)
                if !m.mac.path.is_ident("macro_rules")
                    && crate::tokens::stream_mentions(&m.mac.tokens, "mod") =>
            {
                out.macro_module = true;
            }
            _ => {}
        }
    }
}

fn flatten(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<UsePath>) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            flatten(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) => {
            let mut segments = prefix.clone();
            segments.push(n.ident.to_string());
            let alias = if n.ident == "self" {
                prefix.last().cloned()
            } else {
                Some(n.ident.to_string())
            };
            if alias.is_some() {
                out.push(UsePath { segments, alias });
            }
        }
        syn::UseTree::Rename(r) => {
            let mut segments = prefix.clone();
            segments.push(r.ident.to_string());
            out.push(UsePath {
                segments,
                alias: Some(r.rename.to_string()),
            });
        }
        syn::UseTree::Glob(_) => out.push(UsePath {
            segments: prefix.clone(),
            alias: None,
        }),
        syn::UseTree::Group(g) => {
            for t in &g.items {
                flatten(t, prefix, out);
            }
        }
    }
}

/// A name a `use` item imports from another module of the crate, bound to a legacy item: the
/// file's analysis treats it like a `use legacy_cache::...` leaf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Imported {
    /// Offset of the `use` item.
    pub offset: usize,
    pub alias: String,
    pub kind: LeafKind,
    /// Brought in by a glob (lower priority than names declared in the module).
    pub glob: bool,
}

/// What one file's analysis learns from the crate-level pass.
#[derive(Debug, Clone, Default)]
pub(crate) struct CrateContext {
    pub(crate) imported: Vec<Imported>,
    /// `extern crate legacy_cache as x;` at the crate root: `x` names the crate everywhere.
    pub(crate) extern_aliases: Vec<String>,
    /// Legacy names this file binds that must stay bound (other files still name them), with
    /// the reason.
    pub(crate) keep: HashMap<String, String>,
    /// Offsets of `pub use` items that are part of the crate's public API; `None` when the
    /// crate's module tree is unknown (every `pub use` is then treated as public).
    pub(crate) public_uses: Option<HashSet<usize>>,
}

/// One module of one crate.
#[derive(Debug, Clone)]
struct Module {
    file: usize,
    within: Vec<String>,
    /// Reachable from outside the crate (a library, through `pub mod`s only).
    public: bool,
    binds: HashMap<String, Bind>,
}

#[derive(Debug, Clone)]
struct Bind {
    kind: LeafKind,
    vis: Vis,
    /// Bound by a glob import: nothing to remove there, so never an import to keep.
    glob: bool,
}

type ModKey = (usize, Vec<String>);

/// The crate-level view of one package: per file, its context and the legacy names it binds,
/// plus why the view is uncertain, if it is.
#[derive(Debug, Default)]
pub(crate) struct PackageView {
    pub contexts: HashMap<PathBuf, CrateContext>,
    /// Why the module tree cannot be trusted, if it cannot.
    pub uncertain: Option<String>,
    /// Per file: the names its modules bind to legacy items (imports, re-exports, and
    /// `extern crate` aliases of a crate root). Another file that names one may rely on it.
    pub bound: HashMap<PathBuf, HashSet<String>>,
    /// Per file that parses: its pre-scan, taken from the same parse.
    pub prescans: HashMap<PathBuf, Prescan>,
    /// Per file reached from a crate root: the crates (roots) it is part of.
    pub crates_of: HashMap<PathBuf, HashSet<usize>>,
}

fn crate_roots(dir: &Path, manifest_text: &str, files: &[PathBuf]) -> Vec<(PathBuf, bool)> {
    let mut roots: Vec<(PathBuf, bool)> = Vec::new();
    let lib = dir.join("src/lib.rs");
    for f in files {
        let rel = f.strip_prefix(dir).unwrap_or(f);
        let parts: Vec<&str> = rel.iter().filter_map(|c| c.to_str()).collect();
        let root = match parts.as_slice() {
            ["src", "lib.rs"] | ["src", "main.rs"] | ["build.rs"] => true,
            ["src", "bin", x] | ["tests", x] | ["examples", x] | ["benches", x] => {
                x.ends_with(".rs")
            }
            ["src", "bin", _, "main.rs"]
            | ["tests", _, "main.rs"]
            | ["examples", _, "main.rs"]
            | ["benches", _, "main.rs"] => true,
            _ => false,
        };
        if root {
            roots.push((f.clone(), *f == lib));
        }
    }
    // Targets with an explicit `path = "..."`.
    if let Ok(doc) = manifest_text.parse::<toml_edit::DocumentMut>() {
        let mut add = |t: &dyn toml_edit::TableLike, is_lib: bool| {
            if let Some(p) = t.get("path").and_then(|p| p.as_str()) {
                let p = dir.join(p);
                if !roots.iter().any(|(r, _)| *r == p) {
                    roots.push((p, is_lib));
                }
            }
        };
        if let Some(l) = doc.get("lib").and_then(|l| l.as_table_like()) {
            add(l, true);
        }
        for kind in ["bin", "test", "example", "bench"] {
            if let Some(arr) = doc.get(kind).and_then(|a| a.as_array_of_tables()) {
                for t in arr.iter() {
                    add(t, false);
                }
            }
        }
    }
    roots
}

impl PackageView {
    /// Builds the view of one package from its `.rs` files (path, text).
    pub fn build(manifest: &Path, files: &[(PathBuf, String)]) -> PackageView {
        let mut view = PackageView::default();
        let Some(dir) = manifest.parent() else {
            view.uncertain = Some("the package has no directory".into());
            return view;
        };
        let parsed: Vec<Option<(ModuleFacts, Prescan)>> = files
            .par_iter()
            .map(|(_, t)| module_facts(t).ok())
            .collect();
        let mut facts: Vec<Option<ModuleFacts>> = Vec::with_capacity(parsed.len());
        for ((p, _), r) in files.iter().zip(parsed) {
            facts.push(r.map(|(f, pre)| {
                view.prescans.insert(p.clone(), pre);
                f
            }));
        }
        let index: HashMap<&Path, usize> = files
            .iter()
            .enumerate()
            .map(|(i, (p, _))| (p.as_path(), i))
            .collect();
        let manifest_text = std::fs::read_to_string(manifest).unwrap_or_default();
        let paths: Vec<PathBuf> = files.iter().map(|(p, _)| p.clone()).collect();
        let roots = crate_roots(dir, &manifest_text, &paths);

        // Walk `mod` declarations from each root.
        let mut modules: HashMap<ModKey, Module> = HashMap::new();
        let mut reached: HashSet<usize> = HashSet::new();
        let mut uncertain: Vec<String> = Vec::new();
        let mut extern_by_crate: HashMap<usize, Vec<String>> = HashMap::new();
        for (crate_id, (root, is_lib)) in roots.iter().enumerate() {
            let Some(&ri) = index.get(root.as_path()) else {
                continue;
            };
            let mut queue = vec![(ri, Vec::<String>::new(), *is_lib, true)];
            while let Some((fi, path, public, mod_rs)) = queue.pop() {
                reached.insert(fi);
                let Some(f) = &facts[fi] else {
                    uncertain.push(format!("{} does not parse", files[fi].0.display()));
                    continue;
                };
                if path.is_empty() {
                    extern_by_crate
                        .entry(crate_id)
                        .or_default()
                        .extend(f.extern_aliases.iter().cloned());
                }
                if f.macro_module {
                    uncertain.push(format!(
                        "a macro in {} may declare modules",
                        files[fi].0.display()
                    ));
                }
                modules.insert(
                    (crate_id, path.clone()),
                    Module {
                        file: fi,
                        within: Vec::new(),
                        public,
                        binds: HashMap::new(),
                    },
                );
                for (within, is_pub) in &f.inline_mods {
                    let mut p = path.clone();
                    p.extend(within.iter().cloned());
                    modules.insert(
                        (crate_id, p),
                        Module {
                            file: fi,
                            within: within.clone(),
                            public: public && *is_pub,
                            binds: HashMap::new(),
                        },
                    );
                }
                let file_path = &files[fi].0;
                let base_dir = if mod_rs {
                    file_path.parent().map(Path::to_path_buf)
                } else {
                    file_path
                        .parent()
                        .zip(file_path.file_stem())
                        .map(|(d, s)| d.join(s))
                };
                let Some(base_dir) = base_dir else { continue };
                for d in &f.mods {
                    if d.has_path_attr {
                        uncertain.push(format!(
                            "`mod {}` in {} has a `#[path]` attribute",
                            d.name,
                            file_path.display()
                        ));
                        continue;
                    }
                    let mut dir = base_dir.clone();
                    for w in &d.within {
                        dir.push(w);
                    }
                    let flat = dir.join(format!("{}.rs", d.name));
                    let nested = dir.join(&d.name).join("mod.rs");
                    let (child, child_mod_rs) = if let Some(&c) = index.get(flat.as_path()) {
                        (c, false)
                    } else if let Some(&c) = index.get(nested.as_path()) {
                        (c, true)
                    } else {
                        continue;
                    };
                    let mut p = path.clone();
                    p.extend(d.within.iter().cloned());
                    p.push(d.name.clone());
                    if modules.contains_key(&(crate_id, p.clone())) {
                        continue;
                    }
                    let within_public = d.within.iter().enumerate().all(|(k, _)| {
                        f.inline_mods
                            .iter()
                            .any(|(w, pb)| *pb && w.as_slice() == &d.within[..=k])
                    });
                    queue.push((child, p, public && within_public && d.is_pub, child_mod_rs));
                }
            }
        }

        let mut imported = bind_all(&mut modules, &facts, &extern_by_crate);

        let all_bound: HashSet<&String> = modules.values().flat_map(|m| m.binds.keys()).collect();
        for (i, (p, t)) in files.iter().enumerate() {
            if !reached.contains(&i) && !roots.is_empty() {
                let mentions = all_bound
                    .iter()
                    .any(|n| crate::tokens::text_mentions_ident(t, n));
                if mentions {
                    uncertain.push(format!(
                        "{} is not reached through `mod` declarations from a crate root",
                        p.display()
                    ));
                }
            }
        }
        view.uncertain = (!uncertain.is_empty()).then(|| uncertain.join("; "));
        for ((crate_id, _), m) in &modules {
            view.crates_of
                .entry(files[m.file].0.clone())
                .or_default()
                .insert(*crate_id);
        }
        for m in modules.values() {
            let named = m
                .binds
                .iter()
                .filter(|(_, b)| !b.glob)
                .map(|(n, _)| n.clone());
            view.bound
                .entry(files[m.file].0.clone())
                .or_default()
                .extend(named);
        }
        for (crate_id, aliases) in &extern_by_crate {
            if let Some(m) = modules.get(&(*crate_id, Vec::new())) {
                view.bound
                    .entry(files[m.file].0.clone())
                    .or_default()
                    .extend(aliases.iter().cloned());
            }
        }
        let mut by_file: HashMap<usize, Vec<(&ModKey, &Module)>> = HashMap::new();
        for (k, m) in &modules {
            by_file.entry(m.file).or_default().push((k, m));
        }
        for (i, (p, _)) in files.iter().enumerate() {
            let mut ctx = CrateContext {
                imported: imported.remove(&i).unwrap_or_default(),
                ..CrateContext::default()
            };
            let mut public = HashSet::new();
            let mine = by_file.remove(&i).unwrap_or_default();
            // A file no crate root reaches: its `pub use` items are treated as public.
            let reached_here = !mine.is_empty();
            for ((crate_id, _), m) in mine {
                if let Some(a) = extern_by_crate.get(crate_id) {
                    ctx.extern_aliases.extend(a.iter().cloned());
                }
                if let Some(f) = &facts[i] {
                    for u in f.uses.iter().filter(|u| u.within == m.within) {
                        if m.public && u.vis == Vis::Pub {
                            public.insert(u.offset);
                        }
                    }
                }
            }
            ctx.extern_aliases.sort();
            ctx.extern_aliases.dedup();
            ctx.imported.dedup();
            ctx.public_uses = reached_here.then_some(public);
            view.contexts.insert(p.clone(), ctx);
        }
        view
    }
}

/// Computes every module's legacy bindings to a fixed point, and per file the names its `use`
/// items import from other modules.
fn bind_all(
    modules: &mut HashMap<ModKey, Module>,
    facts: &[Option<ModuleFacts>],
    extern_by_crate: &HashMap<usize, Vec<String>>,
) -> HashMap<usize, Vec<Imported>> {
    let keys: Vec<ModKey> = modules.keys().cloned().collect();
    let mut imported: HashMap<usize, Vec<Imported>> = HashMap::new();
    loop {
        let mut changed = false;
        for key in &keys {
            let (fi, within) = {
                let m = &modules[key];
                (m.file, m.within.clone())
            };
            let Some(f) = &facts[fi] else { continue };
            for u in f.uses.iter().filter(|u| u.within == within) {
                for up in &u.paths {
                    let found = resolve_use(modules, key, up, extern_by_crate.get(&key.0));
                    let Some((names, legacy_root)) = found else {
                        continue;
                    };
                    for (name, kind) in names {
                        let alias = match &up.alias {
                            Some(a) => a.clone(),
                            None => name.clone(),
                        };
                        let Some(m) = modules.get_mut(key) else {
                            continue;
                        };
                        if m.binds.contains_key(&alias) {
                            continue;
                        }
                        m.binds.insert(
                            alias.clone(),
                            Bind {
                                kind,
                                vis: u.vis,
                                glob: up.alias.is_none(),
                            },
                        );
                        changed = true;
                        // Same-file `use super::*` from an inline module is followed by the
                        // analysis itself.
                        let same_file_super = up.alias.is_none()
                            && !within.is_empty()
                            && up.segments.first().is_some_and(|s| s == "super");
                        if !legacy_root && !same_file_super {
                            imported.entry(fi).or_default().push(Imported {
                                offset: u.offset,
                                alias,
                                kind,
                                glob: up.alias.is_none(),
                            });
                        }
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
    imported
}

type Resolved = (Vec<(String, LeafKind)>, bool);

/// The names `use legacy_cache::*` brings in that the rewrite tracks.
fn glob_names() -> Vec<(String, LeafKind)> {
    vec![
        ("cache".to_string(), LeafKind::Attr),
        ("clear_cache".to_string(), LeafKind::Clear),
        ("Shared".to_string(), LeafKind::Shared),
    ]
}

/// What a path below `legacy_cache::` names.
fn direct_kind(rest: &[String]) -> Option<Vec<(String, LeafKind)>> {
    let kind = match rest {
        [] => return None,
        [x] if x == "cache" => LeafKind::Attr,
        [x] if x == "clear_cache" => LeafKind::Clear,
        [x] if x == "Shared" => LeafKind::Shared,
        _ => LeafKind::Other,
    };
    Some(vec![(rest.join("::"), kind)])
}

/// Resolves one `use` path from module `at`: the names it binds to legacy items and whether the
/// path starts at `legacy_cache` itself.
fn resolve_use(
    modules: &HashMap<ModKey, Module>,
    at: &ModKey,
    up: &UsePath,
    extern_aliases: Option<&Vec<String>>,
) -> Option<Resolved> {
    let segs = &up.segments;
    let first = segs.first()?;
    let legacy = |rest: &[String], root: bool| -> Option<Resolved> {
        let names = if up.alias.is_none() {
            if !rest.is_empty() {
                return None;
            }
            glob_names()
        } else if rest.is_empty() {
            vec![(first.clone(), LeafKind::Crate)]
        } else {
            direct_kind(rest)?
        };
        Some((names, root))
    };
    if first == "legacy_cache" {
        return legacy(&segs[1..], true);
    }
    let (crate_id, here) = at;
    let mut cur: Vec<String> = here.clone();
    let mut i = 0;
    match first.as_str() {
        "crate" => {
            cur.clear();
            i = 1;
        }
        "self" => i = 1,
        "super" => {}
        _ => {}
    }
    while i < segs.len() {
        let s = &segs[i];
        let last = i + 1 == segs.len() && up.alias.is_some();
        if s == "super" {
            cur.pop()?;
            i += 1;
            continue;
        }
        if s == "self" && i + 1 == segs.len() {
            break;
        }
        let mut child = cur.clone();
        child.push(s.clone());
        if !last && modules.contains_key(&(*crate_id, child.clone())) {
            cur = child;
            i += 1;
            continue;
        }
        // A name the module binds to the legacy crate (`use legacy_cache as lc;`, or an
        // `extern crate` alias at the root): the rest is a path inside `legacy_cache`.
        let m = modules.get(&(*crate_id, cur.clone()))?;
        let visible = |b: &Bind| b.vis != Vis::Private || here.starts_with(&cur);
        if !last {
            let crate_bound = m
                .binds
                .get(s)
                .is_some_and(|b| b.kind == LeafKind::Crate && visible(b))
                || (i == 0 && extern_aliases.is_some_and(|a| a.contains(s)));
            return if crate_bound {
                legacy(&segs[i + 1..], false)
            } else {
                None
            };
        }
        let b = m.binds.get(s).filter(|b| visible(b))?;
        return Some((vec![(s.clone(), b.kind)], false));
    }
    // A glob of module `cur`.
    if up.alias.is_some() {
        return None;
    }
    let m = modules.get(&(*crate_id, cur.clone()))?;
    let names: Vec<(String, LeafKind)> = m
        .binds
        .iter()
        .filter(|(_, b)| b.vis != Vis::Private || here.starts_with(&cur))
        .map(|(n, b)| (n.clone(), b.kind))
        .collect();
    if names.is_empty() {
        return None;
    }
    Some((names, false))
}
