//! The main job's pipeline end to end on tiny inputs: every requested variant and workload is
//! measured, and `report.md`, `report.csv`, the SVG plots and the README block are written with
//! the header fields. This tests the pipeline, not the numbers.

use std::sync::Mutex;

use cache_harness::suite::Config;
use cache_harness::variants::{Variant, Workload};

/// The caches are process-wide statics: a run clearing them while another measures hits would
/// turn hits into misses, so the tests take turns.
static SERIAL: Mutex<()> = Mutex::new(());

#[test]
fn main_job_writes_every_variant_and_the_header() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().expect("temp dir");
    let readme = dir.path().join("README.md");
    std::fs::write(
        &readme,
        "# Title\n\nBefore.\n\n<!-- results:start -->\nstale figures\n<!-- results:end -->\n\nAfter.\n",
    )
    .unwrap();
    let mut config = Config::tiny(dir.path().join("out"));
    // One frame height at the legacy sampling threshold, so the blind-spot demonstrations have a
    // row outside the sample.
    config.frame_rows = vec![1_000, legacy_cache::frames::ROWS_LARGE];
    config.arg_rows = vec![legacy_cache::frames::ROWS_LARGE];
    config.readme = Some(readme.clone());
    config.allocator = "system (test)".into();

    let (results, written) = cache_harness::run(&config).expect("the main job runs");

    // Every (workload, variant) the workload supports was measured (the async variants on the
    // async tasks only), and every hit was a hit.
    let async_tasks = config.async_tasks();
    assert_eq!(
        async_tasks,
        vec![
            (Workload::Scalar, 1),
            (Workload::Frame { str_len: 12 }, 1_000)
        ]
    );
    for (workload, size) in config.tasks() {
        let on_async_task = async_tasks.contains(&(workload, size));
        for v in Variant::ALL
            .into_iter()
            .filter(|&v| workload.supports(v) && (on_async_task || !v.is_async()))
        {
            let row = results
                .row(workload, size, v)
                .unwrap_or_else(|| panic!("{} missing for {}", v.id(), workload.id()));
            assert!(
                row.all_hits,
                "{} on {}: timed calls were not all hits",
                v.id(),
                workload.id()
            );
            assert!(row.hit.median > 0.0);
            assert_eq!(
                row.miss.is_some(),
                v.role() != cache_harness::variants::Role::Floor
            );
        }
    }

    // The sampled legacy check misses a change outside its sample; the full check does not.
    let big = results
        .blind_spots
        .iter()
        .find(|b| b.rows == legacy_cache::frames::ROWS_LARGE)
        .expect("demonstrated at the threshold");
    assert_eq!(big.sampled_outside, Some(false));
    assert_eq!(big.full_outside, Some(true));
    let arg = &results.arg_blind_spots[0];
    assert!(!arg.legacy_sampled && arg.legacy_full && arg.memo);
    let async_rows = results.rows.iter().filter(|r| r.variant.is_async()).count();
    assert_eq!(
        async_rows,
        2 * Variant::ASYNC.len(),
        "async rows on the two async tasks only"
    );

    // Every stampede contender ran; ours and moka's `get_with` ran the body once per round.
    let contenders: Vec<_> = results.stampedes.iter().map(|s| s.contender).collect();
    assert_eq!(
        contenders,
        cache_harness::async_suite::Contender::ALL.to_vec()
    );
    for s in &results.stampedes {
        assert!(
            s.values_correct,
            "{}: a caller got a wrong value",
            s.contender.id()
        );
        assert!(
            s.min_runs() >= 1,
            "{}: the body never ran",
            s.contender.id()
        );
        if s.contender.promises_single_flight() {
            assert!(
                s.single_flight(),
                "{}: body runs {:?}",
                s.contender.id(),
                s.body_runs
            );
        }
    }

    let md = std::fs::read_to_string(&written.markdown).unwrap();
    let csv = std::fs::read_to_string(&written.csv).unwrap();
    for field in [
        "**Date:**",
        "**Machine:**",
        "logical cores",
        "**Allocator:** system (test)",
        "rustc ",
        "polars 0.55",
        "cached 4.1",
        "id: i64, value: f64, flag: bool, label: String",
        "strings of 12 and 24 bytes",
        "## Targets",
        "## Mechanisms",
        "## Scaling",
        "slope",
        "## Async",
        "one `block_on`",
        "concurrent misses of one key",
        "moka-future get_with",
    ] {
        assert!(md.contains(field), "report.md lacks {field:?}");
    }
    for v in Variant::ALL {
        assert!(
            md.contains(&format!("| {} |", v.id())),
            "report.md lacks {}",
            v.id()
        );
        assert!(
            csv.contains(&format!(",{},", v.id())),
            "report.csv lacks {}",
            v.id()
        );
    }
    for w in [
        Workload::Frame { str_len: 12 },
        Workload::Frame { str_len: 24 },
        Workload::Records,
        Workload::Scalar,
        Workload::ScalarNoArgs,
        Workload::FrameArg { hashed: true },
        Workload::FrameArg { hashed: false },
    ] {
        assert!(
            csv.contains(&format!("\n{},", w.id())),
            "report.csv lacks {}",
            w.id()
        );
    }
    assert_eq!(
        csv.lines().count(),
        results.rows.len() + results.mt.rows.len() + 1
    );

    // The multi-threaded workload: every pattern × thread count × variant, in report and CSV.
    let mt = cache_harness::mt::MtConfig::from_suite(&config);
    assert_eq!(
        results.mt.rows.len(),
        mt.patterns.len() * mt.threads.len() * mt.variants().len()
    );
    for row in &results.mt.rows {
        assert!(row.total() > 0.0, "{row:?}");
        let id = results.mt.workload_id(row);
        assert!(csv.contains(&format!("\n{id},")), "report.csv lacks {id}");
    }
    assert_eq!(results.mt.hit_ratios.len(), mt.variants().len());
    for field in [
        "## Threads",
        "mt hits only",
        "Hit ratio on the Zipf keys",
        "| quick-cache |",
    ] {
        assert!(md.contains(field), "report.md lacks {field:?}");
    }

    // One plot per workload measured at two sizes: both W1 string lengths.
    assert_eq!(written.plots.len(), 2);
    for p in &written.plots {
        let svg = std::fs::read_to_string(p).unwrap();
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("memo-serialized") && svg.contains("polyline"));
    }

    let text = std::fs::read_to_string(&readme).unwrap();
    assert!(text.starts_with("# Title\n\nBefore.\n\n<!-- results:start -->\n"));
    assert!(text.ends_with("<!-- results:end -->\n\nAfter.\n"));
    assert!(!text.contains("stale figures"));
    assert!(text.contains("**Date:**") && text.contains("| memo-cow |"));
    assert!(text.contains("### Threads"));
}

