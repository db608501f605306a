//! The walk over a parsed module: every reference to a caching API becomes a site (decorator,
//! call, attribute, bare name, `clear_cache`), planned into edits and findings.

use super::args::{self, literal_bool, mutation_flag};
use super::hazards;
use super::scope::{Api, Scope, Target, data_callee, range_of, resource_callee};
use crate::model::{Applicability, Edit, Finding, Rule};
use ruff_python_ast::visitor::{Visitor, walk_expr, walk_stmt};
use ruff_python_ast::{Arguments, Decorator, Expr, ExprCall, Stmt, StmtFunctionDef};
use std::collections::HashSet;
use std::ops::Range;

/// A name or attribute to rename once every site's target is known (from-imports need the
/// whole set before they can be rewritten).
#[derive(Debug)]
pub(crate) struct Rename {
    /// The identifier to replace (`cache` in `st.cache`, or a from-imported local name).
    pub range: Range<usize>,
    pub target: Target,
    /// Index into `Scope::from_imports` when the reference is a from-imported name.
    pub import: Option<usize>,
    pub rule: Rule,
    pub applicability: Applicability,
    pub message: String,
}

/// How a `clear_cache` reference is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClearForm {
    /// `st.legacy_caching.clear_cache()` as a statement of its own.
    Statement,
    /// A call inside a larger expression.
    Call,
    /// The function itself (`on_click=st.legacy_caching.clear_cache`).
    Bare,
}

#[derive(Debug)]
pub(crate) struct ClearSite {
    pub range: Range<usize>,
    pub form: ClearForm,
    /// `st.` for the attribute form, empty for a from-imported `clear_cache`.
    pub prefix: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Module,
    Class,
    Function,
}

pub(crate) struct Collector<'s, 'a> {
    pub text: &'a str,
    pub scope: &'s Scope<'a>,
    pub renames: Vec<Rename>,
    pub clears: Vec<ClearSite>,
    pub edits: Vec<Edit>,
    pub findings: Vec<Finding>,
    /// Targets used by the rewritten or already-migrated sites (for `clear_cache`).
    pub uses: HashSet<Target>,
    /// Functions that now use `cache_resource` after a rewrite of `st.cache`.
    pub resource_fns: HashSet<String>,
    ctx: Vec<Ctx>,
}

impl<'s, 'a> Collector<'s, 'a> {
    pub(crate) fn new(text: &'a str, scope: &'s Scope<'a>) -> Self {
        Collector {
            text,
            scope,
            renames: Vec::new(),
            clears: Vec::new(),
            edits: Vec::new(),
            findings: Vec::new(),
            uses: HashSet::new(),
            resource_fns: HashSet::new(),
            ctx: vec![Ctx::Module],
        }
    }

    /// The identifier range to rename in a reference (`cache` of `st.cache`, or the name).
    fn ident_range(expr: &Expr) -> Range<usize> {
        match expr {
            Expr::Attribute(a) => range_of(&a.attr),
            other => range_of(other),
        }
    }

    fn import_of(&self, expr: &Expr) -> Option<usize> {
        match expr {
            Expr::Name(n) => self.scope.from_names.get(n.id.as_str()).copied(),
            _ => None,
        }
    }

    fn rename(
        &mut self,
        reference: &Expr,
        target: Target,
        rule: Rule,
        applicability: Applicability,
        message: String,
    ) {
        self.uses.insert(target);
        self.renames.push(Rename {
            range: Self::ident_range(reference),
            target,
            import: self.import_of(reference),
            rule,
            applicability,
            message,
        });
    }

    /// Decides the successor of an `st.cache` site and says why.
    fn decide(
        &mut self,
        site: Range<usize>,
        args: Option<&Arguments>,
        func: Option<&StmtFunctionDef>,
        callee: Option<&Expr>,
    ) -> (Target, Rule, Applicability, String) {
        let returns = match (func, callee) {
            (Some(f), _) => hazards::returns(self.scope, f),
            (None, Some(c)) => match self.scope.dotted(c) {
                // A function defined in this module, passed to the call form.
                Some(d) if self.scope.functions.contains_key(&d) => {
                    hazards::returns(self.scope, self.scope.functions[&d])
                }
                Some(d) => vec![d],
                None => Vec::new(),
            },
            _ => Vec::new(),
        };
        let aom = args.and_then(mutation_flag).and_then(literal_bool);
        if aom == Some(true) {
            if !returns.is_empty() && returns.iter().all(|d| data_callee(d)) {
                self.findings.push(
                    Finding::new(
                        site.clone(),
                        Rule::DataInResource,
                        Applicability::Review,
                        format!(
                            "`allow_output_mutation=True` on data (`{}`): kept as st.cache_resource, as Streamlit's alias did, so every session shares and mutates one object",
                            returns[0]
                        ),
                    )
                    .with_help("st.cache_data is probably what was meant: it hands each caller its own copy"),
                );
            }
            return (
                Target::Resource,
                Rule::CacheToCacheResource,
                Applicability::Safe,
                "st.cache(allow_output_mutation=True) becomes st.cache_resource".into(),
            );
        }
        if let Some(r) = returns.iter().find(|d| resource_callee(d)) {
            self.findings.push(
                Finding::new(
                    site,
                    Rule::ResourceReturn,
                    Applicability::Review,
                    format!(
                        "returns a resource (`{r}(...)`): st.cache_resource instead of Streamlit's alias choice st.cache_data, which cannot pickle it"
                    ),
                )
                .with_help("the object is now shared by every session and thread; make sure it is thread-safe"),
            );
            return (
                Target::Resource,
                Rule::ResourceReturn,
                Applicability::Review,
                format!("returns `{r}(...)`: st.cache becomes st.cache_resource"),
            );
        }
        (
            Target::Data,
            Rule::CacheToCacheData,
            Applicability::Safe,
            "st.cache becomes st.cache_data".into(),
        )
    }

