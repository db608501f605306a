//! Parsing attribute options: `name`, `name = value`, `hash_funcs(Type = path, ...)`.
//!
//! Each option keeps its span so a bad value is reported where the user wrote it. Which options
//! a macro accepts, and what their values mean, is decided by the typed accessors below, all of
//! which produce errors that say what was expected.

use std::time::Duration;

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, Ident, Lit, Path, Token, Type};

/// One `Type = path::to::func` entry of `hash_funcs(...)`.
#[derive(Clone)]
pub struct HashFunc {
    /// The argument type it applies to.
    pub ty: Type,
    /// The function called with `&value`; its result is hashed instead of the value.
    pub func: Path,
}

impl Parse for HashFunc {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let ty: Type = input.parse()?;
        input.parse::<Token![=]>()?;
        let func: Path = input.parse()?;
        Ok(HashFunc { ty, func })
    }
}

/// The value side of an option. (A handful per macro call: the size difference is irrelevant.)
#[derive(Clone)]
#[allow(clippy::large_enum_variant)]
pub enum OptValue {
    /// `name` alone.
    Flag,
    /// `name = expr`.
    Expr(Expr),
    /// `hash_funcs(...)`.
    HashFuncs(Vec<HashFunc>),
}

/// One parsed option.
#[derive(Clone)]
pub struct Opt {
    /// The option's name.
    pub name: Ident,
    /// Its value.
    pub value: OptValue,
}

impl Parse for Opt {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let name: Ident = input.call(syn::ext::IdentExt::parse_any)?;
        if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            let expr: Expr = input.parse()?;
            return Ok(Opt {
                name,
                value: OptValue::Expr(expr),
            });
        }
        if input.peek(syn::token::Paren) {
            let content;
            syn::parenthesized!(content in input);
            let list: Punctuated<HashFunc, Token![,]> =
                content.parse_terminated(HashFunc::parse, Token![,])?;
            if name != "hash_funcs" {
                return Err(syn::Error::new(
                    name.span(),
                    format!(
                        "`{name}(...)` is not an option; only `hash_funcs(Type = path)` takes a list"
                    ),
                ));
            }
            return Ok(Opt {
                name,
                value: OptValue::HashFuncs(list.into_iter().collect()),
            });
        }
        Ok(Opt {
            name,
            value: OptValue::Flag,
        })
    }
}

impl Opt {
    /// The whole option's span, for errors.
    pub fn span(&self) -> Span {
        match &self.value {
            OptValue::Expr(e) => {
                let tokens = quote!(#e);
                let end = tokens.into_iter().last().map(|t| t.span());
                self.name
                    .span()
                    .join(end.unwrap_or(self.name.span()))
                    .unwrap_or(self.name.span())
            }
            _ => self.name.span(),
        }
    }

    fn expr(&self) -> syn::Result<&Expr> {
        match &self.value {
            OptValue::Expr(e) => Ok(e),
            _ => Err(syn::Error::new(
                self.name.span(),
                format!("`{}` needs a value: `{} = ...`", self.name, self.name),
            )),
        }
    }

    fn flag_or_bool(&self) -> syn::Result<bool> {
        match &self.value {
            OptValue::Flag => Ok(true),
            OptValue::Expr(Expr::Lit(ExprLit {
                lit: Lit::Bool(b), ..
            })) => Ok(b.value),
            _ => Err(syn::Error::new(
                self.span(),
                format!("`{}` takes `true` or `false`", self.name),
            )),
        }
    }
}

/// All options of one attribute, consumed one by one so leftovers can be reported as unknown.
pub struct Options {
    attr_name: &'static str,
    opts: Vec<Opt>,
}

impl Options {
    /// Parses the attribute's argument tokens.
    pub fn parse(attr_name: &'static str, args: TokenStream) -> syn::Result<Self> {
        let parser = Punctuated::<Opt, Token![,]>::parse_terminated;
        let list = parser.parse2(args)?;
        let mut seen: Vec<String> = Vec::new();
        for o in &list {
            let n = o.name.to_string();
            if seen.contains(&n) {
                return Err(syn::Error::new(
                    o.name.span(),
                    format!("`{n}` is given twice; keep one"),
                ));
            }
            seen.push(n);
        }
        Ok(Self {
            attr_name,
            opts: list.into_iter().collect(),
        })
    }

    /// Removes and returns the option called `name`.
    pub fn take(&mut self, name: &str) -> Option<Opt> {
        let i = self.opts.iter().position(|o| o.name == name)?;
        Some(self.opts.remove(i))
    }

