//! Behaviour changes a rewrite cannot fix by itself: reported, never silently "fixed".

use super::scope::{Scope, Target, range_of};
use crate::model::{Applicability, Finding, Rule};
use ruff_python_ast::visitor::{Visitor, walk_expr, walk_stmt};
use ruff_python_ast::{Expr, Stmt, StmtFunctionDef};
use std::collections::{HashMap, HashSet};

/// Statements of a function body, without descending into nested functions and classes
/// (their returns and calls are their own).
struct Body<'a> {
    assigned: HashMap<String, &'a Expr>,
    returned: Vec<&'a Expr>,
    calls: Vec<&'a ruff_python_ast::ExprCall>,
}

impl<'a> Visitor<'a> for Body<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {}
            Stmt::Return(r) => {
                if let Some(v) = &r.value {
                    self.returned.push(v);
                }
                walk_stmt(self, stmt);
            }
            Stmt::Assign(a) => {
                if let [Expr::Name(n)] = a.targets.as_slice() {
                    self.assigned.insert(n.id.as_str().to_string(), &a.value);
                }
                walk_stmt(self, stmt);
            }
            Stmt::AnnAssign(a) => {
                if let (Expr::Name(n), Some(v)) = (a.target.as_ref(), &a.value) {
                    self.assigned.insert(n.id.as_str().to_string(), v);
                }
                walk_stmt(self, stmt);
            }
            Stmt::With(w) => {
                for item in &w.items {
                    if let Some(Expr::Name(n)) = item.optional_vars.as_deref() {
                        self.assigned
                            .insert(n.id.as_str().to_string(), &item.context_expr);
                    }
                }
                walk_stmt(self, stmt);
            }
            _ => walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, e: &'a Expr) {
        match e {
            Expr::Lambda(_) => {}
            Expr::Call(c) => {
                self.calls.push(c);
                walk_expr(self, e);
            }
            _ => walk_expr(self, e),
        }
    }
}

fn body(f: &StmtFunctionDef) -> Body<'_> {
    let mut b = Body {
        assigned: HashMap::new(),
        returned: Vec::new(),
        calls: Vec::new(),
    };
    b.visit_body(&f.body);
    b
}

/// The resolved callees of the calls `f` returns (`sqlite3.connect`, `pandas.read_csv`),
/// following one local assignment (`conn = connect(); return conn`).
pub(crate) fn returns(scope: &Scope<'_>, f: &StmtFunctionDef) -> Vec<String> {
    let b = body(f);
    b.returned
        .iter()
        .filter_map(|&e| {
            let e = match e {
                Expr::Name(n) => b.assigned.get(n.id.as_str()).copied().unwrap_or(e),
                _ => e,
            };
            match e {
                Expr::Call(c) => scope.dotted(&c.func),
                _ => None,
            }
        })
        .collect()
}

/// Names under `st.` that are not elements or widgets.
const NOT_ELEMENTS: &[&str] = &[
    "cache",
    "cache_data",
    "cache_resource",
    "experimental_memo",
    "experimental_singleton",
    "secrets",
    "session_state",
    "query_params",
    "context",
    "connection",
    "experimental_connection",
    "legacy_caching",
    "caching",
    "runtime",
];

const WIDGETS: &[&str] = &[
    "button",
    "checkbox",
    "radio",
    "selectbox",
    "multiselect",
    "slider",
    "select_slider",
    "text_input",
    "number_input",
    "text_area",
    "date_input",
    "time_input",
    "file_uploader",
    "camera_input",
    "color_picker",
    "toggle",
    "data_editor",
    "download_button",
    "form_submit_button",
    "chat_input",
    "pills",
    "segmented_control",
    "feedback",
    "audio_input",
];

