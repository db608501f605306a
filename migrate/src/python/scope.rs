//! What the names of a Python module refer to: Streamlit module aliases, names imported from
//! Streamlit, every other import (to resolve `pd.read_csv` to `pandas.read_csv`), and the
//! classification of a returned call as a resource or as data.

use ruff_python_ast::visitor::{Visitor, walk_stmt};
use ruff_python_ast::{Expr, Stmt, StmtFunctionDef};
use ruff_text_size::Ranged;
use std::collections::{HashMap, HashSet};
use std::ops::Range;

/// What a reference to Streamlit's caching API denotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Api {
    /// `st.cache` (removed in 1.62).
    Cache,
    /// `st.experimental_memo` (removed in 1.37).
    Memo,
    /// `st.experimental_singleton` (removed in 1.37).
    Singleton,
    /// `st.cache_data`.
    CacheData,
    /// `st.cache_resource`.
    CacheResource,
    /// `st.legacy_caching.clear_cache` / `st.caching.clear_cache`.
    ClearCache,
}

impl Api {
    pub(crate) fn from_attr(name: &str) -> Option<Api> {
        Some(match name {
            "cache" => Api::Cache,
            "experimental_memo" => Api::Memo,
            "experimental_singleton" => Api::Singleton,
            "cache_data" => Api::CacheData,
            "cache_resource" => Api::CacheResource,
            _ => return None,
        })
    }

    pub(crate) fn legacy_name(self) -> &'static str {
        match self {
            Api::Cache => "st.cache",
            Api::Memo => "st.experimental_memo",
            Api::Singleton => "st.experimental_singleton",
            Api::CacheData => "st.cache_data",
            Api::CacheResource => "st.cache_resource",
            Api::ClearCache => "st.legacy_caching.clear_cache",
        }
    }
}

/// The decorator a legacy site becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Target {
    Data,
    Resource,
}

impl Target {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Target::Data => "cache_data",
            Target::Resource => "cache_resource",
        }
    }
}

/// `from streamlit import <name> [as <local>]` for a caching name.
#[derive(Debug, Clone)]
pub(crate) struct FromImport {
    pub api: Api,
    /// The imported name (`cache` in `cache as c`).
    pub name_range: Range<usize>,
    /// The whole alias (`cache as c`).
    pub alias_range: Range<usize>,
    pub has_asname: bool,
}

/// `from streamlit.legacy_caching import clear_cache [as x]`: the whole statement.
#[derive(Debug, Clone)]
pub(crate) struct ClearImport {
    pub stmt_range: Range<usize>,
}

/// Everything the pre-pass learns about names.
#[derive(Debug, Default)]
pub(crate) struct Scope<'a> {
    /// Local names bound to the `streamlit` module.
    pub modules: HashSet<String>,
    /// Local names bound to a caching API by `from streamlit import ...`.
    pub from_names: HashMap<String, usize>,
    pub from_imports: Vec<FromImport>,
    /// Local names bound to `clear_cache` by a from-import of the legacy module.
    pub clear_names: HashSet<String>,
    pub clear_imports: Vec<ClearImport>,
    /// Legacy imports the tool does not rewrite: (range, what).
    pub unsupported_imports: Vec<(Range<usize>, String)>,
    /// `import streamlit.legacy_caching` (a module that is gone): the dotted names to replace
    /// with `streamlit`, which binds the same local name.
    pub module_fixes: Vec<Range<usize>>,
    /// Every other import: local name -> dotted path.
    pub imports: HashMap<String, String>,
    /// Functions defined anywhere in the module, by name (the last definition wins).
    pub functions: HashMap<String, &'a StmtFunctionDef>,
}

pub(crate) fn range_of(node: &impl Ranged) -> Range<usize> {
    let r = node.range();
    r.start().to_usize()..r.end().to_usize()
}

