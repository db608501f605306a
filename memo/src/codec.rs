//! The byte encoding of cached values: a re-export of [`cache_store::persist::codec`], the one
//! place that knows it (bincode 2, standard configuration), so memo's serialized storage and its
//! persisted entries can never disagree.
//!
//! ```
//! let bytes = memo::codec::encode(&(1u8, "a")).unwrap();
//! let back: (u8, String) = memo::codec::decode(&bytes).unwrap();
//! assert_eq!(back, (1, "a".to_string()));
//! ```

pub use cache_store::persist::codec::{CodecError, RoundTripError, decode, encode};
