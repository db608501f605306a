//! The streaming hasher and the key it produces.

use std::fmt;
use std::mem::MaybeUninit;

use xxhash_rust::xxh3::Xxh3;

use crate::xxh3_short::{self, Words};

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
/// finalising a streaming xxh3 state (which matters on every cache hit). As long as
/// [`xxh3_short`] hashes in one shot: everything it implements is used.
const INLINE: usize = xxh3_short::MAX_LEN;
const _: () = assert!(INLINE.is_multiple_of(8));

/// Inline words: whole `u64` slots, so that the digest reads back exactly what was stored.
const WORDS: usize = INLINE / 8;

/// xxh3-128 hasher with helpers for framing: one-shot over inline words for small inputs,
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
    /// Little-endian words of the input, `words[..full]` initialised. Pieces are gathered in
    /// `tail` and stored only as whole words: hashing bytes written as narrower pieces made
    /// xxh3's 8-byte loads miss store forwarding, about 10 ns per key. Uninitialised beyond
    /// `full`: zeroing the inline buffer on every key was a visible share of a cache hit.
    words: [MaybeUninit<u64>; WORDS],
    full: usize,
    /// The last `pending` bytes written (low bytes first), zero above them.
    tail: u64,
    pending: usize,
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

/// `bytes` (1 to 7 of them) as a little-endian word, from two overlapping loads instead of a
/// copy into a scratch buffer (which would itself be a narrow store read back wide).
#[inline(always)]
fn load_short(bytes: &[u8]) -> u64 {
    let n = bytes.len();
    debug_assert!((1..8).contains(&n));
    let le = |at: usize, w: usize| {
        let mut v = 0;
        for (k, b) in bytes[at..at + w].iter().enumerate() {
            v |= u64::from(*b) << (8 * k);
        }
        v
    };
    if n >= 4 {
        // The two halves overlap on identical bytes, so or-ing them is exact.
        le(0, 4) | (le(n - 4, 4) << (8 * (n - 4)))
    } else if n >= 2 {
        le(0, 2) | (le(n - 2, 2) << (8 * (n - 2)))
    } else {
        u64::from(bytes[0])
    }
}

impl KeyHasher {
    /// A hasher with the fixed default seed (never a random one).
    #[inline(always)]
    pub fn new() -> Self {
        Self {
            words: [const { MaybeUninit::uninit() }; WORDS],
            full: 0,
            tail: 0,
            pending: 0,
            stream: None,
        }
    }

    /// Bytes written so far, while inline.
    #[inline(always)]
    fn inline_len(&self) -> usize {
        self.full * 8 + self.pending
    }

    /// Writes raw bytes, unframed.
    #[inline]
    pub fn write(&mut self, bytes: &[u8]) {
        if let Some(stream) = &mut self.stream {
            stream.update(bytes);
        } else if self.inline_len() + bytes.len() <= INLINE {
            let (whole, rest) = bytes.as_chunks::<8>();
            for w in whole {
                self.push(u64::from_le_bytes(*w), 8);
            }
            if !rest.is_empty() {
                self.push(load_short(rest), rest.len());
            }
        } else {
            self.spill(bytes);
        }
    }

    /// Appends `n` (1 to 8) bytes held in the low bytes of `v` (zero above them). The caller
    /// has checked that they fit inline.
    #[inline(always)]
    fn push(&mut self, v: u64, n: usize) {
        let joined = u128::from(self.tail) | (u128::from(v) << (8 * self.pending));
        let pending = self.pending + n;
        if pending >= 8 {
            self.words[self.full] = MaybeUninit::new(joined as u64);
            self.full += 1;
            self.tail = (joined >> 64) as u64;
            self.pending = pending - 8;
        } else {
            self.tail = joined as u64;
            self.pending = pending;
        }
    }

    /// The whole inline words written so far.
    #[inline(always)]
    fn full_words(&self) -> &[u64] {
        // SAFETY: `push` initialises `words[full]` before it advances `full`, and `full` never
        // exceeds `WORDS` (`write` only pushes what fits in `INLINE` bytes). `MaybeUninit<u64>`
        // has the layout of `u64`.
        unsafe { self.words[..self.full].assume_init_ref() }
    }

    #[cold]
    fn spill(&mut self, bytes: &[u8]) {
        let mut stream = Box::new(Xxh3::new());
        for w in self.full_words() {
            stream.update(&w.to_le_bytes());
        }
        stream.update(&self.tail.to_le_bytes()[..self.pending]);
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
    // `always`: out of line, the call and the spilled word view cost about 4 ns per keyed hit;
    // inlined, a key of fixed length folds to one xxh3 branch.
    #[inline(always)]
    pub fn finish(&self) -> Key {
        match &self.stream {
            Some(stream) => Key(stream.digest128()),
            None => Key(xxh3_short::xxh3_128(&Words {
                full: self.full_words(),
                tail: self.tail,
                len: self.inline_len(),
            })),
        }
    }
}
