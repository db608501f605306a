//! The entry decoder on untrusted bytes. Two modes, chosen by the first byte:
//! - raw: arbitrary bytes never panic, and whatever decodes re-encodes to exactly those bytes;
//! - damaged: a valid entry built from the input, then truncated or with one byte changed,
//!   never decodes (the checksums cover every byte), while the undamaged one round-trips.
#![no_main]

use cache_store::persist::format::{HEADER_LEN, decode_entry, decode_header, encode_entry};
use cache_store::persist::{Entry, EntryHeader, EntryKey};
use libfuzzer_sys::fuzz_target;

fn u64_at(data: &[u8], at: usize) -> u64 {
    let mut b = [0u8; 8];
    for (i, x) in b.iter_mut().enumerate() {
        *x = data.get(at + i).copied().unwrap_or(0);
    }
    u64::from_le_bytes(b)
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 2 == 0 {
        let header = decode_header(rest);
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
                function: u128::from(u64_at(rest, 0)) << 64 | 7,
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
    let at = (u64_at(rest, 0) as usize) % bytes.len();
    if mode % 4 == 1 {
        bytes.truncate(at);
    } else {
        let flip = (mode >> 2) | 1;
        bytes[at] ^= flip;
    }
    assert!(
        decode_entry(&bytes).is_err(),
        "damage at byte {at} of {} (header {HEADER_LEN}) went unnoticed",
        bytes.len()
    );
});
