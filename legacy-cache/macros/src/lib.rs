//! The legacy `#[cache]` attribute. Thin by design: it reads options and the function, then
//! emits calls into `legacy_cache`'s runtime (`LegacyFn::call`), where all behaviour lives.
//!
//! For `fn f(a: A) -> T` it generates, in the same scope as `f`:
//!
//! ```text
//! fn f(a: A) -> Shared<T> { infallible(__legacy_cache_f(Plain, a)) }
//! fn try_f(a: A) -> Result<Shared<T>, HashError> { strict_infallible(__legacy_cache_f(Strict, a)) }
//! fn __legacy_cache_f<M: Mode>(__mode: M, a: A) -> M::Out<Result<Shared<T>, Infallible>> {
//!     static CELL: OnceLock<LegacyFn<T>>;         // the per-function cache
//!     let __cache = static_cache(&CELL, || LegacyFn::new(...));
//!     let __key = { /* md5 of every argument, hash_funcs applied */ };
//!     let __compute = move || -> T { /* original body */ };
//!     __cache.call(__mode, __key, __compute)
//! }
//! ```
//!
//! The body stays in the user's scope (one copy, inside the generic core), so cached functions
//! defined inside a function body can use that body's items. In an `impl` block the three are
//! associated functions (`m`, `try_m`, `__legacy_cache_m`).

extern crate proc_macro;

use cache_codegen::func::{CachedFn, Returns, replace_ok_type};
use cache_codegen::grammar::{Attr, accepted};
use cache_codegen::options::{HashFunc, OptValue, Options, option_str, option_tokens};
use cache_codegen::{spinner_text, strip_refs, token_hash, type_matches};
use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Attribute, Expr, ExprLit, Lit, Safety, Type};

const HINTS: &[(&str, &str)] = &[
    (
        "skip_self",
        "`skip_self` is a #[memo] option; the legacy cache hashes every argument, the receiver \
         included (use `hash_funcs(Self = path)` to control how `self` is hashed)",
    ),
    (
        "storage",
        "`storage` is a #[memo] option; the legacy cache stores the object itself",
    ),
    (
        "validate",
        "`validate` is a #[singleton] option, not a legacy `@st.cache` parameter",
    ),
    (
        "on_release",
        "`on_release` is a #[singleton] option, not a legacy `@st.cache` parameter",
    ),
    (
        "experimental_allow_widgets",
        "`experimental_allow_widgets` belongs to `st.cache_data`/`st.cache_resource`, not to \
         the legacy `@st.cache`",
    ),
];

