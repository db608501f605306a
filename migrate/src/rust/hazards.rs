//! Uses of a cached function's result that only the legacy `Shared<T>` supports, and calls of
//! the generated `try_f` companion. After a rewrite to `#[memo]` (which returns `T`) or
//! `#[singleton]` (which returns `Arc<T>`) each of them is a compile error or a change of
//! behaviour, so the function keeps the legacy cache and every use gets a finding with its fix.
//!
//! The tracking is local and syntactic: which local holds which function's result (through
//! `let`, assignments, `.clone()`, references and tuple destructuring), per function body. The
//! pre-scan and the collection walk share it, so they agree on what they see.

use proc_macro2::Span;
use std::collections::HashMap;

/// A use of the legacy result that neither successor supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SharedUse {
    /// `x.mutate(..)`.
    Mutate,
    /// `x.try_mutate(..)`.
    TryMutate,
    /// `x.refresh()`.
    Refresh,
    /// `x.snapshot()`.
    Snapshot,
    /// `Shared::ptr_eq(&a, &b)`.
    PtrEq,
    /// A call of the generated `try_f` companion.
    TryCompanion,
    /// `let x: Shared<T> = f(..)`.
    SharedLocal,
}

impl SharedUse {
    const ALL: [SharedUse; 7] = [
        SharedUse::Mutate,
        SharedUse::TryMutate,
        SharedUse::Refresh,
        SharedUse::Snapshot,
        SharedUse::PtrEq,
        SharedUse::TryCompanion,
        SharedUse::SharedLocal,
    ];

    /// The use as a phrase completing "its result is ...".
    pub fn why(self) -> &'static str {
        match self {
            SharedUse::Mutate => "mutated through `Shared::mutate`",
            SharedUse::TryMutate => "mutated through `Shared::try_mutate`",
            SharedUse::Refresh => "re-read through `Shared::refresh`",
            SharedUse::Snapshot => "read through `Shared::snapshot`",
            SharedUse::PtrEq => "compared by identity with `Shared::ptr_eq`",
            SharedUse::TryCompanion => "fetched through its `try_` companion",
            SharedUse::SharedLocal => "bound to a `Shared<T>`-typed local",
        }
    }

    /// The kind a reason phrase (as built from [`SharedUse::why`]) names.
    pub fn of_reason(reason: &str) -> Option<SharedUse> {
        Self::ALL.into_iter().find(|k| reason.starts_with(k.why()))
    }

    /// Whether the use mutates the cached object.
    pub fn mutates(self) -> bool {
        matches!(self, SharedUse::Mutate | SharedUse::TryMutate)
    }

    /// What to write instead, once the function is migrated by hand.
    pub fn fix(self, callee: &str) -> String {
        match self {
            SharedUse::Mutate | SharedUse::TryMutate => format!(
                "#[memo] returns a private `T` (mutations are lost) and #[singleton] returns `Arc<T>` (no `mutate`); keep the mutable state in a #[singleton] `{callee}` returning `Mutex<T>` and lock it (`{callee}(..).lock().unwrap()`), then run again"
            ),
            SharedUse::Refresh => format!(
                "the successors return the current value on every call: call `{callee}(..)` again instead of `refresh()`, then run again"
            ),
            SharedUse::Snapshot => format!(
                "#[singleton] returns the `Arc<T>` itself (drop `.snapshot()`); #[memo] returns `T` (write `Arc::new({callee}(..))`); then run again"
            ),
            SharedUse::PtrEq => format!(
                "with #[singleton], `{callee}` returns `Arc<T>`: compare with `std::sync::Arc::ptr_eq`; #[memo] returns a fresh copy per call, so identity cannot be compared; change the comparison, then run again"
            ),
            SharedUse::TryCompanion => format!(
                "#[memo] and #[singleton] generate no `try_{callee}`: they reject unhashable parameters at compile time, so call `{callee}(..)` and drop the `HashError` handling, then run again"
            ),
            SharedUse::SharedLocal => "write the local's type as `T` (#[memo]) or `std::sync::Arc<T>` (#[singleton]), then run again".into(),
        }
    }
}

