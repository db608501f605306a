//! The pre-scan: a cheap first pass over every file, before any file is analysed, to learn which
//! functions are legacy-cached and which of them must stay on the legacy cache because callers
//! mutate their results.

use super::hazards::{Bindings, Hazard, SharedUse, type_is_shared};
use super::{on_analysis_stack, parse};
use crate::model::{FileError, LineIndex};
use proc_macro2::Span;
use std::collections::HashSet;
use syn::visit::{self, Visit};

/// What [`prescan`] learns from one file.
///
/// ```
/// let p = migrate::prescan("use legacy_cache::cache;\n#[cache] fn f() -> u8 { 1 }\n").unwrap();
/// assert_eq!(p.legacy_fns, vec!["f".to_string()]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prescan {
    /// Functions with a legacy-looking cache attribute.
    pub legacy_fns: Vec<String>,
    /// Uses of a function's result that keep it on the legacy cache.
    pub blockers: Vec<Blocker>,
    /// Names `legacy_cache::cache` is re-exported under (`pub use legacy_cache::cache as c;`).
    pub reexported_attrs: Vec<String>,
    /// Names the `legacy_cache` crate is re-exported under (`pub use legacy_cache as lc;`).
    pub reexported_crates: Vec<String>,
}

/// A use of a cached function's result that memo and singleton cannot reproduce: the result is
/// mutated (`mutate`, `try_mutate`), re-read (`refresh`, `snapshot`), compared by identity
/// (`Shared::ptr_eq`) or bound to a `Shared<T>`-typed local, or the function is called through
/// its generated `try_f` companion.
///
/// ```
/// let p = migrate::prescan("fn g() { let mut s = f(); s.mutate(|v| v.push(1)); }\n").unwrap();
/// assert_eq!(p.blockers[0].callee, "f");
/// assert_eq!((p.blockers[0].line, p.blockers[0].column), (1, 29));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocker {
    /// The function whose result is used this way.
    pub callee: String,
    /// 1-based line of the use.
    pub line: usize,
    /// 1-based column (in characters) of the use.
    pub column: usize,
    /// What the use is, as a phrase ("mutated through `Shared::mutate`").
    pub why: &'static str,
}

/// Cheap first pass over one file: which functions look legacy-cached, and which callees have
/// their result used in a way only `Shared<T>` supports (`f(x).mutate(..)`,
/// `let s = f(x); let t = s.clone(); t.refresh()`, `Shared::ptr_eq(&f(1), &f(2))`, a `try_f(x)`
/// call; see [`Blocker`]). Those callees stay on the legacy cache.
pub fn prescan(src: &str) -> Result<Prescan, FileError> {
    on_analysis_stack(|| prescan_here(src))
}

fn prescan_here(src: &str) -> Result<Prescan, FileError> {
    let (file, base) = parse(src)?;
    Ok(prescan_parsed(src, base, &file))
}

/// [`prescan`] on a file already parsed (from `src[base..]`).
pub(super) fn prescan_parsed(src: &str, base: usize, file: &syn::File) -> Prescan {
    let mut aliases: HashSet<String> = HashSet::from(["cache".to_string()]);
    for item in &file.items {
        if let syn::Item::Use(u) = item {
            collect_attr_aliases(&u.tree, &mut Vec::new(), &mut aliases);
        }
    }
    let mut visitor = PrescanVisitor {
        src,
        base,
        aliases,
        out: Prescan::default(),
        bindings: Bindings::default(),
        lines: None,
    };
    visitor.visit_file(file);
    visitor.out
}

/// Adds the names `legacy_cache::cache` is imported under (`use legacy_cache::cache as c`).
fn collect_attr_aliases(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut HashSet<String>) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            collect_attr_aliases(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Rename(r)
            if prefix.len() == 1 && prefix[0] == "legacy_cache" && r.ident == "cache" =>
        {
            out.insert(r.rename.to_string());
        }
        syn::UseTree::Group(g) => {
            for t in &g.items {
                collect_attr_aliases(t, prefix, out);
            }
        }
        _ => {}
    }
}

