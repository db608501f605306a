//! xxh3-128 (default secret, seed 0) of inputs up to 240 bytes, reading the input as
//! little-endian words assembled from whole `u64` slots instead of as bytes.
//!
//! [`crate::KeyHasher`] writes a key in small pieces (a tag byte, an 8-byte length, a short
//! name). Hashing those bytes with `xxh3_128` makes it load 8-byte words at offsets where the
//! last stores were narrower or straddled the word, which the CPU cannot forward from its store
//! buffer: each such load waits for the stores to retire. Here every input word is built from
//! the whole `u64`s the hasher stored (shifts and ors in registers), so no load mixes sizes.
//!
//! The steps and constants follow the XXH3 specification for the 0..=16, 17..=128 and
//! 129..=240 byte cases; the digest is bit-identical to `xxhash_rust::xxh3::xxh3_128` of the
//! same bytes, which the tests check for every length.

/// Longest input hashed here; longer inputs take xxh3's striped path.
pub(crate) const MAX_LEN: usize = 240;

const PRIME32_2: u64 = 0x85EB_CA77;
const PRIME64_1: u64 = 0x9E37_79B1_85EB_CA87;
const PRIME64_2: u64 = 0xC2B2_AE3D_27D4_EB4F;
const PRIME64_3: u64 = 0x1656_67B1_9E37_79F9;
const PRIME64_4: u64 = 0x85EB_CA77_C2B2_AE63;

/// The first 136 bytes (the minimum secret size, all that inputs up to 240 bytes read) of
/// XXH3's default secret.
#[rustfmt::skip]
const SECRET: [u8; 136] = [
    0xb8, 0xfe, 0x6c, 0x39, 0x23, 0xa4, 0x4b, 0xbe, 0x7c, 0x01, 0x81, 0x2c,
    0xf7, 0x21, 0xad, 0x1c, 0xde, 0xd4, 0x6d, 0xe9, 0x83, 0x90, 0x97, 0xdb,
    0x72, 0x40, 0xa4, 0xa4, 0xb7, 0xb3, 0x67, 0x1f, 0xcb, 0x79, 0xe6, 0x4e,
    0xcc, 0xc0, 0xe5, 0x78, 0x82, 0x5a, 0xd0, 0x7d, 0xcc, 0xff, 0x72, 0x21,
    0xb8, 0x08, 0x46, 0x74, 0xf7, 0x43, 0x24, 0x8e, 0xe0, 0x35, 0x90, 0xe6,
    0x81, 0x3a, 0x26, 0x4c, 0x3c, 0x28, 0x52, 0xbb, 0x91, 0xc3, 0x00, 0xcb,
    0x88, 0xd0, 0x65, 0x8b, 0x1b, 0x53, 0x2e, 0xa3, 0x71, 0x64, 0x48, 0x97,
    0xa2, 0x0d, 0xf9, 0x4e, 0x38, 0x19, 0xef, 0x46, 0xa9, 0xde, 0xac, 0xd8,
    0xa8, 0xfa, 0x76, 0x3f, 0xe3, 0x9c, 0x34, 0x3f, 0xf9, 0xdc, 0xbb, 0xc7,
    0xc7, 0x0b, 0x4f, 0x1d, 0x8a, 0x51, 0xe0, 0x4b, 0xcd, 0xb4, 0x59, 0x31,
    0xc8, 0x9f, 0x7e, 0xc9, 0xd9, 0x78, 0x73, 0x64, 0xea, 0xc5, 0xac, 0x83,
    0x34, 0xd3, 0xeb, 0xc3,
];

/// Secret bytes `off..off + 8` as a little-endian word (folded to a constant when `off` is).
#[inline(always)]
fn s64(off: usize) -> u64 {
    let mut w = [0; 8];
    w.copy_from_slice(&SECRET[off..off + 8]);
    u64::from_le_bytes(w)
}

#[inline(always)]
fn s32(off: usize) -> u64 {
    let mut w = [0; 4];
    w.copy_from_slice(&SECRET[off..off + 4]);
    u64::from(u32::from_le_bytes(w))
}

#[inline(always)]
fn mul128(a: u64, b: u64) -> (u64, u64) {
    let p = u128::from(a) * u128::from(b);
    (p as u64, (p >> 64) as u64)
}

#[inline(always)]
fn fold64(a: u64, b: u64) -> u64 {
    let (lo, hi) = mul128(a, b);
    lo ^ hi
}

#[inline(always)]
fn xorshift(v: u64, s: u32) -> u64 {
    v ^ (v >> s)
}

/// XXH3's own avalanche.
#[inline(always)]
fn avalanche(v: u64) -> u64 {
    xorshift(xorshift(v, 37).wrapping_mul(0x1656_6791_9E37_79F9), 32)
}