/// Caches a function's results the way Streamlit's legacy `@st.cache` did. See the
/// `legacy_cache` crate for options and semantics.
#[proc_macro_attribute]
pub fn cache(
    attr: proc_macro::TokenStream,
    item: proc_macro::TokenStream,
) -> proc_macro::TokenStream {
    let (attr, item) = (TokenStream::from(attr), TokenStream::from(item));
    expand_cache(attr, item)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// `name`, `name = true|false`; absent gives `default`.
fn bool_option(opts: &mut Options, name: &str, default: bool) -> syn::Result<bool> {
    let Some(o) = opts.raw(name) else {
        return Ok(default);
    };
    match &o.value {
        OptValue::Flag => Ok(true),
        OptValue::Expr(Expr::Lit(ExprLit {
            lit: Lit::Bool(b), ..
        })) => Ok(b.value),
        _ => Err(syn::Error::new(
            o.span(),
            format!("`{name}` takes `true` or `false`"),
        )),
    }
}

fn is_self(t: &Type) -> bool {
    strip_refs(t).to_token_stream().to_string() == "Self"
}

/// Code hashing `value` (an expression of type `&X`) into `__h` with the compile-time dispatch,
/// through `hf` when given. Evaluates to `Result<(), HashError>`.
fn hash_expr(
    p: &TokenStream,
    value: TokenStream,
    hf: Option<&HashFunc>,
    span: Span,
) -> TokenStream {
    match hf {
        None => quote_spanned! {span=>
            (&&&#p::Arg(#value)).__legacy_kind().hash(#value, __h)
        },
        Some(hf) => {
            let func = &hf.func;
            let func_name = func.to_token_stream().to_string().replace(' ', "");
            let ty_name = hf.ty.to_token_stream().to_string().replace(' ', "");
            quote_spanned! {span=>
                {
                    let __r = #p::user_hash(#func_name, #ty_name, || #func(#value))?;
                    let __u = (&&#p::HfOut(&__r))
                        .__hf_kind()
                        .unpack(&__r)
                        .map_err(|__m| #p::user_error(#func_name, #ty_name, __m))?;
                    (&&&#p::Arg(__u)).__legacy_kind().hash(__u, __h)
                }
            }
        }
    }
}

const IMPORTS: fn(&TokenStream) -> TokenStream = |p| {
    quote! {
        #[allow(unused_imports)]
        use #p::{ViaLegacy as _, ViaSerde as _, ViaNothing as _, ViaResult as _, ViaValue as _};
    }
};

/// Attributes the hidden core keeps: conditional compilation and lint levels (the body lives
/// there).
fn core_attr(a: &Attribute) -> bool {
    let path = a.path();
    [
        "cfg", "cfg_attr", "allow", "warn", "deny", "forbid", "expect",
    ]
    .iter()
    .any(|n| path.is_ident(n))
}

fn expand_cache(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    // The function key covers the item only, not the attribute (see the crate docs).
    let tokens = token_hash(&TokenStream::new(), &item);
    let mut opts = Options::parse("cache", attr)?;
    let in_impl = bool_option(&mut opts, "in_impl", false)?;
    let f = CachedFn::parse(item, "cache", in_impl, false)?;
    if let Some(a) = &f.sig.asyncness {
        // The legacy cache has no single flight to share an awaited computation with.
        return Err(syn::Error::new(
            a.span(),
            "#[cache] does not support `async fn`; use #[memo::memo] (data, a copy per caller) or \
             #[singleton::singleton] (one shared object), which cache async functions",
        ));
    }
    let persist = bool_option(&mut opts, "persist", false)?;
    let allow_mutation = bool_option(&mut opts, "allow_output_mutation", false)?;
    let spinner = opts.show_spinner(spinner_text(&f))?;
    // Accepted for compatibility; it silenced a warning that has no counterpart here.
    let _suppress_st_warning = bool_option(&mut opts, "suppress_st_warning", false)?;
    let hash_funcs = opts.hash_funcs()?;
    let max_entries = opts.max_entries()?;
    let ttl = opts.ttl()?;
    let sampling = bool_option(&mut opts, "sampling", true)?;
    opts.finish(&accepted(Attr::Legacy), HINTS)?;

    let krate = quote!(::legacy_cache);
    let p = quote!(#krate::__private);
    let imports = IMPORTS(&p);
    let name = f.name();
    let name_str = name.to_string();
    let core_ident = format_ident!("__legacy_cache_{}", name);
    let try_ident = format_ident!("try_{}", name);
    let value_ty = f.returns.value_type().clone();
    let vspan = value_ty.span();

    // The value key: every argument, the receiver first, no underscore rule. `__args` gets
    // call-site hygiene: a parameter's span may belong to a `macro_rules!` context.
    let args = proc_macro2::Ident::new("__args", proc_macro2::Span::call_site());
    let mut steps = Vec::new();
    if let Some(r) = &f.receiver {
        let span = r.self_token.span;
        let hf = hash_funcs.iter().find(|hf| is_self(&hf.ty));
        let h = hash_expr(&p, quote_spanned!(span=> &self), hf, span);
        steps.push(quote_spanned! {span=> #args.arg("Self", |__h| #h); });
    }
    for param in &f.params {
        let ident = &param.ident;
        let ty = &param.ty;
        let ty_name = ty.to_token_stream().to_string();
        let hf = hash_funcs.iter().find(|hf| type_matches(ty, &hf.ty));
        let h = hash_expr(&p, quote_spanned!(param.span=> &#ident), hf, param.span);
        steps.push(quote_spanned! {param.span=> #args.arg(#ty_name, |__h| #h); });
    }
    let key = quote! {{
        #imports
        let mut __args = #p::ArgsHasher::new(__cache.sampling());
        #(#steps)*
        __args.finish()
    }};

    // The output hasher, unless mutation is allowed (then nothing is hashed).
    let hash_output = if allow_mutation {
        quote!(::core::option::Option::None)
    } else {
        let hf = hash_funcs.iter().find(|hf| type_matches(&value_ty, &hf.ty));
        let h = hash_expr(&p, quote!(__v), hf, vspan);
        quote_spanned! {vspan=>
            ::core::option::Option::Some(
                (|__v: &#value_ty, __h: &mut #p::LegacyHasher| -> #p::Result<(), #p::HashError> {
                    #imports
                    #h
                }) as fn(&#value_ty, &mut #p::LegacyHasher) -> #p::Result<(), #p::HashError>
            )
        }
    };
    let persist =
        option_tokens(persist.then(|| quote_spanned!(vspan=> #p::Codec::<#value_ty>::bincode())));
    let ttl = option_tokens(ttl);
    let max_entries = option_tokens(max_entries);
    let spinner = option_str(spinner.as_deref());
    let self_type = if f.in_impl {
        quote!(::core::option::Option::Some(
            ::core::any::type_name::<Self>()
        ))
    } else {
        quote!(::core::option::Option::None)
    };
    let init = quote! {
        #p::LegacyFn::new(
            ::core::module_path!(),
            #name_str,
            #self_type,
            #p::instance_tokens(#tokens, __site, __generics),
            #p::LegacyOptions {
                ttl: #ttl,
                max_entries: #max_entries,
                spinner: #spinner,
                hash_output: #hash_output,
                sampling: #sampling,
                persist: #persist,
            },
        )
    };

    // Signatures.
    let sig = &f.sig;
    let fn_token = &sig.fn_token;
    let abi = &sig.abi;
    let unsafety = match &sig.safety {
        Safety::Unsafe(u) => Some(u),
        _ => None,
    };
    let lifetimes: Vec<_> = sig.generics.params.iter().collect();
    let where_clause = &sig.generics.where_clause;
    let outer_generics = if lifetimes.is_empty() {
        quote!()
    } else {
        quote!(<#(#lifetimes),*>)
    };
    let core_generics = quote!(<#(#lifetimes,)* __M: #p::Mode>);
    let core_receiver = f.receiver.as_ref().map(|r| quote!(#r,));
    let outer_receiver = f.receiver.as_ref().map(|r| {
        let mut r = r.clone();
        r.mutability = None;
        quote!(#r,)
    });
    let self_arg = f.receiver.as_ref().map(|_| quote!(self,));
    let core_params: Vec<_> = f
        .params
        .iter()
        .map(|p| {
            let (pat, ty) = (&p.outer_pat, &p.ty);
            quote!(#pat: #ty)
        })
        .collect();
    let outer_params: Vec<_> = f
        .params
        .iter()
        .map(|p| {
            let (ident, ty) = (&p.ident, &p.ty);
            quote!(#ident: #ty)
        })
        .collect();
    let call_args: Vec<_> = f.params.iter().map(|p| &p.ident).collect();
    let core_path = if f.in_impl {
        quote!(Self::#core_ident)
    } else {
        quote!(#core_ident)
    };

    let shared_ty: Type = syn::parse_quote_spanned!(vspan=> #krate::Shared<#value_ty>);
    let (outer_ret, inner_ret, compute_ret, call, unwrap, unwrap_strict) = match &f.returns {
        Returns::Plain(t) => (
            quote!(#shared_ty),
            quote!(#p::Result<#shared_ty, ::core::convert::Infallible>),
            quote!(#t),
            quote!(call),
            quote!(#p::infallible),
            quote!(#p::strict_infallible),
        ),
        Returns::Result { full, .. } => {
            let outer = replace_ok_type(full, shared_ty.clone());
            (
                quote!(#outer),
                quote!(#outer),
                quote!(#full),
                quote!(call_fallible),
                quote!(),
                quote!(),
            )
        }
    };
    let body = f.inner_body();
    let vis = &f.vis;
    let user_attrs: Vec<_> = f
        .attrs
        .iter()
        .filter(|a| !a.path().is_ident("expect"))
        .collect();
    let core_attrs: Vec<_> = f.attrs.iter().filter(|a| core_attr(a)).collect();
    let cfg_attrs: Vec<_> = f
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("cfg"))
        .collect();
    let call_core = |mode: TokenStream, wrap: &TokenStream| {
        let inner = quote!(#wrap(#core_path(#self_arg #p::#mode, #(#call_args),*)));
        match unsafety {
            Some(u) => quote!(#u { #inner }),
            None => inner,
        }
    };
    let plain_call = call_core(quote!(Plain), &unwrap);
    let strict_call = call_core(quote!(Strict), &unwrap_strict);
    let target = if f.in_impl {
        format!("Self::{name}")
    } else {
        format!("fn@{name}")
    };
    let try_doc = format!(
        "Calls [`{name_str}`]({target}) like a plain call, but returns hashing errors instead \
         of logging them and answering without the cache: `Err(HashError)` when an argument or \
         the return value cannot be hashed (an `UnhashableTypeError`, a failing `hash_funcs` \
         function, or an internal error). Generated by `#[legacy_cache::cache]`."
    );

    // Where the cache lives: one per instantiation (see `cache_store::Instances`). The core is
    // generic over the call mode, so the identity is never taken from inside it with a closure
    // (that would name the mode): a free function's path comes from a `fn` item nested in the
    // core (such items are not generic), a method's from a closure in a hidden associated
    // function, which names the concrete `Self` and trait arguments the core cannot see.
    let site_ident = format_ident!("__legacy_cache_site_{}", name);
    let site = cache_codegen::site_name();
    let (cells, site_item) = if f.in_impl {
        (
            quote!(Self::#site_ident()),
            quote! {
                #(#cfg_attrs)*
                #[doc(hidden)]
                #[allow(non_snake_case)]
                fn #site_ident() -> (&'static #p::Instances, &'static str) {
                    static __CELLS: #p::Instances = #p::Instances::new();
                    (&__CELLS, #site)
                }
            },
        )
    } else {
        (
            quote! {{
                static __CELLS: #p::Instances = #p::Instances::new();
                fn __legacy_cache_site() {}
                (&__CELLS, ::core::any::type_name_of_val(&__legacy_cache_site))
            }},
            quote!(),
        )
    };
    let get_cache = match (f.generics_key(), f.in_impl) {
        (None, false) => quote! {
            static __LEGACY_CACHE: ::std::sync::OnceLock<#p::LegacyFn<#value_ty>> =
                ::std::sync::OnceLock::new();
            let __cache = #p::static_cache(&__LEGACY_CACHE, || {
                fn __legacy_cache_site() {}
                let __site = ::core::any::type_name_of_val(&__legacy_cache_site);
                let __generics = "";
                #init
            });
        },
        (generics, _) => {
            let generics = generics.unwrap_or_else(|| quote!(""));
            quote! {
                let (__cells, __site) = #cells;
                let __generics: &'static str = #generics;
                let __cache = #p::instance_cache::<#value_ty>(
                    __cells, __site, __generics, || #init,
                );
            }
        }
    };

    Ok(quote! {
        #(#user_attrs)*
        #vis #unsafety #abi #fn_token #name #outer_generics (#outer_receiver #(#outer_params),*)
            -> #outer_ret #where_clause
        {
            #plain_call
        }

        #(#cfg_attrs)*
        #[doc = #try_doc]
        #[allow(dead_code, clippy::too_many_arguments)]
        #vis #unsafety fn #try_ident #outer_generics (#outer_receiver #(#outer_params),*)
            -> #p::Result<#outer_ret, #krate::HashError> #where_clause
        {
            #strict_call
        }

        #(#core_attrs)*
        #[doc(hidden)]
        #[allow(dead_code, non_snake_case, clippy::too_many_arguments, clippy::needless_lifetimes)]
        #unsafety fn #core_ident #core_generics (#core_receiver __mode: __M, #(#core_params),*)
            -> <__M as #p::Mode>::Out<#inner_ret> #where_clause
        {
            #get_cache
            let __key: #p::Result<#p::Digest, #p::HashError> = #key;
            let __compute = move || -> #compute_ret #body;
            __cache.#call(__mode, __key, __compute)
        }

        #site_item
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(attr: TokenStream, item: TokenStream) -> String {
        match expand_cache(attr, item) {
            Ok(_) => panic!("expected a compile error"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn unknown_options_list_the_accepted_ones() {
        let e = error_of(
            quote!(frobnicate = 3),
            quote!(
                fn f() -> u8 {
                    1
                }
            ),
        );
        assert!(e.contains("unknown option `frobnicate`"), "{e}");
        assert!(e.contains("allow_output_mutation"), "{e}");
    }

    #[test]
    fn successor_options_get_hints() {
        let e = error_of(
            quote!(skip_self),
            quote!(
                fn f(&self) -> u8 {
                    1
                }
            ),
        );
        assert!(e.contains("#[memo] option"), "{e}");
    }

    #[test]
    fn flags_take_bool_literals() {
        let e = error_of(
            quote!(allow_output_mutation = MUTABLE),
            quote!(
                fn f() -> u8 {
                    1
                }
            ),
        );
        assert!(e.contains("takes `true` or `false`"), "{e}");
        let e = error_of(
            quote!(sampling = "no"),
            quote!(
                fn f() -> u8 {
                    1
                }
            ),
        );
        assert!(e.contains("`sampling` takes"), "{e}");
    }

    #[test]
    fn duplicated_and_bad_values_are_rejected() {
        let e = error_of(
            quote!(ttl = 1, ttl = 2),
            quote!(
                fn f() -> u8 {
                    1
                }
            ),
        );
        assert!(e.contains("given twice"), "{e}");
        let e = error_of(
            quote!(max_entries = 0),
            quote!(
                fn f() -> u8 {
                    1
                }
            ),
        );
        assert!(e.contains("max_entries = 0"), "{e}");
        let e = error_of(
            quote!(),
            quote!(
                struct NotAFunction;
            ),
        );
        assert!(e.contains("goes on a function"), "{e}");
    }

    #[test]
    fn the_function_key_ignores_the_attribute() {
        let item = quote!(
            fn f(x: u8) -> u8 {
                x
            }
        );
        let a = expand_cache(quote!(ttl = 1), item.clone())
            .unwrap()
            .to_string();
        let b = expand_cache(quote!(ttl = 2), item).unwrap().to_string();
        let key = |s: &str| {
            let at = s.find("module_path").unwrap();
            s[at..at + 120].to_string()
        };
        assert_eq!(key(&a), key(&b));
    }

    #[test]
    fn generic_type_parameters_are_rejected_with_the_alternatives() {
        let e = error_of(
            quote!(),
            quote!(
                fn f<T: Clone>(x: T) -> T {
                    x
                }
            ),
        );
        assert!(e.contains("does not support generic type or const"), "{e}");
        assert!(
            e.contains("#[memo] / #[singleton], which support them"),
            "{e}"
        );
        // `impl Trait` parameters and lifetimes are supported (one cache per argument type).
        assert!(
            expand_cache(
                quote!(),
                quote!(
                    fn g<'a>(x: &'a str, y: impl std::fmt::Debug) -> u8 {
                        1
                    }
                )
            )
            .is_ok()
        );
    }

    #[test]
    fn allow_output_mutation_generates_no_output_hasher() {
        let out = expand_cache(
            quote!(allow_output_mutation = true),
            quote!(
                fn f() -> u8 {
                    1
                }
            ),
        )
        .unwrap()
        .to_string();
        assert!(
            out.contains("hash_output : :: core :: option :: Option :: None"),
            "{out}"
        );
        assert!(out.contains("fn try_f"), "{out}");
    }
}
