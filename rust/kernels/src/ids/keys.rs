//! Byte-string ids that fit in 128 bits, factorised through that number (the *key*)
//! rather than their bytes: pass 3 of the [`engine`](super::engine) then compares keys
//! held in the partition's own entries, never reading the rows' bytes again, and no
//! verification pass is needed (a key stands for exactly one id).
//!
//! Three shapes (the first that fits every id of a column is used):
//! - [`Shape::Short`], every id of at most 15 bytes (`"C-00012345"`, short codes): the
//!   bytes zero-padded, the length in the last byte (so `"a"` and `"a\0"` differ);
//! - [`Shape::Sixteen`], every id of 16 bytes (UUIDs as binary): the bytes;
//! - [`Shape::Uuid`], every id a UUID in its canonical text form (8-4-4-4-12 hex digits,
//!   all letters of one case): its 128 bits. Ids that turn out not to be (a row of
//!   another form, letters of both cases) make the factorisation fall back to comparing
//!   bytes: the key must stand for one text only.
//!
//! Codes do not depend on the shape: partitions and ranks follow the hash of the id's
//! bytes ([`super::hash::bytes`]), then its bytes, as for any byte-string id.
use hashbrown::HashTable;

/// How the ids of a column become keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// At most [`SHORT`] bytes each.
    Short,
    /// 16 bytes each.
    Sixteen,
    /// Canonical UUID text, letters in upper case when `upper`.
    Uuid { upper: bool },
}

/// The longest id of the [`Shape::Short`] shape.
pub const SHORT: usize = 15;
/// The length of a UUID in its canonical text form.
pub const UUID_TEXT: usize = 36;

impl Shape {
    /// The key of id `b`, or None when it does not have this shape.
    #[inline]
    pub fn key(self, b: &[u8]) -> Option<u128> {
        match self {
            Shape::Short => (b.len() <= SHORT).then(|| short_key(b)),
            Shape::Sixteen => Some(u128::from_le_bytes(b.try_into().ok()?)),
            Shape::Uuid { upper } => uuid_key(b, upper),
        }
    }

    /// Appends the bytes of the id whose key is `k`.
    pub fn bytes_of(self, k: u128, out: &mut Vec<u8>) {
        match self {
            Shape::Short => {
                let b = k.to_le_bytes();
                out.extend_from_slice(&b[..b[SHORT] as usize]);
            }
            Shape::Sixteen => out.extend_from_slice(&k.to_le_bytes()),
            Shape::Uuid { upper } => uuid_text(k, upper, out),
        }
    }
}

/// The key of an id of at most [`SHORT`] bytes: its bytes read by two (overlapping)
/// word loads rather than a copy of variable length, as this runs twice for every row.
#[inline]
fn short_key(b: &[u8]) -> u128 {
    let n = b.len();
    debug_assert!(n <= SHORT);
    let (lo, hi) = if n >= 8 {
        // bytes 8..n come from the last 8, shifted down past the ones already in `lo`
        (load8(b, 0), load8(b, n - 8).checked_shr(8 * (16 - n) as u32).unwrap_or(0))
    } else if n >= 4 {
        (load4(b, 0) | load4(b, n - 4) << (8 * (n - 4)), 0)
    } else {
        (b.iter().rev().fold(0u64, |k, &x| k << 8 | x as u64), 0)
    };
    (lo as u128) | ((hi | (n as u64) << 56) as u128) << 64
}

/// The hash a partition's table files a key under (any good hash of the key will do:
/// codes follow the hash of the bytes, see the module doc).
#[inline]
pub fn table_hash(k: u128) -> u64 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::with_seed(0x6b65_7973).hash_one(k)
}

/// Numbers the distinct keys of one partition in first-seen order: `codes[i]` receives
/// the number of `keys[i]`; returns the distinct keys in that order.
pub fn first_seen(keys: &[u128], codes: &mut [u32], table: &mut HashTable<(u64, u32)>) -> Vec<u128> {
    let mut distinct: Vec<u128> = Vec::new();
    for (&k, c) in keys.iter().zip(codes.iter_mut()) {
        let h = table_hash(k);
        *c = match table.find(h, |&(_, u)| distinct[u as usize] == k) {
            Some(&(_, u)) => u,
            None => {
                let u = distinct.len() as u32;
                distinct.push(k);
                table.insert_unique(h, (h, u), |e| e.0);
                u
            }
        };
    }
    distinct
}

// ----------------------------------------------------------------------------- UUIDs

/// Positions of the hyphens of a canonical UUID.
const HYPHENS: [usize; 4] = [8, 13, 18, 23];

#[inline]
fn load8(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

#[inline]
fn load4(b: &[u8], at: usize) -> u64 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes")) as u64
}

/// Whether the 8 ASCII bytes of `x` are all hex digits of one case (`0-9` and `a-f`, or
/// `A-F` when `upper`), tested on all 8 at once.
#[inline]
fn all_hex(x: u64, upper: bool) -> bool {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const fn each(b: u8) -> u64 {
        0x0101_0101_0101_0101 * b as u64
    }
    if x & HIGH != 0 {
        return false; // not ASCII
    }
    // byte x >= lo sets its high bit in x + (0x80 - lo): no carry crosses bytes below 0x80
    let at_least = |lo: u8| x + each(0x80 - lo);
    let digit = at_least(b'0') & !at_least(b'9' + 1);
    let a = if upper { b'A' } else { b'a' };
    let letter = at_least(a) & !at_least(a + 6);
    (digit | letter) & HIGH == HIGH
}