    /// Fails on the first option nobody took, listing what the attribute accepts.
    pub fn finish(&self, accepted: &[&str], hints: &[(&str, &str)]) -> syn::Result<()> {
        if let Some(o) = self.opts.first() {
            let name = o.name.to_string();
            if let Some((_, hint)) = hints.iter().find(|(n, _)| *n == name) {
                return Err(syn::Error::new(o.name.span(), *hint));
            }
            return Err(syn::Error::new(
                o.name.span(),
                format!(
                    "unknown option `{name}` for #[{}]; expected one of: {}",
                    self.attr_name,
                    accepted.join(", ")
                ),
            ));
        }
        Ok(())
    }

    /// `ttl = <seconds> | "1h30m" | <Duration expression>`.
    pub fn ttl(&mut self) -> syn::Result<Option<TokenStream>> {
        let Some(o) = self.take("ttl") else {
            return Ok(None);
        };
        let e = o.expr()?;
        let fixed = match e {
            Expr::Lit(ExprLit {
                lit: Lit::Int(i), ..
            }) => {
                let secs: u64 = i.base10_parse().map_err(|_| {
                    syn::Error::new(i.span(), "`ttl` must be a non-negative number of seconds")
                })?;
                Duration::from_secs(secs)
            }
            Expr::Lit(ExprLit {
                lit: Lit::Float(f), ..
            }) => {
                let secs: f64 = f.base10_parse()?;
                duration_from_secs(secs, f.span())?
            }
            Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) => parse_duration(&s.value()).map_err(|why| {
                syn::Error::new(
                    s.span(),
                    format!(
                        "`ttl` string {why}: write it like \"90s\", \"1h30m\", \"2d\" or \"1.5h\" \
                             (units: w, d, h, m, s, ms)"
                    ),
                )
            })?,
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => {
                return Err(syn::Error::new(
                    e.span(),
                    "`ttl` cannot be negative; give a number of seconds, a string like \"1h\", or a Duration",
                ));
            }
            Expr::Lit(_) => {
                return Err(syn::Error::new(
                    e.span(),
                    "`ttl` takes seconds (`ttl = 90`), a duration string (`ttl = \"1h30m\"`) or a \
                     `std::time::Duration` expression",
                ));
            }
            // Any other expression is evaluated once, when the cache is created.
            other => {
                // `Duration::from` accepts anything convertible; when the expression already is
                // a `Duration`, the user must not get clippy's `useless_conversion` for it.
                return Ok(Some(quote::quote_spanned! {other.span()=> {
                    #[allow(clippy::useless_conversion)]
                    let __ttl = ::std::time::Duration::from(#other);
                    __ttl
                }}));
            }
        };
        let (s, n) = (fixed.as_secs(), fixed.subsec_nanos());
        Ok(Some(quote!(::std::time::Duration::new(#s, #n))))
    }

    /// `max_entries = N` with `N >= 1`.
    pub fn max_entries(&mut self) -> syn::Result<Option<TokenStream>> {
        let Some(o) = self.take("max_entries") else {
            return Ok(None);
        };
        match o.expr()? {
            Expr::Lit(ExprLit {
                lit: Lit::Int(i), ..
            }) => {
                let n: usize = i.base10_parse().map_err(|_| {
                    syn::Error::new(i.span(), "`max_entries` must be a positive integer")
                })?;
                if n == 0 {
                    return Err(syn::Error::new(
                        i.span(),
                        "`max_entries = 0` would make every entry unusable; use at least 1, or \
                         remove the option for an unbounded cache",
                    ));
                }
                Ok(Some(quote!(#n)))
            }
            e => Err(syn::Error::new(
                e.span(),
                "`max_entries` must be a positive integer literal, e.g. `max_entries = 100`",
            )),
        }
    }

    /// `show_spinner = bool | "text"`, or the bare flag. Returns `None` when no spinner is shown,
    /// otherwise the text. On by default (`default_text` when the option is absent or `true`),
    /// as Streamlit's `st.cache`, `st.cache_data` and `st.cache_resource` all default to
    /// `show_spinner=True`.
    pub fn show_spinner(&mut self, default_text: String) -> syn::Result<Option<String>> {
        let Some(o) = self.take("show_spinner") else {
            return Ok(Some(default_text));
        };
        match &o.value {
            OptValue::Expr(Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            })) => Ok(Some(s.value())),
            _ => Ok(o
                .flag_or_bool()
                .map_err(|_| {
                    syn::Error::new(
                        o.span(),
                        "`show_spinner` takes `true`, `false` or the text to show, e.g. \
                         `show_spinner = \"Loading data...\"`",
                    )
                })?
                .then_some(default_text)),
        }
    }

    /// A bare flag or `flag = bool`.
    pub fn flag(&mut self, name: &str) -> syn::Result<bool> {
        match self.take(name) {
            None => Ok(false),
            Some(o) => o.flag_or_bool(),
        }
    }

    /// `name = path::to::func`.
    pub fn path(&mut self, name: &str) -> syn::Result<Option<Path>> {
        let Some(o) = self.take(name) else {
            return Ok(None);
        };
        match o.expr()? {
            Expr::Path(p) if p.qself.is_none() => Ok(Some(p.path.clone())),
            e => Err(syn::Error::new(
                e.span(),
                format!("`{name}` takes the path of a function, e.g. `{name} = my_module::my_fn`"),
            )),
        }
    }

    /// `name = "string"`.
    pub fn string(&mut self, name: &str) -> syn::Result<Option<(String, Span)>> {
        let Some(o) = self.take(name) else {
            return Ok(None);
        };
        match o.expr()? {
            Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) => Ok(Some((s.value(), s.span()))),
            e => Err(syn::Error::new(
                e.span(),
                format!("`{name}` takes a string literal"),
            )),
        }
    }

    /// A raw option, for macro-specific values.
    pub fn raw(&mut self, name: &str) -> Option<Opt> {
        self.take(name)
    }

    /// `hash_funcs(Type = path, ...)`.
    pub fn hash_funcs(&mut self) -> syn::Result<Vec<HashFunc>> {
        match self.take("hash_funcs") {
            None => Ok(Vec::new()),
            Some(Opt {
                value: OptValue::HashFuncs(list),
                ..
            }) => Ok(list),
            Some(o) => Err(syn::Error::new(
                o.span(),
                "write `hash_funcs(Type = path::to::hash_fn, ...)`",
            )),
        }
    }
}

fn duration_from_secs(secs: f64, span: Span) -> syn::Result<Duration> {
    Duration::try_from_secs_f64(secs).map_err(|_| {
        syn::Error::new(
            span,
            "`ttl` must be a finite, non-negative number of seconds",
        )
    })
}

/// Parses `"90s"`, `"1h30m"`, `"2d"`, `"1.5h"`, `"2 days"`, `"500ms"`.
///
/// ```
/// use std::time::Duration;
/// use cache_codegen::options::parse_duration;
///
/// assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
/// assert_eq!(parse_duration("2 days"), Ok(Duration::from_secs(172_800)));
/// assert!(parse_duration("soon").is_err());
/// ```
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let mut total = 0f64;
    let mut rest = s.trim();
    if rest.is_empty() {
        return Err("is empty".into());
    }
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return Err(format!("has no number before `{rest}`"));
        }
        let n: f64 = rest[..num_len]
            .parse()
            .map_err(|_| format!("has a bad number `{}`", &rest[..num_len]))?;
        rest = rest[num_len..].trim_start();
        let unit_len = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        let scale = match unit.to_ascii_lowercase().as_str() {
            "w" | "wk" | "week" | "weeks" => 604_800.0,
            "d" | "day" | "days" => 86_400.0,
            "h" | "hr" | "hrs" | "hour" | "hours" => 3_600.0,
            "m" | "min" | "mins" | "minute" | "minutes" => 60.0,
            "s" | "sec" | "secs" | "second" | "seconds" => 1.0,
            "ms" | "millis" | "millisecond" | "milliseconds" => 0.001,
            "" => return Err(format!("has no unit after `{n}`")),
            other => return Err(format!("has an unknown unit `{other}`")),
        };
        total += n * scale;
        rest = rest[unit_len..].trim_start();
        rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
    }
    Duration::try_from_secs_f64(total).map_err(|_| "is out of range".to_string())
}

/// Token form of an optional value: `Some(v)` or `None`.
pub fn option_tokens(v: Option<TokenStream>) -> TokenStream {
    match v {
        Some(v) => quote!(::core::option::Option::Some(#v)),
        None => quote!(::core::option::Option::None),
    }
}

/// Token form of an optional string.
pub fn option_str(v: Option<&str>) -> TokenStream {
    option_tokens(v.map(|s| s.to_token_stream()))
}
