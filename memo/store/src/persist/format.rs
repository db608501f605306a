//! The entry layout, shared by every backend, and its decoder of untrusted bytes.
//!
//! Little-endian, [`HEADER_LEN`] bytes of header, then the payload:
//!
//! | bytes | field |
//! |---|---|
//! | 6 | magic `b"RCACHE"` |
//! | 2 | format version ([`VERSION`]) |
//! | 16 | function key |
//! | 16 | value key |
//! | 8 | type fingerprint |
//! | 8 | creation time, ms since the Unix epoch |
//! | 8 | TTL in ms, `u64::MAX` for none |
//! | 8 | payload length |
//! | 8 | xxh3-64 of the payload |
//! | 8 | xxh3-64 of the header bytes before it |
//!
//! The header has its own checksum so a reader can reject a foreign, stale-typed or expired entry
//! before reading (or fetching) its payload, and so a damaged creation time cannot make an
//! expired entry look fresh. The payload length is checked against the bytes actually present
//! before anything is allocated for them.

use xxhash_rust::xxh3::xxh3_64;

use super::{Entry, EntryHeader, EntryKey, PersistError};

/// File magic.
pub const MAGIC: [u8; 6] = *b"RCACHE";
/// Format version; bumped whenever the layout or the payload encoding changes, so entries
/// written by an older build are a miss rather than misread.
pub const VERSION: u16 = 2;
/// Length of the header.
pub const HEADER_LEN: usize = 6 + 2 + 16 + 16 + 8 + 8 + 8 + 8 + 8 + 8;
const NO_TTL: u64 = u64::MAX;

/// A decoded header plus what it says about the payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawHeader {
    /// The entry's header.
    pub header: EntryHeader,
    /// Announced payload length.
    pub payload_len: u64,
    /// Announced payload checksum.
    pub payload_sum: u64,
}

/// Encodes the header for `header` and `payload`.
pub fn encode_header(header: &EntryHeader, payload: &[u8]) -> [u8; HEADER_LEN] {
    let mut out = [0u8; HEADER_LEN];
    let mut at = 0;
    let mut put = |bytes: &[u8]| {
        out[at..at + bytes.len()].copy_from_slice(bytes);
        at += bytes.len();
    };
    put(&MAGIC);
    put(&VERSION.to_le_bytes());
    put(&header.key.function.to_le_bytes());
    put(&header.key.value.to_le_bytes());
    put(&header.fingerprint.to_le_bytes());
    put(&header.created_ms.to_le_bytes());
    put(&header.ttl_ms.unwrap_or(NO_TTL).to_le_bytes());
    put(&(payload.len() as u64).to_le_bytes());
    put(&xxh3_64(payload).to_le_bytes());
    let sum = xxh3_64(&out[..HEADER_LEN - 8]);
    out[HEADER_LEN - 8..].copy_from_slice(&sum.to_le_bytes());
    out
}

/// Encodes a whole entry.
///
/// ```
/// use cache_store::persist::format::{decode_entry, encode_entry};
/// use cache_store::persist::{Entry, EntryHeader, EntryKey};
///
/// let key = EntryKey { function: 1, value: 2 };
/// let entry = Entry { header: EntryHeader::now(key, 42, None), payload: vec![1, 2, 3] };
/// let bytes = encode_entry(&entry);
/// assert_eq!(decode_entry(&bytes).unwrap(), entry);
/// assert!(decode_entry(&bytes[..bytes.len() - 1]).is_err());
/// ```
pub fn encode_entry(entry: &Entry) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + entry.payload.len());
    out.extend_from_slice(&encode_header(&entry.header, &entry.payload));
    out.extend_from_slice(&entry.payload);
    out
}

