//! The `#[memo]` attribute. Thin by design: it reads options and the function, then emits calls
//! into `memo`'s runtime (see `cache_codegen` for the generated shape).

extern crate proc_macro;

use cache_codegen::grammar::{Attr, accepted};
use cache_codegen::options::{OptValue, Options, option_tokens};
use cache_codegen::{Common, Spec, expand};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, Lit};

const HINTS: &[(&str, &str)] = &[
    (
        "allow_output_mutation",
        "#[memo] always returns a fresh copy, so there is no output mutation to allow; for one \
         shared, mutable object use #[singleton::singleton] instead",
    ),
    (
        "suppress_st_warning",
        "`suppress_st_warning` was removed from memo (Streamlit 1.18); delete it",
    ),
    (
        "validate",
        "`validate` is a #[singleton] option; memo values are copies and need no validation",
    ),
    (
        "on_release",
        "`on_release` is a #[singleton] option; memo values are copies owned by their callers",
    ),
    (
        "sampling",
        "`sampling` is a legacy-cache harness option; memo does not hash its output",
    ),
];

/// Caches a function's results by value. See the `memo` crate for options and semantics.
#[proc_macro_attribute]
pub fn memo(
    attr: proc_macro::TokenStream,
    item: proc_macro::TokenStream,
) -> proc_macro::TokenStream {
    cache_codegen::finish(expand_memo(attr.into(), item.into())).into()
}

fn expand_memo(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    // `memory = false` is checked against options `Common` consumes (`max_entries`), so the
    // names given are looked up on a second parse of the (small) argument list.
    let mut given = Options::parse("memo", attr.clone())?;
    let max_entries_given = given.take("max_entries").is_some();
    let mut c = Common::parse("memo", attr, item)?;
    let mut redis = None;
    let persist = match c.opts.raw("persist") {
        None => false,
        Some(o) => match &o.value {
            OptValue::Flag => true,
            OptValue::Expr(Expr::Lit(ExprLit { lit, .. })) => match lit {
                Lit::Bool(b) => b.value,
                Lit::Str(s) if s.value() == "disk" => true,
                Lit::Str(s) if s.value() == "redis" => {
                    redis = Some(s.span());
                    true
                }
                other => {
                    return Err(syn::Error::new(
                        other.span(),
                        format!(
                            "unsupported persist option `{}`; valid values are \"disk\", \"redis\", true or false",
                            quote!(#other)
                        ),
                    ));
                }
            },
            _ => {
                return Err(syn::Error::new(
                    o.span(),
                    "unsupported persist option; valid values are \"disk\", \"redis\", true or false",
                ));
            }
        },
    };
    let storage = c.opts.string("storage")?;
    let storage_given = storage.is_some();
    let storage = match storage {
        None => quote!(Serialized),
        Some((s, span)) => match s.as_str() {
            "serialized" => quote!(Serialized),
            "clone" => quote!(CopyOnWrite),
            _ => {
                return Err(syn::Error::new(
                    span,
                    "`storage` is \"serialized\" (default: bincode bytes, a decode per hit) or \
                     \"clone\" (copy-on-write clones, for `memo::storage::CloneIsolated` types)",
                ));
            }
        },
    };
    let memory_opt = c.opts.raw("memory");
    let memory = match &memory_opt {
        None => true,
        Some(o) => match &o.value {
            OptValue::Flag => true,
            OptValue::Expr(Expr::Lit(ExprLit {
                lit: Lit::Bool(b), ..
            })) => b.value,
            _ => {
                return Err(syn::Error::new(
                    o.span(),
                    "`memory` takes `true` (the default: an in-memory layer in front of \
                     `persist`) or `false` (every call reads the persisted store)",
                ));
            }
        },
    };
    if let (false, Some(o)) = (memory, &memory_opt) {
        if !persist {
            return Err(syn::Error::new(
                o.span(),
                "`memory = false` makes every call read the persisted store, so it needs \
                 `persist = \"redis\"` (or `persist = \"disk\"`); without persistence nothing \
                 would be cached",
            ));
        }
        if max_entries_given {
            return Err(syn::Error::new(
                o.span(),
                "`max_entries` bounds the in-memory layer, which `memory = false` turns off; \
                 remove one of the two (Redis bounds itself with its `maxmemory` policy)",
            ));
        }
        if storage_given {
            return Err(syn::Error::new(
                o.span(),
                "`storage` chooses how the in-memory layer keeps values, which `memory = false` \
                 turns off (every hit decodes the persisted bytes); remove `storage`",
            ));
        }
    }
    c.opts.finish(&accepted(Attr::Memo), HINTS)?;

    let krate = quote!(::memo);
    let Common {
        f,
        ttl,
        max_entries,
        spinner,
        ..
    } = &c;
    let key = c.key(&krate)?;
    let value_ty = f.returns.value_type().clone();
    let span = value_ty.span();
    // Every token of the cache type carries the return type's span, so a return type that
    // cannot be stored (not `Serialize`, not `CloneIsolated`) is reported at the user's `-> T`
    // rather than at the attribute.
    let storage = syn::Ident::new(&storage.to_string(), span);
    let stored_ty = if storage == "CopyOnWrite" {
        quote_spanned!(span=> ::std::sync::Arc<#value_ty>)
    } else {
        quote_spanned!(span=> ::std::sync::Arc<[u8]>)
    };
    let cache_ty = quote_spanned!(span=> ::memo::__private::MemoFn<#value_ty, #stored_ty>);
    let new_fn =
        quote_spanned!(span=> ::memo::__private::MemoFn::new::<::memo::__private::#storage>);
    let persist = option_tokens(
        persist.then(|| quote_spanned!(span=> #krate::__private::Codec::<#value_ty>::bincode())),
    );
    // Spanned at the option, so a build without memo's `redis` feature is told there.
    let redis = match redis {
        Some(at) => quote_spanned!(at=> #krate::__private::redis_enabled::<()>()),
        None => quote!(false),
    };
    let options = quote! {
        #krate::__private::MemoOptions {
            ttl: #ttl,
            max_entries: #max_entries,
            spinner: #spinner,
            persist: #persist,
            redis: #redis,
            memory: #memory,
        }
    };
    let cache_init = c.cache_init(&krate, &new_fn, &options, span);
    let call = c.call();
    let full = f.returns.full_type().clone();
    Ok(expand(
        f,
        Spec {
            krate: krate.clone(),
            cache_ty,
            cache_init,
            call,
            outer_ret: full.clone(),
            compute_ret: full,
            stats_ty: quote!(#krate::Stats),
            key,
            attr_name: "memo",
        },
    ))
}
