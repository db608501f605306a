//! Code generation shared by the `#[memo]`, `#[singleton]` and legacy `#[cache]` macros.
//!
//! The macros stay thin: they parse options ([`options`]), read the function ([`func`]) and emit
//! a body that builds a key and hands a closure to a runtime function (`memo::__private::call`,
//! `singleton::__private::call`, ...). Everything that decides *behaviour* (lookup, single
//! flight, TTL, persistence, copying) is ordinary, tested runtime code in those crates.
//!
//! The generated shape, for a free function `f`:
//!
//! ```text
//! fn f(a: A, _b: B) -> T {
//!     let __cache = f::__cache();                 // the per-function static
//!     let __key = { /* (name, value) pairs of hashed params */ };
//!     let __compute = move || -> T { /* original body */ };
//!     runtime::call(__cache, __key, __compute)
//! }
//! // `async fn f(..) -> T`: the same, with the key built out of line (`build_key`),
//! // `__compute` returning `async move { body }`, a hit returned at once
//! // (`runtime::try_hit(__cache, &__key)`) and otherwise
//! // `runtime::call_async(__cache, __key, __compute).await` (companions stay synchronous).
//! struct f {}  // type namespace only: sees the items of its scope, as a `mod` would not
//! impl f { pub fn clear(); pub fn clear_entry(a: A, _b: B) -> bool; pub fn stats() -> Stats; }
//! ```
//!
//! In an `impl` block (or a trait) the cache sits behind a hidden associated function and the
//! companions are associated functions named `f_clear`, `f_clear_entry` and `f_stats`. A `static`
//! is shared by every instantiation of the generic code around it, so wherever the code may be
//! generic (methods, whose `impl` the macro cannot see; functions with generic or `impl Trait`
//! parameters) the static is a `cache_store::Instances` holding one cache per instantiation,
//! found by `type_name` strings ([`site_name`], [`func::CachedFn::generics_key`]). The same
//! strings go into the function key ([`instance_tokens`]).

pub mod func;
pub mod grammar;
pub mod options;

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Type, TypePath};

use crate::func::{CachedFn, Returns};
use crate::options::HashFunc;

/// A 128-bit hash of the attribute's and the item's tokens: part of the function key, so an
/// edited function (or edited options) never hits entries persisted by the old version, as
/// Streamlit hashes the decorated function's source.
///
/// ```
/// use quote::quote;
/// let a = cache_codegen::token_hash(&quote!(ttl = 5), &quote!(fn f() -> u8 { 1 }));
/// let b = cache_codegen::token_hash(&quote!(ttl = 6), &quote!(fn f() -> u8 { 1 }));
/// assert_ne!(a, b);
/// ```
pub fn token_hash(attr: &TokenStream, item: &TokenStream) -> u128 {
    let text = format!("{attr}\n{item}");
    xxhash_rust::xxh3::xxh3_128(text.as_bytes())
}

/// Streamlit's spinner text: ``Running `f(...)`.`` with arguments, ``Running `f()`.`` without.
pub fn spinner_text(f: &CachedFn) -> String {
    let args = if f.has_args() { "..." } else { "" };
    format!("Running `{}({args})`.", f.name())
}

/// The type under any references, parentheses and invisible groups: `&&mut (T)` gives `T`.
/// Attribute options compare types as written, and a parameter `&T` is still "a `T`" to them.
///
/// ```
/// let t: syn::Type = syn::parse_quote!(&&mut (Vec<u8>));
/// let inner = cache_codegen::strip_refs(&t);
/// assert_eq!(quote::quote!(#inner).to_string(), "Vec < u8 >");
/// ```
pub fn strip_refs(t: &Type) -> &Type {
    match t {
        Type::Reference(r) => strip_refs(&r.elem),
        Type::Paren(p) => strip_refs(&p.elem),
        Type::Group(g) => strip_refs(&g.elem),
        other => other,
    }
}

fn tokens_eq(a: &impl ToTokens, b: &impl ToTokens) -> bool {
    a.to_token_stream().to_string() == b.to_token_stream().to_string()
}