    /// A caching call's arguments, given the chosen target. Returns false when the site is
    /// left alone.
    fn apply_args(
        &mut self,
        site: Range<usize>,
        args: &Arguments,
        api: Api,
        target: Target,
        func: Option<&StmtFunctionDef>,
    ) -> bool {
        let plan = args::plan(self.text, args, api, target, func.is_some());
        if let Some(why) = plan.unsupported {
            self.findings.push(
                Finding::new(site, Rule::Unsupported, Applicability::Review, why)
                    .with_help("pass the options as keywords and run the tool again"),
            );
            return false;
        }
        self.edits.extend(plan.edits);
        self.findings.extend(plan.findings);
        if let Some(hf) = plan.hash_funcs
            && api == Api::Cache
        {
            self.findings
                .extend(hazards::hash_funcs(self.scope, hf, func));
        }
        true
    }

    /// `@st.cache`, `@st.cache(...)` and the other caching decorators. Returns false when the
    /// decorator is not a caching one.
    fn decorator(&mut self, d: &Decorator, f: &StmtFunctionDef) -> bool {
        let (reference, args) = match &d.expression {
            Expr::Call(c) => (c.func.as_ref(), Some(&c.arguments)),
            e => (e, None),
        };
        let Some(api) = self.scope.api_of(reference) else {
            return false;
        };
        let site = range_of(d);
        let in_class = self.ctx.last() == Some(&Ctx::Class);
        match api {
            Api::Cache => {
                let (target, rule, app, msg) = self.decide(site.clone(), args, Some(f), None);
                if let Some(a) = args
                    && !self.apply_args(site.clone(), a, api, target, Some(f))
                {
                    return true;
                }
                self.rename(reference, target, rule, app, msg);
                if target == Target::Resource {
                    self.resource_fns.insert(f.name.id.as_str().to_string());
                } else {
                    self.findings.extend(hazards::elements(self.scope, f));
                }
                self.findings.extend(hazards::params(f, in_class, target));
            }
            Api::Memo | Api::Singleton => {
                let target = if api == Api::Memo {
                    Target::Data
                } else {
                    Target::Resource
                };
                if let Some(a) = args
                    && !self.apply_args(site.clone(), a, api, target, Some(f))
                {
                    return true;
                }
                self.rename(
                    reference,
                    target,
                    Rule::ExperimentalRename,
                    Applicability::Safe,
                    format!("{} becomes st.{}", api.legacy_name(), target.name()),
                );
            }
            Api::CacheData | Api::CacheResource => {
                let target = if api == Api::CacheData {
                    Target::Data
                } else {
                    Target::Resource
                };
                self.uses.insert(target);
                if let Some(a) = args {
                    self.apply_args(site, a, api, target, Some(f));
                }
            }
            Api::ClearCache => return false,
        }
        true
    }

    /// `st.cache(f, ...)`, `st.cache(...)(f)`, `st.experimental_memo(f)` and
    /// `st.legacy_caching.clear_cache()` outside decorators.
    fn call(&mut self, c: &ExprCall, api: Api, statement: bool) {
        let site = range_of(c);
        let reference = c.func.as_ref();
        match api {
            Api::Cache => {
                let callee = c.arguments.args.first();
                let (target, rule, app, msg) =
                    self.decide(site.clone(), Some(&c.arguments), None, callee);
                if self.apply_args(site, &c.arguments, api, target, None) {
                    self.rename(reference, target, rule, app, msg);
                }
            }
            Api::Memo | Api::Singleton => {
                let target = if api == Api::Memo {
                    Target::Data
                } else {
                    Target::Resource
                };
                if self.apply_args(site, &c.arguments, api, target, None) {
                    self.rename(
                        reference,
                        target,
                        Rule::ExperimentalRename,
                        Applicability::Safe,
                        format!("{} becomes st.{}", api.legacy_name(), target.name()),
                    );
                }
            }
            Api::CacheData | Api::CacheResource => {
                let target = if api == Api::CacheData {
                    Target::Data
                } else {
                    Target::Resource
                };
                self.uses.insert(target);
                self.apply_args(site, &c.arguments, api, target, None);
            }
            Api::ClearCache => self.clear(
                reference,
                site,
                if statement {
                    ClearForm::Statement
                } else {
                    ClearForm::Call
                },
            ),
        }
    }

