//! Key values pinned as computed before the hit-path work on key building: persisted disk and
//! redis entries, and keys shared between processes, are found by these digests, so a faster
//! way to compute them must give the same bits.

use cache_key::{KeyBuilder, KeyHash, KeyHasher, function_key};

fn builder_key(steps: impl FnOnce(&mut KeyBuilder)) -> String {
    let mut b = KeyBuilder::new();
    steps(&mut b);
    b.finish().expect("these values hash").to_string()
}

#[test]
fn value_keys_are_unchanged() {
    let cases = [
        ("empty", builder_key(|_| {})),
        (
            "x: u64",
            builder_key(|b| {
                b.param("x");
                b.key_hash(&0x0123_4567_89ab_cdefu64);
            }),
        ),
        (
            "n: i32, s: &str",
            builder_key(|b| {
                b.param("n");
                b.key_hash(&-7i32);
                b.param("s");
                b.key_hash("hello");
            }),
        ),
        (
            "v: Vec<u8> (spills past the inline buffer)",
            builder_key(|b| {
                b.param("v");
                b.key_hash(&(0..=255u8).collect::<Vec<u8>>());
            }),
        ),
        (
            "serde tuple",
            builder_key(|b| {
                b.param("t");
                b.serialize(&(1u16, "a", Some(2.5f64)));
            }),
        ),
    ];
    let got: Vec<String> = cases.iter().map(|(n, k)| format!("{n}: {k}")).collect();
    let want = PINNED_VALUE_KEYS;
    assert_eq!(
        got, want,
        "a value key changed: persisted entries would be missed"
    );
}

#[test]
fn function_and_hasher_keys_are_unchanged() {
    assert_eq!(
        function_key("app::data", "load", 0xfeed_u128 << 64 | 0xbeef).to_string(),
        PINNED_FUNCTION_KEY
    );
    let mut h = KeyHasher::new();
    h.write_str("x");
    42u64.key_hash(&mut h);
    assert_eq!(h.finish().to_string(), PINNED_HASHER_KEY);
}

// Computed with the key code of the harness's main branch before this file existed.
const PINNED_VALUE_KEYS: [&str; 5] = [
    "empty: 99aa06d3014798d86001c324468d497f",
    "x: u64: f3a29fafc968f1f064ecf595d8237b8e",
    "n: i32, s: &str: 3625072e961007d6ff2d94d622dcca4a",
    "v: Vec<u8> (spills past the inline buffer): 12a574e586fb42c208bd120e99c86fc8",
    "serde tuple: 5bad3e893cbf9f13798f29b4902423ab",
];
const PINNED_FUNCTION_KEY: &str = "0692f50d533b2910be8f8fc2eca380c9";
const PINNED_HASHER_KEY: &str = "e79410483e0be2b52a6504893d0fb2e3";