/// Whether a `hash_funcs` type names a parameter's type. Types are compared as written, after
/// removing references; a path matches a longer or shorter path with the same trailing segments
/// (`Conn` matches `db::Conn`), since macros cannot resolve paths. A wrong match cannot slip
/// through silently: the hash function is then called with the wrong type and rustc rejects it.
pub fn type_matches(param: &Type, wanted: &Type) -> bool {
    let (p, w) = (strip_refs(param), strip_refs(wanted));
    if let (Type::Path(TypePath { path: pp, .. }), Type::Path(TypePath { path: wp, .. })) = (p, w) {
        let n = pp.segments.len().min(wp.segments.len());
        let ps = pp.segments.iter().rev().take(n);
        let ws = wp.segments.iter().rev().take(n);
        return ps.zip(ws).all(|(a, b)| tokens_eq(a, b));
    }
    tokens_eq(p, w)
}

/// The expression that builds the value key, `Result<cache_key::Key, cache_key::KeyError>`: a
/// block, or for an `async fn` a `build_key` call (hashing inline in a poll function stays slow).
///
/// `_`-prefixed parameters are left out; the receiver is hashed unless `skip_self`. Each hashing
/// call carries the parameter's span, so "cannot be hashed" errors point at the parameter.
pub fn key_block(
    f: &CachedFn,
    krate: &TokenStream,
    hash_funcs: &[HashFunc],
    skip_self: bool,
) -> syn::Result<TokenStream> {
    let mut used = vec![false; hash_funcs.len()];
    // Our own locals get call-site hygiene, never a parameter's span: inside `macro_rules!` a
    // parameter's span belongs to the macro's context, where a `__b` bound here is invisible.
    let b = proc_macro2::Ident::new("__b", Span::call_site());
    let mut steps = Vec::new();
    let hash_value = |value: TokenStream, span: Span| {
        quote_spanned! {span=>
            (&&&#krate::__private::key::Arg(&#value)).__key_kind().hash(&#value, &mut #b);
        }
    };
    let with_hash_func = |value: TokenStream, hf: &HashFunc, span: Span| {
        let func = &hf.func;
        let h = hash_value(quote!(__h), span);
        quote_spanned! {span=> { let __h = #func(&#value); #h } }
    };
    if let Some(r) = &f.receiver
        && !skip_self
    {
        let span = r.self_token.span;
        let found = hash_funcs
            .iter()
            .position(|hf| tokens_eq(strip_refs(&hf.ty), &quote!(Self)));
        let step = match found {
            Some(i) => {
                used[i] = true;
                with_hash_func(quote!(self), &hash_funcs[i], span)
            }
            None => hash_value(quote_spanned!(span=> self), span),
        };
        steps.push(quote!(__b.param("self"); #step));
    }
    for p in f.params.iter().filter(|p| !p.skipped) {
        let name = &p.key_name;
        let ident = &p.ident;
        let found = hash_funcs.iter().position(|hf| type_matches(&p.ty, &hf.ty));
        let step = match found {
            Some(i) => {
                used[i] = true;
                with_hash_func(quote!(#ident), &hash_funcs[i], p.span)
            }
            None => hash_value(quote!(#ident), p.span),
        };
        steps.push(quote!(__b.param(#name); #step));
    }
    for (hf, used) in hash_funcs.iter().zip(used) {
        let t = &hf.ty;
        if !used && !tokens_eq(strip_refs(t), &quote!(Self)) {
            return Err(syn::Error::new_spanned(
                t,
                format!(
                    "`hash_funcs` entry for `{}` matches no hashed parameter (types are compared \
                     as written, ignoring `&`; `_`-prefixed parameters are not hashed)",
                    t.to_token_stream()
                ),
            ));
        }
    }
    if steps.is_empty() {
        // Nothing to hash: a constant key, no builder.
        return Ok(quote! {
            #krate::__private::Result::<_, #krate::__private::key::KeyError>::Ok(
                #krate::__private::key::EMPTY_KEY,
            )
        });
    }
    let imports = quote! {
        #[allow(unused_imports)]
        use #krate::__private::key::{ViaKeyHash as _, ViaSerde as _, ViaNothing as _};
    };
    if f.is_async() {
        // Out of line (see `build_key`); the steps' `&mut __b` coerces from `&mut &mut`.
        return Ok(quote! {
            #krate::__private::key::build_key(|mut #b: &mut #krate::__private::key::KeyBuilder| {
                #imports
                #(#steps)*
            })
        });
    }
    Ok(quote! {{
        #imports
        let mut __b = #krate::__private::key::KeyBuilder::new();
        #(#steps)*
        __b.finish()
    }})
}

/// What `#[memo]` and `#[singleton]` have in common: the function, its token hash and the shared
/// options (`ttl`, `max_entries`, `show_spinner`, `hash_funcs`, `skip_self`, `in_impl`), parsed
/// once here. `opts` keeps the primitive-specific options for the caller.
pub struct Common {
    /// The analysed function.
    pub f: CachedFn,
    /// [`token_hash`] of attribute and item.
    pub tokens: u128,
    /// `Option<Duration>` tokens.
    pub ttl: TokenStream,
    /// `Option<usize>` tokens.
    pub max_entries: TokenStream,
    /// `Option<&'static str>` tokens: the spinner text.
    pub spinner: TokenStream,
    /// `hash_funcs(...)` entries.
    pub hash_funcs: Vec<HashFunc>,
    /// Leave the receiver out of the key.
    pub skip_self: bool,
    /// The options not consumed yet.
    pub opts: options::Options,
}

impl Common {
    /// Parses the attribute arguments and the item.
    pub fn parse(
        attr_name: &'static str,
        attr: TokenStream,
        item: TokenStream,
    ) -> syn::Result<Self> {
        let tokens = token_hash(&attr, &item);
        let mut opts = options::Options::parse(attr_name, attr)?;
        let in_impl = opts.flag("in_impl")?;
        let f = CachedFn::parse(item, attr_name, in_impl, true)?;
        let ttl = options::option_tokens(opts.ttl()?);
        let max_entries = options::option_tokens(opts.max_entries()?);
        let spinner = opts.show_spinner(spinner_text(&f))?;
        let spinner = options::option_str(spinner.as_deref());
        let hash_funcs = opts.hash_funcs()?;
        let skip_self = opts.flag("skip_self")?;
        if skip_self && f.receiver.is_none() {
            return Err(syn::Error::new(
                f.sig.ident.span(),
                "`skip_self` is for methods; this function has no `self`",
            ));
        }
        Ok(Self {
            f,
            tokens,
            ttl,
            max_entries,
            spinner,
            hash_funcs,
            skip_self,
            opts,
        })
    }

    /// The key block for this function (see [`key_block`]).
    pub fn key(&self, krate: &TokenStream) -> syn::Result<TokenStream> {
        key_block(&self.f, krate, &self.hash_funcs, self.skip_self)
    }

    /// The cache's constructor call, `new_fn(module_path!(), "name", tokens, options)`, where
    /// `tokens` mixes the token hash with the instantiation's identity (`__site` and
    /// `__generics`, bound by [`expand`]'s accessors; see `cache_store::Instances`).
    ///
    /// `new_fn` is the one place that carries the trait bounds on the return type, and the call
    /// is spanned at the return type (`span`), so an unusable return type is one error with the
    /// runtime's message, labelled at the user's `-> T`.
    pub fn cache_init(
        &self,
        krate: &TokenStream,
        new_fn: &TokenStream,
        options: &TokenStream,
        span: Span,
    ) -> TokenStream {
        let name = self.f.name().to_string();
        let tokens = instance_tokens(krate, self.tokens);
        quote_spanned! {span=> #new_fn(::core::module_path!(), #name, #tokens, #options) }
    }

    /// The usual [`Spec::call`]: the runtime's `call`, or `call_fallible` for a function returning
    /// `Result` (only `Ok` is cached).
    ///
    /// Spanned at the cached type, where a bound the runtime's methods put on it (`'static`)
    /// is reported.
    pub fn call(&self) -> TokenStream {
        let span = self.f.returns.value_type().span();
        let call = match (&self.f.returns, self.f.is_async()) {
            (Returns::Plain(_), false) => quote_spanned!(span=> call),
            (Returns::Result { .. }, false) => quote_spanned!(span=> call_fallible),
            (Returns::Plain(_), true) => quote_spanned!(span=> call_async),
            (Returns::Result { .. }, true) => quote_spanned!(span=> call_fallible_async),
        };
        if !self.f.is_async() {
            return quote_spanned!(span=> __cache.#call(__key, __compute));
        }
        // A hit is answered before the runtime's future is built: moving the key into that
        // future's state cost a store-forwarding stall on every hit.
        let hit = match &self.f.returns {
            Returns::Plain(_) => quote!(__v),
            Returns::Result { .. } => quote!(::core::result::Result::Ok(__v)),
        };
        quote_spanned! {span=>
            if let ::core::option::Option::Some(__v) = __cache.try_hit(&__key) {
                return #hit;
            }
            __cache.#call(__key, __compute).await
        }
    }
}

/// The function key's token part: `tokens` mixed with the `__site` and `__generics` strings that
/// the generated accessor binds, so functions at different paths and different instantiations
/// never share persisted entries.
pub fn instance_tokens(krate: &TokenStream, tokens: u128) -> TokenStream {
    quote!(#krate::__private::instance_tokens(#tokens, __site, __generics))
}

/// An expression naming the item the generated code sits in, with the concrete generic arguments
/// of the surrounding `impl` or trait: the type name of a closure (which, unlike a nested `fn`,
/// is generic over everything its parent is).
pub fn site_name() -> TokenStream {
    quote!(::core::any::type_name_of_val(&|| ()))
}

/// Turns an expansion result into tokens, errors included.
pub fn finish(result: syn::Result<TokenStream>) -> proc_macro2::TokenStream {
    result.unwrap_or_else(syn::Error::into_compile_error)
}

/// What a primitive plugs into [`expand`].
pub struct Spec {
    /// Path of the runtime crate, e.g. `::memo`.
    pub krate: TokenStream,
    /// Type of the per-function cache static.
    pub cache_ty: TokenStream,
    /// Expression creating it (runs once, on first use).
    pub cache_init: TokenStream,
    /// Expression producing the return value from `__cache`, `__key` and `__compute`.
    pub call: TokenStream,
    /// The generated function's return type (differs from the original for `singleton`).
    pub outer_ret: Type,
    /// Return type of the `__compute` closure (the original return type).
    pub compute_ret: Type,
    /// Type returned by the `stats` companion.
    pub stats_ty: TokenStream,
    /// The key block (see [`key_block`]).
    pub key: TokenStream,
    /// Attribute name, for generated docs.
    pub attr_name: &'static str,
}

/// Emits the cached function and its companions.
pub fn expand(f: &CachedFn, spec: Spec) -> TokenStream {
    let Spec {
        krate,
        cache_ty,
        cache_init,
        call,
        outer_ret,
        compute_ret,
        stats_ty,
        key,
        attr_name,
    } = spec;
    let attrs = &f.attrs;
    let vis = &f.vis;
    let name = f.name();
    let sig = &f.sig;
    let (fn_token, ident, generics) = (&sig.fn_token, &sig.ident, &sig.generics);
    let where_clause = &generics.where_clause;
    let unsafety = &sig.safety;
    let asyncness = &sig.asyncness;
    let abi = &sig.abi;
    let inputs = f.outer_inputs();
    let body = f.inner_body();
    // Where the cache lives (see `cache_store::Instances` for why generic contexts need more
    // than a `static`):
    // - a free function without generics: a `static` of the cache itself (the fastest hit);
    // - a method (its `impl` or trait may be generic, which a macro cannot see) without generics
    //   of its own: an `Instances` keyed by the accessor's site, resolved in the accessor;
    // - a function with generics of its own: the accessor returns the `Instances` and its site,
    //   and the function (or `clear_entry`) adds its generic arguments.
    let generics_key = f.generics_key();
    let site = site_name();
    let (accessor, accessor_item) = match (&generics_key, f.in_impl) {
        (None, false) => (
            quote!(#name::__cache()),
            quote! {
                #[doc(hidden)]
                pub fn __cache() -> &'static #cache_ty {
                    static __CELL: ::std::sync::OnceLock<#cache_ty> = ::std::sync::OnceLock::new();
                    #krate::__private::static_cache(&__CELL, || {
                        let (__site, __generics) = (#site, "");
                        #cache_init
                    })
                }
            },
        ),
        (None, true) => {
            let acc = format_ident!("__{}_cache_{}", attr_name, name);
            (
                quote!(Self::#acc()),
                quote! {
                    #[doc(hidden)]
                    #[allow(non_snake_case)]
                    fn #acc() -> &'static #cache_ty {
                        static __CELLS: #krate::__private::Instances =
                            #krate::__private::Instances::new();
                        let (__site, __generics) = (#site, "");
                        #krate::__private::instance_cache(&__CELLS, __site, __generics, || #cache_init)
                    }
                },
            )
        }
        (Some(_), in_impl) => {
            let acc = if in_impl {
                format_ident!("__{}_cells_{}", attr_name, name)
            } else {
                format_ident!("__cells")
            };
            let vis = if in_impl { quote!() } else { quote!(pub) };
            (
                if in_impl {
                    quote!(Self::#acc())
                } else {
                    quote!(#name::#acc())
                },
                quote! {
                    #[doc(hidden)]
                    #[allow(non_snake_case)]
                    #vis fn #acc() -> (&'static #krate::__private::Instances, &'static str) {
                        static __CELLS: #krate::__private::Instances =
                            #krate::__private::Instances::new();
                        (&__CELLS, #site)
                    }
                },
            )
        }
    };
    // The cache of this call: the accessor's, or the instantiation's for a generic function.
    // Spanned at the return type, like the cache type, so that a bound the lookup puts on the
    // cached type (`'static`) is reported there.
    let span = f.returns.value_type().span();
    let instance_cache = quote_spanned!(span=> #krate::__private::instance_cache::<#cache_ty>);
    let clear_entry_call = quote_spanned!(span=> __cache.clear_entry(__key));
    let this_cache = match &generics_key {
        None => accessor.clone(),
        Some(g) => quote! {{
            let (__cells, __site) = #accessor;
            let __generics: &'static str = #g;
            #instance_cache(__cells, __site, __generics, || #cache_init)
        }},
    };
    // `clear` and `stats` cannot name a generic function's arguments: they cover every
    // instantiation created so far (at this site, i.e. of this `impl`'s arguments).
    let (clear_body, stats_body) = match &generics_key {
        None => (quote!(#accessor.clear()), quote!(#accessor.stats())),
        Some(_) => (
            quote! { let (__cells, __site) = #accessor; __cells.clear(__site) },
            quote! { let (__cells, __site) = #accessor; __cells.stats(__site) },
        ),
    };
    // An `async fn`'s body becomes a future, awaited by the runtime's `*_async` call; `returning`
    // gives `?` in it the declared return type to convert to.
    let compute = if f.is_async() {
        quote! {
            let __compute = move || #krate::__private::returning::<#compute_ret, _>(async move #body);
        }
    } else {
        quote!(let __compute = move || -> #compute_ret #body;)
    };
    let function = quote! {
        #(#attrs)*
        #vis #asyncness #unsafety #abi #fn_token #ident #generics (#inputs) -> #outer_ret #where_clause {
            let __cache = #this_cache;
            let __key = #key;
            #compute
            #call
        }
    };
    let clear_doc =
        format!("Empties the cache of [`{name}`] (memory and, if persisted, its disk files).");
    let entry_doc = format!(
        "Removes the one cached entry of [`{name}`] that these arguments would hit (the same key \
         rule as a call: `_`-prefixed arguments are ignored). Returns whether an entry was removed."
    );
    let stats_doc = format!("Hit, miss, entry and byte counters of [`{name}`].");
    if f.in_impl {
        let clear = format_ident!("{}_clear", name);
        let clear_entry = format_ident!("{}_clear_entry", name);
        let stats = format_ident!("{}_stats", name);
        quote! {
            #function
            #accessor_item
            #[doc = #clear_doc]
            #vis fn #clear() { #clear_body }
            #[doc = #entry_doc]
            #[allow(unused_variables, unused_mut)]
            #vis fn #clear_entry #generics (#inputs) -> bool #where_clause {
                let __cache = #this_cache;
                let __key = #key;
                #clear_entry_call
            }
            #[doc = #stats_doc]
            #vis fn #stats() -> #stats_ty { #stats_body }
        }
    } else {
        let mod_doc = format!(
            "Companions of the `#[{attr_name}]` function [`{name}`](fn@{name}): `clear`, \
             `clear_entry` and `stats`."
        );
        // A braced struct lives only in the type namespace, so it can share the function's name
        // (`f::clear()` next to `f(..)`), and unlike a `mod` it sees the items of the scope it is
        // declared in: a cached function inside a function body may use types declared there.
        quote! {
            #function
            #[doc = #mod_doc]
            #[allow(non_camel_case_types, dead_code)]
            #vis struct #name {}
            #[allow(dead_code)]
            impl #name {
                #accessor_item
                #[doc = #clear_doc]
                pub fn clear() { #clear_body }
                #[doc = #entry_doc]
                #[allow(unused_variables, unused_mut)]
                pub fn clear_entry #generics (#inputs) -> bool #where_clause {
                    let __cache = #this_cache;
                    let __key = #key;
                    #clear_entry_call
                }
                #[doc = #stats_doc]
                pub fn stats() -> #stats_ty { #stats_body }
            }
        }
    }
}
