//! `#[derive(CacheKey)]`: a `KeyHash` impl that hashes every field and every variant.
//!
//! Use it through `cache_key::CacheKey`, `memo::CacheKey` or `singleton::CacheKey`; the crate's
//! documentation (`cache_key::CacheKey`) describes the encoding and has examples.

use proc_macro::TokenStream;
use proc_macro_crate::{FoundCrate, crate_name};
use proc_macro2::{Group, Span, TokenStream as TokenStream2, TokenTree};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Path, parse_macro_input, parse_quote};

/// Derives `KeyHash` field by field; see `cache_key::CacheKey`.
#[proc_macro_derive(CacheKey, attributes(cache_key))]
pub fn derive_cache_key(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand(input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

fn expand(mut input: DeriveInput) -> syn::Result<TokenStream2> {
    let root = root_path(&input)?;
    reject_field_options(&input)?;

    let name = &input.ident;
    let name_str = name.unraw().to_string();
    let body = match &input.data {
        Data::Struct(s) => {
            let (pattern, hashes) = hash_fields(&root, &s.fields);
            let header = header(&s.fields, |shape, len| match shape {
                Shape::Unit => quote!(__h.__unit_struct(#name_str);),
                Shape::Newtype => quote!(__h.__newtype_struct(#name_str);),
                Shape::Tuple => quote!(__h.__tuple_struct(#name_str, #len);),
                Shape::Named => quote!(__h.__struct(#name_str, #len);),
            });
            quote! {
                let Self #pattern = self;
                #header
                #hashes
            }
        }
        Data::Enum(e) if e.variants.is_empty() => quote!(match *self {}),
        Data::Enum(e) => {
            let arms = e.variants.iter().enumerate().map(|(i, v)| {
                let index = u32::try_from(i).expect("fewer than 2^32 variants");
                let ident = &v.ident;
                let variant = ident.unraw().to_string();
                let (pattern, hashes) = hash_fields(&root, &v.fields);
                let header = header(&v.fields, |shape, len| match shape {
                    Shape::Unit => quote!(__h.__unit_variant(#name_str, #index, #variant);),
                    Shape::Newtype => quote!(__h.__newtype_variant(#name_str, #index, #variant);),
                    Shape::Tuple => {
                        quote!(__h.__tuple_variant(#name_str, #index, #variant, #len);)
                    }
                    Shape::Named => {
                        quote!(__h.__struct_variant(#name_str, #index, #variant, #len);)
                    }
                });
                quote! {
                    Self::#ident #pattern => {
                        #header
                        #hashes
                    }
                }
            });
            quote! {
                match self {
                    #(#arms)*
                }
            }
        }
        Data::Union(u) => {
            return Err(syn::Error::new(
                u.union_token.span,
                "#[derive(CacheKey)] cannot hash a union: which field holds the value is not \
                 known; implement `KeyHash` by hand",
            ));
        }
    };

    // Every type parameter must be hashable itself, as for the standard derives.
    let type_params: Vec<_> = input
        .generics
        .type_params()
        .map(|p| p.ident.clone())
        .collect();
    let where_clause = input.generics.make_where_clause();
    for p in type_params {
        where_clause
            .predicates
            .push(parse_quote!(#p: #root::KeyHash));
    }
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();

    Ok(quote! {
        #[automatically_derived]
        impl #impl_generics #root::KeyHash for #name #ty_generics #where_clause {
            fn key_hash(&self, __h: &mut #root::KeyHasher) {
                #body
            }
        }
    })
}

enum Shape {
    Unit,
    Newtype,
    Tuple,
    Named,
}

fn header(fields: &Fields, f: impl Fn(Shape, usize) -> TokenStream2) -> TokenStream2 {
    let len = fields.len();
    match fields {
        Fields::Unit => f(Shape::Unit, 0),
        Fields::Unnamed(_) if len == 1 => f(Shape::Newtype, 1),
        Fields::Unnamed(_) => f(Shape::Tuple, len),
        Fields::Named(_) => f(Shape::Named, len),
    }
}

/// A pattern binding every field to `__f<i>`, and the statements hashing them in order (a
/// named field preceded by its name). Each hash is spanned at its field's type, so an
/// unhashable field is reported there.
fn hash_fields(root: &Path, fields: &Fields) -> (TokenStream2, TokenStream2) {
    // Spanned at the field's type so that, with the trait path below, an unhashable field is
    // reported at the field rather than at the derive.
    let bindings: Vec<_> = fields
        .iter()
        .enumerate()
        .map(|(i, f)| format_ident!("__f{i}", span = f.ty.span()))
        .collect();
    let hashes = fields.iter().zip(&bindings).map(|(field, b)| {
        let name = field.ident.as_ref().map(|id| {
            let s = id.unraw().to_string();
            quote!(__h.__field(#s);)
        });
        let span = field.ty.span();
        let root = respan(root.to_token_stream(), span);
        let hash = quote_spanned!(span=> #root::KeyHash::key_hash(#b, __h););
        quote!(#name #hash)
    });
    let hashes = quote!(#(#hashes)*);
    let pattern = match fields {
        Fields::Unit => quote!(),
        Fields::Unnamed(_) => quote!((#(#bindings),*)),
        Fields::Named(_) => {
            let names = fields.iter().map(|f| f.ident.as_ref());
            quote!({ #(#names: #bindings),* })
        }
    };
    (pattern, hashes)
}

/// `tokens` with every span set to `span`.
fn respan(tokens: TokenStream2, span: Span) -> TokenStream2 {
    tokens
        .into_iter()
        .map(|mut t| {
            if let TokenTree::Group(g) = &t {
                let mut group = Group::new(g.delimiter(), respan(g.stream(), span));
                group.set_span(span);
                t = TokenTree::Group(group);
            } else {
                t.set_span(span);
            }
            t
        })
        .collect()
}

/// The path of the crate that exports `KeyHash` and `KeyHasher` to the deriving crate:
/// `#[cache_key(crate = "path")]`, else whichever of `cache-key`, `memo`, `singleton` its
/// `Cargo.toml` names (renames included), else `::cache_key`.
fn root_path(input: &DeriveInput) -> syn::Result<Path> {
    let mut explicit = None;
    for attr in input
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("cache_key"))
    {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") {
                let lit: syn::LitStr = meta.value()?.parse()?;
                explicit = Some(lit.parse::<Path>()?);
                Ok(())
            } else {
                Err(meta.error(
                    "unknown #[cache_key] option; the only one is `crate = \"path\"` (the crate \
                     that exports `KeyHash`)",
                ))
            }
        })?;
    }
    if let Some(path) = explicit {
        return Ok(path);
    }
    for package in ["cache-key", "memo", "singleton"] {
        if let Ok(found) = crate_name(package) {
            let ident = match found {
                // The package itself (its library, doc tests): `cache-key` names itself
                // `cache_key` through `extern crate self`, memo and singleton are only
                // reached from doc tests, which see them under their own name.
                FoundCrate::Itself => package.replace('-', "_"),
                FoundCrate::Name(name) => name,
            };
            let ident = syn::Ident::new(&ident, Span::call_site());
            return Ok(parse_quote!(::#ident));
        }
    }
    Ok(parse_quote!(::cache_key))
}

/// Fields and variants take no options: a skipped field would give two different values one
/// key, which is the wrong hit this derive exists to prevent.
fn reject_field_options(input: &DeriveInput) -> syn::Result<()> {
    let field_attrs = |fields: &Fields| {
        fields
            .iter()
            .flat_map(|f| f.attrs.iter())
            .cloned()
            .collect::<Vec<_>>()
    };
    let attrs = match &input.data {
        Data::Struct(s) => field_attrs(&s.fields),
        Data::Enum(e) => e
            .variants
            .iter()
            .flat_map(|v| v.attrs.iter().cloned().chain(field_attrs(&v.fields)))
            .collect(),
        Data::Union(_) => Vec::new(),
    };
    match attrs.iter().find(|a| a.path().is_ident("cache_key")) {
        Some(attr) => Err(syn::Error::new_spanned(
            attr,
            "#[cache_key] takes no options on fields or variants: every field is part of the \
             key, since leaving one out would give two different values the same key. To hash a \
             field another way, implement `KeyHash` for the type by hand; to leave an argument \
             out of the key, prefix the parameter's name with `_`",
        )),
        None => Ok(()),
    }
}