/// XXH64's avalanche, which XXH3 uses for 0..=3 byte inputs.
#[inline(always)]
fn avalanche64(v: u64) -> u64 {
    let v = xorshift(v, 33).wrapping_mul(PRIME64_2);
    xorshift(xorshift(v, 29).wrapping_mul(PRIME64_3), 32)
}

/// An input of `len` bytes: `full` whole little-endian words, then `tail` holding the last
/// `len % 8` bytes in its low bytes (zero above them).
pub(crate) struct Words<'a> {
    pub(crate) full: &'a [u64],
    pub(crate) tail: u64,
    pub(crate) len: usize,
}

impl Words<'_> {
    /// Word `i`: a stored one, or the tail just past them.
    #[inline(always)]
    fn word(&self, i: usize) -> u64 {
        match self.full.get(i) {
            Some(w) => *w,
            None => self.tail,
        }
    }

    /// Input bytes `off..off + 8` (within the input) as a little-endian word.
    #[inline(always)]
    fn r64(&self, off: usize) -> u64 {
        let (i, s) = (off / 8, (off % 8) as u32);
        let lo = self.word(i);
        if s == 0 {
            lo
        } else {
            // Only touched when the range straddles two words, so never past the input.
            (lo >> (8 * s)) | (self.word(i + 1) << (64 - 8 * s))
        }
    }

    /// Input bytes `off..off + 4` as a little-endian word.
    #[inline(always)]
    fn r32(&self, off: usize) -> u64 {
        let (i, s) = (off / 8, (off % 8) as u32);
        let lo = self.word(i) >> (8 * s);
        let w = if s <= 4 {
            lo
        } else {
            lo | (self.word(i + 1) << (64 - 8 * s))
        };
        w & 0xFFFF_FFFF
    }

    #[inline(always)]
    fn byte(&self, off: usize) -> u64 {
        (self.word(off / 8) >> (8 * (off % 8))) & 0xFF
    }
}

/// XXH3's 16-byte mix with seed 0.
#[inline(always)]
fn mix16(a: u64, b: u64, soff: usize) -> u64 {
    fold64(a ^ s64(soff), b ^ s64(soff + 8))
}

/// XXH3-128's 32-byte mix: `x` and `y` are two 16-byte input blocks.
#[inline(always)]
fn mix32(acc: &mut (u64, u64), x: (u64, u64), y: (u64, u64), soff: usize) {
    acc.0 = acc.0.wrapping_add(mix16(x.0, x.1, soff));
    acc.0 ^= y.0.wrapping_add(y.1);
    acc.1 = acc.1.wrapping_add(mix16(y.0, y.1, soff + 16));
    acc.1 ^= x.0.wrapping_add(x.1);
}

#[inline(always)]
fn join(lo: u64, hi: u64) -> u128 {
    u128::from(lo) | (u128::from(hi) << 64)
}

/// The common ending of the 17..=240 byte cases.
#[inline(always)]
fn finish_mid(acc: (u64, u64), len: u64) -> u128 {
    let (lo, hi) = acc;
    let h_lo = avalanche(lo.wrapping_add(hi));
    let h_hi = avalanche(
        lo.wrapping_mul(PRIME64_1)
            .wrapping_add(hi.wrapping_mul(PRIME64_4))
            .wrapping_add(len.wrapping_mul(PRIME64_2)),
    );
    join(h_lo, h_hi.wrapping_neg())
}

/// xxh3-128 of the input; `w.len` must be at most [`MAX_LEN`].
#[inline(always)]
pub(crate) fn xxh3_128(w: &Words<'_>) -> u128 {
    let len = w.len;
    debug_assert!(len <= MAX_LEN);
    if len <= 16 {
        if len > 8 {
            len9to16(w)
        } else if len >= 4 {
            len4to8(w)
        } else if len > 0 {
            len1to3(w)
        } else {
            join(
                avalanche64(s64(64) ^ s64(72)),
                avalanche64(s64(80) ^ s64(88)),
            )
        }
    } else if len <= 128 {
        len17to128(w)
    } else {
        len129to240(w)
    }
}

#[inline(always)]
fn len1to3(w: &Words<'_>) -> u128 {
    let len = w.len;
    let (c1, c2, c3) = (w.byte(0), w.byte(len >> 1), w.byte(len - 1));
    let combined = ((c1 << 16) | (c2 << 24) | c3 | ((len as u64) << 8)) as u32;
    let swapped = combined.swap_bytes().rotate_left(13);
    let lo = u64::from(combined) ^ (s32(0) ^ s32(4));
    let hi = u64::from(swapped) ^ (s32(8) ^ s32(12));
    join(avalanche64(lo), avalanche64(hi))
}

