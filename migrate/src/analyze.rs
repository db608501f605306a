//! Per-file analysis: locate legacy cache sites with syn, decide the successor primitive, and
//! produce byte-range edits plus findings. The original text is never re-printed.

use crate::edit::apply_edits;
use crate::model::{Applicability, Edit, Finding, Primitives, Rule};
use crate::tokens::{self, Tok};
use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use std::collections::{HashMap, HashSet};
use std::ops::Range;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};

/// Facts gathered from every file before any file is rewritten (see [`prescan`]).
///
/// ```
/// let facts = migrate::GlobalFacts::default();
/// assert!(facts.blocked.is_empty());
/// ```
#[derive(Debug, Clone, Default)]
pub struct GlobalFacts {
    /// Names of functions that carry a legacy cache attribute somewhere in the run.
    pub legacy_fns: HashSet<String>,
    /// Functions that must stay on the legacy cache, with the reasons (file:line locations).
    pub blocked: HashMap<String, Vec<String>>,
}

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
    /// `(callee, line, column, why)` for results that are mutated or bound to a `Shared<T>` type.
    pub blockers: Vec<(String, usize, usize, &'static str)>,
}

/// A file-level problem: the file is left untouched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    /// Rule name (`parse-error`, `macro-body`, ...).
    pub rule: Rule,
    /// Human-readable message.
    pub message: String,
    /// Where, when known (byte range in the file).
    pub range: Option<Range<usize>>,
}

/// The result of analysing one file.
#[derive(Debug, Clone)]
pub struct FileAnalysis {
    /// The rewritten text (equal to the input when there are no edits). Already re-parsed.
    pub output: String,
    /// Edits on the original text.
    pub edits: Vec<Edit>,
    /// Findings, sorted by position.
    pub findings: Vec<Finding>,
    /// Primitives the rewritten sites of this file use.
    pub uses: Primitives,
    /// A `clear_cache()` call was left because this file uses no primitive; the driver retries
    /// with the package's primitives.
    pub unresolved_clear: bool,
    /// Number of legacy `clear_cache()` calls found.
    pub clear_sites: usize,
    /// Number of legacy attribute sites left on the legacy cache.
    pub kept_sites: usize,
    /// The rewritten text still names `legacy_cache`.
    pub legacy_remaining: bool,
}

/// Options for [`analyze`].
#[derive(Debug, Clone, Copy, Default)]
pub struct AnalyzeOptions {
    /// Primitives to clear in `clear_cache()` replacements when the file itself uses none.
    pub fallback_clear: Primitives,
    /// Keep a `legacy_cache::clear_cache()` call in each replacement, because some functions of
    /// the package stay on the legacy cache.
    pub keep_legacy_clear: bool,
}

/// Strips a BOM and a shebang the way `syn::parse_file` does, returning the byte offset of the
/// remaining text so spans can be mapped back to the original.
fn strip_prefix(src: &str) -> usize {
    let mut base = 0;
    let mut content = src;
    if let Some(rest) = content.strip_prefix('\u{feff}') {
        base += 3;
        content = rest;
    }
    if content.starts_with("#!") && !content[2..].trim_start().starts_with('[') {
        let idx = content.find('\n').unwrap_or(content.len());
        base += idx;
    }
    base
}

fn parse(src: &str) -> Result<(syn::File, usize), FileError> {
    let base = strip_prefix(src);
    match syn::parse_str::<syn::File>(&src[base..]) {
        Ok(f) => Ok((f, base)),
        Err(e) => {
            let r = e.span().byte_range();
            Err(FileError {
                rule: Rule::ParseError,
                message: if e.to_string() == "cannot parse string into token stream" {
                    "syntax error: the file does not tokenize (unbalanced delimiter or invalid token)".to_string()
                } else {
                    format!("syntax error: {e}")
                },
                range: Some(r.start + base..r.end + base),
            })
        }
    }
}

fn is_macro_rules(m: &syn::Macro) -> bool {
    m.path.is_ident("macro_rules")
}

// ---------------------------------------------------------------------------------------------
// Pre-scan
// ---------------------------------------------------------------------------------------------

/// Cheap first pass over one file: which functions look legacy-cached, and which callees have
/// their result mutated (`f(x).mutate(..)`, `let mut s = f(x); s.mutate(..)`) or bound to a
/// `Shared<T>`-typed local. Those callees stay on the legacy cache.
pub fn prescan(src: &str) -> Result<Prescan, FileError> {
    let (file, base) = parse(src)?;
    let mut aliases: HashSet<String> = HashSet::from(["cache".to_string()]);
    for item in &file.items {
        if let syn::Item::Use(u) = item {
            collect_attr_aliases(&u.tree, &mut Vec::new(), &mut aliases);
        }
    }
    let mut v = PrescanVisitor {
        src,
        base,
        aliases,
        out: Prescan::default(),
        bindings: HashMap::new(),
    };
    v.visit_file(&file);
    Ok(v.out)
}

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

struct PrescanVisitor<'a> {
    src: &'a str,
    base: usize,
    aliases: HashSet<String>,
    out: Prescan,
    bindings: HashMap<String, String>,
}

impl PrescanVisitor<'_> {
    fn looks_legacy(&self, attrs: &[syn::Attribute]) -> bool {
        attrs.iter().any(|a| {
            let last = a.path().segments.last().map(|s| s.ident.to_string());
            match last.as_deref() {
                Some("cfg_attr") => {
                    let text = a.meta.to_token_stream_string();
                    self.aliases.iter().any(|al| text.contains(al.as_str()))
                }
                Some(name) => self.aliases.contains(name),
                None => false,
            }
        })
    }

    fn pos(&self, span: Span) -> (usize, usize) {
        crate::model::line_col(self.src, span.byte_range().start + self.base)
    }
}

trait MetaText {
    fn to_token_stream_string(&self) -> String;
}

impl MetaText for syn::Meta {
    fn to_token_stream_string(&self) -> String {
        quote::ToTokens::to_token_stream(self).to_string()
    }
}

/// The function whose result an expression is, if it is a plain call or a local bound to one.
fn callee_of(e: &syn::Expr, bindings: &HashMap<String, String>) -> Option<String> {
    match e {
        syn::Expr::Call(c) => match &*c.func {
            syn::Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        },
        syn::Expr::MethodCall(m) => Some(m.method.to_string()),
        syn::Expr::Paren(p) => callee_of(&p.expr, bindings),
        syn::Expr::Reference(r) => callee_of(&r.expr, bindings),
        syn::Expr::Try(t) => callee_of(&t.expr, bindings),
        syn::Expr::Await(a) => callee_of(&a.base, bindings),
        syn::Expr::Path(p) => p
            .path
            .get_ident()
            .and_then(|i| bindings.get(&i.to_string()).cloned()),
        _ => None,
    }
}

fn binding_of(pat: &syn::Pat) -> Option<(String, Option<&syn::Type>)> {
    match pat {
        syn::Pat::Ident(i) => Some((i.ident.to_string(), None)),
        syn::Pat::Type(t) => binding_of(&t.pat).map(|(n, _)| (n, Some(&*t.ty))),
        _ => None,
    }
}

fn type_is_shared(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().is_some_and(|s| s.ident == "Shared"),
        syn::Type::Reference(r) => type_is_shared(&r.elem),
        _ => false,
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
    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let (Some((name, ty)), Some(init)) = (binding_of(&l.pat), &l.init) {
            if let Some(callee) = callee_of(&init.expr, &self.bindings) {
                if ty.is_some_and(type_is_shared) {
                    let (line, col) = self.pos(l.let_token.span);
                    self.out.blockers.push((
                        callee.clone(),
                        line,
                        col,
                        "bound to a `Shared<T>`-typed local",
                    ));
                }
                self.bindings.insert(name, callee);
            } else {
                self.bindings.remove(&name);
            }
        }
        visit::visit_local(self, l);
    }
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        if m.method == "mutate"
            && let Some(callee) = callee_of(&m.receiver, &self.bindings)
        {
            let (line, col) = self.pos(m.method.span());
            self.out
                .blockers
                .push((callee, line, col, "mutated through `Shared::mutate`"));
        }
        visit::visit_expr_method_call(self, m);
    }
}

// ---------------------------------------------------------------------------------------------
// Main analysis: collection
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LeafKind {
    Attr,
    Clear,
    Shared,
    Crate,
    Glob,
    Other,
    NewMemo,
    NewSingleton,
}

