//! The `#[singleton]` attribute. Thin by design: it reads options and the function, then emits
//! calls into `singleton`'s runtime (see `cache_codegen` for the generated shape).

extern crate proc_macro;

use cache_codegen::func::{Returns, replace_ok_type};
use cache_codegen::grammar::{Attr, accepted};
use cache_codegen::options::option_tokens;
use cache_codegen::{Common, Spec, expand};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

const HINTS: &[(&str, &str)] = &[
    (
        "persist",
        "singletons are not persisted (a pool or client cannot be written to disk); for data that \
         should survive a restart use #[memo(persist = \"disk\")]",
    ),
    (
        "allow_output_mutation",
        "a singleton is always the one shared object, so mutation needs no permission; delete the \
         option (mutate through interior mutability such as `Mutex` or atomics)",
    ),
    (
        "suppress_st_warning",
        "`suppress_st_warning` was removed from singleton (Streamlit 1.18); delete it",
    ),
    (
        "storage",
        "`storage` is a #[memo] option; a singleton stores the object itself",
    ),
    (
        "sampling",
        "`sampling` is a legacy-cache harness option; singletons have no mutation check",
    ),
];

/// Caches one shared, thread-safe object per key. See the `singleton` crate.
#[proc_macro_attribute]
pub fn singleton(
    attr: proc_macro::TokenStream,
    item: proc_macro::TokenStream,
) -> proc_macro::TokenStream {
    cache_codegen::finish(expand_singleton(attr.into(), item.into())).into()
}

fn expand_singleton(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let mut c = Common::parse("singleton", attr, item)?;
    let validate = c.opts.path("validate")?;
    let on_release = c.opts.path("on_release")?;
    c.opts.finish(&accepted(Attr::Singleton), HINTS)?;

    let krate = quote!(::singleton);
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
    let arc_ty: syn::Type = syn::parse_quote_spanned!(span=> ::std::sync::Arc<#value_ty>);
    let outer_ret = match &f.returns {
        Returns::Plain(_) => arc_ty,
        Returns::Result { full, .. } => replace_ok_type(full, arc_ty),
    };
    let cache_ty = quote_spanned!(span=> #krate::__private::SingletonFn<#value_ty>);
    let validate =
        option_tokens(validate.map(|p| quote_spanned!(p.span()=> #p as fn(&#value_ty) -> bool)));
    let on_release =
        option_tokens(on_release.map(|p| quote_spanned!(p.span()=> #p as fn(&#value_ty))));
    // `new` carries the only `Shareable` bound (the cache static itself is `Sync` for any `T`).
    let new_fn = quote_spanned!(span=> ::singleton::__private::SingletonFn::<#value_ty>::new);
    let options = quote! {
        #krate::__private::SingletonOptions {
            ttl: #ttl,
            max_entries: #max_entries,
            spinner: #spinner,
            validate: #validate,
            on_release: #on_release,
        }
    };
    let cache_init = c.cache_init(&krate, &new_fn, &options, span);
    let call = c.call();
    Ok(expand(
        f,
        Spec {
            krate: krate.clone(),
            cache_ty,
            cache_init,
            call,
            outer_ret,
            compute_ret: f.returns.full_type().clone(),
            stats_ty: quote!(#krate::Stats),
            key,
            attr_name: "singleton",
        },
    ))
}
