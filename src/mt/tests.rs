//! The workload's streams, rows and hit ratios. The cached functions are process-wide statics,
//! so tests that call them take [`SERIAL`] first.

use std::sync::{Mutex, PoisonError};

use cache_store::Eviction;
use cache_store::testing::Model;

use super::*;

static SERIAL: Mutex<()> = Mutex::new(());

fn tiny(patterns: Vec<Pattern>, variants: Vec<Variant>) -> MtConfig {
    MtConfig {
        threads: vec![1, 2],
        patterns,
        variants,
        round: Duration::from_millis(2),
        rounds: 2,
        ratio_ops: 20_000,
    }
}

#[test]
fn streams_draw_from_their_key_sets() {
    let hits = stream(Pattern::Hits, 3);
    assert_eq!(hits.len(), STREAM_LEN);
    assert!(hits.iter().all(|&k| k < HOT_KEYS));
    assert_ne!(hits[0], stream(Pattern::Hits, 0)[0], "threads start apart");

    let mixed = stream(Pattern::Mixed, 0);
    let fresh = mixed.iter().filter(|&&k| k == FRESH).count() as f64 / STREAM_LEN as f64;
    assert!((fresh - 1.0 / MISS_ONE_IN as f64).abs() < 0.01, "{fresh}");
    assert!(mixed.iter().all(|&k| k == FRESH || k < HOT_KEYS));

    let zipf = stream(Pattern::Zipf, 0);
    assert!(zipf.iter().all(|&k| (k as usize) < ZIPF_KEYS));
    assert_ne!(
        zipf,
        stream(Pattern::Zipf, 1),
        "each thread has its own seed"
    );
}

#[test]
fn workload_ids_name_pattern_and_threads() {
    let r = MtResults::default();
    let row = MtRow {
        pattern: Pattern::Zipf,
        threads: 4,
        variant: Variant::Moka,
        rounds: vec![3.0, 1.0, 2.0],
        ops: 10,
        misses: 1,
    };
    assert_eq!(r.workload_id(&row), "mt-zipf-t4");
    assert_eq!(row.total(), 2.0);
    assert_eq!(row.per_thread(), 0.5);
    assert_eq!(row.miss_fraction(), 0.1);
}

#[test]
fn rows_cover_every_variant_and_thread_count_and_count_misses() {
    let _g = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
    let config = tiny(
        vec![Pattern::Hits, Pattern::Mixed],
        functions::VARIANTS.to_vec(),
    );
    let mut steps = 0;
    let r = run(&config, |_| steps += 1);
    assert_eq!(steps, config.steps());
    assert_eq!(r.rows.len(), 2 * 2 * functions::VARIANTS.len());
    assert!(r.hit_ratios.is_empty(), "no Zipf pattern, no hit ratios");
    for row in &r.rows {
        assert!(row.total() > 0.0 && row.ops > 0, "{row:?}");
        assert_eq!(row.rounds.len(), 2);
        match row.pattern {
            Pattern::Hits => assert_eq!(row.misses, 0, "warm keys must hit: {row:?}"),
            // Every fresh key misses; a hot key never does (capacity 1,000 ≫ 100 hot keys).
            _ => assert!(
                (0.05..0.2).contains(&row.miss_fraction()),
                "about 1 call in 10 misses: {row:?}"
            ),
        }
    }
}

#[test]
fn zero_threads_make_no_row() {
    let _g = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
    let mut config = tiny(vec![Pattern::Hits], vec![Variant::QuickCache]);
    config.threads = vec![0, 1];
    let r = run(&config, |_| {});
    assert_eq!(r.thread_counts(), vec![1]);
    assert_eq!(config.steps(), 1);
    assert!(Prepared::new(Variant::QuickCache, Pattern::Hits, 0).is_none());
}

#[test]
fn variants_outside_the_workload_are_skipped() {
    let config = tiny(
        vec![Pattern::Hits],
        vec![
            Variant::LegacyFull,
            Variant::FloorDashMap,
            Variant::QuickCache,
        ],
    );
    assert_eq!(config.variants(), vec![Variant::QuickCache]);
    assert!(functions::function(Variant::LegacySampled).is_none());
    assert!(hit_ratio(Variant::FloorDecode, 10).is_none());
}

/// Hits of the store's reference model, bounded to `capacity` and evicting by `eviction`, on
/// the same calls `hit_ratio` makes.
fn model_hits(eviction: Eviction, capacity: usize, ops: usize) -> u64 {
    let mut z = Zipf::new(ZIPF_KEYS, ZIPF_EXPONENT, SEED ^ 0x2171).unwrap();
    let mut model: Model<(), u64> = Model::with_eviction(None, Some(capacity), eviction);
    let mut hits = 0;
    for i in 0..ops / 4 + ops {
        let k = z.sample();
        let hit = model.lookup(&k).is_some();
        if !hit {
            model.insert(k, ());
        }
        if hit && i >= ops / 4 {
            hits += 1;
        }
    }
    hits
}

#[test]
fn every_cache_matches_its_eviction_model_and_every_policy_has_a_plausible_ratio() {
    let _g = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
    let ops = 20_000;
    let expect = |v: Variant, eviction: Eviction| {
        let r = hit_ratio(v, ops).unwrap();
        let hits = model_hits(eviction, functions::CAPACITY, ops);
        assert_eq!(
            (r.hits, r.ops),
            (hits, ops as u64),
            "{v:?} is not {eviction:?}"
        );
    };
    // Memo and singleton evict by CLOCK; `cached`'s `SizedCache` is an exact LRU.
    for v in [
        Variant::MemoSerialized,
        Variant::MemoCow,
        Variant::Singleton,
    ] {
        expect(v, Eviction::Clock);
    }
    expect(Variant::CachedClone, Eviction::Lru);
    // The others use other policies; on this skew anything sane lands well between an empty
    // cache and a perfect one (the 1,000 most popular keys take about 76% of calls).
    for v in [Variant::Moka, Variant::QuickCache, Variant::MemoCow] {
        let r = hit_ratio(v, ops).unwrap().ratio();
        assert!((0.5..0.9).contains(&r), "{v:?}: {r}");
    }
}

#[test]
fn the_suite_configures_the_workload_from_its_budget() {
    let mut c = Config::tiny("unused".into());
    let m = MtConfig::from_suite(&c);
    assert_eq!(m.round, Duration::from_millis(1), "rounds never below 1 ms");
    assert_eq!(m.ratio_ops, 4_000);
    assert_eq!(m.variants(), functions::VARIANTS.to_vec());
    assert_eq!(m.steps(), 3 * 3 * 6 + 6);
    c.budget.time = Duration::from_millis(300);
    let m = MtConfig::from_suite(&c);
    assert_eq!(m.round, Duration::from_millis(30));
    assert_eq!(m.ratio_ops, 400_000);
}