#[derive(Debug, Clone)]
struct Leaf {
    kind: LeafKind,
    alias: String,
    scope: usize,
    /// Path text below `legacy_cache::`, used to rebuild a trimmed `use` tree.
    rel_text: String,
}

#[derive(Debug, Clone)]
struct Subtree {
    range: Range<usize>,
    /// Ranges of the sibling trees when the legacy subtree sits in a root group.
    siblings: Option<(Vec<Range<usize>>, usize)>,
}

#[derive(Debug, Clone)]
struct UseInfo {
    scope: usize,
    item_range: Range<usize>,
    prefix: String,
    is_pub: bool,
    subtree: Option<Subtree>,
    leaves: Vec<usize>,
}

#[derive(Debug, Clone)]
struct Scope {
    parent: Option<usize>,
    module: bool,
    glob_super: bool,
    fns: HashSet<String>,
}

#[derive(Clone, Copy)]
struct FnRef<'ast> {
    name: &'ast syn::Ident,
    sig: &'ast syn::Signature,
    block: &'ast syn::Block,
    attrs: &'ast [syn::Attribute],
}

struct AttrCand<'ast> {
    attr_range: Range<usize>,
    meta: syn::Meta,
    scope: usize,
    fnref: Option<FnRef<'ast>>,
}

struct ClearCand {
    call_range: Range<usize>,
    path: syn::Path,
    has_args: bool,
    scope: usize,
    is_stmt: bool,
}

struct Collector<'ast, 'a> {
    src: &'a str,
    base: usize,
    scopes: Vec<Scope>,
    stack: Vec<usize>,
    uses: Vec<UseInfo>,
    leaves: Vec<Leaf>,
    attrs: Vec<AttrCand<'ast>>,
    handled_attrs: HashSet<usize>,
    fns: HashMap<String, FnRef<'ast>>,
    clears: Vec<ClearCand>,
    stmt_calls: HashSet<usize>,
    shared_types: Vec<(Range<usize>, syn::Path, usize)>,
    mutate_sites: Vec<(Range<usize>, String)>,
    bindings: HashMap<String, String>,
    macros: Vec<(Range<usize>, bool, TokenStream)>,
}

impl<'ast, 'a> Collector<'ast, 'a> {
    fn r(&self, span: Span) -> Range<usize> {
        let r = span.byte_range();
        r.start + self.base..r.end + self.base
    }
    fn cur(&self) -> usize {
        *self.stack.last().unwrap_or(&0)
    }
    /// The byte range of a call `path(args)`, from its first path token to the closing paren,
    /// without re-tokenising the whole expression (which `Spanned` would do).
    fn call_range(&self, c: &syn::ExprCall) -> Option<Range<usize>> {
        let syn::Expr::Path(p) = &*c.func else {
            return None;
        };
        let start = match &p.path.leading_colon {
            Some(t) => self.r(t.spans[0]).start,
            None => self.r(p.path.segments.first()?.ident.span()).start,
        };
        Some(start..self.r(c.paren_token.span.close()).end)
    }

    fn push_scope(&mut self, module: bool) {
        let parent = Some(self.cur());
        self.scopes.push(Scope {
            parent,
            module,
            glob_super: false,
            fns: HashSet::new(),
        });
        self.stack.push(self.scopes.len() - 1);
    }

    fn add_attr(&mut self, attr: &'ast syn::Attribute, fnref: Option<FnRef<'ast>>) {
        if !matches!(attr.style, syn::AttrStyle::Outer) {
            return;
        }
        let attr_range = self.r(attr.span());
        let scope = self.cur();
        if attr.path().is_ident("cfg_attr") {
            if let syn::Meta::List(list) = &attr.meta {
                for piece in tokens::split_commas(list.tokens.clone(), false)
                    .into_iter()
                    .skip(1)
                {
                    let ts: TokenStream = piece.into_iter().collect();
                    if let Ok(meta) = syn::parse2::<syn::Meta>(ts)
                        && maybe_cache_path(meta.path())
                    {
                        self.attrs.push(AttrCand {
                            attr_range: attr_range.clone(),
                            meta,
                            scope,
                            fnref,
                        });
                    }
                }
            }
        } else if maybe_cache_path(attr.path()) {
            self.attrs.push(AttrCand {
                attr_range,
                meta: attr.meta.clone(),
                scope,
                fnref,
            });
        }
    }

    fn handle_fn(&mut self, fnref: FnRef<'ast>) {
        let cur = self.cur();
        self.scopes[cur].fns.insert(fnref.name.to_string());
        self.fns.entry(fnref.name.to_string()).or_insert(fnref);
        for a in fnref.attrs {
            self.handled_attrs.insert(self.r(a.pound_token.span).start);
            self.add_attr(a, Some(fnref));
        }
    }

    fn record_use(&mut self, u: &'ast syn::ItemUse) {
        let item_range = self.r(u.span());
        let tree_range = self.r(u.tree.span());
        let prefix = self.src[item_range.start..tree_range.start].to_string();
        let is_legacy_root = |t: &syn::UseTree| match t {
            syn::UseTree::Path(p) => p.ident == "legacy_cache",
            syn::UseTree::Name(n) => n.ident == "legacy_cache",
            syn::UseTree::Rename(r) => r.ident == "legacy_cache",
            _ => false,
        };
        let subtree = match &u.tree {
            t if is_legacy_root(t) => Some(Subtree {
                range: tree_range.clone(),
                siblings: None,
            }),
            syn::UseTree::Group(g) => {
                let sib: Vec<Range<usize>> = g.items.iter().map(|t| self.r(t.span())).collect();
                g.items.iter().position(is_legacy_root).map(|i| Subtree {
                    range: sib[i].clone(),
                    siblings: Some((sib.clone(), i)),
                })
            }
            _ => None,
        };
        if let syn::UseTree::Path(p) = &u.tree
            && p.ident == "super"
            && matches!(&*p.tree, syn::UseTree::Glob(_))
        {
            let c = self.cur();
            self.scopes[c].glob_super = true;
        }
        let mut found = Vec::new();
        walk_use(&u.tree, &mut Vec::new(), &mut found);
        let scope = self.cur();
        let mut leaf_ids = Vec::new();
        for (kind, alias, rel_text) in found {
            leaf_ids.push(self.leaves.len());
            self.leaves.push(Leaf {
                kind,
                alias,
                scope,
                rel_text,
            });
        }
        self.uses.push(UseInfo {
            scope,
            item_range,
            prefix,
            is_pub: !matches!(u.vis, syn::Visibility::Inherited),
            subtree,
            leaves: leaf_ids,
        });
    }
}

fn maybe_cache_path(p: &syn::Path) -> bool {
    p.segments.len() == 1 && p.leading_colon.is_none()
        || p.segments.len() == 2 && p.segments[1].ident == "cache"
}

fn walk_use(
    tree: &syn::UseTree,
    prefix: &mut Vec<String>,
    out: &mut Vec<(LeafKind, String, String)>,
) {
    let mut leaf = |full: Vec<String>, alias: String, renamed: bool| {
        let kind = match full
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice()
        {
            ["memo", "memo"] => LeafKind::NewMemo,
            ["singleton", "singleton"] => LeafKind::NewSingleton,
            ["legacy_cache"] => LeafKind::Crate,
            ["legacy_cache", "cache"] => LeafKind::Attr,
            ["legacy_cache", "clear_cache"] => LeafKind::Clear,
            ["legacy_cache", "Shared"] => LeafKind::Shared,
            ["legacy_cache", "*"] => LeafKind::Glob,
            ["legacy_cache", ..] => LeafKind::Other,
            _ => return,
        };
        let mut rel = if full.len() == 1 {
            "self".to_string()
        } else {
            full[1..].join("::")
        };
        if renamed {
            rel = format!("{rel} as {alias}");
        }
        out.push((kind, alias, rel));
    };
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            walk_use(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) => {
            let mut full = prefix.clone();
            if n.ident != "self" {
                full.push(n.ident.to_string());
            }
            let alias = full.last().cloned().unwrap_or_default();
            leaf(full, alias, false);
        }
        syn::UseTree::Rename(r) => {
            let mut full = prefix.clone();
            if r.ident != "self" {
                full.push(r.ident.to_string());
            }
            leaf(full, r.rename.to_string(), true);
        }
        syn::UseTree::Glob(_) => {
            let mut full = prefix.clone();
            full.push("*".into());
            leaf(full, "*".into(), false);
        }
        syn::UseTree::Group(g) => {
            for t in &g.items {
                walk_use(t, prefix, out);
            }
        }
    }
}