/// `st.*` element and widget calls in a function that becomes `cache_data`.
pub(crate) fn elements(scope: &Scope<'_>, f: &StmtFunctionDef) -> Vec<Finding> {
    let b = body(f);
    let mut out = Vec::new();
    for c in &b.calls {
        let Expr::Attribute(a) = c.func.as_ref() else {
            continue;
        };
        // The attribute chain, root first: `st`, `sidebar`, `write`.
        let mut chain = vec![a.attr.id.as_str()];
        let mut root = a.value.as_ref();
        while let Expr::Attribute(inner) = root {
            chain.push(inner.attr.id.as_str());
            root = inner.value.as_ref();
        }
        let Expr::Name(m) = root else { continue };
        chain.push(m.id.as_str());
        chain.reverse();
        if !scope.modules.contains(chain[0]) || NOT_ELEMENTS.contains(&chain[1]) {
            continue;
        }
        let name = a.attr.id.as_str();
        let shown = chain.join(".");
        let (msg, help) = if WIDGETS.contains(&name) {
            (
                format!(
                    "widget `{shown}(...)` inside a function that becomes st.cache_data: widgets in cached functions are not replayed on a cache hit"
                ),
                "move the widget out of the cached function and pass its value in as an argument",
            )
        } else {
            (
                format!(
                    "`{shown}(...)` inside a function that becomes st.cache_data: st.cache ran it only on a miss; st.cache_data replays it on every hit"
                ),
                "check that showing it on every run is wanted, or move it out of the cached function",
            )
        };
        out.push(
            Finding::new(
                range_of(*c),
                Rule::ElementInCacheData,
                Applicability::Review,
                msg,
            )
            .with_help(help),
        );
    }
    out
}

/// Parameters whose hashing changes: `_x` (hashed by `st.cache`, skipped now) and `self`.
pub(crate) fn params(f: &StmtFunctionDef, in_class: bool, target: Target) -> Vec<Finding> {
    let mut out = Vec::new();
    let decorated_static = f
        .decorator_list
        .iter()
        .any(|d| matches!(&d.expression, Expr::Name(n) if n.id.as_str() == "staticmethod"));
    let new = format!("st.{}", target.name());
    for (i, p) in f.parameters.iter_non_variadic_params().enumerate() {
        let name = p.parameter.name.id.as_str();
        if i == 0 && in_class && !decorated_static && name == "self" {
            out.push(
                Finding::new(
                    range_of(&p.parameter.name),
                    Rule::SelfHashed,
                    Applicability::Review,
                    format!(
                        "`self` of method `{}` is now hashed like any argument: {new} raises UnhashableParamError unless the class is hashable",
                        f.name.id.as_str()
                    ),
                )
                .with_help("rename it `_self` to leave it out of the key (then the cache is shared by all instances)"),
            );
        } else if i == 0 && in_class && !decorated_static && name == "_self" {
            out.push(
                Finding::new(
                    range_of(&p.parameter.name),
                    Rule::UnderscoreParam,
                    Applicability::Review,
                    format!(
                        "`_self` was hashed by st.cache, but {new} leaves it out of the key: every instance now shares the entries of `{}`",
                        f.name.id.as_str()
                    ),
                )
                .with_help("if the result depends on the instance, pass what distinguishes instances as an argument"),
            );
        } else if name.starts_with('_') {
            out.push(
                Finding::new(
                    range_of(&p.parameter.name),
                    Rule::UnderscoreParam,
                    Applicability::Review,
                    format!(
                        "parameter `{name}` was hashed by st.cache, but {new} leaves `_`-prefixed parameters out of the key: calls that differ only in `{name}` now share one entry"
                    ),
                )
                .with_help(format!(
                    "rename it `{}` if it should still select the entry",
                    name.trim_start_matches('_')
                )),
            );
        }
    }
    out
}

/// `hash_funcs` keys the new decorators will not match: they hash arguments only, by type,
/// while `st.cache` also applied them to everything the function body and its globals
/// reached.
pub(crate) fn hash_funcs(
    scope: &Scope<'_>,
    value: &Expr,
    func: Option<&StmtFunctionDef>,
) -> Vec<Finding> {
    let Expr::Dict(d) = value else {
        return vec![
            Finding::new(
                range_of(value),
                Rule::HashFuncsKept,
                Applicability::Review,
                "`hash_funcs` is not a dict literal: its keys cannot be checked against the parameters",
            )
            .with_help("the new decorators apply hash_funcs to arguments only, matched by type"),
        ];
    };
    let annotations: HashSet<String> = func
        .map(|f| {
            f.parameters
                .iter_non_variadic_params()
                .filter_map(|p| p.parameter.annotation.as_deref())
                .filter_map(|a| scope.dotted(a))
                .map(|s| last(&s).to_string())
                .collect()
        })
        .unwrap_or_default();
    let mut out = Vec::new();
    for item in &d.items {
        let Some(key) = &item.key else { continue };
        let shown = match key {
            Expr::StringLiteral(s) => s.value.to_str().to_string(),
            other => scope.dotted(other).unwrap_or_else(|| "?".into()),
        };
        if annotations.contains(last(&shown)) {
            continue;
        }
        out.push(
            Finding::new(
                range_of(key),
                Rule::HashFuncsKept,
                Applicability::Review,
                format!(
                    "hash_funcs key `{shown}` matches no annotated parameter: st.cache applied it to objects the function body and its globals reached, the new decorators only to arguments of that type"
                ),
            )
            .with_help("if it served an object used inside the function, remove the entry; if it is an argument's type, keep it"),
        );
    }
    out
}

