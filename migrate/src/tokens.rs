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

/// Which of `names` occur as identifier tokens in `text` (not in comments or strings).
pub(crate) fn idents_among<'n>(text: &str, names: &[&'n str]) -> Vec<&'n str> {
    fn walk(ts: TokenStream, names: &[&str], seen: &mut [bool]) {
        for tt in ts {
            match tt {
                TokenTree::Ident(i) => {
                    let s = i.to_string();
                    if let Some(k) = names.iter().position(|n| *n == s) {
                        seen[k] = true;
                    }
                }
                TokenTree::Group(g) => walk(g.stream(), names, seen),
                _ => {}
            }
        }
    }
    let candidates: Vec<&str> = names.iter().copied().filter(|n| text.contains(n)).collect();
    if candidates.is_empty() {
        return Vec::new();
    }
    let mut seen = vec![false; candidates.len()];
    match text.parse::<TokenStream>() {
        Ok(ts) => walk(ts, &candidates, &mut seen),
        // Unparsable text may name anything.
        Err(_) => seen.iter_mut().for_each(|s| *s = true),
    }
    proc_macro2::extra::invalidate_current_thread_spans();
    candidates
        .into_iter()
        .zip(seen)
        .filter_map(|(n, s)| s.then_some(n))
        .collect()
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

/// The comments in a piece of Rust source, as byte ranges, with whether each is a `//` comment.
/// String, raw string and character literals are skipped, so `"//"` is not a comment.
pub(crate) fn comments(text: &str) -> Vec<(Range<usize>, bool)> {
    let mut out = Vec::new();
    lex(text, |piece| {
        if let Piece::Comment(range, line) = piece {
            out.push((range, line));
        }
    });
    out
}

/// The deepest nesting of `(`, `[` and `{` in a piece of Rust source, outside comments and
/// literals.
pub(crate) fn max_nesting(text: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    lex(text, |piece| match piece {
        Piece::Code(b'(' | b'[' | b'{') => {
            depth += 1;
            max = max.max(depth);
        }
        Piece::Code(b')' | b']' | b'}') => depth = depth.saturating_sub(1),
        _ => {}
    });
    max
}

/// What [`lex`] reports.
enum Piece {
    /// A comment's range, and whether it is a `//` comment.
    Comment(Range<usize>, bool),
    /// A byte of code outside comments and literals.
    Code(u8),
}

/// A light lexer: reports comments and the bytes of code outside comments and string,
/// raw string and character literals.
fn lex(text: &str, mut report: impl FnMut(Piece)) {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                let end = text[i..].find('\n').map_or(b.len(), |n| i + n);
                // A `\r` before the newline belongs to the line ending, not the comment.
                let end = if end > i && b[end - 1] == b'\r' {
                    end - 1
                } else {
                    end
                };
                report(Piece::Comment(i..end, true));
                i = end;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut depth = 0;
                let start = i;
                while i < b.len() {
                    if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                report(Piece::Comment(start..i.min(b.len()), false));
            }
            b'"' => i = skip_string(b, i + 1, 0),
            b'r' if matches!(b.get(i + 1), Some(b'"' | b'#'))
                && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')) =>
            {
                let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
                if b.get(i + 1 + hashes) == Some(&b'"') {
                    i = skip_string(b, i + 2 + hashes, hashes);
                } else {
                    report(Piece::Code(b[i]));
                    i += 1;
                }
            }
            b'\'' => {
                // A character literal (`'('`, `'\''`), or else a lifetime.
                let len = if b.get(i + 1) == Some(&b'\\') {
                    b[i + 2..].iter().position(|&c| c == b'\'').map(|p| p + 3)
                } else {
                    let ch = text[i + 1..].chars().next().map_or(0, char::len_utf8);
                    (b.get(i + 1 + ch) == Some(&b'\'')).then_some(ch + 1)
                };
                i += len.map_or(1, |l| l + 1);
            }
            c => {
                report(Piece::Code(c));
                i += 1;
            }
        }
    }
}

/// The index after a string literal's closing quote (followed by `hashes` `#`s for a raw
/// string); `from` is just after the opening quote.
fn skip_string(b: &[u8], from: usize, hashes: usize) -> usize {
    let mut i = from;
    while i < b.len() {
        if hashes == 0 && b[i] == b'\\' {
            i += 2;
            continue;
        }
        if b[i] == b'"'
            && b[i + 1..]
                .iter()
                .take(hashes)
                .filter(|&&c| c == b'#')
                .count()
                == hashes
        {
            return i + 1 + hashes;
        }
        i += 1;
    }
    b.len()
}

/// The replacement for a deleted range of source that keeps the comments in it: a `//` comment
/// is followed by a newline and `indent`, so what follows stays code; other comments are
/// separated by a space (`space_first`: also before the first one).
pub(crate) fn kept_comments(
    removed: &str,
    newline: &str,
    indent: &str,
    space_first: bool,
) -> String {
    let mut out = String::new();
    let mut after_line_comment = false;
    for (range, line) in comments(removed) {
        if (out.is_empty() && space_first) || (!out.is_empty() && !after_line_comment) {
            out.push(' ');
        }
        out.push_str(&removed[range]);
        after_line_comment = line;
        if line {
            out.push_str(newline);
            out.push_str(indent);
        }
    }
    out
}