/// The 8 hex digits of `x` (ASCII, first digit in the lowest byte, checked by
/// [`all_hex`]) as a number, the first digit the most significant.
#[inline]
fn hex_value(x: u64) -> u64 {
    // each byte to its digit: '0'-'9' are 0x30-0x39, letters 0x41-0x46 / 0x61-0x66
    let v = (x & 0x0F0F_0F0F_0F0F_0F0F) + 9 * ((x >> 6) & 0x0101_0101_0101_0101);
    // pairs, then quads, then the eight: the earlier digit goes high
    let v = ((v << 4) | (v >> 8)) & 0x00FF_00FF_00FF_00FF;
    let v = ((v << 8) | (v >> 16)) & 0x0000_FFFF_0000_FFFF;
    ((v << 16) | (v >> 32)) & 0xFFFF_FFFF
}

/// The 128 bits of a canonical UUID text whose letters are all of one case; None for any
/// other text.
#[inline]
pub fn uuid_key(b: &[u8], upper: bool) -> Option<u128> {
    if b.len() != UUID_TEXT || HYPHENS.iter().any(|&i| b[i] != b'-') {
        return None;
    }
    // the 32 digits as four groups of 8: 0-7, 9-12 + 14-17, 19-22 + 24-27, 28-35
    let groups = [load8(b, 0), load4(b, 9) | load4(b, 14) << 32, load4(b, 19) | load4(b, 24) << 32, load8(b, 28)];
    if !groups.iter().all(|&g| all_hex(g, upper)) {
        return None;
    }
    Some(groups.iter().fold(0u128, |k, &g| (k << 32) | hex_value(g) as u128))
}

/// Appends the canonical text of the UUID `k` (letters in `upper` case).
pub fn uuid_text(k: u128, upper: bool, out: &mut Vec<u8>) {
    let digits: &[u8; 16] = if upper { b"0123456789ABCDEF" } else { b"0123456789abcdef" };
    for i in 0..32 {
        if matches!(i, 8 | 12 | 16 | 20) {
            out.push(b'-');
        }
        out.push(digits[((k >> (124 - 4 * i)) & 0xF) as usize]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain way: each digit on its own.
    fn reference(b: &[u8], upper: bool) -> Option<u128> {
        if b.len() != UUID_TEXT {
            return None;
        }
        let mut k = 0u128;
        for (i, &c) in b.iter().enumerate() {
            if HYPHENS.contains(&i) {
                if c != b'-' {
                    return None;
                }
                continue;
            }
            let d = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' if !upper => c - b'a' + 10,
                b'A'..=b'F' if upper => c - b'A' + 10,
                _ => return None,
            };
            k = k << 4 | d as u128;
        }
        Some(k)
    }

    fn rng(state: &mut u64) -> u64 {
        *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    #[test]
    fn uuids_round_trip_and_match_a_digit_by_digit_parse() {
        let mut s = 1u64;
        for _ in 0..20_000 {
            let k = (rng(&mut s) as u128) << 64 | rng(&mut s) as u128;
            for upper in [false, true] {
                let mut text = Vec::new();
                uuid_text(k, upper, &mut text);
                assert_eq!(text.len(), UUID_TEXT);
                assert_eq!(uuid_key(&text, upper), Some(k));
                assert_eq!(reference(&text, upper), Some(k));
                // one byte changed to anything: the fast parse agrees with the plain one
                let mut bad = text.clone();
                let at = (rng(&mut s) % UUID_TEXT as u64) as usize;
                bad[at] = rng(&mut s) as u8;
                assert_eq!(uuid_key(&bad, upper), reference(&bad, upper), "{:?}", String::from_utf8_lossy(&bad));
            }
        }
        let std = b"123e4567-e89b-12d3-a456-426614174000";
        assert_eq!(uuid_key(std, false), Some(0x123e4567_e89b_12d3_a456_426614174000));
        assert_eq!(uuid_key(b"123E4567-E89B-12D3-A456-426614174000", false), None, "upper case in lower mode");
        assert_eq!(uuid_key(b"123E4567-e89b-12d3-a456-426614174000", true), None, "mixed case");
        assert_eq!(uuid_key(b"123e4567e89b12d3a456426614174000", false), None, "no hyphens");
        assert_eq!(uuid_key(b"123e4567-e89b-12d3-a456-42661417400g", false), None);
    }

    #[test]
    fn short_keys_are_the_padded_bytes_and_length() {
        let mut s = 7u64;
        for n in 0..=SHORT {
            for _ in 0..200 {
                let b: Vec<u8> = (0..n).map(|_| rng(&mut s) as u8).collect();
                let mut k = [0u8; 16];
                k[..n].copy_from_slice(&b);
                k[SHORT] = n as u8;
                assert_eq!(short_key(&b), u128::from_le_bytes(k), "{b:?}");
            }
        }
    }

    #[test]
    fn short_keys_keep_length_and_bytes() {
        for b in [&b""[..], b"a", b"a\0", b"\0", b"C-00012345", b"fifteen bytes!!"] {
            let k = Shape::Short.key(b).unwrap();
            let mut back = Vec::new();
            Shape::Short.bytes_of(k, &mut back);
            assert_eq!(back, b);
        }
        assert_ne!(Shape::Short.key(b"a"), Shape::Short.key(b"a\0"));
        assert_eq!(Shape::Short.key(b"sixteen bytes!!!"), None);
    }
}
