//! `Cargo.toml` rewriting with `toml_edit`, so comments, key order and formatting survive.

use crate::model::Primitives;
use std::path::{Path, PathBuf};
use toml_edit::{DocumentMut, Item, Table, Value};

/// The outcome of [`rewrite_manifest`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ManifestChange {
    /// The new manifest text (equal to the input when nothing changed).
    pub output: String,
    /// What was changed, one line each.
    pub notes: Vec<String>,
    /// What could not be done and needs a human, one line each.
    pub problems: Vec<String>,
}

const TABLES: &[&str] = &["dependencies", "dev-dependencies", "build-dependencies"];

/// Adds `memo`/`singleton` next to every `legacy-cache` dependency (mirroring its version,
/// path and feature style) and, when `drop_legacy` is set, removes `legacy-cache`.
///
/// ```
/// use migrate::{manifest::rewrite_manifest, Primitives};
/// let toml = "[dependencies]\n# caching\nlegacy-cache = { path = \"../legacy-cache\", default-features = false }\nserde = \"1\"\n";
/// let need = Primitives { memo: true, singleton: false };
/// let out = rewrite_manifest(toml, need, true).unwrap();
/// assert_eq!(out.output, "[dependencies]\n# caching\nmemo = { path = \"../memo\", default-features = false }\nserde = \"1\"\n");
/// ```
pub fn rewrite_manifest(
    text: &str,
    need: Primitives,
    drop_legacy: bool,
) -> Result<ManifestChange, String> {
    rewrite_member(text, need, drop_legacy, None)
}

/// [`rewrite_manifest`] for a workspace member whose root manifest cannot be edited:
/// `inline` is the root's `[workspace.dependencies]` `legacy-cache` entry with its path already
/// relative to the member (see [`workspace_legacy_entry`]). Inherited entries
/// (`legacy-cache.workspace = true`) then get `memo`/`singleton` written in full from it, with
/// the member's own `features` and `optional` kept. `None` mirrors inherited entries as
/// inherited.
///
/// ```
/// use migrate::{manifest::rewrite_member, Primitives};
/// let root_entry: toml_edit::Item = toml_edit::value("0.1");
/// let member = "[dependencies]\nlegacy-cache = { workspace = true, optional = true }\n";
/// let need = Primitives { memo: true, singleton: false };
/// let out = rewrite_member(member, need, true, Some(&root_entry)).unwrap();
/// assert_eq!(out.output, "[dependencies]\nmemo = { version = \"0.1\", optional = true }\n");
/// ```
pub fn rewrite_member(
    text: &str,
    need: Primitives,
    drop_legacy: bool,
    inline: Option<&Item>,
) -> Result<ManifestChange, String> {
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e| format!("Cargo.toml does not parse: {e}"))?;
    let mut change = ManifestChange::default();
    let mut tables: Vec<&mut Table> = Vec::new();
    // Split borrows: top-level dependency tables first, then `[target.'cfg'.*]` ones.
    let root = doc.as_table_mut();
    let mut target_tables: Vec<&mut Table> = Vec::new();
    for (k, item) in root.iter_mut() {
        if TABLES.contains(&k.get()) {
            if let Some(t) = item.as_table_mut() {
                tables.push(t);
            }
        } else if k.get() == "target"
            && let Some(t) = item.as_table_mut()
        {
            for (_, cfg) in t.iter_mut() {
                if let Some(cfg) = cfg.as_table_mut() {
                    for (kk, dep) in cfg.iter_mut() {
                        if TABLES.contains(&kk.get())
                            && let Some(d) = dep.as_table_mut()
                        {
                            target_tables.push(d);
                        }
                    }
                }
            }
        }
    }
    tables.extend(target_tables);
    for table in tables {
        rewrite_table(table, need, drop_legacy, inline, &mut change);
    }
    change.output = doc.to_string();
    if change.output != text {
        change
            .output
            .parse::<DocumentMut>()
            .map_err(|e| format!("internal error: rewritten Cargo.toml does not parse: {e}"))?;
    }
    Ok(change)
}

