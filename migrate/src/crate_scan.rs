//! The driver's side of the crate-level pass: which packages need it, their files, and which
//! legacy imports must stay because other files of the crate still name them.

use crate::manifest::find_package_manifest;
use crate::run::discover;
use crate::rust::{CrateContext, PackageView};
use rayon::prelude::*;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// One package that names `legacy_cache` somewhere, with all its `.rs` files (absolute paths).
pub(crate) struct Package {
    pub files: Vec<(PathBuf, String)>,
    pub view: PackageView,
}

/// Builds the crate-level view of every package in which one of `texts` (absolute path, text)
/// names `legacy_cache`. Other packages are not read: nothing there can reach the legacy crate.
pub(crate) fn packages(texts: &[(PathBuf, &str)]) -> Vec<Package> {
    let manifests: BTreeSet<PathBuf> = texts
        .par_iter()
        .filter(|(_, t)| t.contains("legacy_cache"))
        .filter_map(|(p, _)| find_package_manifest(p))
        .collect::<Vec<_>>()
        .into_iter()
        .collect();
    manifests
        .into_iter()
        .map(|manifest| {
            let dir = manifest.parent().unwrap_or(Path::new("/")).to_path_buf();
            let (found, _) = discover(&[dir]);
            let files: Vec<(PathBuf, String)> = found
                .par_iter()
                .filter_map(|f| {
                    let abs = std::fs::canonicalize(f).ok()?;
                    // Files of nested packages belong to those packages.
                    if find_package_manifest(&abs).as_deref() != Some(manifest.as_path()) {
                        return None;
                    }
                    let text = std::fs::read_to_string(&abs).ok()?;
                    Some((abs, text))
                })
                .collect();
            let view = PackageView::build(&manifest, &files);
            Package { files, view }
        })
        .collect()
}

impl Package {
    /// The context of a file of this package.
    pub fn context(&self, file: &Path) -> Option<&CrateContext> {
        self.view.contexts.get(file)
    }

    /// For each file that binds legacy names, the names another file of the same crate still
    /// names in `current` (its planned text; files absent from it are read as they are), with
    /// the reason. When the module tree is uncertain, every bound name is kept.
    pub fn keep(
        &self,
        current: &HashMap<PathBuf, String>,
    ) -> HashMap<PathBuf, HashMap<String, String>> {
        let mut names: Vec<&str> = self
            .view
            .bound
            .values()
            .flatten()
            .map(String::as_str)
            .collect();
        names.sort_unstable();
        names.dedup();
        // Each file is tokenised once: which bound names it mentions.
        let mentions: Vec<(&PathBuf, Vec<&str>)> = self
            .files
            .par_iter()
            .map(|(p, disk)| {
                let text = current.get(p).unwrap_or(disk);
                (p, crate::tokens::idents_among(text, &names))
            })
            .collect();
        let mut users: HashMap<&str, Vec<&PathBuf>> = HashMap::new();
        for (p, found) in &mentions {
            for n in found {
                users.entry(n).or_default().push(p);
            }
        }
        let mut out: HashMap<PathBuf, HashMap<String, String>> = HashMap::new();
        for (file, bound) in &self.view.bound {
            let mut keep = HashMap::new();
            let mine = self.view.crates_of.get(file);
            for name in bound {
                if let Some(why) = &self.view.uncertain {
                    keep.insert(
                        name.clone(),
                        format!("the crate's modules cannot all be followed ({why})"),
                    );
                    continue;
                }
                let user = users
                    .get(name.as_str())
                    .into_iter()
                    .flatten()
                    .find(|other| {
                        **other != file
                            && match (mine, self.view.crates_of.get(**other)) {
                                (Some(a), Some(b)) => a.intersection(b).next().is_some(),
                                _ => true,
                            }
                    });
                if let Some(other) = user {
                    keep.insert(
                        name.clone(),
                        format!("{} still names `{name}`", other.display()),
                    );
                }
            }
            out.insert(file.clone(), keep);
        }
        out
    }
}
