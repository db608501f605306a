//! `cache-migrate`: rewrites legacy `#[legacy_cache::cache]` attributes into `#[memo]` and
//! `#[singleton]`, the way ruff, pyupgrade and `cargo fix` rewrite code: minimal byte-range
//! splices on the original text, a dry run by default, a CI check, and findings for anything
//! that needs a human.
//! The [`python`] module is the second front end: the same job on Python Streamlit apps
//! (`st.cache` to `st.cache_data` / `st.cache_resource`), sharing edits, reports and writes.
//!
//! ```
//! use migrate::{analyze, AnalyzeOptions, GlobalFacts};
//! let src = "#[legacy_cache::cache(allow_output_mutation = true)]\nfn pool() -> Vec<u8> { vec![] }\n";
//! let out = analyze(src, &GlobalFacts::default(), AnalyzeOptions::default()).unwrap();
//! assert!(out.output.starts_with("#[singleton::singleton]"));
//! ```

mod crate_scan;
mod edit;
pub mod lang;
pub mod manifest;
mod manifest_plan;
mod model;
pub mod python;
pub mod render;
pub mod run;
mod rust;
mod tokens;
mod write;

pub use edit::{OverlapError, apply_edits};
pub use model::{
    AnalyzeOptions, Applicability, Edit, FileAnalysis, FileError, Finding, GlobalFacts, LineIndex,
    Primitives, Rule, line_col,
};
pub use rust::{Blocker, MAX_NESTING, Prescan, analyze, migrate_str, prescan};