/// Decodes and verifies a header from untrusted bytes (at least [`HEADER_LEN`] of them; more
/// are ignored).
pub fn decode_header(bytes: &[u8]) -> Result<RawHeader, PersistError> {
    let Some(head) = bytes.get(..HEADER_LEN) else {
        return Err(PersistError::corrupt(format!(
            "{} bytes is shorter than the {HEADER_LEN}-byte header",
            bytes.len()
        )));
    };
    if head[..6] != MAGIC {
        return Err(PersistError::corrupt("unknown format (bad magic)"));
    }
    let mut fields = Fields { head, at: 6 };
    let version = u16::from_le_bytes(fields.take());
    if version != VERSION {
        return Err(PersistError::corrupt(format!(
            "format version {version}, this build reads version {VERSION}"
        )));
    }
    let stored_sum = u64::from_le_bytes(head[HEADER_LEN - 8..].try_into().unwrap_or([0; 8]));
    if xxh3_64(&head[..HEADER_LEN - 8]) != stored_sum {
        return Err(PersistError::corrupt("header checksum mismatch"));
    }
    let function = u128::from_le_bytes(fields.take());
    let value = u128::from_le_bytes(fields.take());
    let fingerprint = u64::from_le_bytes(fields.take());
    let created_ms = u64::from_le_bytes(fields.take());
    let ttl = u64::from_le_bytes(fields.take());
    let payload_len = u64::from_le_bytes(fields.take());
    let payload_sum = u64::from_le_bytes(fields.take());
    Ok(RawHeader {
        header: EntryHeader {
            key: EntryKey { function, value },
            fingerprint,
            created_ms,
            ttl_ms: (ttl != NO_TTL).then_some(ttl),
        },
        payload_len,
        payload_sum,
    })
}

/// Checks a payload against its header.
pub fn verify_payload(raw: &RawHeader, payload: &[u8]) -> Result<(), PersistError> {
    if payload.len() as u64 != raw.payload_len {
        return Err(PersistError::corrupt(format!(
            "header announces {} payload bytes but {} are present",
            raw.payload_len,
            payload.len()
        )));
    }
    if xxh3_64(payload) != raw.payload_sum {
        return Err(PersistError::corrupt("payload checksum mismatch"));
    }
    Ok(())
}

/// Decodes a whole entry from untrusted bytes: the header, then exactly the announced payload.
pub fn decode_entry(bytes: &[u8]) -> Result<Entry, PersistError> {
    let raw = decode_header(bytes)?;
    let payload = &bytes[HEADER_LEN..];
    verify_payload(&raw, payload)?;
    Ok(Entry {
        header: raw.header,
        payload: payload.to_vec(),
    })
}

/// [`decode_entry`] of bytes the caller owns (a reply just read from a server): the payload
/// keeps their buffer, moved down over the header, instead of being copied into a new one. For
/// a 32 MB entry that is a `memmove` within memory already touched, where a copy also allocates
/// and faults in 32 MB of fresh pages.
///
/// ```
/// use cache_store::persist::format::{decode_entry_owned, encode_entry};
/// use cache_store::persist::{Entry, EntryHeader, EntryKey};
///
/// let key = EntryKey { function: 1, value: 2 };
/// let entry = Entry { header: EntryHeader::now(key, 42, None), payload: vec![1, 2, 3] };
/// assert_eq!(decode_entry_owned(encode_entry(&entry)).unwrap(), entry);
/// let mut damaged = encode_entry(&entry);
/// *damaged.last_mut().unwrap() ^= 1;
/// assert!(decode_entry_owned(damaged).is_err());
/// ```
pub fn decode_entry_owned(mut bytes: Vec<u8>) -> Result<Entry, PersistError> {
    let raw = decode_header(&bytes)?;
    verify_payload(&raw, &bytes[HEADER_LEN..])?;
    bytes.drain(..HEADER_LEN);
    Ok(Entry {
        header: raw.header,
        payload: bytes,
    })
}

/// Reads fixed-size fields in order (the header's length is checked before any read).
struct Fields<'a> {
    head: &'a [u8],
    at: usize,
}

impl Fields<'_> {
    fn take<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        out.copy_from_slice(&self.head[self.at..self.at + N]);
        self.at += N;
        out
    }
}
