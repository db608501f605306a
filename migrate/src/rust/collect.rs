//! The collection walk: one pass of syn's visitor over a file, recording everything the
//! decisions need, with byte ranges in the original text.

use super::hazards::{Bindings, SharedUse};
use super::uses::{Leaf, UseInfo};
use crate::tokens;
use proc_macro2::{Span, TokenStream};
use std::collections::{HashMap, HashSet};
use std::ops::Range;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};

/// A lexical scope: a module or a block. Scopes form a tree through `parent`.
#[derive(Debug, Clone)]
pub(super) struct Scope {
    pub parent: Option<usize>,
    /// A module: name lookup stops here (unless `use super::*`).
    pub module: bool,
    /// The module has `use super::*`, so lookup continues in the parent module.
    pub glob_super: bool,
    /// Functions declared directly in this scope (they shadow imported names).
    pub fns: HashSet<String>,
}

/// A function with a body: a free function or a method.
#[derive(Clone, Copy)]
pub(super) struct FnRef<'ast> {
    pub name: &'ast syn::Ident,
    pub sig: &'ast syn::Signature,
    pub block: &'ast syn::Block,
    pub attrs: &'ast [syn::Attribute],
}

/// An attribute that may be the legacy cache attribute (resolved later against the imports).
pub(super) struct AttrCandidate<'ast> {
    /// The whole `#[...]`, `cfg_attr` included.
    pub attr_range: Range<usize>,
    /// The cache attribute's own meta (inside `cfg_attr` when wrapped).
    pub meta: syn::Meta,
    pub scope: usize,
    /// The function it decorates; `None` for anything else.
    pub function: Option<FnRef<'ast>>,
}

/// A call that may be `legacy_cache::clear_cache()` (resolved later).
pub(super) struct ClearCandidate {
    pub call_range: Range<usize>,
    pub path: syn::Path,
    pub has_args: bool,
    pub scope: usize,
    /// The call is a whole statement (`clear_cache();`), so it can become several statements.
    pub is_stmt: bool,
}

/// A type path ending in `Shared`.
pub(super) struct SharedTypeSite {
    pub range: Range<usize>,
    pub path: syn::Path,
    pub scope: usize,
}

/// A use of `callee`'s result that only `Shared<T>` supports (`x.mutate(..)` where `x` holds
/// it, say), or a call of its `try_` companion.
pub(super) struct HazardSite {
    pub range: Range<usize>,
    pub callee: String,
    pub kind: SharedUse,
}

/// A macro invocation or `macro_rules!` definition: syn cannot see inside.
pub(super) struct MacroSite {
    pub range: Range<usize>,
    pub is_macro_rules: bool,
    pub tokens: TokenStream,
}

/// Everything the collection walk found in one file.
pub(super) struct Collector<'ast, 'a> {
    pub src: &'a str,
    /// Offset of the parsed text in `src` (after a BOM or shebang).
    pub base: usize,
    pub scopes: Vec<Scope>,
    /// The scopes enclosing the node being visited, innermost last.
    scope_stack: Vec<usize>,
    pub uses: Vec<UseInfo>,
    pub leaves: Vec<Leaf>,
    pub attrs: Vec<AttrCandidate<'ast>>,
    /// Start offsets of attributes already recorded with their function.
    fn_attrs_seen: HashSet<usize>,
    pub fns: HashMap<String, FnRef<'ast>>,
    pub clears: Vec<ClearCandidate>,
    /// Start offsets of calls that are whole statements.
    stmt_calls: HashSet<usize>,
    pub shared_types: Vec<SharedTypeSite>,
    pub hazard_sites: Vec<HazardSite>,
    bindings: Bindings,
    pub macros: Vec<MacroSite>,
    /// Structs, enums and unions defined in the file -> whether they can be serialized
    /// (`Serialize` and `Deserialize`, derived or implemented here).
    pub local_types: HashMap<String, bool>,
    /// Types with `impl Serialize` / `impl Deserialize` written in the file.
    serde_impls: HashMap<String, (bool, bool)>,
}

impl<'ast, 'a> Collector<'ast, 'a> {
    /// Walks `file` (parsed from `src[base..]`).
    pub fn collect(src: &'a str, base: usize, file: &'ast syn::File) -> Self {
        let mut collector = Collector {
            src,
            base,
            scopes: vec![Scope {
                parent: None,
                module: true,
                glob_super: false,
                fns: HashSet::new(),
            }],
            scope_stack: vec![0],
            uses: Vec::new(),
            leaves: Vec::new(),
            attrs: Vec::new(),
            fn_attrs_seen: HashSet::new(),
            fns: HashMap::new(),
            clears: Vec::new(),
            stmt_calls: HashSet::new(),
            shared_types: Vec::new(),
            hazard_sites: Vec::new(),
            bindings: Bindings::default(),
            macros: Vec::new(),
            local_types: HashMap::new(),
            serde_impls: HashMap::new(),
        };
        collector.visit_file(file);
        for (name, (ser, de)) in std::mem::take(&mut collector.serde_impls) {
            if let Some(ok) = collector.local_types.get_mut(&name) {
                *ok |= ser && de;
            }
        }
        for clear in &mut collector.clears {
            clear.is_stmt = collector.stmt_calls.contains(&clear.call_range.start);
        }
        collector
    }