fn last(s: &str) -> &str {
    s.rsplit('.').next().unwrap_or(s)
}

/// Methods that change a list, dict, set or DataFrame in place.
const MUTATORS: &[&str] = &[
    "append",
    "extend",
    "insert",
    "pop",
    "remove",
    "clear",
    "update",
    "setdefault",
    "popitem",
    "sort",
    "reverse",
    "add",
    "discard",
    "__setitem__",
];

/// Callers that mutate what a function now cached by `st.cache_resource` returns.
pub(crate) fn mutations(body: &[Stmt], resource_fns: &HashSet<String>) -> Vec<Finding> {
    if resource_fns.is_empty() {
        return Vec::new();
    }
    let mut taint = Taint {
        resource_fns,
        names: HashMap::new(),
        findings: Vec::new(),
        collecting: true,
    };
    taint.visit_body(body);
    taint.collecting = false;
    taint.visit_body(body);
    taint.findings
}

struct Taint<'r> {
    resource_fns: &'r HashSet<String>,
    /// Local name -> the resource function it came from.
    names: HashMap<String, String>,
    findings: Vec<Finding>,
    collecting: bool,
}

impl Taint<'_> {
    /// The resource function whose result `e` is (directly or through a tainted name).
    fn origin(&self, e: &Expr) -> Option<String> {
        match e {
            Expr::Call(c) => match c.func.as_ref() {
                Expr::Name(n) if self.resource_fns.contains(n.id.as_str()) => {
                    Some(n.id.as_str().to_string())
                }
                _ => None,
            },
            Expr::Name(n) => self.names.get(n.id.as_str()).cloned(),
            Expr::Subscript(s) => self.origin(&s.value),
            Expr::Attribute(a) => self.origin(&a.value),
            _ => None,
        }
    }

    fn report(&mut self, at: &impl ruff_text_size::Ranged, from: String) {
        self.findings.push(
            Finding::new(
                range_of(at),
                Rule::MutatedResource,
                Applicability::Review,
                format!(
                    "mutates the result of `{from}()`, which now uses st.cache_resource: that object is shared by every session and thread"
                ),
            )
            .with_help(format!(
                "copy it first (`copy.deepcopy({from}(...))`), or cache `{from}` with st.cache_data to get a copy per call"
            )),
        );
    }
}

impl<'a> Visitor<'a> for Taint<'_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Assign(a) if self.collecting => {
                if let ([Expr::Name(n)], Some(from)) = (a.targets.as_slice(), self.origin(&a.value))
                    && matches!(a.value.as_ref(), Expr::Call(_) | Expr::Name(_))
                {
                    self.names.insert(n.id.as_str().to_string(), from);
                }
            }
            Stmt::Assign(a) if !self.collecting => {
                for t in &a.targets {
                    if matches!(t, Expr::Subscript(_) | Expr::Attribute(_))
                        && let Some(from) = self.origin(t)
                    {
                        self.report(t, from);
                    }
                }
            }
            Stmt::AugAssign(a) if !self.collecting => {
                if let Some(from) = self.origin(&a.target) {
                    self.report(a, from);
                }
            }
            Stmt::Delete(d) if !self.collecting => {
                for t in &d.targets {
                    if matches!(t, Expr::Subscript(_) | Expr::Attribute(_))
                        && let Some(from) = self.origin(t)
                    {
                        self.report(t, from);
                    }
                }
            }
            _ => {}
        }
        walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, e: &'a Expr) {
        if !self.collecting
            && let Expr::Call(c) = e
            && let Expr::Attribute(a) = c.func.as_ref()
        {
            let inplace = c.arguments.keywords.iter().any(|k| {
                k.arg.as_ref().is_some_and(|n| n.id.as_str() == "inplace")
                    && matches!(&k.value, Expr::BooleanLiteral(b) if b.value)
            });
            if (MUTATORS.contains(&a.attr.id.as_str()) || inplace)
                && let Some(from) = self.origin(&a.value)
            {
                self.report(c, from);
            }
        }
        walk_expr(self, e);
    }
}