fn rewrite_table(
    table: &mut Table,
    need: Primitives,
    drop_legacy: bool,
    inline: Option<&Item>,
    change: &mut ManifestChange,
) {
    let Some(mut legacy) = table.get("legacy-cache").cloned() else {
        return;
    };
    if let Some(root_entry) = inline
        && is_inherited(&legacy)
    {
        legacy = inlined(root_entry, &legacy);
        change.notes.push(
            "the workspace root manifest cannot be edited: `legacy-cache`'s successors are written in full from its `[workspace.dependencies]` entry".into(),
        );
    }
    if legacy
        .as_table_like()
        .is_some_and(|t| t.contains_key("package"))
    {
        change.problems.push(
            "`legacy-cache` is renamed with `package = ...`; add `memo`/`singleton` by hand".into(),
        );
        return;
    }
    let mut new_items = Vec::new();
    let mut blocking = Vec::new();
    let mut feature_problems = Vec::new();
    for (wanted, name) in [(need.memo, "memo"), (need.singleton, "singleton")] {
        if !wanted || table.contains_key(name) {
            continue;
        }
        let mut dropped = Vec::new();
        match mirror(&legacy, name, &mut dropped) {
            Ok(item) => new_items.push((name, item)),
            Err(why) => blocking.push(why),
        }
        feature_problems.extend(dropped);
    }
    let can_drop = drop_legacy && blocking.is_empty();
    change.problems.extend(blocking);
    // A feature with no counterpart is reported but does not keep `legacy-cache`: the successor
    // builds without it, and the legacy entry would not serve the converted code either.
    change.problems.extend(feature_problems);
    if new_items.is_empty() && !can_drop {
        return;
    }
    let keys: Vec<String> = table.iter().map(|(k, _)| k.to_string()).collect();
    let mut entries = Vec::new();
    for k in keys {
        if let Some(e) = table.remove_entry(&k) {
            entries.push(e);
        }
    }
    // A comment above a dropped `legacy-cache` with no replacement of its own (an earlier run
    // added them) moves to the successor entry right after it, when there is one.
    let mut orphan: Option<toml_edit::Decor> = None;
    for (key, item) in entries {
        if key.get() != "legacy-cache" {
            let mut key = key;
            if let Some(decor) = orphan.take()
                && matches!(key.get(), "memo" | "singleton")
                && key
                    .leaf_decor()
                    .prefix()
                    .is_none_or(|p| p.as_str() == Some(""))
            {
                key = key.with_leaf_decor(decor);
            }
            table.insert_formatted(&key, item);
            continue;
        }
        let mut carried = Some(key.leaf_decor().clone());
        let mut carried_suffix = item.as_value().and_then(|v| v.decor().suffix().cloned());
        if !can_drop {
            table.insert_formatted(&key, item);
            carried = None;
            carried_suffix = None;
        } else {
            change.notes.push("removed `legacy-cache`".into());
        }
        for (name, new) in new_items.drain(..) {
            // The first replacement inherits the comment above a dropped `legacy-cache` line.
            let mut k = toml_edit::Key::new(name);
            if let Some(decor) = carried.take() {
                k = k.with_leaf_decor(decor);
            }
            let mut new = new;
            // ... and the comment at the end of that line.
            if let (Some(suffix), Some(v)) = (carried_suffix.take(), new.as_value_mut()) {
                v.decor_mut().set_suffix(suffix);
            }
            change.notes.push(format!("added `{name}`"));
            table.insert_formatted(&k, new);
        }
        orphan = carried;
    }
}

/// The dependency entry for `name`, in the style of the `legacy-cache` entry.
fn mirror(legacy: &Item, name: &str, problems: &mut Vec<String>) -> Result<Item, String> {
    let mut item = legacy.clone();
    if item.as_str().is_some() {
        return Ok(item);
    }
    let Some(t) = item.as_table_like_mut() else {
        return Err(format!(
            "cannot read the `legacy-cache` entry; add `{name}` by hand"
        ));
    };
    if let Some(path) = t.get("path").and_then(|p| p.as_str()).map(str::to_string) {
        let trimmed = path.trim_end_matches(['/', '\\']);
        let Some(parent) = trimmed.strip_suffix("legacy-cache") else {
            return Err(format!(
                "`legacy-cache` path `{path}` does not end in `legacy-cache`; add `{name}` by hand"
            ));
        };
        let new_path = format!("{parent}{name}");
        if let Some(Item::Value(v)) = t.get_mut("path") {
            let decor = v.decor().clone();
            let mut nv = Value::from(new_path);
            *nv.decor_mut() = decor;
            *v = nv;
        }
    }
    carry_features(t, name, problems);
    // A trailing comment belongs to the line it is on: it is not copied onto new lines.
    if let Some(v) = item.as_value_mut() {
        v.decor_mut().set_suffix("");
    }
    // Removing the last key of an inline table loses the space before `}`; normalise it.
    if let Some(it) = item.as_inline_table_mut() {
        it.fmt();
    }
    Ok(item)
}