impl<'ast> Visit<'ast> for Collector<'ast, '_> {
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if m.content.is_some() {
            self.push_scope(true);
            visit::visit_item_mod(self, m);
            self.stack.pop();
        } else {
            visit::visit_item_mod(self, m);
        }
    }
    fn visit_block(&mut self, b: &'ast syn::Block) {
        self.push_scope(false);
        visit::visit_block(self, b);
        self.stack.pop();
    }
    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        self.record_use(u);
        visit::visit_item_use(self, u);
    }
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        self.handle_fn(FnRef {
            name: &f.sig.ident,
            sig: &f.sig,
            block: &f.block,
            attrs: &f.attrs,
        });
        let saved = std::mem::take(&mut self.bindings);
        visit::visit_item_fn(self, f);
        self.bindings = saved;
    }
    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        self.handle_fn(FnRef {
            name: &f.sig.ident,
            sig: &f.sig,
            block: &f.block,
            attrs: &f.attrs,
        });
        let saved = std::mem::take(&mut self.bindings);
        visit::visit_impl_item_fn(self, f);
        self.bindings = saved;
    }
    fn visit_attribute(&mut self, a: &'ast syn::Attribute) {
        if !self
            .handled_attrs
            .contains(&self.r(a.pound_token.span).start)
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
        if let syn::Expr::Path(p) = &*c.func {
            let last = p.path.segments.last().map(|s| s.ident.to_string());
            // Bare aliases (`use legacy_cache::clear_cache as wipe`) are resolved later.
            if p.qself.is_none()
                && (last.as_deref() == Some("clear_cache") || p.path.segments.len() == 1)
                && let Some(call_range) = self.call_range(c)
            {
                self.clears.push(ClearCand {
                    call_range,
                    path: p.path.clone(),
                    has_args: !c.args.is_empty(),
                    scope: self.cur(),
                    is_stmt: false,
                });
            }
        }
        visit::visit_expr_call(self, c);
    }
    fn visit_type_path(&mut self, t: &'ast syn::TypePath) {
        if t.qself.is_none() && t.path.segments.last().is_some_and(|s| s.ident == "Shared") {
            self.shared_types
                .push((self.r(t.span()), t.path.clone(), self.cur()));
        }
        visit::visit_type_path(self, t);
    }
    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let (Some((name, _)), Some(init)) = (binding_of(&l.pat), &l.init) {
            match callee_of(&init.expr, &self.bindings) {
                Some(c) => {
                    self.bindings.insert(name, c);
                }
                None => {
                    self.bindings.remove(&name);
                }
            }
        }
        visit::visit_local(self, l);
    }
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        if m.method == "mutate"
            && let Some(callee) = callee_of(&m.receiver, &self.bindings)
        {
            self.mutate_sites.push((self.r(m.method.span()), callee));
        }
        visit::visit_expr_method_call(self, m);
    }
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        let range = self.r(m.span());
        self.macros
            .push((range, is_macro_rules(m), m.tokens.clone()));
        visit::visit_macro(self, m);
    }
}

// ---------------------------------------------------------------------------------------------
// Main analysis: decisions
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum PathForm {
    Bare(usize),
    Qualified,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Target {
    Memo,
    Singleton,
}

impl Target {
    fn name(self) -> &'static str {
        match self {
            Target::Memo => "memo",
            Target::Singleton => "singleton",
        }
    }
    fn prims(self) -> Primitives {
        Primitives {
            memo: self == Target::Memo,
            singleton: self == Target::Singleton,
        }
    }
}

struct Opt {
    key: String,
    range: Range<usize>,
    value: OptValue,
}

enum OptValue {
    Flag,
    Expr(Range<usize>, Vec<TokenTree>),
    Group(TokenStream),
}

struct HashEntry {
    range: Range<usize>,
    ty_text: String,
    func: Option<syn::Path>,
}

fn tt_range(tts: &[TokenTree], base: usize) -> Range<usize> {
    let s = tts.first().map_or(0, |t| t.span().byte_range().start);
    let e = tts.last().map_or(0, |t| t.span().byte_range().end);
    s + base..e + base
}

fn norm(ts: &[TokenTree]) -> String {
    let s: TokenStream = ts.iter().cloned().collect();
    s.to_string()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// Ranges to delete so that only the kept items (and their separators) remain.
fn removal_ranges(items: &[Range<usize>], keep: &[bool]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let n = items.len();
    let mut i = 0;
    while i < n {
        if keep[i] {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < n && !keep[j] {
            j += 1;
        }
        if j < n {
            out.push(items[i].start..items[j].start);
        } else if i > 0 {
            out.push(items[i - 1].end..items[j - 1].end);
        }
        i = j;
    }
    out
}

/// Return-type verdict for the memo/singleton choice.
enum RetClass {
    Data,
    Resource(String),
    Unserializable(String),
}

const RESOURCE_EXACT: &[&str] = &[
    "Mutex",
    "RwLock",
    "Sender",
    "SyncSender",
    "Receiver",
    "File",
    "TcpStream",
    "TcpListener",
    "UdpSocket",
    "UnixStream",
    "UnixListener",
    "UnixDatagram",
    "JoinHandle",
    "Condvar",
    "Barrier",
    "Child",
    "ChildStdin",
    "ChildStdout",
    "Stdin",
    "Stdout",
    "Stderr",
    "BufReader",
    "BufWriter",
    "LineWriter",
    "Thread",
    "Runtime",
    "Semaphore",
    "Notify",
    "Once",
    "OnceLock",
];

const RESOURCE_SUFFIX: &[&str] = &[
    "Connection",
    "Conn",
    "Pool",
    "Client",
    "Session",
    "Engine",
    "Model",
    "Socket",
    "Handle",
    "Listener",
    "Tokenizer",
    "Pipeline",
    "Module",
    "Driver",
    "Mutex",
    "Lock",
    "Sender",
    "Receiver",
];

fn last_camel_word(name: &str) -> &str {
    let idx = name
        .char_indices()
        .filter(|(_, c)| c.is_ascii_uppercase())
        .map(|(i, _)| i)
        .next_back()
        .unwrap_or(0);
    &name[idx..]
}

fn classify(ty: &syn::Type) -> RetClass {
    match ty {
        syn::Type::Reference(_) => RetClass::Unserializable("a reference".into()),
        syn::Type::Ptr(_) => RetClass::Unserializable("a raw pointer".into()),
        syn::Type::ImplTrait(_) => RetClass::Unserializable("an opaque `impl Trait`".into()),
        syn::Type::TraitObject(_) => RetClass::Unserializable("a trait object".into()),
        syn::Type::FnPtr(_) => RetClass::Unserializable("a function pointer".into()),
        syn::Type::Paren(p) => classify(&p.elem),
        syn::Type::Group(g) => classify(&g.elem),
        syn::Type::Array(a) => classify(&a.elem),
        syn::Type::Slice(s) => classify(&s.elem),
        syn::Type::Tuple(t) => t
            .elems
            .iter()
            .map(classify)
            .find(|c| !matches!(c, RetClass::Data))
            .unwrap_or(RetClass::Data),
        syn::Type::Path(p) => {
            let Some(last) = p.path.segments.last() else {
                return RetClass::Data;
            };
            let name = last.ident.to_string();
            if RESOURCE_EXACT.contains(&name.as_str())
                || RESOURCE_SUFFIX.contains(&last_camel_word(&name))
            {
                return RetClass::Resource(name);
            }
            if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
                for a in &args.args {
                    if let syn::GenericArgument::Type(t) = a {
                        let c = classify(t);
                        if !matches!(c, RetClass::Data) {
                            return c;
                        }
                    }
                }
            }
            RetClass::Data
        }
        _ => RetClass::Data,
    }
}

/// Whether a function body just returns a constant, ignoring its input.
fn returns_constant(block: &syn::Block) -> bool {
    fn const_expr(e: &syn::Expr) -> bool {
        match e {
            syn::Expr::Lit(_) => true,
            syn::Expr::Tuple(t) => t.elems.iter().all(const_expr),
            syn::Expr::Array(a) => a.elems.iter().all(const_expr),
            syn::Expr::Unary(u) => matches!(u.op, syn::UnOp::Neg(_)) && const_expr(&u.expr),
            syn::Expr::Cast(c) => const_expr(&c.expr),
            syn::Expr::Paren(p) => const_expr(&p.expr),
            syn::Expr::Return(r) => r.expr.as_deref().is_some_and(const_expr),
            syn::Expr::Block(b) => returns_constant(&b.block),
            syn::Expr::Path(p) => p.path.segments.last().is_some_and(|s| {
                let n = s.ident.to_string();
                n == "None"
                    || (n
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit())
                        && n.chars().any(|c| c.is_ascii_uppercase()))
            }),
            _ => false,
        }
    }
    match block.stmts.as_slice() {
        [syn::Stmt::Expr(e, _)] => const_expr(e),
        [] => true,
        _ => false,
    }
}

