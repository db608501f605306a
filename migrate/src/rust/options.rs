//! Reading a legacy attribute's options at the token level, keeping each option's byte range
//! so it can be kept, rewritten or removed in place.

use crate::model::{Applicability, Finding, Rule};
use crate::tokens;
use cache_codegen::grammar::{Attr, ValueKind, value_kind};
use proc_macro2::{Delimiter, TokenStream, TokenTree};
use std::collections::HashSet;
use std::ops::Range;
use syn::spanned::Spanned;

/// Legacy options whose value decides between `#[memo]` and `#[singleton]`.
const SELECTS_TARGET: &[&str] = &["persist", "allow_output_mutation"];

/// One option as written.
pub(super) struct LegacyOption {
    pub name: String,
    pub range: Range<usize>,
    pub value: OptionValue,
}

/// The value side of an option.
pub(super) enum OptionValue {
    /// `name` alone.
    Flag,
    /// `name = tokens`, with the value's range.
    Expr(Range<usize>, Vec<TokenTree>),
    /// `name(tokens)`.
    Group(TokenStream),
}

impl OptionValue {
    /// `true` for a bare flag or a literal `true`, `false` for a literal `false`.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            OptionValue::Flag => Some(true),
            OptionValue::Expr(_, t) => match t.as_slice() {
                [TokenTree::Ident(i)] if i == "true" => Some(true),
                [TokenTree::Ident(i)] if i == "false" => Some(false),
                _ => None,
            },
            OptionValue::Group(..) => None,
        }
    }
}

/// One `Type = path` entry of `hash_funcs(...)`.
pub(super) struct HashEntry {
    pub range: Range<usize>,
    /// The type as written, whitespace removed (for messages).
    pub ty_text: String,
    /// The type, when it parses.
    pub ty: Option<syn::Type>,
    pub func: Option<syn::Path>,
}

/// The option called `name`, if present.
pub(super) fn find<'o>(opts: &'o [LegacyOption], name: &str) -> Option<&'o LegacyOption> {
    opts.iter().find(|o| o.name == name)
}

fn token_range(tts: &[TokenTree], base: usize) -> Range<usize> {
    let s = tts.first().map_or(0, |t| t.span().byte_range().start);
    let e = tts.last().map_or(0, |t| t.span().byte_range().end);
    s + base..e + base
}

fn text_without_spaces(ts: &[TokenTree]) -> String {
    let s: TokenStream = ts.iter().cloned().collect();
    s.to_string()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

fn shifted(span: proc_macro2::Span, base: usize) -> Range<usize> {
    let r = span.byte_range();
    r.start + base..r.end + base
}

/// Splits the attribute's arguments into options. `Err` holds where and why it is unreadable.
pub(super) fn parse_options(
    meta: &syn::Meta,
    base: usize,
) -> Result<Vec<LegacyOption>, (Range<usize>, String)> {
    let list = match meta {
        syn::Meta::Path(_) => return Ok(Vec::new()),
        syn::Meta::NameValue(nv) => {
            return Err((
                shifted(nv.span(), base),
                "`cache = ...` is not a legacy cache form".into(),
            ));
        }
        syn::Meta::List(l) => l,
    };
    if !matches!(list.delimiter, syn::MacroDelimiter::Paren(_)) {
        return Err((shifted(list.span(), base), "unexpected delimiter".into()));
    }
    let mut opts = Vec::new();
    let mut seen = HashSet::new();
    for piece in tokens::split_commas(list.tokens.clone(), false) {
        let range = token_range(&piece, base);
        let name = match piece.first() {
            Some(TokenTree::Ident(i)) => i.to_string(),
            _ => return Err((range, "expected an option name".into())),
        };
        if !seen.insert(name.clone()) {
            return Err((range, format!("`{name}` is given twice")));
        }
        let value = match &piece[1..] {
            [] => OptionValue::Flag,
            [TokenTree::Punct(p), rest @ ..] if p.as_char() == '=' && !rest.is_empty() => {
                OptionValue::Expr(token_range(rest, base), rest.to_vec())
            }
            [TokenTree::Group(g)] if g.delimiter() == Delimiter::Parenthesis => {
                OptionValue::Group(g.stream())
            }
            _ => return Err((range, format!("cannot read the value of `{name}`"))),
        };
        opts.push(LegacyOption { name, range, value });
    }
    Ok(opts)
}

/// Checks the options against what the legacy attribute accepts (the macros' own table). A
/// finding means the site is left untouched.
pub(super) fn check_options(opts: &[LegacyOption]) -> Result<(), Finding> {
    for o in opts {
        let Some(kind) = value_kind(Attr::Legacy, &o.name) else {
            return Err(Finding::new(
                o.range.clone(),
                Rule::Unsupported,
                Applicability::Review,
                format!(
                    "unknown legacy cache option `{}`; site left untouched",
                    o.name
                ),
            )
            .with_help("remove or translate the option by hand"));
        };
        if kind == ValueKind::Bool && o.value.as_bool().is_none() {
            let help = if SELECTS_TARGET.contains(&o.name.as_str()) {
                "the target primitive depends on this value; decide by hand"
            } else {
                "the legacy attribute accepts only `true` or `false` here; fix the value first"
            };
            return Err(Finding::new(
                o.range.clone(),
                Rule::Unsupported,
                Applicability::Review,
                format!(
                    "`{}` is not a literal `true`/`false`; site left untouched",
                    o.name
                ),
            )
            .with_help(help));
        }
        if kind == ValueKind::HashFuncs && !matches!(o.value, OptionValue::Group(..)) {
            return Err(Finding::new(
                o.range.clone(),
                Rule::Unsupported,
                Applicability::Review,
                "`hash_funcs` must be a list `hash_funcs(Type = path)`; site left untouched",
            ));
        }
    }
    Ok(())
}

/// Splits `hash_funcs(...)` into its entries.
pub(super) fn hash_entries(ts: TokenStream, base: usize) -> Vec<HashEntry> {
    tokens::split_commas(ts, true)
        .into_iter()
        .map(|piece| {
            let range = token_range(&piece, base);
            let (ty, func) = match tokens::top_level_eq(&piece) {
                Some(i) => (&piece[..i], Some(&piece[i + 1..])),
                None => (&piece[..], None),
            };
            let func =
                func.and_then(|f| syn::parse2::<syn::Path>(f.iter().cloned().collect()).ok());
            HashEntry {
                range,
                ty_text: text_without_spaces(ty),
                ty: syn::parse2::<syn::Type>(ty.iter().cloned().collect()).ok(),
                func,
            }
        })
        .collect()
}

/// Ranges to delete so that only the kept items (and their separators) remain.
pub(super) fn removal_ranges(items: &[Range<usize>], keep: &[bool]) -> Vec<Range<usize>> {
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