/// Whether a dependency entry is `workspace = true`.
fn is_inherited(entry: &Item) -> bool {
    entry
        .as_table_like()
        .and_then(|t| t.get("workspace"))
        .and_then(Item::as_bool)
        .unwrap_or(false)
}

/// The root's entry written out for a member: its keys, plus the member's `features` (added to
/// the root's, as cargo does) and `optional`.
fn inlined(root_entry: &Item, member: &Item) -> Item {
    let mut table = toml_edit::InlineTable::new();
    if let Some(v) = root_entry.as_str() {
        table.insert("version", Value::from(v));
    } else if let Some(t) = root_entry.as_table_like() {
        for (k, v) in t.iter() {
            if let Some(v) = v.as_value() {
                table.insert(k, v.clone());
            }
        }
    }
    if let Some(m) = member.as_table_like() {
        if let Some(extra) = m.get("features").and_then(Item::as_array) {
            let mut all = table
                .get("features")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for f in extra {
                if !all.iter().any(|x| x.as_str() == f.as_str()) {
                    all.push(f.clone());
                }
            }
            table.insert("features", Value::Array(all));
        }
        if let Some(v) = m.get("optional").and_then(Item::as_value) {
            table.insert("optional", v.clone());
        }
    }
    table.fmt();
    Item::Value(Value::InlineTable(table))
}

/// Whether any dependency table of a manifest inherits `legacy-cache` from its workspace.
///
/// ```
/// assert!(migrate::manifest::inherits_legacy("[dev-dependencies]\nlegacy-cache.workspace = true\n"));
/// assert!(!migrate::manifest::inherits_legacy("[dependencies]\nlegacy-cache = \"0.1\"\n"));
/// ```
pub fn inherits_legacy(text: &str) -> bool {
    let Ok(doc) = text.parse::<DocumentMut>() else {
        return false;
    };
    let inherits_in = |t: &Table| {
        TABLES.iter().any(|name| {
            t.get(name)
                .and_then(Item::as_table_like)
                .and_then(|d| d.get("legacy-cache"))
                .is_some_and(is_inherited)
        })
    };
    inherits_in(doc.as_table())
        || doc.get("target").and_then(Item::as_table).is_some_and(|t| {
            t.iter()
                .any(|(_, cfg)| cfg.as_table().is_some_and(inherits_in))
        })
}

/// The `[workspace.dependencies]` table of a root manifest.
fn workspace_deps(doc: &mut DocumentMut) -> Result<&mut Table, String> {
    doc.get_mut("workspace")
        .and_then(Item::as_table_mut)
        .and_then(|w| w.get_mut("dependencies"))
        .and_then(Item::as_table_mut)
        .ok_or_else(|| "the workspace root has no `[workspace.dependencies]` table".to_string())
}

/// Adds `memo`/`singleton` next to the `legacy-cache` entry of a root manifest's
/// `[workspace.dependencies]`, mirroring its source (version, path or git) the way
/// [`rewrite_manifest`] does for members, and removes `legacy-cache` when `drop_legacy` is set
/// (no member inherits it any more). An error when there is no such entry to mirror.
///
/// ```
/// use migrate::{manifest::rewrite_workspace_deps, Primitives};
/// let root = "[workspace]\nmembers = [\"app\"]\n\n[workspace.dependencies]\nlegacy-cache = { path = \"crates/legacy-cache\" }\n";
/// let need = Primitives { memo: true, singleton: false };
/// let out = rewrite_workspace_deps(root, need, true).unwrap();
/// assert!(out.output.ends_with("[workspace.dependencies]\nmemo = { path = \"crates/memo\" }\n"));
/// ```
pub fn rewrite_workspace_deps(
    text: &str,
    need: Primitives,
    drop_legacy: bool,
) -> Result<ManifestChange, String> {
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e| format!("the workspace root Cargo.toml does not parse: {e}"))?;
    let table = workspace_deps(&mut doc)?;
    if !table.contains_key("legacy-cache") {
        return Err(
            "the workspace root's `[workspace.dependencies]` has no `legacy-cache` entry".into(),
        );
    }
    let mut change = ManifestChange::default();
    rewrite_table(table, need, drop_legacy, None, &mut change);
    change.output = doc.to_string();
    Ok(change)
}

