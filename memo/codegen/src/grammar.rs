//! The attribute grammar shared by `#[cache]` (legacy), `#[memo]` and `#[singleton]`: which
//! options each attribute accepts and what kind of value each takes.
//!
//! The macros check their arguments against this table, and `cache-migrate` reads it to decide
//! which legacy options carry over unchanged, which are translated and which are dropped, so
//! the tool cannot drift from what the macros accept.
//!
//! ```
//! use cache_codegen::grammar::{Attr, ValueKind, accepted, value_kind};
//!
//! assert!(accepted(Attr::Memo).contains(&"in_impl"));
//! assert_eq!(value_kind(Attr::Legacy, "persist"), Some(ValueKind::Bool));
//! assert_eq!(value_kind(Attr::Memo, "persist"), Some(ValueKind::Persist));
//! assert_eq!(value_kind(Attr::Singleton, "persist"), None);
//! ```

/// One of the three cache attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Attr {
    /// The legacy `#[legacy_cache::cache]`.
    Legacy,
    /// `#[memo::memo]`.
    Memo,
    /// `#[singleton::singleton]`.
    Singleton,
}

impl Attr {
    /// The attribute's name as written after `#[`.
    pub fn name(self) -> &'static str {
        match self {
            Attr::Legacy => "cache",
            Attr::Memo => "memo",
            Attr::Singleton => "singleton",
        }
    }
}

/// The kind of value an option takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// A bare flag, `name = true` or `name = false`.
    Bool,
    /// Seconds, a duration string such as `"1h30m"`, or a `std::time::Duration` expression.
    Duration,
    /// A positive integer literal.
    Count,
    /// `true`, `false`, or the text to show.
    Spinner,
    /// `hash_funcs(Type = path::to::fn, ...)`.
    HashFuncs,
    /// The path of a function.
    FnPath,
    /// memo's `persist`: `"disk"`, `"redis"`, `true` or `false`.
    Persist,
    /// A string literal from a fixed set.
    OneOf(&'static [&'static str]),
}

/// One option and the value kind each attribute gives it (`None`: not accepted).
#[derive(Debug, Clone, Copy)]
pub struct OptionSpec {
    /// The option's name.
    pub name: &'static str,
    /// Under `#[cache]`.
    pub legacy: Option<ValueKind>,
    /// Under `#[memo]`.
    pub memo: Option<ValueKind>,
    /// Under `#[singleton]`.
    pub singleton: Option<ValueKind>,
}

impl OptionSpec {
    /// The value kind under `attr`, or `None` when `attr` does not accept the option.
    pub fn kind(&self, attr: Attr) -> Option<ValueKind> {
        match attr {
            Attr::Legacy => self.legacy,
            Attr::Memo => self.memo,
            Attr::Singleton => self.singleton,
        }
    }
}

const fn all(kind: ValueKind) -> (Option<ValueKind>, Option<ValueKind>, Option<ValueKind>) {
    (Some(kind), Some(kind), Some(kind))
}

const fn spec(
    name: &'static str,
    (legacy, memo, singleton): (Option<ValueKind>, Option<ValueKind>, Option<ValueKind>),
) -> OptionSpec {
    OptionSpec {
        name,
        legacy,
        memo,
        singleton,
    }
}

use ValueKind::*;

/// Every option of every attribute. The order is the order of "expected one of" lists.
pub const OPTIONS: &[OptionSpec] = &[
    spec("ttl", all(Duration)),
    spec("max_entries", all(Count)),
    spec("persist", (Some(Bool), Some(Persist), None)),
    spec("memory", (None, Some(Bool), None)),
    spec("show_spinner", all(Spinner)),
    spec("hash_funcs", all(HashFuncs)),
    spec(
        "storage",
        (None, Some(OneOf(&["serialized", "clone"])), None),
    ),
    spec("validate", (None, None, Some(FnPath))),
    spec("on_release", (None, None, Some(FnPath))),
    spec("skip_self", (None, Some(Bool), Some(Bool))),
    spec("in_impl", all(Bool)),
    spec("allow_output_mutation", (Some(Bool), None, None)),
    spec("suppress_st_warning", (Some(Bool), None, None)),
    spec("sampling", (Some(Bool), None, None)),
];

/// The names of the options `attr` accepts.
pub fn accepted(attr: Attr) -> Vec<&'static str> {
    OPTIONS
        .iter()
        .filter(|o| o.kind(attr).is_some())
        .map(|o| o.name)
        .collect()
}

/// The kind of value `attr` expects for `name`, or `None` when it does not accept `name`.
pub fn value_kind(attr: Attr, name: &str) -> Option<ValueKind> {
    OPTIONS
        .iter()
        .find(|o| o.name == name)
        .and_then(|o| o.kind(attr))
}

/// Whether `#[memo]` and `#[singleton]` leave a parameter with this pattern out of the key: `_`,
/// and plain names starting with `_` (a raw identifier's `r#` does not count, so `r#_x` is
/// left out too). The legacy `#[cache]` hashes every parameter.
///
/// ```
/// use cache_codegen::grammar::param_is_unhashed;
/// let pat = |s: &str| syn::parse_str::<syn::FnArg>(&format!("{s}: u8")).unwrap();
/// let unhashed = |s: &str| match pat(s) {
///     syn::FnArg::Typed(t) => param_is_unhashed(&t.pat),
///     _ => unreachable!(),
/// };
/// assert!(unhashed("_"));
/// assert!(unhashed("_trace"));
/// assert!(unhashed("r#_trace"));
/// assert!(!unhashed("trace"));
/// assert!(!unhashed("r#type"));
/// ```
pub fn param_is_unhashed(pat: &syn::Pat) -> bool {
    match pat {
        syn::Pat::Ident(pi) if pi.subpat.is_none() && pi.by_ref.is_none() => {
            let name = pi.ident.to_string();
            name.strip_prefix("r#").unwrap_or(&name).starts_with('_')
        }
        syn::Pat::Wild(_) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique() {
        for (i, a) in OPTIONS.iter().enumerate() {
            assert!(
                OPTIONS[i + 1..].iter().all(|b| b.name != a.name),
                "{} twice",
                a.name
            );
        }
    }

    #[test]
    fn shared_options_mean_the_same_everywhere() {
        // What migrate keeps verbatim must be read the same way by the successor.
        for name in [
            "ttl",
            "max_entries",
            "show_spinner",
            "hash_funcs",
            "in_impl",
        ] {
            let kinds: Vec<_> = [Attr::Legacy, Attr::Memo, Attr::Singleton]
                .iter()
                .map(|&a| value_kind(a, name))
                .collect();
            assert!(kinds[0].is_some(), "{name}");
            assert!(kinds.iter().all(|k| *k == kinds[0]), "{name}: {kinds:?}");
        }
    }
}