/// A hazardous use found at one expression.
pub(super) struct Hazard {
    /// The cached function whose result it is.
    pub callee: String,
    pub kind: SharedUse,
    /// Where to point: the method name, or the call.
    pub span: Span,
}

/// Which local holds the result of which function, within one function body.
#[derive(Default)]
pub(super) struct Bindings(HashMap<String, String>);

impl Bindings {
    /// The function whose result an expression is: a call, a method call, a local bound to
    /// one, or a clone or reference of those.
    pub fn callee_of(&self, e: &syn::Expr) -> Option<String> {
        match e {
            syn::Expr::Call(c) => {
                let syn::Expr::Path(p) = &*c.func else {
                    return None;
                };
                let last = p.path.segments.last()?;
                // `Shared::clone(&h)` / `Clone::clone(&h)` is another handle to the same object.
                if last.ident == "clone" && p.path.segments.len() > 1 && c.args.len() == 1 {
                    return self.callee_of(&c.args[0]);
                }
                Some(last.ident.to_string())
            }
            syn::Expr::MethodCall(m) if m.method == "clone" && m.args.is_empty() => {
                self.callee_of(&m.receiver)
            }
            syn::Expr::MethodCall(m) => Some(m.method.to_string()),
            syn::Expr::Paren(p) => self.callee_of(&p.expr),
            syn::Expr::Group(g) => self.callee_of(&g.expr),
            syn::Expr::Reference(r) => self.callee_of(&r.expr),
            syn::Expr::Try(t) => self.callee_of(&t.expr),
            syn::Expr::Await(a) => self.callee_of(&a.base),
            syn::Expr::Path(p) => p
                .path
                .get_ident()
                .and_then(|i| self.0.get(&i.to_string()).cloned()),
            _ => None,
        }
    }

