//! Reading the annotated function: parameters, receiver, return shape.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote};
use syn::spanned::Spanned;
use syn::{
    Attribute, Block, FnArg, GenericArgument, GenericParam, Ident, ItemFn, Pat, PathArguments,
    ReturnType, Signature, Type, Visibility,
};

/// One typed parameter.
pub struct Param {
    /// The name used in the key (the binding identifier, or the pattern's text).
    pub key_name: String,
    /// The identifier the generated outer function binds the argument to.
    pub ident: Ident,
    /// The user's pattern when it is not a plain identifier; destructured inside the body.
    pub inner_pat: Option<Pat>,
    /// The declared type.
    pub ty: Type,
    /// `_`-prefixed (or `_`): left out of the key.
    pub skipped: bool,
    /// The user's outer pattern, kept verbatim when it is a plain identifier (`mut x` too).
    pub outer_pat: Pat,
    /// Span for diagnostics about this parameter.
    pub span: Span,
}

/// How the function returns. (Built once per macro call: the size difference is irrelevant.)
#[allow(clippy::large_enum_variant)]
pub enum Returns {
    /// `-> T` (or nothing, which is `()`).
    Plain(Type),
    /// `-> Result<T, E>` or an alias such as `io::Result<T>`: only `Ok` is cached.
    Result {
        /// The whole return type.
        full: Type,
        /// `T`.
        ok: Type,
    },
}

impl Returns {
    /// The type that is cached (`T`).
    pub fn value_type(&self) -> &Type {
        match self {
            Returns::Plain(t) => t,
            Returns::Result { ok, .. } => ok,
        }
    }

    /// The function's own return type.
    pub fn full_type(&self) -> &Type {
        match self {
            Returns::Plain(t) => t,
            Returns::Result { full, .. } => full,
        }
    }
}

/// The analysed function.
pub struct CachedFn {
    /// Outer attributes (docs included), kept on the generated function.
    pub attrs: Vec<Attribute>,
    /// Visibility, also given to the companions.
    pub vis: Visibility,
    /// The original signature.
    pub sig: Signature,
    /// The original body.
    pub block: Block,
    /// The receiver, if a method.
    pub receiver: Option<syn::Receiver>,
    /// Typed parameters in declaration order.
    pub params: Vec<Param>,
    /// Return shape.
    pub returns: Returns,
    /// Whether the function lives in an `impl` block (a receiver, `Self` in the signature, or
    /// the `in_impl` option).
    pub in_impl: bool,
}

/// Whether a type is written with `impl Trait` anywhere in it.
fn mentions_impl(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|t| match t {
        proc_macro2::TokenTree::Ident(i) => i == "impl",
        proc_macro2::TokenTree::Group(g) => mentions_impl(g.stream()),
        _ => false,
    })
}

fn mentions_self(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|t| match t {
        proc_macro2::TokenTree::Ident(i) => i == "Self",
        proc_macro2::TokenTree::Group(g) => mentions_self(g.stream()),
        _ => false,
    })
}

