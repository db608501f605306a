//! The properties the fuzz targets check (`memo/store/fuzz`), shared with the stable-toolchain
//! replay in `tests/fuzz_replay.rs`, so both check exactly the same thing.

use std::collections::BTreeMap;

use cache_store::persist::codec::{decode, encode};
use cache_store::persist::format::{
    HEADER_LEN, decode_entry, decode_entry_owned, decode_header, encode_entry,
};
use cache_store::persist::{Entry, EntryHeader, EntryKey};
use serde::{Deserialize, Serialize};

fn u64_at(data: &[u8], at: usize) -> u64 {
    let mut b = [0u8; 8];
    for (i, x) in b.iter_mut().enumerate() {
        *x = data.get(at + i).copied().unwrap_or(0);
    }
    u64::from_le_bytes(b)
}

/// The entry decoder on untrusted bytes. Two modes, chosen by the first byte:
/// - raw: arbitrary bytes never panic, and whatever decodes re-encodes to exactly those bytes;
/// - damaged: a valid entry built from the input, then truncated or with one byte changed,
///   never decodes (the checksums cover every byte), while the undamaged one round-trips.
pub fn entry(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 2 == 0 {
        let header = decode_header(rest);
        // The owned decoder (used on server replies) agrees with the borrowing one exactly.
        let owned = decode_entry_owned(rest.to_vec());
        assert_eq!(owned, decode_entry(rest));
        match decode_entry(rest) {
            Ok(entry) => {
                assert!(header.is_ok());
                assert_eq!(encode_entry(&entry), rest);
            }
            Err(e) => assert!(!e.detail.is_empty()),
        }
        return;
    }
    // Damaged: fields from the first 40 bytes, the payload after them.
    let ttl = u64_at(rest, 24);
    let entry = Entry {
        header: EntryHeader {
            key: EntryKey {
                function: (u128::from(u64_at(rest, 0)) << 64) | 7,
                value: u128::from(u64_at(rest, 8)),
            },
            fingerprint: u64_at(rest, 16),
            created_ms: u64_at(rest, 32),
            ttl_ms: (ttl != u64::MAX).then_some(ttl),
        },
        payload: rest.get(40..).unwrap_or_default().to_vec(),
    };
    let mut bytes = encode_entry(&entry);
    assert_eq!(decode_entry(&bytes).as_ref(), Ok(&entry));
    let at = (u64_at(rest, 0) % bytes.len() as u64) as usize;
    if mode % 4 == 1 {
        bytes.truncate(at);
    } else {
        bytes[at] ^= (mode >> 2) | 1;
    }
    assert!(
        decode_entry_owned(bytes.clone()).is_err(),
        "owned decoder: damage at byte {at} went unnoticed"
    );
    assert!(
        decode_entry(&bytes).is_err(),
        "damage at byte {at} of {} (header {HEADER_LEN}) went unnoticed",
        bytes.len()
    );
}

/// Every serde shape persistence meets, recursion included.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub enum Node {
    /// A unit variant.
    Leaf,
    /// A newtype variant.
    Value(i64),
    /// A tuple variant.
    Pair(u8, char),
    /// A struct variant, recursive through a sequence.
    Named {
        /// A string.
        label: String,
        /// Recursion.
        children: Vec<Node>,
    },
    /// Recursion through a box.
    Boxed(Box<Node>),
}

/// Integers, floats, strings, bytes, options, sequences, maps, tuples, nested enums, unit.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct Record {
    id: u128,
    ratio: f64,
    name: String,
    bytes: Vec<u8>,
    tags: Option<Vec<String>>,
    index: BTreeMap<String, (u16, i32)>,
    tree: Node,
    unit: (),
}

/// The typed payload decoder on untrusted bytes: never panics, never allocates beyond what the
/// input holds, and what it accepts survives a round trip (decoding its encoding gives a value
/// with the same encoding; bytes rather than values are compared because NaN != NaN, and the
/// first encoding may differ from the input where bincode accepts a non-minimal form).
pub fn payload(data: &[u8]) {
    if let Ok(record) = decode::<Record>(data) {
        let once = encode(&record).expect("decoded values encode");
        let again: Record = decode(&once).expect("our own encoding decodes");
        assert_eq!(encode(&again).expect("encodes"), once);
    }
    let _ = decode::<Vec<Node>>(data);
    let _ = decode::<String>(data);
    let _ = decode::<Vec<u8>>(data);
}
