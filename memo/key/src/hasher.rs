//! The streaming hasher and the key it produces.

use std::fmt;
use std::mem::MaybeUninit;

use xxhash_rust::xxh3::{Xxh3, xxh3_128};

/// A 128-bit cache key: the xxh3-128 digest of a framed byte stream.
///
/// ```
/// use cache_key::KeyHasher;
///
/// let mut h = KeyHasher::new();
/// h.write_str("hello");
/// let key = h.finish();
/// assert_eq!(key.to_string().len(), 32); // lowercase hex
/// ```
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key(pub u128);

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Key({self})")
    }
}

/// Bytes kept inline before switching to the streaming state. Keys of scalar and short-string
/// arguments fit, and hashing them one-shot is several times cheaper than setting up and
/// finalising a streaming xxh3 state (which matters on every cache hit).
const INLINE: usize = 192;

/// xxh3-128 hasher with helpers for framing: one-shot over an inline buffer for small inputs,
/// streaming beyond that. Both give the same digest for the same bytes.
///
/// Feeding `a` then `b` gives the same digest as feeding `a ‖ b`, so implementations may write
/// a value in as many pieces as is convenient (polars chunks, for instance) without changing the
/// key. Framing is the implementer's job: see [`crate::KeyHash`].
///
/// ```
/// use cache_key::KeyHasher;
///
/// let mut a = KeyHasher::new();
/// a.write(b"ab");
/// a.write(b"c");
/// let mut b = KeyHasher::new();
/// b.write(b"abc");
/// assert_eq!(a.finish(), b.finish());
/// ```
#[derive(Clone)]
pub struct KeyHasher {
    /// Uninitialised beyond `len`: zeroing 192 bytes on every key was a visible share of a
    /// cache hit (an out-of-line `memcpy` per call).
    buf: [MaybeUninit<u8>; INLINE],
    len: usize,
    stream: Option<Box<Xxh3>>,
}

impl Default for KeyHasher {
    #[inline(always)]
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for KeyHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyHasher").finish_non_exhaustive()
    }
}

impl KeyHasher {
    /// A hasher with the fixed default seed (never a random one).
    #[inline(always)]
    pub fn new() -> Self {
        Self {
            buf: [const { MaybeUninit::uninit() }; INLINE],
            len: 0,
            stream: None,
        }
    }

    /// Writes raw bytes, unframed.
    #[inline]
    pub fn write(&mut self, bytes: &[u8]) {
        if let Some(stream) = &mut self.stream {
            stream.update(bytes);
        } else if let Some(room) = self.buf.get_mut(self.len..self.len + bytes.len()) {
            room.write_copy_of_slice(bytes);
            self.len += bytes.len();
        } else {
            self.spill(bytes);
        }
    }

    /// The inline bytes written so far.
    #[inline]
    fn written(&self) -> &[u8] {
        // SAFETY: `write` initialises `buf[..len]` before it advances `len`, and `len` never
        // exceeds `INLINE` (it only grows through the bounds-checked `get_mut` in `write`).
        unsafe { self.buf[..self.len].assume_init_ref() }
    }

    #[cold]
    fn spill(&mut self, bytes: &[u8]) {
        let mut stream = Box::new(Xxh3::new());
        stream.update(self.written());
        stream.update(bytes);
        self.stream = Some(stream);
    }

    /// Writes one tag byte (type or variant discriminator).
    #[inline]
    pub fn write_tag(&mut self, tag: u8) {
        self.write(&[tag]);
    }

    /// Writes a length or count as a little-endian `u64`, so lengths never depend on `usize`.
    #[inline]
    pub fn write_len(&mut self, len: usize) {
        self.write(&(len as u64).to_le_bytes());
    }

    /// Writes a length-framed UTF-8 string.
    #[inline]
    pub fn write_str(&mut self, s: &str) {
        self.write_len(s.len());
        self.write(s.as_bytes());
    }

    /// Writes a length-framed byte string.
    #[inline]
    pub fn write_bytes(&mut self, b: &[u8]) {
        self.write_len(b.len());
        self.write(b);
    }

    /// The digest of everything written so far (the hasher can keep going).
    #[inline]
    pub fn finish(&self) -> Key {
        match &self.stream {
            Some(stream) => Key(stream.digest128()),
            None => Key(xxh3_128(self.written())),
        }
    }
}
