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
        rewrite_table(table, need, drop_legacy, &mut change);
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
    change: &mut ManifestChange,
) {
    let Some(legacy) = table.get("legacy-cache").cloned() else {
        return;
    };
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
    for (key, item) in entries {
        if key.get() != "legacy-cache" {
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