/// The root's `[workspace.dependencies]` `legacy-cache` entry as a member at `member_dir`
/// (relative to the root's directory) would write it: a `path` is rebased onto the member.
///
/// ```
/// use migrate::manifest::workspace_legacy_entry;
/// let root = "[workspace.dependencies]\nlegacy-cache = { path = \"crates/legacy-cache\" }\n";
/// let e = workspace_legacy_entry(root, std::path::Path::new("apps/web")).unwrap();
/// assert_eq!(e.to_string().trim(), "{ path = \"../../crates/legacy-cache\" }");
/// ```
pub fn workspace_legacy_entry(text: &str, member_dir: &Path) -> Result<Item, String> {
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e| format!("the workspace root Cargo.toml does not parse: {e}"))?;
    let mut entry = workspace_deps(&mut doc)?
        .get("legacy-cache")
        .cloned()
        .ok_or("the workspace root's `[workspace.dependencies]` has no `legacy-cache` entry")?;
    if let Some(t) = entry.as_table_like_mut()
        && let Some(p) = t.get("path").and_then(Item::as_str)
        && Path::new(p).is_relative()
    {
        let up = member_dir
            .components()
            .filter(|c| matches!(c, std::path::Component::Normal(_)))
            .map(|_| "../")
            .collect::<String>();
        let rebased = format!("{up}{p}");
        t.insert("path", toml_edit::value(rebased));
    }
    if let Some(v) = entry.as_value_mut() {
        v.decor_mut().clear();
    }
    Ok(entry)
}

/// The manifest of the workspace `member` (a `Cargo.toml` path) belongs to: the member itself
/// when it declares `[workspace]`, else the nearest such manifest above it.
///
/// ```no_run
/// let root = migrate::manifest::find_workspace_root(std::path::Path::new("app/Cargo.toml"));
/// ```
pub fn find_workspace_root(member: &Path) -> Option<PathBuf> {
    let mut dir = member.parent();
    while let Some(d) = dir {
        let candidate = d.join("Cargo.toml");
        if let Ok(text) = std::fs::read_to_string(&candidate)
            && text
                .parse::<DocumentMut>()
                .is_ok_and(|doc| doc.contains_key("workspace"))
        {
            return Some(candidate);
        }
        dir = d.parent();
    }
    None
}

/// The cargo features each successor crate declares (see their `Cargo.toml`): both have `polars`,
/// like `legacy-cache`.
const SUCCESSOR_FEATURES: &[(&str, &[&str])] = &[("memo", &["polars"]), ("singleton", &["polars"])];

/// Keeps the legacy entry's `features` that `name` also declares; each other one is removed and
/// reported, since cargo rejects a dependency feature the crate does not have.
fn carry_features(t: &mut dyn toml_edit::TableLike, name: &str, problems: &mut Vec<String>) {
    let known = SUCCESSOR_FEATURES
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(&[][..], |(_, f)| *f);
    let Some(list) = t.get_mut("features").and_then(|f| f.as_array_mut()) else {
        return;
    };
    let mut unknown = Vec::new();
    list.retain(|v| match v.as_str() {
        Some(f) if !known.contains(&f) => {
            unknown.push(f.to_string());
            false
        }
        _ => true,
    });
    for f in unknown {
        problems.push(format!(
            "feature `{f}` of `legacy-cache` has no counterpart in `{name}`; not carried over (enable what `{name}` needs by hand)"
        ));
    }
    if list.is_empty() {
        t.remove("features");
    } else {
        list.fmt();
    }
}

/// The nearest `Cargo.toml` above `file` that declares a `[package]`.
///
/// ```no_run
/// let m = migrate::manifest::find_package_manifest(std::path::Path::new("src/lib.rs"));
/// ```
pub fn find_package_manifest(file: &Path) -> Option<PathBuf> {
    let mut dir = file.parent();
    while let Some(d) = dir {
        let candidate = d.join("Cargo.toml");
        if let Ok(text) = std::fs::read_to_string(&candidate)
            && text
                .parse::<DocumentMut>()
                .is_ok_and(|doc| doc.contains_key("package"))
        {
            return Some(candidate);
        }
        dir = d.parent();
    }
    None
}
