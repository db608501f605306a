//! The async part of the report: how the async rows are measured, and the stampede table
//! (markdown for `report.md`, plain text for the console).

use std::fmt::Write as _;

use crate::async_suite::{BODY_SLEEP, Stampede};
use crate::measure::fmt_time;
use crate::suite::{Results, thousands};

/// How the async hit rows were measured (empty without async rows).
pub(super) fn method_text(results: &Results) -> String {
    if !results.rows.iter().any(|r| r.variant.is_async()) {
        return String::new();
    }
    "The async rows (`memo-async`, `singleton-async`, `cached-async`, `moka-future`) call the same bodies as their blocking twins, measured in the same task: each case owns a tokio current-thread runtime (built outside timing) and every sample awaits its whole batch of calls inside one `block_on`, so the runtime's entry cost is paid once per batch, not per call.\n".into()
}

fn runs_cell(s: &Stampede) -> String {
    let (lo, hi) = (s.min_runs(), s.max_runs());
    if lo == hi {
        thousands(lo as usize)
    } else {
        format!("{}–{}", thousands(lo as usize), thousands(hi as usize))
    }
}

/// The stampede table (markdown), with its method; empty without stampedes.
pub(super) fn stampede_text(results: &Results) -> String {
    let Some(first) = results.stampedes.first() else {
        return String::new();
    };
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} tokio tasks, spawned on one multi-thread runtime ({} workers), call one cold key at once; the body counts its run, then awaits a {} `tokio::time::sleep`. Time = from the first spawn until every task has the value, one round per sample, a fresh key per round. Body runs = how many times the body ran in a round (1 = single flight; `cached` without `sync_writes` is the control that lets callers through).\n",
        thousands(first.tasks),
        first.workers,
        fmt_time(BODY_SLEEP.as_secs_f64()),
    );
    s.push_str("| cache | median time until all have the value | fastest / slowest round | rounds | body runs per round | every caller got the right value |\n");
    s.push_str("|---|---:|---:|---:|---:|:-:|\n");
    for st in &results.stampedes {
        let _ = writeln!(
            s,
            "| {} | {} | {} / {} | {} | {} | {} |",
            st.contender.id(),
            fmt_time(st.time.median),
            fmt_time(st.time.min),
            fmt_time(st.time.max),
            st.time.samples,
            runs_cell(st),
            if st.values_correct { "yes" } else { "**no**" },
        );
    }
    s
}

/// The stampede results as plain text for the console (empty without stampedes).
///
/// ```
/// let mut config = cache_harness::suite::Config::tiny("unused".into());
/// config.groups = vec![cache_harness::suite::Group::W3];
/// let env = cache_harness::machine::Environment::detect("test");
/// let results = cache_harness::suite::run(&config, env);
/// assert_eq!(cache_harness::report::stampede_console(&results), "");
/// ```
pub fn stampede_console(results: &Results) -> String {
    let mut s = String::new();
    for st in &results.stampedes {
        let _ = writeln!(
            s,
            "{:<32} {} tasks: all have the value after {} (median of {}), body ran {} per round{}",
            st.contender.id(),
            thousands(st.tasks),
            fmt_time(st.time.median),
            st.time.samples,
            runs_cell(st),
            if st.values_correct {
                ""
            } else {
                ", SOME CALLERS GOT A WRONG VALUE"
            },
        );
    }
    s
}