#[inline(always)]
fn len4to8(w: &Words<'_>) -> u128 {
    let len = w.len as u64;
    let input = w.r32(0).wrapping_add(w.r32(w.len - 4) << 32);
    let keyed = input ^ (s64(16) ^ s64(24));
    let (mut lo, mut hi) = mul128(keyed, PRIME64_1.wrapping_add(len << 2));
    hi = hi.wrapping_add(lo << 1);
    lo ^= hi >> 3;
    lo = xorshift(xorshift(lo, 35).wrapping_mul(0x9FB2_1C65_1E98_DF25), 28);
    join(lo, avalanche(hi))
}

#[inline(always)]
fn len9to16(w: &Words<'_>) -> u128 {
    let len = w.len as u64;
    let first = w.r64(0);
    let last = w.r64(w.len - 8);
    let (mut m_lo, mut m_hi) = mul128(first ^ last ^ (s64(32) ^ s64(40)), PRIME64_1);
    let last = last ^ (s64(48) ^ s64(56));
    m_lo = m_lo.wrapping_add((len - 1) << 54);
    m_hi = m_hi.wrapping_add(last.wrapping_add((last & 0xFFFF_FFFF) * (PRIME32_2 - 1)));
    m_lo ^= m_hi.swap_bytes();
    let (r_lo, mut r_hi) = mul128(m_lo, PRIME64_2);
    r_hi = r_hi.wrapping_add(m_hi.wrapping_mul(PRIME64_2));
    join(avalanche(r_lo), avalanche(r_hi))
}

/// The 16 input bytes from `off` on, as two words.
#[inline(always)]
fn block(w: &Words<'_>, off: usize) -> (u64, u64) {
    (w.r64(off), w.r64(off + 8))
}

#[inline(always)]
fn len17to128(w: &Words<'_>) -> u128 {
    let len = w.len;
    let mut acc = ((len as u64).wrapping_mul(PRIME64_1), 0);
    // Blocks from the front pair with blocks from the back, outermost pair last.
    if len > 32 {
        if len > 64 {
            if len > 96 {
                mix32(&mut acc, block(w, 48), block(w, len - 64), 96);
            }
            mix32(&mut acc, block(w, 32), block(w, len - 48), 64);
        }
        mix32(&mut acc, block(w, 16), block(w, len - 32), 32);
    }
    mix32(&mut acc, block(w, 0), block(w, len - 16), 0);
    finish_mid(acc, len as u64)
}

#[inline(never)]
fn len129to240(w: &Words<'_>) -> u128 {
    let len = w.len;
    let mut acc = ((len as u64).wrapping_mul(PRIME64_1), 0);
    for i in 0..4 {
        mix32(&mut acc, block(w, 32 * i), block(w, 32 * i + 16), 32 * i);
    }
    acc = (avalanche(acc.0), avalanche(acc.1));
    // Later rounds reuse the secret from byte 3 on.
    for i in 4..len / 32 {
        mix32(
            &mut acc,
            block(w, 32 * i),
            block(w, 32 * i + 16),
            3 + 32 * (i - 4),
        );
    }
    // The last 32 bytes, halves swapped, against the secret's end (minimum size less 17, less 16).
    mix32(
        &mut acc,
        block(w, len - 16),
        block(w, len - 32),
        136 - 17 - 16,
    );
    finish_mid(acc, len as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Packs bytes the way `KeyHasher` stores them: whole little-endian words, then the tail.
    fn check(bytes: &[u8]) {
        let (whole, rest) = bytes.as_chunks::<8>();
        let full: Vec<u64> = whole.iter().map(|w| u64::from_le_bytes(*w)).collect();
        let mut tail = [0; 8];
        tail[..rest.len()].copy_from_slice(rest);
        let words = Words {
            full: &full,
            tail: u64::from_le_bytes(tail),
            len: bytes.len(),
        };
        assert_eq!(
            xxh3_128(&words),
            xxhash_rust::xxh3::xxh3_128(bytes),
            "length {}",
            bytes.len()
        );
    }

    #[test]
    fn every_length_matches_xxh3_128() {
        // Several byte patterns per length: counting, all-ones (carries in every add) and a
        // pseudo-random stream (differences anywhere in the input must reach the digest).
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for len in 0..=MAX_LEN {
            let counting: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let ones = vec![0xFF; len];
            let random: Vec<u8> = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state as u8
                })
                .collect();
            check(&counting);
            check(&ones);
            check(&random);
        }
    }

    #[test]
    fn secret_is_xxh3_default_prefix() {
        // The empty input's digest depends on secret bytes 64..96 only; every length above
        // covers the rest, but a wrong table shows up here with the clearest message.
        check(&[]);
    }
}
