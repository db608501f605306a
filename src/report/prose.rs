//! The report's text: the header describing the run, and the mechanisms behind the figures,
//! each paragraph with figures computed from the run.

use std::fmt::Write as _;

use super::format::{at, fmt_ratio};
use super::lookup::{largest, million, sizes, slope, w1_workloads};
use super::targets::CLAIM;
use crate::measure::fmt_time;
use crate::suite::{Results, thousands};
use crate::variants::{Variant, Workload};
use crate::workloads;

/// The header lines (machine, versions, shapes), as a markdown list.
pub fn header(results: &Results) -> String {
    let e = &results.env;
    let mut s = String::new();
    let _ = writeln!(s, "- **Date:** {}", e.date);
    let _ = writeln!(
        s,
        "- **Machine:** {}, {} logical cores{}, {}",
        e.cpu,
        e.cores,
        e.memory
            .as_ref()
            .map(|m| format!(", {m} memory"))
            .unwrap_or_default(),
        e.os
    );
    let _ = writeln!(
        s,
        "- **Allocator:** {} (global allocator of the measuring binary)",
        e.allocator
    );
    let _ = writeln!(
        s,
        "- **Versions:** {}, polars {}, {}; build profile `{}`{}",
        e.rustc,
        e.polars,
        e.peers,
        e.profile,
        e.polars_threads
            .as_ref()
            .map(|t| format!(", POLARS_MAX_THREADS={t}"))
            .unwrap_or_default()
    );
    if let (Some(a), Some(b)) = (e.load_at_start, results.load_at_end) {
        let _ = writeln!(
            s,
            "- **Load average (1 min):** {a:.2} at start, {b:.2} at end (on {} cores; anything above what the harness itself uses means other processes shared the machine)",
            e.cores
        );
    }
    let c = &results.config;
    let _ = writeln!(
        s,
        "- **W1 frames:** {}; `label` strings of {} bytes (≤ 12 bytes are stored inline in the Arrow string view); {} rows",
        workloads::FRAME_DTYPES,
        c.str_lens
            .iter()
            .map(|l| l.to_string())
            .collect::<Vec<_>>()
            .join(" and "),
        c.frame_rows
            .iter()
            .map(|&r| thousands(r))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(
        s,
        "- **W2 records:** `Vec<Feature>`, {}; {} records",
        workloads::RECORD_SHAPE,
        c.record_counts
            .iter()
            .map(|&r| thousands(r))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(
        s,
        "- **W3:** `fn(x: u64) -> u64` and `fn() -> u64`. **W4:** `fn(df: &DataFrame, tag: u64) -> u64` vs `fn(_df: &DataFrame, tag: u64) -> u64`, frames as W1 with 12-byte strings, {} rows",
        c.arg_rows
            .iter()
            .map(|&r| thousands(r))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(
        s,
        "- **Method:** each variant is warmed by misses (each after a clear), then hits are timed in batches sized to ~1/40 of a {} ms budget per measurement (at least {} samples); the table shows the median per call. A hit is the call as a user writes it: arguments hashed into the key, the value returned as the primitive returns it, `black_box`ed and **dropped inside the timed region** (a decoded copy is freed, an `Arc` decremented). Data are generated from a fixed seed ({:#x}). Run time {:.0} s.",
        c.budget.time.as_millis(),
        c.budget.min_samples,
        workloads::SEED,
        results.elapsed.as_secs_f64()
    );
    s
}

/// Short explanations of the mechanisms, each with figures computed from this run.
pub fn mechanisms(results: &Results) -> Vec<String> {
    PARAGRAPHS.iter().filter_map(|p| p(results)).collect()
}

/// The mechanism paragraphs, in report order; each is left out when its figures were not
/// measured in this run.
const PARAGRAPHS: [fn(&Results) -> Option<String>; 5] = [
    sampled_check,
    memo_decode,
    shared_values_stay_flat,
    where_the_claim_holds,
    argument_hashing,
];

/// A sampled legacy check is cheap but blind: its cost on the largest W1 frame, and what the
/// blind-spot demonstrations saw.
fn sampled_check(results: &Results) -> Option<String> {
    let w = *w1_workloads(results).first()?;
    let size = largest(results, w)?;
    let ts = results.hit(w, size, Variant::LegacySampled)?;
    let tf = results.hit(w, size, Variant::LegacyFull)?;
    let threshold = legacy_cache::frames::ROWS_LARGE;
    let mut p = format!(
        "**A sampled legacy check is cheap but blind.** Legacy hits re-hash the cached output to detect mutation. For frames of {} rows or more, Streamlit hashed a fixed {}-row sample. ",
        thousands(threshold),
        thousands(legacy_cache::frames::SAMPLE_SIZE),
    );
    if size >= threshold {
        let _ = write!(
            p,
            "On {} the sampled check's hit took {} against {} for the full check ({} the cost), and it barely grows with the frame (slope {}).",
            at(w, size),
            fmt_time(ts),
            fmt_time(tf),
            fmt_ratio(ts / tf),
            slope(results, w, Variant::LegacySampled)
                .map_or_else(|| "n/a".into(), |s| format!("{s:.2}")),
        );
    } else {
        let _ = write!(
            p,
            "No measured W1 frame reached that size (largest: {} rows), so both checks hashed every row ({} vs {}).",
            thousands(size),
            fmt_time(ts),
            fmt_time(tf)
        );
    }
    if let Some(b) = results
        .blind_spots
        .iter()
        .rev()
        .find(|b| b.sampled_outside.is_some())
    {
        let _ = write!(
            p,
            " It is blind outside its sample: after one cell of a {}-row cached frame was changed outside the {} sampled rows ({:.2}% of the frame), the sampled check {} and the full check {}.",
            thousands(b.rows),
            thousands(b.sampled_rows),
            100.0 * b.sampled_rows as f64 / b.rows as f64,
            if b.sampled_outside == Some(true) {
                "warned"
            } else {
                "did not warn"
            },
            if b.full_outside == Some(true) {
                "warned"
            } else {
                "did not warn"
            },
        );
    }
    if let Some(a) = results
        .arg_blind_spots
        .iter()
        .rev()
        .find(|a| !a.changed_in_sample)
    {
        let _ = write!(
            p,
            " Legacy hashes frame arguments the same way: called with a {}-row frame that differs outside the sample, the sampled legacy cache {}, the full one {} and memo {}.",
            thousands(a.rows),
            if a.legacy_sampled {
                "recomputed"
            } else {
                "returned the other frame's cached result (a wrong hit)"
            },
            if a.legacy_full {
                "recomputed"
            } else {
                "returned a wrong hit"
            },
            if a.memo {
                "recomputed"
            } else {
                "returned a wrong hit"
            },
        );
    }
    Some(p)
}

/// Memo (serialized) pays a decode proportional to the value's size, and more for longer
/// strings.
fn memo_decode(results: &Results) -> Option<String> {
    let w1 = w1_workloads(results);
    let w = *w1.first()?;
    let size = million(results, w)?;
    let tm = results.hit(w, size, Variant::MemoSerialized)?;
    let td = results.hit(w, size, Variant::FloorDecode)?;
    let mut p = format!(
        "**Memo (serialized) pays a decode proportional to the value's size.** Every hit decodes the stored bincode bytes into a fresh value, as Streamlit unpickled: on {} a hit took {}, {} the bare decode of the same bytes ({}), so the decode is the cost; its slope over the measured sizes is {}.",
        at(w, size),
        fmt_time(tm),
        fmt_ratio(tm / td),
        fmt_time(td),
        slope(results, w, Variant::MemoSerialized)
            .map_or_else(|| "n/a".into(), |s| format!("{s:.2}")),
    );
    if let (Some(w12), Some(w24)) = (
        w1.iter()
            .find(|w| matches!(w, Workload::Frame { str_len } if *str_len <= 12)),
        w1.iter()
            .find(|w| matches!(w, Workload::Frame { str_len } if *str_len > 12)),
    ) && let (Some(a), Some(b)) = (
        results.hit(*w12, size, Variant::MemoSerialized),
        results.hit(*w24, size, Variant::MemoSerialized),
    ) {
        let _ = write!(
            p,
            " String length matters: the same hit with {} was {} the one with {} (strings of 13+ bytes leave the inline view).",
            w24.label().trim_start_matches("W1 frame, "),
            fmt_ratio(b / a),
            w12.label().trim_start_matches("W1 frame, "),
        );
    }
    Some(p)
}

/// Copy-on-write and singleton hits stay flat from the smallest to the largest W1 frame.
fn shared_values_stay_flat(results: &Results) -> Option<String> {
    let w = *w1_workloads(results).first()?;
    let sz = sizes(results, w);
    if sz.len() < 2 {
        return None;
    }
    let (lo, hi) = (sz[0], sz[sz.len() - 1]);
    let mut parts = Vec::new();
    for v in [Variant::MemoCow, Variant::Singleton, Variant::LegacyMutable] {
        if let (Some(a), Some(b), Some(s)) = (
            results.hit(w, lo, v),
            results.hit(w, hi, v),
            slope(results, w, v),
        ) {
            parts.push(format!(
                "{} {} → {} (slope {s:.2})",
                v.id(),
                fmt_time(a),
                fmt_time(b)
            ));
        }
    }
    (!parts.is_empty()).then(|| {
        format!(
            "**Copy-on-write and singleton stay flat.** A polars `DataFrame::clone` shares its Arrow buffers (every safe mutation copies first), and a singleton hit is a map lookup plus an `Arc` clone, so neither touches the data: from {} to {} rows, {}.",
            thousands(lo),
            thousands(hi),
            parts.join(", ")
        )
    })
}

/// Where "memo is over 10× faster than st.cache" holds, row by row.
fn where_the_claim_holds(results: &Results) -> Option<String> {
    let mut holds = Vec::new();
    let mut fails = Vec::new();
    for r in results
        .rows
        .iter()
        .filter(|r| r.variant == Variant::MemoSerialized)
    {
        let (Some(xs), Some(xf)) = (
            results.speedup(r, Variant::LegacySampled),
            results.speedup(r, Variant::LegacyFull),
        ) else {
            continue;
        };
        let text = format!(
            "{} ({} / {})",
            at(r.workload, r.size),
            fmt_ratio(xs),
            fmt_ratio(xf)
        );
        if xs >= CLAIM && xf >= CLAIM {
            holds.push(text);
        } else {
            fails.push(text);
        }
    }
    (!holds.is_empty() || !fails.is_empty()).then(|| {
        format!(
            "**Where \"memo is over 10× faster than st.cache\" holds.** Memo's serialized hit (the design Streamlit shipped) against the legacy hit, as speedup vs the sampled / the full legacy check. It holds for: {}. It does not for: {}. Whether it holds depends on what the legacy check costs compared with a decode: re-hashing every record of W2 (md5 over each struct) costs more than decoding it; Streamlit's sampled check of a large frame costs less than any full decode; scalar hits are dominated by per-call overhead, not by copying. Memo's copy-on-write storage and singleton beat every legacy variant by orders of magnitude on large values, because they neither decode nor hash.",
            if holds.is_empty() { "no measured row".into() } else { holds.join("; ") },
            if fails.is_empty() { "no measured row".into() } else { fails.join("; ") },
        )
    })
}

/// Arguments are hashed on every call: a hashed against a `_`-skipped frame argument.
fn argument_hashing(results: &Results) -> Option<String> {
    let hashed = Workload::FrameArg { hashed: true };
    let skipped = Workload::FrameArg { hashed: false };
    let size = largest(results, hashed)?;
    let th = results.hit(hashed, size, Variant::MemoSerialized)?;
    let ts = results.hit(skipped, size, Variant::MemoSerialized)?;
    let mut p = format!(
        "**Arguments are hashed on every call.** With a {}-row frame argument, a memo hit took {} when the frame is part of the key and {} when it is `_`-skipped ({} faster).",
        thousands(size),
        fmt_time(th),
        fmt_time(ts),
        fmt_ratio(th / ts),
    );
    if let Some(tl) = results.hit(hashed, size, Variant::LegacySampled) {
        let _ = write!(
            p,
            " The legacy cache, which has no `_` rule and hashes frames by seeded row hashes (sampled above {} rows), took {} for the same call.",
            thousands(legacy_cache::frames::ROWS_LARGE),
            fmt_time(tl)
        );
    }
    Some(p)
}
