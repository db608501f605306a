//! The one place that knows the byte encoding (bincode 2, standard configuration).
//!
//! bincode is flagged unmaintained (RUSTSEC-2025-0141); keeping it behind these two functions
//! means swapping it (postcard, bitcode, ...) touches nothing else. Decoding from a slice never
//! allocates more than the input justifies: serde caps pre-allocation of sequences, and strings
//! and byte buffers are bounded by the remaining input.

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// An encoding or decoding failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodecError(pub String);

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CodecError {}

fn config() -> bincode::config::Configuration {
    bincode::config::standard()
}

/// Encodes a value.
///
/// ```
/// let bytes = memo::codec::encode(&(1u8, "a")).unwrap();
/// let back: (u8, String) = memo::codec::decode(&bytes).unwrap();
/// assert_eq!(back, (1, "a".to_string()));
/// ```
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, CodecError> {
    bincode::serde::encode_to_vec(value, config()).map_err(|e| CodecError(e.to_string()))
}

/// Decodes a value; trailing bytes are an error (they mean the bytes are not what we wrote).
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CodecError> {
    let (value, used) = bincode::serde::decode_from_slice(bytes, config())
        .map_err(|e| CodecError(e.to_string()))?;
    if used != bytes.len() {
        return Err(CodecError(format!(
            "{} trailing bytes after the value",
            bytes.len() - used
        )));
    }
    Ok(value)
}
