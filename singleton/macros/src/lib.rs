//! The `#[singleton]` attribute. Thin by design: it reads options and the function, then emits
//! calls into `singleton`'s runtime (see `cache_codegen` for the generated shape).

extern crate proc_macro;

use cache_codegen::func::{CachedFn, Returns, replace_ok_type};
use cache_codegen::options::{Options, option_str, option_tokens};
use cache_codegen::{Spec, expand, key_block, spinner_text, token_hash};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

const ACCEPTED: &[&str] = &[
    "ttl",
    "max_entries",
    "show_spinner",
    "hash_funcs",
    "validate",
    "on_release",
    "skip_self",
    "in_impl",
];

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
    let (attr, item) = (TokenStream::from(attr), TokenStream::from(item));
    expand_singleton(attr, item)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

fn expand_singleton(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let tokens = token_hash(&attr, &item);
    let mut opts = Options::parse("singleton", attr)?;
    let in_impl = opts.flag("in_impl")?;
    let f = CachedFn::parse(item, "singleton", in_impl)?;
    let ttl = opts.ttl()?;
    let max_entries = opts.max_entries()?;
    let spinner = opts.show_spinner(spinner_text(&f))?;
    let hash_funcs = opts.hash_funcs()?;
    let skip_self = opts.flag("skip_self")?;
    let validate = opts.path("validate")?;
    let on_release = opts.path("on_release")?;
    opts.finish(ACCEPTED, HINTS)?;
    if skip_self && f.receiver.is_none() {
        return Err(syn::Error::new(
            f.sig.ident.span(),
            "`skip_self` is for methods; this function has no `self`",
        ));
    }

    let krate = quote!(::singleton);
    let key = key_block(&f, &krate, &hash_funcs, skip_self)?;
    let value_ty = f.returns.value_type().clone();
    let span = value_ty.span();
    let arc_ty: syn::Type = syn::parse_quote_spanned!(span=> ::std::sync::Arc<#value_ty>);
    let outer_ret = match &f.returns {
        Returns::Plain(_) => arc_ty,
        Returns::Result { full, .. } => replace_ok_type(full, arc_ty),
    };
    // `<T as Shareable>::Checked` is `T` when `T: Send + Sync + 'static`; otherwise it is the
    // one error (with the message of `Shareable`), and rustc silences the follow-up errors.
    let cache_ty = quote_spanned!(span=>
        #krate::__private::SingletonFn<<#value_ty as #krate::__private::Shareable>::Checked>
    );
    let name = f.name().to_string();
    let ttl = option_tokens(ttl);
    let max_entries = option_tokens(max_entries);
    let spinner = option_str(spinner.as_deref());
    let validate = option_tokens(validate.map(|p| {
        quote_spanned!(p.span()=> #p as fn(&#value_ty) -> bool)
    }));
    let on_release =
        option_tokens(on_release.map(|p| quote_spanned!(p.span()=> #p as fn(&#value_ty))));
    let cache_init = quote! {
        #krate::__private::SingletonFn::new(
            ::core::module_path!(),
            #name,
            #tokens,
            #krate::__private::SingletonOptions {
                ttl: #ttl,
                max_entries: #max_entries,
                spinner: #spinner,
                validate: #validate,
                on_release: #on_release,
            },
        )
    };
    let call = match &f.returns {
        Returns::Plain(_) => quote!(__cache.call(__key, __compute)),
        Returns::Result { .. } => quote!(__cache.call_fallible(__key, __compute)),
    };
    Ok(expand(
        &f,
        Spec {
            krate: krate.clone(),
            cache_ty,
            cache_init,
            call,
            outer_ret,
            compute_ret: f.returns.full_type().clone(),
            stats_ty: Some(quote!(#krate::Stats)),
            key,
            attr_name: "singleton",
        },
    ))
}