/// Records what a `pub use` tree re-exports from `legacy_cache`.
fn collect_reexports(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Prescan) {
    let at_root = prefix.len() == 1 && prefix[0] == "legacy_cache";
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            collect_reexports(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) if at_root && n.ident == "cache" => {
            out.reexported_attrs.push("cache".into());
        }
        syn::UseTree::Rename(r) if at_root && r.ident == "cache" => {
            out.reexported_attrs.push(r.rename.to_string());
        }
        syn::UseTree::Rename(r)
            if (prefix.is_empty() && r.ident == "legacy_cache")
                || (at_root && r.ident == "self") =>
        {
            out.reexported_crates.push(r.rename.to_string());
        }
        syn::UseTree::Name(n) if prefix.is_empty() && n.ident == "legacy_cache" => {
            out.reexported_crates.push("legacy_cache".into());
        }
        syn::UseTree::Group(g) => {
            for t in &g.items {
                collect_reexports(t, prefix, out);
            }
        }
        _ => {}
    }
}

struct PrescanVisitor<'a> {
    src: &'a str,
    base: usize,
    aliases: HashSet<String>,
    out: Prescan,
    bindings: Bindings,
    /// Built on the first blocker: most files have none.
    lines: Option<LineIndex>,
}

impl PrescanVisitor<'_> {
    fn looks_legacy(&self, attrs: &[syn::Attribute]) -> bool {
        attrs.iter().any(|a| {
            let last = a.path().segments.last().map(|s| s.ident.to_string());
            match last.as_deref() {
                Some("cfg_attr") => {
                    let text = quote::ToTokens::to_token_stream(&a.meta).to_string();
                    self.aliases.iter().any(|al| text.contains(al.as_str()))
                }
                Some(name) => self.aliases.contains(name),
                None => false,
            }
        })
    }

    fn line_col(&mut self, span: Span) -> (usize, usize) {
        let src = self.src;
        self.lines
            .get_or_insert_with(|| LineIndex::new(src))
            .line_col(src, span.byte_range().start + self.base)
    }

    fn block(&mut self, span: Span, callee: String, kind: SharedUse) {
        let (line, column) = self.line_col(span);
        self.out.blockers.push(Blocker {
            callee,
            line,
            column,
            why: kind.why(),
        });
    }

    fn hazard(&mut self, h: Hazard) {
        self.block(h.span, h.callee, h.kind);
    }
}

impl<'ast> Visit<'ast> for PrescanVisitor<'_> {
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if self.looks_legacy(&f.attrs) {
            self.out.legacy_fns.push(f.sig.ident.to_string());
        }
        let saved = std::mem::take(&mut self.bindings);
        visit::visit_item_fn(self, f);
        self.bindings = saved;
    }
    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        if self.looks_legacy(&f.attrs) {
            self.out.legacy_fns.push(f.sig.ident.to_string());
        }
        let saved = std::mem::take(&mut self.bindings);
        visit::visit_impl_item_fn(self, f);
        self.bindings = saved;
    }
    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        if !matches!(u.vis, syn::Visibility::Inherited) {
            collect_reexports(&u.tree, &mut Vec::new(), &mut self.out);
        }
        visit::visit_item_use(self, u);
    }
    fn visit_item_extern_crate(&mut self, e: &'ast syn::ItemExternCrate) {
        if e.ident == "legacy_cache"
            && !matches!(e.vis, syn::Visibility::Inherited)
            && let Some((_, alias)) = &e.rename
        {
            self.out.reexported_crates.push(alias.to_string());
        }
        visit::visit_item_extern_crate(self, e);
    }
    fn visit_local(&mut self, l: &'ast syn::Local) {
        let init = l.init.as_ref().map(|i| &*i.expr);
        if let Some((callee, Some(ty))) = self.bindings.bind_let(&l.pat, init)
            && type_is_shared(ty)
        {
            self.block(l.let_token.span, callee, SharedUse::SharedLocal);
        }
        visit::visit_local(self, l);
    }
    fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
        self.bindings.assign(&a.left, &a.right);
        visit::visit_expr_assign(self, a);
    }
    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        for h in self.bindings.call_hazards(c) {
            self.hazard(h);
        }
        visit::visit_expr_call(self, c);
    }
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        if let Some(h) = self.bindings.method_hazard(m) {
            self.hazard(h);
        }
        visit::visit_expr_method_call(self, m);
    }
}