impl CachedFn {
    /// Parses and checks the item. `attr_name` names the attribute in errors.
    ///
    /// `generics`: whether generic type and const parameters are supported (each instantiation
    /// gets its own cache, see [`CachedFn::generics_key`]); when not, they are a compile error.
    pub fn parse(
        item: TokenStream,
        attr_name: &str,
        force_in_impl: bool,
        generics: bool,
    ) -> syn::Result<Self> {
        let f: ItemFn = syn::parse2(item).map_err(|e| {
            syn::Error::new(
                e.span(),
                format!("#[{attr_name}] goes on a function or method: {e}"),
            )
        })?;
        let sig = f.sig.clone();
        if let Some(c) = &sig.constness {
            return Err(syn::Error::new(
                c.span(),
                format!("#[{attr_name}] cannot cache a `const fn`; remove `const`"),
            ));
        }
        if let Some(v) = &sig.variadic {
            return Err(syn::Error::new(
                v.span(),
                format!("#[{attr_name}] cannot cache a variadic function"),
            ));
        }
        for g in &sig.generics.params {
            if !generics && !matches!(g, GenericParam::Lifetime(_)) {
                return Err(syn::Error::new(
                    g.span(),
                    format!(
                        "#[{attr_name}] does not support generic type or const parameters; \
                         cache a non-generic wrapper per type, or use #[memo] / #[singleton], \
                         which support them with one cache per instantiation"
                    ),
                ));
            }
        }
        if let ReturnType::Type(_, t) = &sig.output
            && let Type::ImplTrait(_) = &**t
        {
            return Err(syn::Error::new(
                t.span(),
                format!("#[{attr_name}] needs a concrete return type, not `impl Trait`"),
            ));
        }
        let mut receiver = None;
        let mut params = Vec::new();
        for (i, arg) in sig.inputs.iter().enumerate() {
            match arg {
                FnArg::Receiver(r) => receiver = Some(r.clone()),
                FnArg::Typed(pt) => {
                    let ty = (*pt.ty).clone();
                    let span = pt.pat.span();
                    let param = match &*pt.pat {
                        Pat::Ident(pi) if pi.subpat.is_none() && pi.by_ref.is_none() => {
                            let name = pi.ident.to_string();
                            let name = name.strip_prefix("r#").unwrap_or(&name).to_string();
                            Param {
                                skipped: crate::grammar::param_is_unhashed(&pt.pat),
                                key_name: name,
                                ident: pi.ident.clone(),
                                inner_pat: None,
                                ty,
                                outer_pat: (*pt.pat).clone(),
                                span,
                            }
                        }
                        Pat::Wild(_) => {
                            let ident = format_ident!("__arg{}", i, span = span);
                            Param {
                                key_name: "_".into(),
                                skipped: true,
                                outer_pat: syn::parse_quote!(#ident),
                                ident,
                                inner_pat: None,
                                ty,
                                span,
                            }
                        }
                        other => {
                            // Destructuring patterns are bound to a plain name first, then
                            // destructured inside the computation.
                            let ident = format_ident!("__arg{}", i, span = span);
                            Param {
                                key_name: other.to_token_stream().to_string(),
                                skipped: false,
                                outer_pat: syn::parse_quote!(#ident),
                                ident,
                                inner_pat: Some(other.clone()),
                                ty,
                                span,
                            }
                        }
                    };
                    params.push(param);
                }
            }
        }
        let returns = match &sig.output {
            ReturnType::Default => Returns::Plain(syn::parse_quote!(())),
            ReturnType::Type(_, t) => match result_ok_type(t) {
                Some(ok) => Returns::Result {
                    full: (**t).clone(),
                    ok,
                },
                None => Returns::Plain((**t).clone()),
            },
        };
        let in_impl = force_in_impl
            || receiver.is_some()
            || mentions_self(sig.inputs.to_token_stream())
            || mentions_self(sig.output.to_token_stream());
        Ok(CachedFn {
            attrs: f.attrs,
            vis: f.vis,
            sig,
            block: *f.block,
            receiver,
            params,
            returns,
            in_impl,
        })
    }

    /// The function's name.
    pub fn name(&self) -> &Ident {
        &self.sig.ident
    }

    /// Whether the function is an `async fn` (its cache is then awaited, see [`crate::expand`]).
    pub fn is_async(&self) -> bool {
        self.sig.asyncness.is_some()
    }

    /// Whether any argument is passed (for the spinner text, as Streamlit does).
    pub fn has_args(&self) -> bool {
        !self.sig.inputs.is_empty()
    }

    /// An expression naming the function's own generic arguments in one `&'static str`, or
    /// `None` when it has none: its type and const parameters, and the types of parameters
    /// declared with `impl Trait` (anonymous type parameters, which can only be reached through
    /// the argument values, so the expression borrows those arguments). Evaluated in the
    /// function (or its `clear_entry` companion, which has the same signature), it tells the
    /// instantiations apart; lifetimes are left out, as they do not change the code that runs.
    pub fn generics_key(&self) -> Option<TokenStream> {
        let mut types = Vec::new();
        for g in &self.sig.generics.params {
            match g {
                GenericParam::Type(t) => {
                    let ident = &t.ident;
                    types.push(quote!(::core::marker::PhantomData<#ident>));
                }
                GenericParam::Const(c) => {
                    let ident = &c.ident;
                    types.push(quote!([(); #ident]));
                }
                GenericParam::Lifetime(_) => {}
            }
        }
        let values: Vec<_> = self
            .params
            .iter()
            .filter(|p| mentions_impl(p.ty.to_token_stream()))
            .map(|p| &p.ident)
            .collect();
        if types.is_empty() && values.is_empty() {
            return None;
        }
        Some(quote! {
            ::core::any::type_name_of_val(&(
                ::core::marker::PhantomData::<(#(#types,)*)>,
                #(&#values,)*
            ))
        })
    }

    /// The outer signature's parameter list, with non-identifier patterns renamed.
    pub fn outer_inputs(&self) -> TokenStream {
        let mut out = Vec::new();
        let mut params = self.params.iter();
        for arg in &self.sig.inputs {
            match arg {
                FnArg::Receiver(r) => out.push(r.to_token_stream()),
                FnArg::Typed(pt) => {
                    let p = params.next().expect("one Param per typed input");
                    let attrs = &pt.attrs;
                    let pat = &p.outer_pat;
                    let ty = &p.ty;
                    out.push(quote!(#(#attrs)* #pat: #ty));
                }
            }
        }
        quote!(#(#out),*)
    }

    /// The body to run on a miss, destructuring renamed parameters first.
    pub fn inner_body(&self) -> TokenStream {
        let lets = self.params.iter().filter_map(|p| {
            p.inner_pat.as_ref().map(|pat| {
                let ident = &p.ident;
                quote!(let #pat = #ident;)
            })
        });
        let block = &self.block;
        quote!({ #(#lets)* #block })
    }
}

/// `T` when the type's last path segment is `Result<T, ...>`.
fn result_ok_type(t: &Type) -> Option<Type> {
    let Type::Path(tp) = t else { return None };
    let seg = tp.path.segments.last()?;
    if seg.ident != "Result" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &seg.arguments else {
        return None;
    };
    match args.args.first()? {
        GenericArgument::Type(ok) => Some(ok.clone()),
        _ => None,
    }
}

/// Rewrites `Result<T, E>` (or an alias `X::Result<T>`) into the same path with `T` replaced.
pub fn replace_ok_type(full: &Type, new_ok: Type) -> Type {
    let mut t = full.clone();
    if let Type::Path(tp) = &mut t
        && let Some(seg) = tp.path.segments.last_mut()
        && let PathArguments::AngleBracketed(args) = &mut seg.arguments
        && let Some(GenericArgument::Type(ok)) = args.args.first_mut()
    {
        *ok = new_ok;
    }
    t
}