    /// A span's byte range in the original text.
    pub fn range_of(&self, span: Span) -> Range<usize> {
        let r = span.byte_range();
        r.start + self.base..r.end + self.base
    }

    pub fn current_scope(&self) -> usize {
        *self.scope_stack.last().unwrap_or(&0)
    }

    /// The byte range of a call `path(args)`, from its first path token to the closing paren,
    /// without re-tokenising the whole expression (which `Spanned` would do).
    fn call_range(&self, call: &syn::ExprCall) -> Option<Range<usize>> {
        let syn::Expr::Path(p) = &*call.func else {
            return None;
        };
        let start = match &p.path.leading_colon {
            Some(t) => self.range_of(t.spans[0]).start,
            None => self.range_of(p.path.segments.first()?.ident.span()).start,
        };
        Some(start..self.range_of(call.paren_token.span.close()).end)
    }

    fn push_scope(&mut self, module: bool) {
        let parent = Some(self.current_scope());
        self.scopes.push(Scope {
            parent,
            module,
            glob_super: false,
            fns: HashSet::new(),
        });
        self.scope_stack.push(self.scopes.len() - 1);
    }

    fn add_attr(&mut self, attr: &'ast syn::Attribute, function: Option<FnRef<'ast>>) {
        if !matches!(attr.style, syn::AttrStyle::Outer) {
            return;
        }
        let attr_range = self.range_of(attr.span());
        self.add_meta(&attr.meta, &attr_range, function);
    }

    /// Records `meta` as a candidate, looking through `cfg_attr` (nested ones too).
    fn add_meta(
        &mut self,
        meta: &syn::Meta,
        attr_range: &Range<usize>,
        function: Option<FnRef<'ast>>,
    ) {
        if meta.path().is_ident("cfg_attr") {
            if let syn::Meta::List(list) = meta {
                for piece in tokens::split_commas(list.tokens.clone(), false)
                    .into_iter()
                    .skip(1)
                {
                    let ts: TokenStream = piece.into_iter().collect();
                    if let Ok(inner) = syn::parse2::<syn::Meta>(ts) {
                        self.add_meta(&inner, attr_range, function);
                    }
                }
            }
        } else {
            self.attrs.push(AttrCandidate {
                attr_range: attr_range.clone(),
                meta: meta.clone(),
                scope: self.current_scope(),
                function,
            });
        }
    }

    /// A function item: its own site first, then its body with the caller's bindings set
    /// aside (bindings are per function body).
    fn enter_fn(
        &mut self,
        sig: &'ast syn::Signature,
        block: &'ast syn::Block,
        attrs: &'ast [syn::Attribute],
        walk: impl FnOnce(&mut Self),
    ) {
        self.handle_fn(FnRef {
            name: &sig.ident,
            sig,
            block,
            attrs,
        });
        let saved = std::mem::take(&mut self.bindings);
        walk(self);
        self.bindings = saved;
    }

    fn handle_fn(&mut self, function: FnRef<'ast>) {
        let scope = self.current_scope();
        self.scopes[scope].fns.insert(function.name.to_string());
        self.fns
            .entry(function.name.to_string())
            .or_insert(function);
        for a in function.attrs {
            self.fn_attrs_seen
                .insert(self.range_of(a.pound_token.span).start);
            self.add_attr(a, Some(function));
        }
    }

    /// Records a type definition and whether its derives make it serializable.
    fn record_type(&mut self, ident: &syn::Ident, attrs: &[syn::Attribute]) {
        let mut derived = (false, false);
        for a in attrs.iter().filter(|a| a.path().is_ident("derive")) {
            let _ = a.parse_nested_meta(|m| {
                match m
                    .path
                    .segments
                    .last()
                    .map(|s| s.ident.to_string())
                    .as_deref()
                {
                    Some("Serialize") => derived.0 = true,
                    Some("Deserialize") => derived.1 = true,
                    _ => {}
                }
                Ok(())
            });
        }
        let entry = self.local_types.entry(ident.to_string()).or_insert(false);
        *entry |= derived.0 && derived.1;
    }

    pub(super) fn mark_glob_super(&mut self) {
        let scope = self.current_scope();
        self.scopes[scope].glob_super = true;
    }
}

