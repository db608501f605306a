//! Planning the rename of a parameter `x` to `_x` (so the successors leave it out of the key),
//! with every use in the body, or saying why it is not safe.

use crate::tokens;
use std::collections::HashSet;
use std::ops::Range;
use syn::visit::{self, Visit};

use super::collect::FnRef;

/// The `_`-prefixed form of a parameter name; a raw identifier loses its `r#` (`r#type` becomes
/// `_type`, since `_r#type` is not an identifier).
pub(super) fn underscored(name: &str) -> String {
    format!("_{}", name.strip_prefix("r#").unwrap_or(name))
}

/// Why renaming a parameter is not safe, or the edits that do it.
pub(super) fn plan_rename(
    function: FnRef<'_>,
    pat: &syn::PatIdent,
    base: usize,
    cache_attr_start: usize,
    attr_range_of: &dyn Fn(&syn::Attribute) -> Range<usize>,
) -> Result<Vec<(Range<usize>, String)>, String> {
    let name = pat.ident.to_string();
    let new = underscored(&name);
    struct Uses<'n> {
        name: &'n str,
        new: &'n str,
        base: usize,
        edits: Vec<(Range<usize>, String)>,
        shorthand: HashSet<usize>,
        problem: Option<String>,
    }
    impl<'ast> Visit<'ast> for Uses<'_> {
        fn visit_item(&mut self, i: &'ast syn::Item) {
            // A nested item cannot see the parameter; any mention there is something else.
            if tokens::stream_mentions(&quote::ToTokens::to_token_stream(i), self.name)
                && self.problem.is_none()
            {
                self.problem = Some(format!("a nested item mentions `{}`", self.name));
            }
        }
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            if p.ident == self.name && self.problem.is_none() {
                self.problem = Some(format!(
                    "`{}` is shadowed by a binding in the body",
                    self.name
                ));
            }
            visit::visit_pat_ident(self, p);
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            if (tokens::stream_mentions(&m.tokens, self.name)
                || tokens::stream_mentions_fmt(&m.tokens, self.name))
                && self.problem.is_none()
            {
                self.problem = Some(format!(
                    "the body of `{}!` uses `{}`, and macro bodies cannot be rewritten safely",
                    quote::ToTokens::to_token_stream(&m.path)
                        .to_string()
                        .replace(' ', ""),
                    self.name
                ));
            }
        }
        fn visit_field_value(&mut self, f: &'ast syn::FieldValue) {
            if f.colon_token.is_none()
                && let syn::Member::Named(id) = &f.member
                && id == self.name
            {
                let r = id.span().byte_range();
                self.shorthand.insert(r.start + self.base);
                self.edits.push((
                    r.start + self.base..r.end + self.base,
                    format!("{}: {}", self.name, self.new),
                ));
            }
            visit::visit_field_value(self, f);
        }
        fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
            if p.qself.is_none() && p.path.leading_colon.is_none() && p.path.is_ident(self.name) {
                let r = p.path.segments[0].ident.span().byte_range();
                if !self.shorthand.contains(&(r.start + self.base)) {
                    self.edits
                        .push((r.start + self.base..r.end + self.base, self.new.to_string()));
                }
            }
            visit::visit_expr_path(self, p);
        }
    }
    // A collision with an existing `_name` anywhere in the function is not resolvable.
    if tokens::stream_mentions(&quote::ToTokens::to_token_stream(function.sig), &new)
        || tokens::stream_mentions(&quote::ToTokens::to_token_stream(function.block), &new)
    {
        return Err(format!("`{new}` already exists in this function"));
    }
    for a in function.attrs {
        if attr_range_of(a).start == cache_attr_start {
            continue;
        }
        if tokens::stream_mentions(&quote::ToTokens::to_token_stream(a), &name) {
            return Err(format!(
                "another attribute on the function mentions `{name}`"
            ));
        }
    }
    let mut u = Uses {
        name: &name,
        new: &new,
        base,
        edits: Vec::new(),
        shorthand: HashSet::new(),
        problem: None,
    };
    u.visit_block(function.block);
    if let Some(p) = u.problem {
        return Err(p);
    }
    let found = u.edits;
    let r = pat.ident.span().byte_range();
    let mut edits = vec![(r.start + base..r.end + base, new.clone())];
    edits.extend(found);
    Ok(edits)
}