impl<'a> Scope<'a> {
    pub(crate) fn build(body: &'a [Stmt]) -> Scope<'a> {
        let mut s = Scope::default();
        for stmt in body {
            s.visit_stmt(stmt);
        }
        s
    }

    /// The caching API `expr` refers to, if any.
    pub(crate) fn api_of(&self, expr: &Expr) -> Option<Api> {
        match expr {
            Expr::Name(n) => {
                let id = n.id.as_str();
                if self.clear_names.contains(id) {
                    Some(Api::ClearCache)
                } else {
                    self.from_names.get(id).map(|&i| self.from_imports[i].api)
                }
            }
            Expr::Attribute(a) => match a.value.as_ref() {
                Expr::Name(m) if self.modules.contains(m.id.as_str()) => {
                    Api::from_attr(a.attr.id.as_str())
                }
                Expr::Attribute(inner)
                    if a.attr.id.as_str() == "clear_cache"
                        && matches!(inner.attr.id.as_str(), "legacy_caching" | "caching")
                        && matches!(inner.value.as_ref(), Expr::Name(m) if self.modules.contains(m.id.as_str())) =>
                {
                    Some(Api::ClearCache)
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// `a.b.c` with the first segment resolved through the imports (`pd` -> `pandas`).
    pub(crate) fn dotted(&self, expr: &Expr) -> Option<String> {
        match expr {
            Expr::Name(n) => {
                let id = n.id.as_str();
                Some(
                    self.imports
                        .get(id)
                        .cloned()
                        .unwrap_or_else(|| id.to_string()),
                )
            }
            Expr::Attribute(a) => {
                let base = match a.value.as_ref() {
                    Expr::Call(c) => self.dotted(&c.func)?,
                    other => self.dotted(other)?,
                };
                Some(format!("{base}.{}", a.attr.id.as_str()))
            }
            _ => None,
        }
    }

    /// Whether `streamlit` is imported at all (any form).
    pub(crate) fn uses_streamlit(&self) -> bool {
        !self.modules.is_empty()
            || !self.from_imports.is_empty()
            || !self.clear_imports.is_empty()
            || !self.unsupported_imports.is_empty()
            || !self.module_fixes.is_empty()
    }
}

impl<'a> Visitor<'a> for Scope<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Import(imp) => {
                for a in &imp.names {
                    let name = a.name.id.as_str();
                    let local = a
                        .asname
                        .as_ref()
                        .map_or_else(|| name.split('.').next().unwrap_or(name), |n| n.id.as_str());
                    if matches!(name, "streamlit.legacy_caching" | "streamlit.caching") {
                        if a.asname.is_some() {
                            self.unsupported_imports
                                .push((range_of(a), format!("`import {name} as ...`")));
                            continue;
                        }
                        self.module_fixes.push(range_of(&a.name));
                    }
                    if name == "streamlit" || (a.asname.is_none() && name.starts_with("streamlit."))
                    {
                        self.modules.insert(local.to_string());
                    } else if a.asname.is_some() {
                        self.imports.insert(local.to_string(), name.to_string());
                    } else {
                        self.imports.insert(local.to_string(), local.to_string());
                    }
                }
            }
            Stmt::ImportFrom(imp) if imp.level == 0 => {
                let module = imp.module.as_ref().map_or("", |m| m.id.as_str());
                for a in &imp.names {
                    let name = a.name.id.as_str();
                    let local = a.asname.as_ref().map_or(name, |n| n.id.as_str());
                    if module == "streamlit" {
                        match (name, Api::from_attr(name)) {
                            (_, Some(api)) => {
                                self.from_names
                                    .insert(local.to_string(), self.from_imports.len());
                                self.from_imports.push(FromImport {
                                    api,
                                    name_range: range_of(&a.name),
                                    alias_range: range_of(a),
                                    has_asname: a.asname.is_some(),
                                });
                            }
                            ("legacy_caching" | "caching", None) => {
                                self.unsupported_imports
                                    .push((range_of(a), format!("`from streamlit import {name}`")));
                            }
                            _ => {}
                        }
                    } else if matches!(module, "streamlit.legacy_caching" | "streamlit.caching") {
                        if imp
                            .names
                            .iter()
                            .all(|a| a.name.id.as_str() == "clear_cache")
                        {
                            self.clear_names.insert(local.to_string());
                        } else {
                            self.unsupported_imports
                                .push((range_of(a), format!("`from {module} import {name}`")));
                        }
                    } else if !module.is_empty() {
                        self.imports
                            .insert(local.to_string(), format!("{module}.{name}"));
                    }
                }
                if matches!(module, "streamlit.legacy_caching" | "streamlit.caching")
                    && imp
                        .names
                        .iter()
                        .all(|a| a.name.id.as_str() == "clear_cache")
                {
                    self.clear_imports.push(ClearImport {
                        stmt_range: range_of(imp),
                    });
                }
            }
            Stmt::FunctionDef(f) => {
                self.functions.insert(f.name.id.as_str().to_string(), f);
                walk_stmt(self, stmt);
            }
            _ => walk_stmt(self, stmt),
        }
    }

    // Imports only occur in statements; expressions cannot bind module names.
    fn visit_expr(&mut self, _expr: &'a Expr) {}
}

/// Calls whose result is a live resource (connection, client, model, handle), by the last
/// segment of the resolved callee.
const RESOURCE_LAST: &[&str] = &[
    "connect",
    "create_engine",
    "create_async_engine",
    "MongoClient",
    "AsyncIOMotorClient",
    "load_model",
    "pipeline",
    "SentenceTransformer",
    "from_pretrained",
    "cursor",
    "connection",
    "experimental_connection",
    "Redis",
    "StrictRedis",
    "create_connection",
    "urlopen",
    "Elasticsearch",
    "KafkaProducer",
    "KafkaConsumer",
    "ThreadPoolExecutor",
    "ProcessPoolExecutor",
    "Thread",
    "Lock",
    "RLock",
];

/// Resolved callees that load a model or open a handle, matched in full.
const RESOURCE_FULL: &[&str] = &[
    "torch.load",
    "torch.jit.load",
    "spacy.load",
    "joblib.load",
    "whisper.load_model",
    "open",
    "io.open",
    "socket.socket",
    "tempfile.TemporaryFile",
    "tempfile.NamedTemporaryFile",
    "boto3.client",
    "boto3.resource",
    "boto3.session.Session",
    "requests.Session",
    "httpx.Client",
    "duckdb.connect",
];

/// Whether a resolved callee (`sqlite3.connect`) returns a live resource.
pub(crate) fn resource_callee(dotted: &str) -> bool {
    let last = dotted.rsplit('.').next().unwrap_or(dotted);
    RESOURCE_FULL.contains(&dotted)
        || RESOURCE_LAST.contains(&last)
        || last.ends_with("Client")
        || last.ends_with("Connection")
        || last.ends_with("Session")
}

/// Calls that build plain data (DataFrames, arrays, parsed files).
pub(crate) fn data_callee(dotted: &str) -> bool {
    let last = dotted.rsplit('.').next().unwrap_or(dotted);
    let root = dotted.split('.').next().unwrap_or(dotted);
    last.starts_with("read_")
        || matches!(
            last,
            "DataFrame" | "Series" | "concat" | "merge" | "array" | "loadtxt" | "genfromtxt"
        )
        || (matches!(root, "pandas" | "polars" | "numpy") && !resource_callee(dotted))
}
