//! Small token-level helpers shared by the analysis passes.

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use std::ops::Range;

/// An identifier token and its byte offset in the original file.
#[derive(Debug, Clone)]
pub(crate) struct Tok {
    pub text: String,
    pub start: usize,
}

/// Splits a token stream on top-level commas. With `track_angles`, commas inside `<...>`
/// (generic arguments in a `hash_funcs` type) do not split.
pub(crate) fn split_commas(ts: TokenStream, track_angles: bool) -> Vec<Vec<TokenTree>> {
    let mut out = vec![Vec::new()];
    let mut depth: i32 = 0;
    let mut prev_dash = false;
    for tt in ts {
        let mut is_dash = false;
        if let TokenTree::Punct(p) = &tt {
            match p.as_char() {
                ',' if depth == 0 => {
                    out.push(Vec::new());
                    prev_dash = false;
                    continue;
                }
                '<' if track_angles => depth += 1,
                // `->` inside `Fn(A) -> B` is not a closing angle bracket.
                '>' if track_angles && !prev_dash => depth = (depth - 1).max(0),
                '-' => is_dash = p.spacing() == Spacing::Joint,
                _ => {}
            }
        }
        prev_dash = is_dash;
        if let Some(last) = out.last_mut() {
            last.push(tt);
        }
    }
    out.retain(|v| !v.is_empty());
    out
}

/// Index of the first `=` that is not part of `==`, `=>`, `<=` and so on, outside `<...>`.
pub(crate) fn top_level_eq(tts: &[TokenTree]) -> Option<usize> {
    let mut depth: i32 = 0;
    for (i, tt) in tts.iter().enumerate() {
        if let TokenTree::Punct(p) = tt {
            match p.as_char() {
                '<' => depth += 1,
                '>' => depth = (depth - 1).max(0),
                '=' if depth == 0 && p.spacing() == Spacing::Alone => {
                    let prev_joint = i > 0
                        && matches!(&tts[i - 1], TokenTree::Punct(q) if q.spacing() == Spacing::Joint);
                    if !prev_joint {
                        return Some(i);
                    }
                }
                _ => {}
            }
        }
    }
    None
}

/// Whether `name` occurs as an identifier anywhere in the stream, nested groups included.
pub(crate) fn stream_mentions(ts: &TokenStream, name: &str) -> bool {
    ts.clone().into_iter().any(|tt| match tt {
        TokenTree::Ident(i) => i == name,
        TokenTree::Group(g) => stream_mentions(&g.stream(), name),
        _ => false,
    })
}

/// Whether a string literal in the stream uses `name` as an inline format argument (`{name}`).
pub(crate) fn stream_mentions_fmt(ts: &TokenStream, name: &str) -> bool {
    let a = format!("{{{name}}}");
    let b = format!("{{{name}:");
    ts.clone().into_iter().any(|tt| match tt {
        TokenTree::Literal(l) => {
            let s = l.to_string();
            s.contains(&a) || s.contains(&b)
        }
        TokenTree::Group(g) => stream_mentions_fmt(&g.stream(), name),
        _ => false,
    })
}

/// Whether the stream contains an attribute `#[name ...]` (directly or inside `cfg_attr`).
pub(crate) fn stream_has_attr(ts: &TokenStream, name: &str) -> bool {
    let tts: Vec<TokenTree> = ts.clone().into_iter().collect();
    for (i, tt) in tts.iter().enumerate() {
        match tt {
            TokenTree::Group(g) if g.delimiter() == Delimiter::Bracket => {
                let after_pound =
                    i > 0 && matches!(&tts[i - 1], TokenTree::Punct(p) if p.as_char() == '#');
                if after_pound {
                    let inner: Vec<TokenTree> = g.stream().into_iter().collect();
                    match inner.first() {
                        Some(TokenTree::Ident(id)) if id == name => return true,
                        Some(TokenTree::Ident(id))
                            if id == "cfg_attr" && stream_mentions(&g.stream(), name) =>
                        {
                            return true;
                        }
                        _ => {}
                    }
                }
                if stream_has_attr(&g.stream(), name) {
                    return true;
                }
            }
            TokenTree::Group(g) if stream_has_attr(&g.stream(), name) => {
                return true;
            }
            _ => {}
        }
    }
    false
}

/// Whether `text` (Rust source) contains the identifier `name` outside comments and literals.
/// Text that does not lex falls back to a substring test, which errs on the side of "yes".
pub(crate) fn text_mentions_ident(text: &str, name: &str) -> bool {
    if !text.contains(name) {
        return false;
    }
    match text.parse::<TokenStream>() {
        Ok(ts) => stream_mentions(&ts, name),
        Err(_) => true,
    }
}

/// All identifier tokens in `text`, with byte offsets shifted by `base`.
pub(crate) fn idents(text: &str, base: usize) -> Vec<Tok> {
    fn walk(ts: TokenStream, base: usize, out: &mut Vec<Tok>) {
        for tt in ts {
            match tt {
                TokenTree::Ident(i) => out.push(Tok {
                    text: i.to_string(),
                    start: i.span().byte_range().start + base,
                }),
                TokenTree::Group(g) => walk(g.stream(), base, out),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    if let Ok(ts) = text.parse::<TokenStream>() {
        walk(ts, base, &mut out);
    }
    out
}

/// The file's line ending: `"\r\n"` when its first line ends so, else `"\n"`. Inserted lines
/// use it, so a CRLF file does not get mixed endings.
pub(crate) fn line_ending(src: &str) -> &'static str {
    match src.find('\n') {
        Some(i) if src[..i].ends_with('\r') => "\r\n",
        _ => "\n",
    }
}

/// The whitespace that starts the line containing `pos`, up to the first non-blank character.
pub(crate) fn indent_at(src: &str, pos: usize) -> String {
    let line_start = src[..pos].rfind('\n').map_or(0, |i| i + 1);
    src[line_start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect()
}

/// Widens `range` to whole lines when nothing else shares those lines, so deleting an item
/// does not leave a blank line behind.
pub(crate) fn line_extend(src: &str, range: Range<usize>) -> Range<usize> {
    let line_start = src[..range.start].rfind('\n').map_or(0, |i| i + 1);
    let before_blank = src[line_start..range.start]
        .chars()
        .all(|c| c == ' ' || c == '\t');
    let rest = &src[range.end..];
    let line_end = rest.find('\n').map_or(src.len(), |i| range.end + i + 1);
    let after_blank = src[range.end..line_end].trim().is_empty();
    if before_blank && after_blank {
        line_start..line_end
    } else {
        range
    }
}
