//! The one place that knows the byte encoding of values (bincode 2, standard configuration).
//!
//! bincode is flagged unmaintained (RUSTSEC-2025-0141); keeping it behind this module means
//! swapping it (postcard, bitcode, ...) touches nothing else (and bumps
//! [`format::VERSION`](super::format::VERSION)). bincode is not self-describing: bytes decode as
//! whatever type asks for them, which is why entries carry a type fingerprint
//! ([`super::schema`]). Decoding from a slice never allocates more than the input justifies:
//! serde caps pre-allocation of sequences, and strings and byte buffers are read through
//! bincode's borrowed path, which checks the input holds them before anything is allocated
//! (bincode's owned path allocates the announced length first: a 5-byte input could ask for
//! 4 GiB). Nesting deeper than 256 levels is refused rather than overflowing the stack.

use std::fmt;
use std::marker::PhantomData;

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
/// use cache_store::persist::codec::{decode, encode};
/// let bytes = encode(&(1u8, "a")).unwrap();
/// let back: (u8, String) = decode(&bytes).unwrap();
/// assert_eq!(back, (1, "a".to_string()));
/// ```
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, CodecError> {
    bincode::serde::encode_to_vec(value, config()).map_err(|e| CodecError(e.to_string()))
}

/// Decodes a value; trailing bytes are an error (they mean the bytes are not what we wrote).
///
/// Safe on untrusted bytes: allocations are bounded by the input and nesting by 256 levels.
///
/// ```
/// // A string announcing 4 GiB in a 5-byte input: an error, not an allocation.
/// assert!(cache_store::persist::codec::decode::<String>(&[0xfc, 0x60, 0xfb, 0x00, 0xff]).is_err());
/// ```
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CodecError> {
    let (value, used) =
        bincode::serde::seed_decode_from_slice(Bounded(PhantomData::<T>), bytes, config())
            .map_err(|e| CodecError(e.to_string()))?;
    if used != bytes.len() {
        return Err(CodecError(format!(
            "{} trailing bytes after the value",
            bytes.len() - used
        )));
    }
    Ok(value)
}

/// Deserializes `T` through the bounding adapter.
struct Bounded<T>(PhantomData<T>);

impl<'de, T: serde::Deserialize<'de>> serde::de::DeserializeSeed<'de> for Bounded<T> {
    type Value = T;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        T::deserialize(super::bounded::De::new(d))
    }
}

/// A type that the codec cannot round-trip: what failed, for an error message that names the
/// type and the way out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundTripError {
    /// `std::any::type_name` of the type.
    pub type_name: &'static str,
    /// Whether encoding (rather than decoding what was encoded) failed.
    pub encoding: bool,
    /// The codec's message.
    pub detail: String,
}

impl fmt::Display for RoundTripError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let step = if self.encoding {
            "cannot be encoded"
        } else {
            "is encoded but cannot be decoded back"
        };
        write!(
            f,
            "values of `{}` {step} by bincode ({}); serde attributes that need a \
             self-describing format (`#[serde(tag = ..)]`, `#[serde(untagged)]`, \
             `#[serde(flatten)]`) are the usual cause",
            self.type_name, self.detail
        )
    }
}

impl std::error::Error for RoundTripError {}

/// Encoder, decoder and type fingerprint of values of `T`, as function pointers so the caches
/// holding a `Codec<T>` need no serde bounds themselves.
pub struct Codec<T> {
    encode: fn(&T) -> Result<Vec<u8>, CodecError>,
    decode: fn(&[u8]) -> Result<T, CodecError>,
    fingerprint: fn() -> u64,
}

impl<T> fmt::Debug for Codec<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Codec<{}>(bincode)", std::any::type_name::<T>())
    }
}

impl<T> Clone for Codec<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Codec<T> {}

impl<T: Serialize + DeserializeOwned + 'static> Codec<T> {
    /// The bincode codec of `T`, with the structural fingerprint of `T`.
    ///
    /// ```
    /// let c = cache_store::persist::codec::Codec::<Vec<u8>>::bincode();
    /// let bytes = c.encode(&vec![1, 2]).unwrap();
    /// assert_eq!(c.decode(&bytes).unwrap(), vec![1, 2]);
    /// assert!(c.decode(&bytes[..1]).is_err());
    /// assert_ne!(c.fingerprint(), cache_store::persist::codec::Codec::<Vec<i8>>::bincode().fingerprint());
    /// ```
    pub fn bincode() -> Self {
        Self {
            encode: |v| encode(v),
            decode: |b| decode(b),
            fingerprint: super::schema::fingerprint::<T>,
        }
    }
}

impl<T> Codec<T> {
    /// Encodes a value.
    pub fn encode(&self, value: &T) -> Result<Vec<u8>, CodecError> {
        (self.encode)(value)
    }

    /// Decodes a value; trailing bytes are an error.
    pub fn decode(&self, bytes: &[u8]) -> Result<T, CodecError> {
        (self.decode)(bytes)
    }

    /// The type fingerprint (computed on each call; callers keep it).
    pub fn fingerprint(&self) -> u64 {
        (self.fingerprint)()
    }

    /// Encodes `value` and checks that the bytes decode again; returns the bytes.
    ///
    /// ```
    /// use cache_store::persist::codec::Codec;
    /// #[derive(serde::Serialize, serde::Deserialize)]
    /// #[serde(tag = "kind")]
    /// enum Shape { Circle { r: u32 } }
    ///
    /// let err = Codec::<Shape>::bincode().round_trip(&Shape::Circle { r: 1 }).unwrap_err();
    /// assert!(err.to_string().contains("Shape"), "{err}");
    /// assert!(Codec::<u8>::bincode().round_trip(&1).is_ok());
    /// ```
    pub fn round_trip(&self, value: &T) -> Result<Vec<u8>, RoundTripError> {
        let fail = |encoding, e: CodecError| RoundTripError {
            type_name: std::any::type_name::<T>(),
            encoding,
            detail: e.0,
        };
        let bytes = self.encode(value).map_err(|e| fail(true, e))?;
        self.decode(&bytes).map_err(|e| fail(false, e))?;
        Ok(bytes)
    }
}