impl<'ast> Visit<'ast> for Collector<'ast, '_> {
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if m.content.is_some() {
            self.push_scope(true);
            visit::visit_item_mod(self, m);
            self.scope_stack.pop();
        } else {
            visit::visit_item_mod(self, m);
        }
    }
    fn visit_item_struct(&mut self, i: &'ast syn::ItemStruct) {
        self.record_type(&i.ident, &i.attrs);
        visit::visit_item_struct(self, i);
    }
    fn visit_item_enum(&mut self, i: &'ast syn::ItemEnum) {
        self.record_type(&i.ident, &i.attrs);
        visit::visit_item_enum(self, i);
    }
    fn visit_item_union(&mut self, i: &'ast syn::ItemUnion) {
        self.record_type(&i.ident, &i.attrs);
        visit::visit_item_union(self, i);
    }
    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        if let (Some((tr, _)), syn::Type::Path(ty)) = (&i.trait_, &*i.self_ty)
            && let (Some(t), Some(s)) = (tr.segments.last(), ty.path.segments.last())
        {
            let e = self.serde_impls.entry(s.ident.to_string()).or_default();
            if t.ident == "Serialize" {
                e.0 = true;
            } else if t.ident == "Deserialize" {
                e.1 = true;
            }
        }
        visit::visit_item_impl(self, i);
    }
    fn visit_block(&mut self, b: &'ast syn::Block) {
        self.push_scope(false);
        visit::visit_block(self, b);
        self.scope_stack.pop();
    }
    fn visit_item_extern_crate(&mut self, e: &'ast syn::ItemExternCrate) {
        self.record_extern_crate(e);
        visit::visit_item_extern_crate(self, e);
    }
    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        self.record_use(u);
        visit::visit_item_use(self, u);
    }
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        self.enter_fn(&f.sig, &f.block, &f.attrs, |v| visit::visit_item_fn(v, f));
    }
    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        self.enter_fn(&f.sig, &f.block, &f.attrs, |v| {
            visit::visit_impl_item_fn(v, f)
        });
    }
    fn visit_attribute(&mut self, a: &'ast syn::Attribute) {
        if !self
            .fn_attrs_seen
            .contains(&self.range_of(a.pound_token.span).start)
        {
            self.add_attr(a, None);
        }
        visit::visit_attribute(self, a);
    }
    fn visit_stmt(&mut self, s: &'ast syn::Stmt) {
        if let syn::Stmt::Expr(syn::Expr::Call(c), Some(_)) = s
            && let Some(r) = self.call_range(c)
        {
            self.stmt_calls.insert(r.start);
        }
        visit::visit_stmt(self, s);
    }
    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        for h in self.bindings.call_hazards(c) {
            self.hazard_sites.push(HazardSite {
                range: self.range_of(h.span),
                callee: h.callee,
                kind: h.kind,
            });
        }
        if let syn::Expr::Path(p) = &*c.func {
            let last = p.path.segments.last().map(|s| s.ident.to_string());
            // Bare aliases (`use legacy_cache::clear_cache as wipe`) are resolved later.
            if p.qself.is_none()
                && (last.as_deref() == Some("clear_cache") || p.path.segments.len() == 1)
                && let Some(call_range) = self.call_range(c)
            {
                self.clears.push(ClearCandidate {
                    call_range,
                    path: p.path.clone(),
                    has_args: !c.args.is_empty(),
                    scope: self.current_scope(),
                    is_stmt: false,
                });
            }
        }
        visit::visit_expr_call(self, c);
    }
    fn visit_type_path(&mut self, t: &'ast syn::TypePath) {
        if t.qself.is_none() && t.path.segments.last().is_some_and(|s| s.ident == "Shared") {
            self.shared_types.push(SharedTypeSite {
                range: self.range_of(t.span()),
                path: t.path.clone(),
                scope: self.current_scope(),
            });
        }
        visit::visit_type_path(self, t);
    }
    fn visit_local(&mut self, l: &'ast syn::Local) {
        self.bindings
            .bind_let(&l.pat, l.init.as_ref().map(|i| &*i.expr));
        visit::visit_local(self, l);
    }
    fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
        self.bindings.assign(&a.left, &a.right);
        visit::visit_expr_assign(self, a);
    }
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        if let Some(h) = self.bindings.method_hazard(m) {
            self.hazard_sites.push(HazardSite {
                range: self.range_of(h.span),
                callee: h.callee,
                kind: h.kind,
            });
        }
        visit::visit_expr_method_call(self, m);
    }
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.macros.push(MacroSite {
            range: self.range_of(m.span()),
            is_macro_rules: m.path.is_ident("macro_rules"),
            tokens: m.tokens.clone(),
        });
        visit::visit_macro(self, m);
    }
}