    fn clear(&mut self, reference: &Expr, site: Range<usize>, form: ClearForm) {
        let prefix = match reference {
            Expr::Attribute(a) => match a.value.as_ref() {
                Expr::Attribute(inner) => {
                    format!("{}.", &self.text[range_of(inner.value.as_ref())])
                }
                _ => String::new(),
            },
            _ => String::new(),
        };
        self.clears.push(ClearSite {
            range: site,
            form,
            prefix,
        });
    }

    /// A reference used other than as a decorator or call: `st.experimental_memo.clear()`,
    /// `x = st.cache`, `on_click=st.legacy_caching.clear_cache`.
    fn bare(&mut self, e: &Expr, api: Api) {
        match api {
            Api::Memo => self.rename(
                e,
                Target::Data,
                Rule::ExperimentalRename,
                Applicability::Safe,
                "st.experimental_memo becomes st.cache_data".into(),
            ),
            Api::Singleton => self.rename(
                e,
                Target::Resource,
                Rule::ExperimentalRename,
                Applicability::Safe,
                "st.experimental_singleton becomes st.cache_resource".into(),
            ),
            Api::Cache => {
                self.findings.push(
                    Finding::new(
                        range_of(e),
                        Rule::CacheToCacheData,
                        Applicability::Review,
                        "st.cache used as a value: renamed to st.cache_data without seeing what it decorates",
                    )
                    .with_help("use st.cache_resource where the result is a connection, model or other shared object"),
                );
                self.rename(
                    e,
                    Target::Data,
                    Rule::CacheToCacheData,
                    Applicability::Review,
                    "st.cache (used as a value) becomes st.cache_data".into(),
                );
            }
            Api::CacheData => {
                self.uses.insert(Target::Data);
            }
            Api::CacheResource => {
                self.uses.insert(Target::Resource);
            }
            Api::ClearCache => self.clear(e, range_of(e), ClearForm::Bare),
        }
    }

    fn visit_function(&mut self, f: &'a StmtFunctionDef) {
        for d in &f.decorator_list {
            if self.decorator(d, f) {
                // Visit the argument values (a `hash_funcs` lambda may hold references) but
                // not the reference itself, which is handled.
                if let Expr::Call(c) = &d.expression {
                    for a in c.arguments.args.iter() {
                        self.visit_expr(a);
                    }
                    for k in c.arguments.keywords.iter() {
                        self.visit_expr(&k.value);
                    }
                }
            } else {
                self.visit_decorator(d);
            }
        }
        if let Some(tp) = &f.type_params {
            self.visit_type_params(tp);
        }
        self.visit_parameters(&f.parameters);
        if let Some(r) = &f.returns {
            self.visit_annotation(r);
        }
        self.ctx.push(Ctx::Function);
        self.visit_body(&f.body);
        self.ctx.pop();
    }
}

impl<'a> Visitor<'a> for Collector<'_, 'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(f) => self.visit_function(f),
            Stmt::ClassDef(_) => {
                self.ctx.push(Ctx::Class);
                walk_stmt(self, stmt);
                self.ctx.pop();
            }
            Stmt::Expr(s) => match s.value.as_ref() {
                Expr::Call(c) if self.scope.api_of(&c.func) == Some(Api::ClearCache) => {
                    self.call(c, Api::ClearCache, true);
                    self.visit_arguments(&c.arguments);
                }
                _ => walk_stmt(self, stmt),
            },
            // Imports were read by the scope pass; their edits are planned at the end.
            Stmt::Import(_) | Stmt::ImportFrom(_) => {}
            _ => walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, e: &'a Expr) {
        match e {
            Expr::Call(c) => {
                if let Some(api) = self.scope.api_of(&c.func) {
                    self.call(c, api, false);
                    self.visit_arguments(&c.arguments);
                } else {
                    walk_expr(self, e);
                }
            }
            _ => {
                if let Some(api) = self.scope.api_of(e) {
                    self.bare(e, api);
                } else {
                    walk_expr(self, e);
                }
            }
        }
    }
}
