//! The log-log plots of hit time against size, written as SVG by hand (one per workload
//! measured at two sizes or more).

use std::fmt::Write as _;

use super::lookup::{slope, variants_of};
use crate::measure::fmt_time;
use crate::suite::{Results, thousands};
use crate::variants::{Role, Variant, Workload};

pub(super) fn plot_name(workload: Workload) -> String {
    format!("hits-{}.svg", workload.id())
}

fn color(v: Variant) -> &'static str {
    match v {
        Variant::LegacySampled => "#d62728",
        Variant::LegacyFull => "#8c1c13",
        Variant::LegacyMutable => "#ff9896",
        Variant::MemoSerialized => "#1f77b4",
        Variant::MemoCow => "#17becf",
        Variant::Singleton => "#2ca02c",
        Variant::CachedClone => "#9467bd",
        Variant::CachedArc => "#c5b0d5",
        Variant::CachedOnce => "#e377c2",
        Variant::Moka => "#bcbd22",
        Variant::QuickCache => "#ff7f0e",
        // The async variants: darker shades of their blocking twins' colors.
        Variant::MemoAsync => "#0b3c61",
        Variant::SingletonAsync => "#145214",
        Variant::CachedAsync => "#5e3c80",
        Variant::MokaFuture => "#6b6b12",
        Variant::FloorMemcpy => "#7f7f7f",
        Variant::FloorDecode => "#393b79",
        Variant::FloorDashMap => "#000000",
        Variant::FloorKeyHash => "#8c564b",
    }
}

/// `10^d` seconds as a tick label without decimals: `1 ns`, `10 µs`, `100 ms`, `1 s`.
fn fmt_decade(d: i32) -> String {
    let (unit, base) = match d {
        i32::MIN..=-7 => ("ns", -9),
        -6..=-4 => ("µs", -6),
        -3..=-1 => ("ms", -3),
        _ => ("s", 0),
    };
    format!("{} {unit}", 10u64.pow((d - base).max(0) as u32))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('`', "")
}

/// A log-log SVG of hit time against size, one line per variant (floors dashed).
pub fn svg(results: &Results, workload: Workload) -> Option<String> {
    let series: Vec<(Variant, Vec<(f64, f64)>)> = variants_of(results, workload)
        .into_iter()
        .map(|v| {
            let mut pts: Vec<(f64, f64)> = results
                .rows
                .iter()
                .filter(|r| r.workload == workload && r.variant == v && r.hit.median > 0.0)
                .map(|r| (r.size as f64, r.hit.median))
                .collect();
            pts.sort_by(|a, b| a.0.total_cmp(&b.0));
            (v, pts)
        })
        .filter(|(_, p)| !p.is_empty())
        .collect();
    let all: Vec<(f64, f64)> = series.iter().flat_map(|(_, p)| p.iter().copied()).collect();
    if all.is_empty() {
        return None;
    }
    let lx = |x: f64| x.log10();
    let (mut x0, mut x1) = all.iter().fold((f64::MAX, f64::MIN), |(a, b), p| {
        (a.min(lx(p.0)), b.max(lx(p.0)))
    });
    let (mut y0, mut y1) = all.iter().fold((f64::MAX, f64::MIN), |(a, b), p| {
        (a.min(lx(p.1)), b.max(lx(p.1)))
    });
    // Whole decades around the data, at least one decade wide.
    x0 = x0.floor();
    x1 = x1.ceil().max(x0 + 1.0);
    y0 = y0.floor();
    y1 = y1.ceil().max(y0 + 1.0);
    let (w, h) = (920.0, 560.0);
    let (left, right, top, bottom) = (80.0, 330.0, 40.0, 60.0);
    let pw = w - left - right;
    let ph = h - top - bottom;
    let px = |x: f64| left + (lx(x) - x0) / (x1 - x0) * pw;
    let py = |y: f64| top + ph - (lx(y) - y0) / (y1 - y0) * ph;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="{w}" height="{h}" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{}" y="22" font-size="15" text-anchor="middle">Hit time vs {} — {} (log-log)</text>"#,
        left + pw / 2.0,
        workload.unit(),
        escape(&workload.label())
    );
    // Grid and tick labels at every decade.
    for d in (x0 as i32)..=(x1 as i32) {
        let x = left + (f64::from(d) - x0) / (x1 - x0) * pw;
        let _ = writeln!(
            s,
            r##"<line x1="{x:.1}" y1="{top}" x2="{x:.1}" y2="{}" stroke="#ddd"/><text x="{x:.1}" y="{}" text-anchor="middle">{}</text>"##,
            top + ph,
            top + ph + 18.0,
            thousands(10f64.powi(d) as usize)
        );
    }
    for d in (y0 as i32)..=(y1 as i32) {
        let y = top + ph - (f64::from(d) - y0) / (y1 - y0) * ph;
        let _ = writeln!(
            s,
            r##"<line x1="{left}" y1="{y:.1}" x2="{}" y2="{y:.1}" stroke="#ddd"/><text x="{}" y="{:.1}" text-anchor="end">{}</text>"##,
            left + pw,
            left - 6.0,
            y + 4.0,
            fmt_decade(d)
        );
    }
    let _ = writeln!(
        s,
        r##"<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#333"/>"##
    );
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle">{}</text>"#,
        left + pw / 2.0,
        h - 16.0,
        workload.unit()
    );
    let _ = writeln!(
        s,
        r#"<text x="18" y="{}" text-anchor="middle" transform="rotate(-90 18 {})">median hit time</text>"#,
        top + ph / 2.0,
        top + ph / 2.0
    );
    for (i, (v, pts)) in series.iter().enumerate() {
        let c = color(*v);
        let dash = if v.role() == Role::Floor {
            r#" stroke-dasharray="6 4""#
        } else {
            ""
        };
        let path: Vec<String> = pts
            .iter()
            .map(|&(x, y)| format!("{:.1},{:.1}", px(x), py(y)))
            .collect();
        let _ = writeln!(
            s,
            r#"<polyline points="{}" fill="none" stroke="{c}" stroke-width="2"{dash}/>"#,
            path.join(" ")
        );
        for &(x, y) in pts {
            let _ = writeln!(
                s,
                r#"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="{c}"><title>{} at {}: {}</title></circle>"#,
                px(x),
                py(y),
                v.id(),
                thousands(x as usize),
                fmt_time(y)
            );
        }
        let ly = top + 10.0 + i as f64 * 20.0;
        let lx0 = left + pw + 20.0;
        let _ = writeln!(
            s,
            r#"<line x1="{lx0}" y1="{ly}" x2="{}" y2="{ly}" stroke="{c}" stroke-width="2"{dash}/><text x="{}" y="{}">{}{}</text>"#,
            lx0 + 24.0,
            lx0 + 30.0,
            ly + 4.0,
            v.id(),
            slope(results, workload, *v)
                .map(|s| format!(" (slope {s:.2})"))
                .unwrap_or_default()
        );
    }
    s.push_str("</svg>\n");
    Some(s)
}
