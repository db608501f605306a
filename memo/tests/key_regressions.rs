//! Wrong cache hits that came from keys, reproduced through `#[memo]`.

use memo::{CacheKey, memo};
use serde::{Deserialize, Serialize};

/// Regression: `-0.0` was keyed as `0.0`, so `reciprocal(-0.0)` returned the cached `inf`.
#[test]
fn negative_zero_is_its_own_argument() {
    #[memo]
    fn reciprocal(x: f64) -> f64 {
        1.0 / x
    }
    assert_eq!(reciprocal(0.0), f64::INFINITY);
    assert_eq!(reciprocal(-0.0), f64::NEG_INFINITY);
    assert_eq!(reciprocal::stats().hits, 0);
    // NaN arguments share one key, so a NaN call is a hit the second time.
    assert!(reciprocal(f64::NAN).is_nan());
    assert!(reciprocal(-f64::NAN).is_nan());
    assert_eq!(reciprocal::stats().hits, 1);
}

/// The same in a `Vec<f64>` (the bulk slice path).
#[test]
fn negative_zero_in_a_vector() {
    #[memo]
    fn signs(xs: Vec<f64>) -> String {
        xs.iter()
            .map(|x| if x.is_sign_negative() { '-' } else { '+' })
            .collect()
    }
    assert_eq!(signs(vec![1.0, 0.0]), "++");
    assert_eq!(signs(vec![1.0, -0.0]), "+-");
}

/// Serialized as its content only, so through serde `Square(1.0)` is keyed as `Circle(1.0)`.
#[derive(Serialize, Deserialize, CacheKey)]
#[serde(untagged)]
enum Shape {
    Circle(f64),
    Square(f64),
}

/// Regression: with only `Serialize`, `area(Square(1.0))` returned `area(Circle(1.0))`'s result;
/// `#[derive(CacheKey)]` puts the variant in the key (and takes precedence over serde).
#[test]
fn untagged_enum_variants_are_different_arguments() {
    #[memo]
    fn area(shape: Shape) -> f64 {
        match shape {
            Shape::Circle(r) => std::f64::consts::PI * r * r,
            Shape::Square(s) => s * s,
        }
    }
    assert_eq!(area(Shape::Circle(1.0)), std::f64::consts::PI);
    assert_eq!(area(Shape::Square(1.0)), 1.0);
}

#[derive(Serialize, CacheKey)]
struct Query {
    table: String,
    #[serde(skip)]
    limit: usize,
}

/// Regression: a `#[serde(skip)]` field was not in the key, so `limit = 3` was served
/// `limit = 1`'s result.
#[test]
fn serde_skipped_fields_are_in_the_derived_key() {
    #[memo]
    fn rows(q: Query) -> Vec<u32> {
        (0..q.limit as u32).collect()
    }
    let q = |limit| Query {
        table: "t".into(),
        limit,
    };
    assert_eq!(rows(q(1)).len(), 1);
    assert_eq!(rows(q(3)).len(), 3);
}
