//! Applying byte-range edits to a text, rustfix-style: sorted, non-overlapping, back to front.

use crate::model::Edit;
use std::fmt;

/// Two edits touch the same bytes; the tool never guesses which one wins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverlapError {
    /// Ranges that collided, as `(start, end)` pairs.
    pub first: (usize, usize),
    /// The second range.
    pub second: (usize, usize),
}

impl fmt::Display for OverlapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "overlapping edits {}..{} and {}..{}",
            self.first.0, self.first.1, self.second.0, self.second.1
        )
    }
}

impl std::error::Error for OverlapError {}

/// Applies `edits` to `text`. Edits may come in any order; overlapping ranges or ranges that
/// do not fall on character boundaries are rejected. Two pure insertions at the same offset are
/// applied in the order given.
///
/// ```
/// use migrate::{apply_edits, Applicability, Edit, Rule};
/// let e = Edit::new(2..7, "memo", Rule::CacheToMemo, Applicability::Safe, "");
/// assert_eq!(apply_edits("#[cache]", &[e]).unwrap(), "#[memo]");
/// ```
pub fn apply_edits(text: &str, edits: &[Edit]) -> Result<String, OverlapError> {
    let mut order: Vec<usize> = (0..edits.len()).collect();
    order.sort_by_key(|&i| (edits[i].range.start, edits[i].range.end, i));
    let mut out = String::with_capacity(text.len() + 64);
    let mut cursor = 0usize;
    let mut prev: Option<(usize, usize)> = None;
    for i in order {
        let r = &edits[i].range;
        let bad = r.start > r.end
            || r.end > text.len()
            || !text.is_char_boundary(r.start)
            || !text.is_char_boundary(r.end);
        let overlaps = r.start < cursor
            || prev.is_some_and(|(ps, pe)| {
                ps < pe && r.start == r.end && r.start > ps && r.start < pe
            });
        if bad || overlaps {
            return Err(OverlapError {
                first: prev.unwrap_or((0, 0)),
                second: (r.start, r.end),
            });
        }
        out.push_str(&text[cursor..r.start]);
        out.push_str(&edits[i].replacement);
        cursor = r.end;
        prev = Some((r.start, r.end));
    }
    out.push_str(&text[cursor..]);
    Ok(out)
}