fn strip_refs(ty: &syn::Type) -> &syn::Type {
    match ty {
        syn::Type::Reference(r) => strip_refs(&r.elem),
        syn::Type::Paren(p) => strip_refs(&p.elem),
        _ => ty,
    }
}

fn type_matches(param_ty: &syn::Type, key: &str) -> bool {
    let t = strip_refs(param_ty);
    let text: String = quote::ToTokens::to_token_stream(t)
        .to_string()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if text == key {
        return true;
    }
    // `db::Conn` in the entry matches a parameter written `Conn`, and the other way round.
    let last = |s: &str| s.rsplit("::").next().unwrap_or("").to_string();
    (text.contains("::") != key.contains("::")) && last(&text) == last(key)
}

/// Why renaming a parameter is not safe, or the edits that do it.
fn plan_rename(
    fnref: FnRef<'_>,
    pat: &syn::PatIdent,
    base: usize,
    cache_attr_start: usize,
    attr_range_of: &dyn Fn(&syn::Attribute) -> Range<usize>,
) -> Result<Vec<(Range<usize>, String)>, String> {
    let name = pat.ident.to_string();
    let new = format!("_{name}");
    struct Uses<'n> {
        name: &'n str,
        new: &'n str,
        base: usize,
        edits: Vec<(Range<usize>, String)>,
        shorthand: HashSet<usize>,
        problem: Option<String>,
    }
    impl<'ast> Visit<'ast> for Uses<'_> {
        fn visit_item(&mut self, i: &'ast syn::Item) {
            // A nested item cannot see the parameter; any mention there is something else.
            if tokens::stream_mentions(&quote::ToTokens::to_token_stream(i), self.name)
                && self.problem.is_none()
            {
                self.problem = Some(format!("a nested item mentions `{}`", self.name));
            }
        }
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            if p.ident == self.name && self.problem.is_none() {
                self.problem = Some(format!(
                    "`{}` is shadowed by a binding in the body",
                    self.name
                ));
            }
            visit::visit_pat_ident(self, p);
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            if (tokens::stream_mentions(&m.tokens, self.name)
                || tokens::stream_mentions_fmt(&m.tokens, self.name))
                && self.problem.is_none()
            {
                self.problem = Some(format!(
                    "the body of `{}!` uses `{}`, and macro bodies cannot be rewritten safely",
                    quote::ToTokens::to_token_stream(&m.path)
                        .to_string()
                        .replace(' ', ""),
                    self.name
                ));
            }
        }
        fn visit_field_value(&mut self, f: &'ast syn::FieldValue) {
            if f.colon_token.is_none()
                && let syn::Member::Named(id) = &f.member
                && id == self.name
            {
                let r = id.span().byte_range();
                self.shorthand.insert(r.start + self.base);
                self.edits.push((
                    r.start + self.base..r.end + self.base,
                    format!("{}: {}", self.name, self.new),
                ));
            }
            visit::visit_field_value(self, f);
        }
        fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
            if p.qself.is_none() && p.path.leading_colon.is_none() && p.path.is_ident(self.name) {
                let r = p.path.segments[0].ident.span().byte_range();
                if !self.shorthand.contains(&(r.start + self.base)) {
                    self.edits
                        .push((r.start + self.base..r.end + self.base, self.new.to_string()));
                }
            }
            visit::visit_expr_path(self, p);
        }
    }
    // A collision with an existing `_name` anywhere in the function is not resolvable.
    if tokens::stream_mentions(&quote::ToTokens::to_token_stream(fnref.sig), &new)
        || tokens::stream_mentions(&quote::ToTokens::to_token_stream(fnref.block), &new)
    {
        return Err(format!("`{new}` already exists in this function"));
    }
    for a in fnref.attrs {
        if attr_range_of(a).start == cache_attr_start {
            continue;
        }
        if tokens::stream_mentions(&quote::ToTokens::to_token_stream(a), &name) {
            return Err(format!(
                "another attribute on the function mentions `{name}`"
            ));
        }
    }
    let mut u = Uses {
        name: &name,
        new: &new,
        base,
        edits: Vec::new(),
        shorthand: HashSet::new(),
        problem: None,
    };
    u.visit_block(fnref.block);
    if let Some(p) = u.problem {
        return Err(p);
    }
    let found = u.edits;
    let r = pat.ident.span().byte_range();
    let mut edits = vec![(r.start + base..r.end + base, new.clone())];
    edits.extend(found);
    Ok(edits)
}

/// Analyses one file and computes its rewrite. The output has been re-parsed.
///
/// ```
/// use migrate::{analyze, AnalyzeOptions, GlobalFacts};
/// let src = "use legacy_cache::cache;\n\n#[cache(ttl = 60)]\nfn f(x: u32) -> u32 { x }\n";
/// let a = analyze(src, &GlobalFacts::default(), AnalyzeOptions::default()).unwrap();
/// assert_eq!(a.output, "use memo::memo;\n\n#[memo(ttl = 60)]\nfn f(x: u32) -> u32 { x }\n");
/// ```
pub fn analyze(
    src: &str,
    facts: &GlobalFacts,
    opts: AnalyzeOptions,
) -> Result<FileAnalysis, FileError> {
    let (file, base) = parse(src)?;
    let mut c = Collector {
        src,
        base,
        scopes: vec![Scope {
            parent: None,
            module: true,
            glob_super: false,
            fns: HashSet::new(),
        }],
        stack: vec![0],
        uses: Vec::new(),
        leaves: Vec::new(),
        attrs: Vec::new(),
        handled_attrs: HashSet::new(),
        fns: HashMap::new(),
        clears: Vec::new(),
        stmt_calls: HashSet::new(),
        shared_types: Vec::new(),
        mutate_sites: Vec::new(),
        bindings: HashMap::new(),
        macros: Vec::new(),
    };
    c.visit_file(&file);
    for cl in &mut c.clears {
        cl.is_stmt = c.stmt_calls.contains(&cl.call_range.start);
    }
    let mut d = Decider {
        c: &c,
        facts,
        edits: Vec::new(),
        findings: Vec::new(),
        uses: Primitives::default(),
        converted_by_leaf: HashMap::new(),
        unconverted_by_leaf: HashMap::new(),
        unresolved_clear: false,
        clear_sites: 0,
        unconverted_sites: 0,
    };
    d.check_macros()?;
    d.sites();
    d.shared_and_mutations();
    d.clears(opts.fallback_clear, opts.keep_legacy_clear);
    d.imports();

    let Decider {
        edits,
        mut findings,
        uses,
        unresolved_clear,
        clear_sites,
        unconverted_sites,
        ..
    } = d;
    let output = apply_edits(src, &edits).map_err(|e| FileError {
        rule: Rule::InternalError,
        message: format!("internal error: {e}; file left untouched"),
        range: None,
    })?;
    if !edits.is_empty()
        && let Err(e) = syn::parse_str::<syn::File>(&output[strip_prefix(&output)..])
    {
        return Err(FileError {
            rule: Rule::InternalError,
            message: format!(
                "internal error: the rewritten file does not parse ({e}); file left untouched"
            ),
            range: None,
        });
    }
    let legacy_remaining =
        tokens::text_mentions_ident(&output[strip_prefix(&output)..], "legacy_cache");
    findings.sort_by_key(|f| (f.range.start, f.rule));
    let mut edits = edits;
    edits.sort_by_key(|e| (e.range.start, e.range.end));
    Ok(FileAnalysis {
        output,
        edits,
        findings,
        uses,
        unresolved_clear,
        clear_sites,
        kept_sites: unconverted_sites,
        legacy_remaining,
    })
}

