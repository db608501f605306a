//! Building a value key from a function's parameters.

use std::fmt;

use serde::Serialize;

use crate::{Key, KeyHash, KeyHasher, hash_serialize};

/// Why a value key could not be built. The cached function is then called without caching.
///
/// Boxed, so that `Result<Key, KeyError>` stays two words wide: it travels through every cache
/// hit, and a wide error made the key path measurably slower.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyError(Box<Detail>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Detail {
    param: String,
    reason: String,
}

impl KeyError {
    /// The parameter whose value failed to hash.
    pub fn param(&self) -> &str {
        &self.0.param
    }

    /// What the serializer reported.
    pub fn reason(&self) -> &str {
        &self.0.reason
    }
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot hash argument `{}`: {}; prefix the parameter with `_` to leave it out of the \
             cache key, or add `hash_funcs(...)` for its type",
            self.0.param, self.0.reason
        )
    }
}

impl std::error::Error for KeyError {}

/// Accumulates `(parameter name, value)` pairs in declaration order into a value key.
///
/// Parameter names are part of the stream, as in Streamlit's `_make_value_key`, so the same
/// values under other names give another key. Serialization through serde can fail at run time
/// (a `Serialize` impl may return an error); the first failure is remembered and reported by
/// [`KeyBuilder::finish`].
///
/// ```
/// use cache_key::KeyBuilder;
///
/// let mut b = KeyBuilder::new();
/// b.param("n");
/// b.key_hash(&42u64);
/// let k1 = b.finish().unwrap();
///
/// let mut b = KeyBuilder::new();
/// b.param("m");
/// b.key_hash(&42u64);
/// assert_ne!(k1, b.finish().unwrap());
/// ```
#[derive(Debug)]
pub struct KeyBuilder {
    hasher: KeyHasher,
    current: &'static str,
    error: Option<KeyError>,
}

impl Default for KeyBuilder {
    #[inline(always)]
    fn default() -> Self {
        Self::new()
    }
}

impl KeyBuilder {
    /// An empty builder.
    // `always`: built in place in the caller's frame; otherwise the 200-byte builder is
    // moved with an out-of-line `memcpy` on every cache hit.
    #[inline(always)]
    pub fn new() -> Self {
        Self {
            hasher: KeyHasher::new(),
            current: "",
            error: None,
        }
    }

    /// Starts the next parameter.
    #[inline]
    pub fn param(&mut self, name: &'static str) {
        self.current = name;
        self.hasher.write_str(name);
    }

    /// Hashes a value through its [`KeyHash`] impl.
    #[inline]
    pub fn key_hash<T: KeyHash + ?Sized>(&mut self, value: &T) {
        value.key_hash(&mut self.hasher);
    }

    /// Hashes a value through serde; a serializer error is recorded for [`KeyBuilder::finish`].
    pub fn serialize<T: Serialize + ?Sized>(&mut self, value: &T) {
        if let Err(e) = hash_serialize(value, &mut self.hasher)
            && self.error.is_none()
        {
            self.error = Some(KeyError(Box::new(Detail {
                param: self.current.to_string(),
                reason: e.to_string(),
            })));
        }
    }

    /// The raw hasher, for `hash_funcs` results and receivers.
    #[inline]
    pub fn hasher(&mut self) -> &mut KeyHasher {
        &mut self.hasher
    }

    /// The value key, or the first hashing error.
    #[inline(always)]
    pub fn finish(self) -> Result<Key, KeyError> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(self.hasher.finish()),
        }
    }
}

/// The key of a function: its module path, its name and a hash of its tokens (attribute
/// included), so two functions never share entries and an edited function never hits entries
/// persisted by its old version.
///
/// ```
/// let a = cache_key::function_key("app::data", "load", 1);
/// assert_ne!(a, cache_key::function_key("app::data", "load", 2));
/// assert_ne!(a, cache_key::function_key("app::data", "save", 1));
/// ```
pub fn function_key(module: &str, name: &str, tokens: u128) -> Key {
    let mut h = KeyHasher::new();
    h.write_str(module);
    h.write_str(name);
    h.write(&tokens.to_le_bytes());
    h.finish()
}