#[test]
fn a_readme_without_markers_is_an_error_and_left_alone() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let readme = dir.path().join("README.md");
    std::fs::write(&readme, "no markers here\n").unwrap();
    let mut config = Config::tiny(dir.path().join("out"));
    config.groups = vec![cache_harness::suite::Group::W3];
    config.readme = Some(readme.clone());
    let err = cache_harness::run(&config).expect_err("no block to replace");
    assert!(err.to_string().contains("results:start"));
    assert_eq!(
        std::fs::read_to_string(&readme).unwrap(),
        "no markers here\n"
    );
}

#[test]
fn the_async_group_alone_runs_its_two_tasks_and_the_stampedes() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::tiny(dir.path().join("out"));
    config.groups = vec![cache_harness::suite::Group::Async];
    let (results, written) = cache_harness::run(&config).expect("the main job runs");
    assert_eq!(config.tasks(), config.async_tasks());
    for v in Variant::ASYNC {
        for (workload, size) in config.async_tasks() {
            let row = results
                .row(workload, size, v)
                .unwrap_or_else(|| panic!("{} missing for {}", v.id(), workload.id()));
            assert!(row.all_hits && row.miss.is_some(), "{}", v.id());
        }
    }
    // The blocking twins the overhead target compares with are in the same run.
    assert!(
        results
            .row(Workload::Scalar, 1, Variant::MemoSerialized)
            .is_some()
    );
    assert!(
        results
            .row(Workload::Scalar, 1, Variant::Singleton)
            .is_some()
    );
    assert_eq!(
        results.stampedes.len(),
        cache_harness::async_suite::Contender::ALL.len()
    );
    let md = std::fs::read_to_string(&written.markdown).unwrap();
    assert!(md.contains("| memo-async |") && md.contains("one `block_on`"));
    let console = cache_harness::report::stampede_console(&results);
    assert_eq!(console.lines().count(), results.stampedes.len());
}

#[test]
fn without_the_async_group_there_are_no_async_rows_nor_stampedes() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::tiny(dir.path().join("out"));
    config.groups = vec![cache_harness::suite::Group::W3];
    config.readme = None;
    let (results, written) = cache_harness::run(&config).expect("the main job runs");
    assert!(results.rows.iter().all(|r| !r.variant.is_async()));
    assert!(results.stampedes.is_empty());
    let md = std::fs::read_to_string(&written.markdown).unwrap();
    assert!(!md.contains("## Async"));
}

#[test]
fn the_stampede_count_sees_callers_getting_through_without_single_flight() {
    use cache_harness::async_suite::{self, Contender};
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // The control: without single flight, callers that arrive during the 1 ms body run it
    // too. A round can see a single run when the spawning thread is descheduled for longer
    // than the body, so several rounds are taken and one with more runs is enough.
    let budget = cache_harness::measure::Budget {
        time: std::time::Duration::ZERO,
        min_samples: 8,
        max_samples: 8,
    };
    let rt = async_suite::runtime();
    let control =
        async_suite::stampede(&rt, Contender::CachedUnsynced, async_suite::TASKS, &budget);
    assert_eq!(control.body_runs.len(), 8);
    assert!(control.values_correct);
    assert!(
        control.max_runs() > 1,
        "control body runs {:?}",
        control.body_runs
    );
    assert!(!control.single_flight());
    let ours = async_suite::stampede(&rt, Contender::MemoAsync, async_suite::TASKS, &budget);
    assert!(
        ours.single_flight() && ours.values_correct,
        "{:?}",
        ours.body_runs
    );
}