struct Decider<'c, 'ast, 'a> {
    c: &'c Collector<'ast, 'a>,
    facts: &'c GlobalFacts,
    edits: Vec<Edit>,
    findings: Vec<Finding>,
    uses: Primitives,
    converted_by_leaf: HashMap<usize, Primitives>,
    unconverted_by_leaf: HashMap<usize, usize>,
    unresolved_clear: bool,
    clear_sites: usize,
    unconverted_sites: usize,
}

impl Decider<'_, '_, '_> {
    fn src(&self) -> &str {
        self.c.src
    }

    fn r(&self, span: Span) -> Range<usize> {
        self.c.r(span)
    }

    /// Resolves a bare name to a legacy `use` leaf of one of the wanted kinds.
    fn resolve(&self, name: &str, scope: usize, want: LeafKind) -> Option<usize> {
        let glob_name = match want {
            LeafKind::Attr => "cache",
            LeafKind::Clear => "clear_cache",
            LeafKind::Shared => "Shared",
            _ => "",
        };
        let mut s = Some(scope);
        while let Some(sc) = s {
            if let Some(i) = self
                .c
                .leaves
                .iter()
                .position(|l| l.scope == sc && l.alias == name && l.kind != LeafKind::Glob)
            {
                return (self.c.leaves[i].kind == want).then_some(i);
            }
            if self.c.scopes[sc].fns.contains(name) {
                return None;
            }
            if name == glob_name
                && let Some(i) = self
                    .c
                    .leaves
                    .iter()
                    .position(|l| l.scope == sc && l.kind == LeafKind::Glob)
            {
                return Some(i);
            }
            let sc_info = &self.c.scopes[sc];
            s = if sc_info.module && !sc_info.glob_super {
                None
            } else {
                let mut p = sc_info.parent;
                // `use super::*` continues in the parent *module*, skipping nothing else.
                if sc_info.module {
                    while let Some(pi) = p {
                        if self.c.scopes[pi].module {
                            break;
                        }
                        p = self.c.scopes[pi].parent;
                    }
                }
                p
            };
        }
        None
    }

    fn resolve_qualified(&self, path: &syn::Path, scope: usize, last: &str) -> bool {
        if path.segments.len() != 2 || path.segments[1].ident != last {
            return false;
        }
        let first = path.segments[0].ident.to_string();
        first == "legacy_cache"
            || (path.leading_colon.is_none()
                && self.resolve(&first, scope, LeafKind::Crate).is_some())
    }

    fn resolve_attr(&self, path: &syn::Path, scope: usize) -> Option<PathForm> {
        if path.segments.len() == 1 && path.leading_colon.is_none() {
            let name = path.segments[0].ident.to_string();
            return self
                .resolve(&name, scope, LeafKind::Attr)
                .map(PathForm::Bare);
        }
        self.resolve_qualified(path, scope, "cache")
            .then_some(PathForm::Qualified)
    }

    fn legacy_aliases(&self) -> HashSet<String> {
        let mut s: HashSet<String> = self
            .c
            .leaves
            .iter()
            .filter(|l| matches!(l.kind, LeafKind::Attr | LeafKind::Clear | LeafKind::Crate))
            .map(|l| l.alias.clone())
            .collect();
        s.insert("legacy_cache".into());
        s
    }

    fn check_macros(&mut self) -> Result<(), FileError> {
        let aliases = self.legacy_aliases();
        let has_legacy_imports = self
            .c
            .leaves
            .iter()
            .any(|l| l.kind != LeafKind::NewMemo && l.kind != LeafKind::NewSingleton);
        for (range, rules, ts) in &self.c.macros {
            let mentions = tokens::stream_mentions(ts, "legacy_cache")
                || (has_legacy_imports && aliases.iter().any(|a| tokens::stream_has_attr(ts, a)));
            if !mentions {
                continue;
            }
            if *rules {
                return Err(FileError {
                    rule: Rule::MacroBody,
                    message: "legacy cache code inside a `macro_rules!` body: syn cannot see into macro bodies, so this file is left untouched; migrate the macro by hand".into(),
                    range: Some(range.clone()),
                });
            }
            self.findings.push(
                Finding::new(
                    range.clone(),
                    Rule::MacroBody,
                    Applicability::Review,
                    "legacy cache code inside a macro invocation is not rewritten",
                )
                .with_help("migrate the code inside the macro by hand; its imports are kept"),
            );
        }
        Ok(())
    }

    fn sites(&mut self) {
        for cand in &self.c.attrs {
            let Some(form) = self.resolve_attr(cand.meta.path(), cand.scope) else {
                continue;
            };
            let converted = match cand.fnref {
                None => {
                    self.findings.push(
                        Finding::new(
                            cand.attr_range.clone(),
                            Rule::Unsupported,
                            Applicability::Review,
                            "legacy cache attribute on something other than a function with a body",
                        )
                        .with_help(
                            "only free functions and methods in `impl` blocks are rewritten",
                        ),
                    );
                    None
                }
                Some(f) => self.site(cand, f, form),
            };
            if let PathForm::Bare(leaf) = form {
                match converted {
                    Some(t) => {
                        let e = self.converted_by_leaf.entry(leaf).or_default();
                        *e = e.union(t.prims());
                    }
                    None => *self.unconverted_by_leaf.entry(leaf).or_default() += 1,
                }
            }
            match converted {
                Some(t) => self.uses = self.uses.union(t.prims()),
                None => self.unconverted_sites += 1,
            }
        }
    }

    fn parse_opts(&self, meta: &syn::Meta) -> Result<Vec<Opt>, (Range<usize>, String)> {
        let list = match meta {
            syn::Meta::Path(_) => return Ok(Vec::new()),
            syn::Meta::NameValue(nv) => {
                return Err((
                    self.r(nv.span()),
                    "`cache = ...` is not a legacy cache form".into(),
                ));
            }
            syn::Meta::List(l) => l,
        };
        if !matches!(list.delimiter, syn::MacroDelimiter::Paren(_)) {
            return Err((self.r(list.span()), "unexpected delimiter".into()));
        }
        let mut opts = Vec::new();
        let mut seen = HashSet::new();
        for piece in tokens::split_commas(list.tokens.clone(), false) {
            let range = tt_range(&piece, self.c.base);
            let key = match piece.first() {
                Some(TokenTree::Ident(i)) => i.to_string(),
                _ => return Err((range, "expected an option name".into())),
            };
            if !seen.insert(key.clone()) {
                return Err((range, format!("`{key}` is given twice")));
            }
            let value = match &piece[1..] {
                [] => OptValue::Flag,
                [TokenTree::Punct(p), rest @ ..] if p.as_char() == '=' && !rest.is_empty() => {
                    OptValue::Expr(tt_range(rest, self.c.base), rest.to_vec())
                }
                [TokenTree::Group(g)] if g.delimiter() == Delimiter::Parenthesis => {
                    OptValue::Group(g.stream())
                }
                _ => return Err((range, format!("cannot read the value of `{key}`"))),
            };
            opts.push(Opt { key, range, value });
        }
        Ok(opts)
    }

    fn bool_of(v: &OptValue) -> Option<bool> {
        match v {
            OptValue::Flag => Some(true),
            OptValue::Expr(_, t) => match t.as_slice() {
                [TokenTree::Ident(i)] if i == "true" => Some(true),
                [TokenTree::Ident(i)] if i == "false" => Some(false),
                _ => None,
            },
            OptValue::Group(..) => None,
        }
    }

    fn hash_entries(&self, ts: TokenStream) -> Vec<HashEntry> {
        tokens::split_commas(ts, true)
            .into_iter()
            .map(|piece| {
                let range = tt_range(&piece, self.c.base);
                let eq = tokens::top_level_eq(&piece);
                let (ty, func) = match eq {
                    Some(i) => (&piece[..i], Some(&piece[i + 1..])),
                    None => (&piece[..], None),
                };
                let func =
                    func.and_then(|f| syn::parse2::<syn::Path>(f.iter().cloned().collect()).ok());
                HashEntry {
                    range,
                    ty_text: norm(ty),
                    func,
                }
            })
            .collect()
    }

    /// Rewrites one site. Returns the chosen target, or `None` when the site is left as is.
    fn site(&mut self, cand: &AttrCand<'_>, f: FnRef<'_>, form: PathForm) -> Option<Target> {
        let fname = f.name.to_string();
        let attr_range = cand.attr_range.clone();
        let opts = match self.parse_opts(&cand.meta) {
            Ok(o) => o,
            Err((range, why)) => {
                self.findings.push(
                    Finding::new(
                        range,
                        Rule::Unsupported,
                        Applicability::Review,
                        format!("cannot read this legacy cache attribute: {why}"),
                    )
                    .with_help("rewrite it by hand"),
                );
                return None;
            }
        };
        if let Some(reasons) = self.facts.blocked.get(&fname) {
            let mut fd = Finding::new(
                attr_range,
                Rule::SharedMutation,
                Applicability::Review,
                format!(
                    "`{fname}` keeps the legacy cache: its result is {}",
                    reasons.join("; ")
                ),
            );
            fd.help = Some("memo returns a private copy (mutations are lost) and singleton returns `Arc<T>` (mutation needs interior mutability, e.g. `Mutex`); restructure the callers, then run again".into());
            self.findings.push(fd);
            return None;
        }
        let known = [
            "persist",
            "allow_output_mutation",
            "show_spinner",
            "suppress_st_warning",
            "hash_funcs",
            "max_entries",
            "ttl",
            "sampling",
        ];
        for o in &opts {
            if !known.contains(&o.key.as_str()) {
                self.findings.push(
                    Finding::new(
                        o.range.clone(),
                        Rule::Unsupported,
                        Applicability::Review,
                        format!(
                            "unknown legacy cache option `{}`; site left untouched",
                            o.key
                        ),
                    )
                    .with_help("remove or translate the option by hand"),
                );
                return None;
            }
            let is_bool = matches!(o.key.as_str(), "persist" | "allow_output_mutation");
            if is_bool && Self::bool_of(&o.value).is_none() {
                self.findings.push(
                    Finding::new(
                        o.range.clone(),
                        Rule::Unsupported,
                        Applicability::Review,
                        format!(
                            "`{}` is not a literal `true`/`false`; site left untouched",
                            o.key
                        ),
                    )
                    .with_help("the target primitive depends on this value; decide by hand"),
                );
                return None;
            }
            if o.key == "hash_funcs" && !matches!(o.value, OptValue::Group(..)) {
                self.findings.push(Finding::new(
                    o.range.clone(),
                    Rule::Unsupported,
                    Applicability::Review,
                    "`hash_funcs` must be a list `hash_funcs(Type = path)`; site left untouched",
                ));
                return None;
            }
        }
        let get = |k: &str| opts.iter().find(|o| o.key == k);
        let aom = get("allow_output_mutation").and_then(|o| Self::bool_of(&o.value)) == Some(true);
        let persist = get("persist").and_then(|o| Self::bool_of(&o.value)) == Some(true);

        // Choose the target.
        let mut target = Target::Memo;
        let mut rule = Rule::CacheToMemo;
        let mut applicability = Applicability::Safe;
        if aom {
            target = Target::Singleton;
            rule = Rule::CacheToSingleton;
        } else if let syn::ReturnType::Type(_, ty) = &f.sig.output {
            let ty_range = self.r(ty.span());
            let ty_text = self.src()[ty_range.clone()].to_string();
            match classify(ty) {
                RetClass::Data => {}
                RetClass::Resource(name) => {
                    target = Target::Singleton;
                    rule = Rule::ResourceToSingleton;
                    applicability = Applicability::Review;
                    self.findings.push(
                        Finding::new(ty_range, Rule::ResourceToSingleton, Applicability::Review, format!("`{ty_text}` looks like a resource (`{name}`), so `{fname}` becomes `#[singleton]` rather than `#[memo]`"))
                            .with_help("callers now share one `Arc<T>`; if this is really data, change the attribute to `#[memo]`"),
                    );
                }
                RetClass::Unserializable(what) => {
                    target = Target::Singleton;
                    rule = Rule::UnserializableReturn;
                    applicability = Applicability::Review;
                    self.findings.push(
                        Finding::new(ty_range, Rule::UnserializableReturn, Applicability::Review, format!("`{ty_text}` is {what} and cannot be serialized, so `{fname}` becomes `#[singleton]` (memo stores values by serialization)"))
                            .with_help("if an owned, serializable type can be returned instead, use `#[memo]`"),
                    );
                }
            }
        }

        // Sub-edits on the meta text.
        let meta_range = self.r(cand.meta.span());
        let path_range = self.r(cand.meta.path().span());
        let mut sub: Vec<Edit> = Vec::new();
        let new_path = match form {
            PathForm::Bare(_) => target.name().to_string(),
            PathForm::Qualified => format!("{0}::{0}", target.name()),
        };
        let path_start = match form {
            PathForm::Qualified => self.r(cand.meta.path().segments[0].ident.span()).start,
            PathForm::Bare(_) => path_range.start,
        };
        sub.push(Edit::new(
            path_start..path_range.end,
            new_path,
            rule,
            applicability,
            "",
        ));
        let mut keep = Vec::new();
        let mut notes: Vec<String> = Vec::new();
        for o in &opts {
            let k = match o.key.as_str() {
                "allow_output_mutation" => {
                    notes.push("dropped `allow_output_mutation` (it selects the target)".into());
                    false
                }
                "suppress_st_warning" => {
                    notes.push("dropped `suppress_st_warning` (no successor)".into());
                    false
                }
                "sampling" => {
                    self.findings.push(
                        Finding::new(o.range.clone(), Rule::SamplingDropped, Applicability::Info, "`sampling` is a harness-only legacy option with no successor; dropped")
                            .with_help("memo copies values and singleton shares them, so no mutation check needs sampling"),
                    );
                    false
                }
                "persist" if !persist => {
                    notes.push("dropped `persist = false`".into());
                    false
                }
                "persist" if target == Target::Singleton => {
                    self.findings.push(
                        Finding::new(o.range.clone(), Rule::PersistDropped, Applicability::Review, format!("`persist` dropped: `{fname}` becomes `#[singleton]`, and singletons are not persisted"))
                            .with_help("values are recomputed after a restart; if they must survive, return data and use `#[memo(persist = \"disk\")]`"),
                    );
                    false
                }
                "persist" => {
                    if let OptValue::Expr(vr, _) = &o.value {
                        sub.push(Edit::new(
                            vr.clone(),
                            "\"disk\"",
                            Rule::PersistToDisk,
                            Applicability::Safe,
                            "",
                        ));
                    } else {
                        sub.push(Edit::new(
                            o.range.clone(),
                            "persist = \"disk\"",
                            Rule::PersistToDisk,
                            Applicability::Safe,
                            "",
                        ));
                    }
                    notes.push("`persist = true` became `persist = \"disk\"`".into());
                    true
                }
                "hash_funcs" => self.hash_funcs(o, f, &attr_range, &mut sub, &mut notes),
                _ => true,
            };
            keep.push(k);
        }
        if let syn::Meta::List(list) = &cand.meta {
            if keep.iter().all(|k| !k) {
                let group_start = self.r(list.delimiter.span().open()).start;
                sub.push(Edit::new(
                    group_start..meta_range.end,
                    "",
                    rule,
                    applicability,
                    "",
                ));
            } else {
                let ranges: Vec<_> = opts.iter().map(|o| o.range.clone()).collect();
                for r in removal_ranges(&ranges, &keep) {
                    sub.push(Edit::new(r, "", rule, applicability, ""));
                }
            }
        }
        // Drop sub-edits nested inside a removed range (a removed hash_funcs group, say).
        let removed: Vec<Range<usize>> = sub
            .iter()
            .filter(|e| e.replacement.is_empty())
            .map(|e| e.range.clone())
            .collect();
        sub.retain(|e| {
            !removed.iter().any(|r| {
                r != &e.range
                    && r.start <= e.range.start
                    && e.range.end <= r.end
                    && !(e.range.is_empty() && e.range.start == r.end)
            })
        });
        let shifted: Vec<Edit> = sub
            .iter()
            .map(|e| {
                Edit::new(
                    e.range.start - meta_range.start..e.range.end - meta_range.start,
                    e.replacement.clone(),
                    e.rule,
                    e.applicability,
                    "",
                )
            })
            .collect();
        let new_meta = match apply_edits(&self.src()[meta_range.clone()], &shifted) {
            Ok(t) => t,
            Err(_) => {
                self.findings.push(Finding::new(
                    attr_range,
                    Rule::InternalError,
                    Applicability::Review,
                    "could not combine the edits for this attribute; left untouched",
                ));
                return None;
            }
        };
        let mut message = format!("`{fname}`: legacy cache -> #[{}]", target.name());
        if !notes.is_empty() {
            message.push_str("; ");
            message.push_str(&notes.join("; "));
        }
        self.edits.push(Edit::new(
            meta_range,
            new_meta,
            rule,
            applicability,
            message,
        ));
        self.underscore_params(f, target);
        Some(target)
    }

    /// Handles `hash_funcs`; returns whether the option is kept at all.
    fn hash_funcs(
        &mut self,
        o: &Opt,
        f: FnRef<'_>,
        attr_range: &Range<usize>,
        sub: &mut Vec<Edit>,
        notes: &mut Vec<String>,
    ) -> bool {
        let OptValue::Group(ts) = &o.value else {
            return true;
        };
        let entries = self.hash_entries(ts.clone());
        let mut keep = Vec::new();
        for e in &entries {
            let constant = e
                .func
                .as_ref()
                .and_then(|p| p.segments.last())
                .and_then(|s| self.c.fns.get(&s.ident.to_string()))
                .is_some_and(|hf| returns_constant(hf.block));
            if !constant {
                self.findings.push(
                    Finding::new(e.range.clone(), Rule::HashFuncsKept, Applicability::Info, "`hash_funcs` entry kept: its function is not a constant in this file")
                        .with_help("the successors apply `hash_funcs` to arguments only, not to the function body or its result"),
                );
                keep.push(true);
                continue;
            }
            let params: Vec<&syn::PatType> = f
                .sig
                .inputs
                .iter()
                .filter_map(|a| match a {
                    syn::FnArg::Typed(t) if type_matches(&t.ty, &e.ty_text) => Some(t),
                    _ => None,
                })
                .collect();
            if params.is_empty() {
                self.findings.push(
                    Finding::new(e.range.clone(), Rule::HashFuncsKept, Applicability::Info, format!("`hash_funcs` entry kept: no parameter has type `{}`", e.ty_text))
                        .with_help("if the type is nested in another parameter, rename that parameter with a leading `_` by hand"),
                );
                keep.push(true);
                continue;
            }
            let mut plan = Vec::new();
            let mut problem = None;
            let base = self.c.base;
            let attr_start = attr_range.start;
            let c = self.c;
            for p in &params {
                match &*p.pat {
                    syn::Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                        if pi.ident.to_string().starts_with('_') {
                            continue;
                        }
                        match plan_rename(f, pi, base, attr_start, &|a| c.r(a.span())) {
                            Ok(edits) => plan.push((pi.ident.to_string(), edits)),
                            Err(why) => {
                                problem =
                                    Some((self.r(pi.ident.span()), pi.ident.to_string(), why));
                                break;
                            }
                        }
                    }
                    other => {
                        problem = Some((
                            self.r(other.span()),
                            "this pattern".into(),
                            "it is not a plain identifier".into(),
                        ));
                        break;
                    }
                }
            }
            if let Some((range, name, why)) = problem {
                self.findings.push(
                    Finding::new(range, Rule::HashFuncsKept, Applicability::Review, format!("cannot rename `{name}` to `_{name}` for the constant `hash_funcs` entry `{}`: {why}", e.ty_text))
                        .with_help("the entry is kept as `hash_funcs`; rename the parameter by hand to stop hashing it"),
                );
                keep.push(true);
                continue;
            }
            for (name, edits) in plan {
                for (r, text) in edits {
                    self.edits.push(Edit::new(
                        r,
                        text,
                        Rule::HashFuncsUnderscore,
                        Applicability::Safe,
                        format!("`{name}` is not hashed: its `hash_funcs` entry ignored the value"),
                    ));
                }
                notes.push(format!(
                    "`hash_funcs` entry for `{}` became the `_{name}` parameter",
                    e.ty_text
                ));
            }
            keep.push(false);
        }
        if keep.iter().all(|k| !k) {
            return false;
        }
        let ranges: Vec<_> = entries.iter().map(|e| e.range.clone()).collect();
        for r in removal_ranges(&ranges, &keep) {
            sub.push(Edit::new(
                r,
                "",
                Rule::HashFuncsUnderscore,
                Applicability::Safe,
                "",
            ));
        }
        true
    }

    fn underscore_params(&mut self, f: FnRef<'_>, target: Target) {
        for a in &f.sig.inputs {
            let syn::FnArg::Typed(t) = a else { continue };
            let (name, range) = match &*t.pat {
                syn::Pat::Ident(pi) if pi.ident.to_string().starts_with('_') => {
                    (pi.ident.to_string(), self.r(pi.ident.span()))
                }
                syn::Pat::Wild(w) => ("_".to_string(), self.r(w.span())),
                _ => continue,
            };
            let stem = name.trim_start_matches('_');
            let help = if stem.is_empty() {
                "give the parameter a name without a leading `_` if it should stay part of the key"
                    .to_string()
            } else {
                format!("rename it to `{stem}` if it should stay part of the key")
            };
            self.findings.push(
                Finding::new(range, Rule::UnderscoreParam, Applicability::Review, format!("parameter `{name}` was hashed by the legacy cache but is ignored by #[{}]: calls that differ only in it will share one entry", target.name()))
                    .with_help(help),
            );
        }
    }

    fn shared_and_mutations(&mut self) {
        for (range, path, scope) in &self.c.shared_types {
            let legacy = if path.segments.len() == 1 && path.leading_colon.is_none() {
                self.resolve("Shared", *scope, LeafKind::Shared).is_some()
            } else {
                self.resolve_qualified(path, *scope, "Shared")
            };
            if legacy {
                self.findings.push(
                    Finding::new(range.clone(), Rule::SharedType, Applicability::Review, "`legacy_cache::Shared<T>` written as a type: memo functions return `T` and singleton functions return `Arc<T>`")
                        .with_help("replace it with `T` (memo) or `std::sync::Arc<T>` (singleton) once the function it holds is migrated"),
                );
            }
        }
        for (range, callee) in &self.c.mutate_sites {
            if self.facts.legacy_fns.contains(callee) {
                self.findings.push(
                    Finding::new(range.clone(), Rule::SharedMutation, Applicability::Review, format!("the result of `{callee}` is mutated through `Shared::mutate`; `{callee}` keeps the legacy cache"))
                        .with_help("memo cannot propagate mutations and singleton needs interior mutability; restructure, then run again"),
                );
            }
        }
    }

    fn clears(&mut self, fallback: Primitives, keep_legacy: bool) {
        let prims = if self.uses.any() { self.uses } else { fallback };
        // Functions that stay on the legacy cache must still be cleared.
        let keep_legacy = keep_legacy || self.unconverted_sites > 0;
        for cl in &self.c.clears {
            let legacy = if cl.path.segments.len() == 1 && cl.path.leading_colon.is_none() {
                self.resolve(
                    &cl.path.segments[0].ident.to_string(),
                    cl.scope,
                    LeafKind::Clear,
                )
                .is_some()
            } else {
                self.resolve_qualified(&cl.path, cl.scope, "clear_cache")
            };
            if !legacy {
                continue;
            }
            self.clear_sites += 1;
            if cl.has_args {
                self.findings.push(Finding::new(
                    cl.call_range.clone(),
                    Rule::Unsupported,
                    Applicability::Review,
                    "`clear_cache` called with arguments; left untouched",
                ));
                continue;
            }
            if !prims.any() {
                self.unresolved_clear = true;
                if keep_legacy {
                    continue;
                }
                self.findings.push(
                    Finding::new(cl.call_range.clone(), Rule::ClearCache, Applicability::Review, "`legacy_cache::clear_cache()` left as is: no function in this package uses #[memo] or #[singleton] yet")
                        .with_help("replace it with `memo::clear_all()` and/or `singleton::clear_all()` by hand"),
                );
                continue;
            }
            let mut calls = Vec::new();
            if prims.memo {
                calls.push("memo::clear_all()");
            }
            if prims.singleton {
                calls.push("singleton::clear_all()");
            }
            if keep_legacy {
                calls.push("legacy_cache::clear_cache()");
            }
            let text = if calls.len() == 1 {
                calls[0].to_string()
            } else if cl.is_stmt {
                let sep = format!(";\n{}", tokens::indent_at(self.src(), cl.call_range.start));
                calls.join(&sep)
            } else {
                format!("{{ {} }}", calls.join("; "))
            };
            self.edits.push(Edit::new(
                cl.call_range.clone(),
                text,
                Rule::ClearCache,
                Applicability::Safe,
                "`legacy_cache::clear_cache()` -> global clears of the primitives in use",
            ));
        }
    }

    /// Counts uses of `name` outside `use` items and outside text that edits replace.
    fn remaining_idents(&self, toks: &[Tok], name: &str) -> usize {
        toks.iter()
            .filter(|t| t.text == name)
            .filter(|t| {
                !self
                    .c
                    .uses
                    .iter()
                    .any(|u| u.item_range.start <= t.start && t.start < u.item_range.end)
            })
            .filter(|t| {
                !self
                    .edits
                    .iter()
                    .any(|e| e.range.start <= t.start && t.start < e.range.end)
            })
            .count()
    }

    fn imports(&mut self) {
        if self
            .c
            .leaves
            .iter()
            .all(|l| matches!(l.kind, LeafKind::NewMemo | LeafKind::NewSingleton))
        {
            return;
        }
        let toks = tokens::idents(&self.src()[self.c.base..], self.c.base);
        let macro_mentions = |name: &str| {
            self.c.macros.iter().any(|(_, _, ts)| {
                tokens::stream_has_attr(ts, name) || tokens::stream_mentions(ts, name)
            })
        };
        let mut new_edits = Vec::new();
        let mut glob_notes = Vec::new();
        for (ui, u) in self.c.uses.iter().enumerate() {
            let legacy: Vec<usize> = u
                .leaves
                .iter()
                .copied()
                .filter(|&l| {
                    !matches!(
                        self.c.leaves[l].kind,
                        LeafKind::NewMemo | LeafKind::NewSingleton
                    )
                })
                .collect();
            if legacy.is_empty() {
                continue;
            }
            let mut needed = Primitives::default();
            let mut keep = Vec::new();
            for &l in &legacy {
                let leaf = &self.c.leaves[l];
                if let Some(p) = self.converted_by_leaf.get(&l) {
                    needed = needed.union(*p);
                }
                let used = match leaf.kind {
                    LeafKind::Attr => {
                        self.unconverted_by_leaf.get(&l).copied().unwrap_or(0) > 0
                            || macro_mentions(&leaf.alias)
                    }
                    LeafKind::Clear | LeafKind::Shared | LeafKind::Crate => {
                        self.remaining_idents(&toks, &leaf.alias) > 0
                    }
                    LeafKind::Glob => {
                        // A glob may bring in names this tool does not track (traits, types);
                        // removing it could break the build, so it stays for a human to judge.
                        glob_notes.push(u.item_range.clone());
                        true
                    }
                    _ => true,
                };
                keep.push(used || u.is_pub);
            }
            // Do not import a primitive that the scope already imports.
            for l in &self.c.leaves {
                if l.scope == u.scope && l.kind == LeafKind::NewMemo {
                    needed.memo = false;
                }
                if l.scope == u.scope && l.kind == LeafKind::NewSingleton {
                    needed.singleton = false;
                }
            }
            // An earlier `use` in the same scope already got the import.
            for (oi, o) in self.c.uses.iter().enumerate() {
                if oi < ui && o.scope == u.scope {
                    for &l in &o.leaves {
                        if let Some(p) = self.converted_by_leaf.get(&l) {
                            if p.memo {
                                needed.memo = false;
                            }
                            if p.singleton {
                                needed.singleton = false;
                            }
                        }
                    }
                }
            }
            let mut new_paths = Vec::new();
            if needed.memo {
                new_paths.push("memo::memo".to_string());
            }
            if needed.singleton {
                new_paths.push("singleton::singleton".to_string());
            }
            let all_kept = keep.iter().all(|k| *k);
            if all_kept && new_paths.is_empty() {
                continue;
            }
            let kept_rel: Vec<String> = legacy
                .iter()
                .zip(&keep)
                .filter(|(_, k)| **k)
                .map(|(&l, _)| self.c.leaves[l].rel_text.clone())
                .collect();
            let legacy_text = match kept_rel.len() {
                0 => None,
                1 if kept_rel[0] == "self" => Some("legacy_cache".to_string()),
                1 => Some(format!("legacy_cache::{}", kept_rel[0])),
                _ => Some(format!("legacy_cache::{{{}}}", kept_rel.join(", "))),
            };
            let indent = tokens::indent_at(self.src(), u.item_range.start);
            let extra_items = |paths: &[String]| -> String {
                paths
                    .iter()
                    .map(|p| format!("\n{indent}{}{p};", u.prefix))
                    .collect()
            };
            let msg = "imports follow the rewritten attributes";
            match (&u.subtree, all_kept) {
                (Some(st), false) => match &st.siblings {
                    None => {
                        let mut parts: Vec<String> = legacy_text.into_iter().collect();
                        parts.extend(new_paths.iter().cloned());
                        if parts.is_empty() {
                            new_edits.push(Edit::new(
                                tokens::line_extend(self.src(), u.item_range.clone()),
                                "",
                                Rule::Import,
                                Applicability::Safe,
                                msg,
                            ));
                        } else {
                            new_edits.push(Edit::new(
                                st.range.clone(),
                                parts[0].clone(),
                                Rule::Import,
                                Applicability::Safe,
                                msg,
                            ));
                            let extra = extra_items(&parts[1..]);
                            if !extra.is_empty() {
                                new_edits.push(Edit::new(
                                    u.item_range.end..u.item_range.end,
                                    extra,
                                    Rule::Import,
                                    Applicability::Safe,
                                    msg,
                                ));
                            }
                        }
                    }
                    Some((sib, i)) => {
                        let mut parts: Vec<String> = legacy_text.into_iter().collect();
                        parts.extend(new_paths.iter().cloned());
                        if parts.is_empty() {
                            if sib.len() == 1 {
                                new_edits.push(Edit::new(
                                    tokens::line_extend(self.src(), u.item_range.clone()),
                                    "",
                                    Rule::Import,
                                    Applicability::Safe,
                                    msg,
                                ));
                            } else {
                                let r = if i + 1 < sib.len() {
                                    sib[*i].start..sib[i + 1].start
                                } else {
                                    sib[i - 1].end..sib[*i].end
                                };
                                new_edits.push(Edit::new(
                                    r,
                                    "",
                                    Rule::Import,
                                    Applicability::Safe,
                                    msg,
                                ));
                            }
                        } else {
                            new_edits.push(Edit::new(
                                st.range.clone(),
                                parts.join(", "),
                                Rule::Import,
                                Applicability::Safe,
                                msg,
                            ));
                        }
                    }
                },
                _ => {
                    // Nothing removable in place: keep the item and add the new imports after it.
                    let extra = extra_items(&new_paths);
                    if !extra.is_empty() {
                        new_edits.push(Edit::new(
                            u.item_range.end..u.item_range.end,
                            extra,
                            Rule::Import,
                            Applicability::Safe,
                            msg,
                        ));
                    }
                }
            }
        }
        self.edits.extend(new_edits);
        if self.uses.any() {
            for r in glob_notes {
                self.findings.push(
                    Finding::new(r, Rule::Import, Applicability::Info, "`use legacy_cache::*` kept: it may bring in names this tool does not track")
                        .with_help("remove it once nothing from `legacy_cache` is used, then drop the `legacy-cache` dependency"),
                );
            }
        }
    }
}

/// Migrates a single self-contained source text: [`prescan`] then [`analyze`], with the
/// global facts taken from this text alone. Handy for tests, editors and snippets.
///
/// ```
/// let a = migrate::migrate_str("#[legacy_cache::cache(persist = true)]\nfn f() -> u8 { 1 }\n").unwrap();
/// assert_eq!(a.output, "#[memo::memo(persist = \"disk\")]\nfn f() -> u8 { 1 }\n");
/// ```
pub fn migrate_str(src: &str) -> Result<FileAnalysis, FileError> {
    let mut facts = GlobalFacts::default();
    if let Ok(p) = prescan(src) {
        facts.legacy_fns.extend(p.legacy_fns);
        for (callee, line, col, why) in p.blockers {
            facts
                .blocked
                .entry(callee)
                .or_default()
                .push(format!("{why} at {line}:{col}"));
        }
        let legacy = facts.legacy_fns.clone();
        facts.blocked.retain(|k, _| legacy.contains(k));
    }
    let r = analyze(src, &facts, AnalyzeOptions::default());
    proc_macro2::extra::invalidate_current_thread_spans();
    r
}
