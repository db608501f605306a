//! `KeyHasher` gives exactly `xxh3_128` of the bytes written, however they were split.

use cache_key::KeyHasher;
use proptest::prelude::*;
use xxhash_rust::xxh3::xxh3_128;

/// One call on the hasher, and the bytes it must append.
#[derive(Debug, Clone)]
enum Op {
    Raw(Vec<u8>),
    Tag(u8),
    Len(usize),
    Str(String),
    Bytes(Vec<u8>),
}

impl Op {
    fn apply(&self, h: &mut KeyHasher, expected: &mut Vec<u8>) {
        match self {
            Op::Raw(b) => {
                h.write(b);
                expected.extend_from_slice(b);
            }
            Op::Tag(t) => {
                h.write_tag(*t);
                expected.push(*t);
            }
            Op::Len(n) => {
                h.write_len(*n);
                expected.extend_from_slice(&(*n as u64).to_le_bytes());
            }
            Op::Str(s) => {
                h.write_str(s);
                expected.extend_from_slice(&(s.len() as u64).to_le_bytes());
                expected.extend_from_slice(s.as_bytes());
            }
            Op::Bytes(b) => {
                h.write_bytes(b);
                expected.extend_from_slice(&(b.len() as u64).to_le_bytes());
                expected.extend_from_slice(b);
            }
        }
    }
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => prop::collection::vec(any::<u8>(), 0..=20).prop_map(Op::Raw),
        2 => any::<u8>().prop_map(Op::Tag),
        2 => any::<usize>().prop_map(Op::Len),
        1 => ".{0,12}".prop_map(Op::Str),
        1 => prop::collection::vec(any::<u8>(), 0..=12).prop_map(Op::Bytes),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    /// Framing helpers mixed with raw pieces, across the inline limit and into streaming.
    #[test]
    fn helpers_in_any_order_match_xxh3_128(ops in prop::collection::vec(op(), 0..24)) {
        let mut h = KeyHasher::new();
        let mut expected = Vec::new();
        for op in &ops {
            op.apply(&mut h, &mut expected);
        }
        prop_assert_eq!(h.finish().0, xxh3_128(&expected), "{} bytes", expected.len());
    }

    /// Byte strings of every length up to 240, cut at random points.
    #[test]
    fn random_splits_match_xxh3_128(
        bytes in prop::collection::vec(any::<u8>(), 0..=240),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..12),
    ) {
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c.index(bytes.len() + 1)).collect();
        cuts.sort_unstable();
        let mut h = KeyHasher::new();
        let mut from = 0;
        for &to in cuts.iter().chain([bytes.len()].iter()) {
            h.write(&bytes[from..to]);
            from = to;
        }
        prop_assert_eq!(h.finish().0, xxh3_128(&bytes));
    }
}

/// Every length up to past the inline limit, written whole, byte by byte and in pieces of
/// every width from 2 to 9 (so each piece lands at every offset within a word).
#[test]
fn every_length_and_piece_width_matches_xxh3_128() {
    for len in 0..=260 {
        let bytes: Vec<u8> = (0..len)
            .map(|i| (i as u8).wrapping_mul(151) ^ 0x5A)
            .collect();
        let want = xxh3_128(&bytes);
        for width in 1..=9 {
            let mut h = KeyHasher::new();
            for piece in bytes.chunks(width) {
                h.write(piece);
            }
            assert_eq!(h.finish().0, want, "length {len}, pieces of {width}");
        }
        let mut h = KeyHasher::new();
        h.write(&bytes);
        assert_eq!(h.finish().0, want, "length {len}, whole");
        // A leading tag shifts every later piece off word alignment.
        let mut h = KeyHasher::new();
        let mut framed = vec![7];
        h.write_tag(7);
        h.write(&bytes);
        framed.extend_from_slice(&bytes);
        assert_eq!(h.finish().0, xxh3_128(&framed), "length {len} after a tag");
    }
}

/// `finish` leaves the hasher usable: writing more after a digest continues the same stream.
#[test]
fn finish_then_continue_matches_xxh3_128() {
    let mut h = KeyHasher::new();
    let mut all = Vec::new();
    for i in 0..250u32 {
        let piece = i.to_le_bytes();
        h.write(&piece[..(i % 4 + 1) as usize]);
        all.extend_from_slice(&piece[..(i % 4 + 1) as usize]);
        assert_eq!(h.finish().0, xxh3_128(&all), "after {} bytes", all.len());
    }
}