    /// Records what a `let` binds; returns the callee and type annotation of a single binding
    /// (`let x: T = f()`), for the `Shared<T>`-typed-local check.
    pub fn bind_let<'p>(
        &mut self,
        pat: &'p syn::Pat,
        init: Option<&syn::Expr>,
    ) -> Option<(String, Option<&'p syn::Type>)> {
        let ty = match pat {
            syn::Pat::Type(t) => Some(&*t.ty),
            _ => None,
        };
        let callee = init.and_then(|e| self.callee_of(e));
        self.bind(pat, init);
        callee.filter(|_| single_name(pat)).map(|c| (c, ty))
    }

    /// `x = f()` where `x` is a plain local.
    pub fn assign(&mut self, left: &syn::Expr, right: &syn::Expr) {
        if let syn::Expr::Path(p) = left
            && let Some(name) = p.path.get_ident()
        {
            let name = name.to_string();
            match self.callee_of(right) {
                Some(c) => {
                    self.0.insert(name, c);
                }
                None => {
                    self.0.remove(&name);
                }
            }
        }
    }

    /// Binds the names of `pat` to what `init` holds, element by element for tuples
    /// (`let (mut n, _) = (f(), 1)`); a name whose value is not a tracked result is forgotten.
    fn bind(&mut self, pat: &syn::Pat, init: Option<&syn::Expr>) {
        let init = init.map(strip_parens);
        match pat {
            syn::Pat::Ident(i) => {
                let name = i.ident.to_string();
                match init.and_then(|e| self.callee_of(e)) {
                    Some(c) => {
                        self.0.insert(name, c);
                    }
                    None => {
                        self.0.remove(&name);
                    }
                }
                if let Some((_, sub)) = &i.subpat {
                    self.bind(sub, None);
                }
            }
            syn::Pat::Type(t) => self.bind(&t.pat, init),
            syn::Pat::Paren(p) => self.bind(&p.pat, init),
            syn::Pat::Reference(r) => self.bind(&r.pat, None),
            syn::Pat::Tuple(t) => match init {
                Some(syn::Expr::Tuple(e))
                    if e.elems.len() == t.elems.len()
                        && !t.elems.iter().any(|p| matches!(p, syn::Pat::Rest(_))) =>
                {
                    for (p, e) in t.elems.iter().zip(&e.elems) {
                        self.bind(p, Some(e));
                    }
                }
                _ => {
                    for p in &t.elems {
                        self.bind(p, None);
                    }
                }
            },
            syn::Pat::TupleStruct(t) => {
                for p in &t.elems {
                    self.bind(p, None);
                }
            }
            syn::Pat::Slice(s) => {
                for p in &s.elems {
                    self.bind(p, None);
                }
            }
            syn::Pat::Struct(s) => {
                for f in &s.fields {
                    self.bind(&f.pat, None);
                }
            }
            syn::Pat::Or(o) => {
                for p in &o.cases {
                    self.bind(p, None);
                }
            }
            _ => {}
        }
    }

    /// A `Shared`-only method called on a tracked result (`h.mutate(..)`, `h.refresh()`), or a
    /// `try_m` companion called as a method.
    pub fn method_hazard(&self, m: &syn::ExprMethodCall) -> Option<Hazard> {
        let method = m.method.to_string();
        let kind = match method.as_str() {
            "mutate" => Some(SharedUse::Mutate),
            "try_mutate" => Some(SharedUse::TryMutate),
            "refresh" if m.args.is_empty() => Some(SharedUse::Refresh),
            "snapshot" if m.args.is_empty() => Some(SharedUse::Snapshot),
            _ => None,
        };
        if let Some(kind) = kind
            && let Some(callee) = self.callee_of(&m.receiver)
        {
            return Some(Hazard {
                callee,
                kind,
                span: m.method.span(),
            });
        }
        let base = method.strip_prefix("try_")?;
        (!base.is_empty()).then(|| Hazard {
            callee: base.to_string(),
            kind: SharedUse::TryCompanion,
            span: m.method.span(),
        })
    }

    /// `Shared::ptr_eq(&a, &b)` on tracked results (one hazard per argument), or a call of a
    /// `try_f` companion.
    pub fn call_hazards(&self, c: &syn::ExprCall) -> Vec<Hazard> {
        let syn::Expr::Path(p) = &*c.func else {
            return Vec::new();
        };
        let segments = &p.path.segments;
        let Some(last) = segments.last() else {
            return Vec::new();
        };
        let name = last.ident.to_string();
        let qualified_by_shared =
            segments.len() >= 2 && segments[segments.len() - 2].ident == "Shared";
        if name == "ptr_eq" && qualified_by_shared {
            let mut callees: Vec<String> =
                c.args.iter().filter_map(|a| self.callee_of(a)).collect();
            // `Shared::ptr_eq(&f(1), &f(2))` is one use of `f`.
            callees.dedup();
            return callees
                .into_iter()
                .map(|callee| Hazard {
                    callee,
                    kind: SharedUse::PtrEq,
                    span: last.ident.span(),
                })
                .collect();
        }
        match name.strip_prefix("try_") {
            Some(base) if !base.is_empty() => vec![Hazard {
                callee: base.to_string(),
                kind: SharedUse::TryCompanion,
                span: last.ident.span(),
            }],
            _ => Vec::new(),
        }
    }
}

fn strip_parens(e: &syn::Expr) -> &syn::Expr {
    match e {
        syn::Expr::Paren(p) => strip_parens(&p.expr),
        syn::Expr::Group(g) => strip_parens(&g.expr),
        other => other,
    }
}

/// Whether a pattern binds exactly one name to the whole value (`x`, `mut x`, `x: T`).
fn single_name(pat: &syn::Pat) -> bool {
    match pat {
        syn::Pat::Ident(i) => i.subpat.is_none(),
        syn::Pat::Type(t) => single_name(&t.pat),
        _ => false,
    }
}

/// Whether a type is `Shared<..>` (or a reference to one).
pub(super) fn type_is_shared(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().is_some_and(|s| s.ident == "Shared"),
        syn::Type::Reference(r) => type_is_shared(&r.elem),
        _ => false,
    }
}
