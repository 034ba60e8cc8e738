//! Customer id factorisation: any ids -> dense codes `0..n`, numbered in ascending id
//! order (so codes, and everything keyed by them, do not depend on the input row order).
use rayon::prelude::*;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::{KernelError, Result};

/// Dense codes plus the distinct ids they stand for (`uniques[code]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Factorized<U> {
    pub codes: Vec<u32>,
    pub uniques: Vec<U>,
}

/// Ids whose range is at most this many times the row count are ranked through a bitset
/// of the range instead of a hash table (database keys with gaps, already-dense codes).
const DENSE_SPAN_PER_ROW: u128 = 16;

fn check_rows(n: usize) -> Result<()> {
    if n >= u32::MAX as usize {
        return Err(KernelError::OutOfRange(format!(
            "{n} rows exceed the 4,294,967,294 rows one EventLog can hold; split the log by customer (e.g. with Dask)"
        )));
    }
    Ok(())
}

/// Factorises integer ids. Ids spanning a range no wider than 16 times the row count skip
/// hashing: a bitset marks the ids present and an id's code is its rank in the bitset;
/// other ids go through an open-addressing hash table.
///
/// ```
/// let f = fidelite_kernels::ids::factorize_i64(&[30, 10, 30, 20]).unwrap();
/// assert_eq!(f.codes, vec![2, 0, 2, 1]);
/// assert_eq!(f.uniques, vec![10, 20, 30]);
/// ```
pub fn factorize_i64(ids: &[i64]) -> Result<Factorized<i64>> {
    check_rows(ids.len())?;
    if ids.is_empty() {
        return Ok(Factorized { codes: vec![], uniques: vec![] });
    }
    let (lo, hi) = ids
        .par_chunks(1 << 16)
        .map(|c| c.iter().fold((i64::MAX, i64::MIN), |(a, b), &x| (a.min(x), b.max(x))))
        .reduce(|| (i64::MAX, i64::MIN), |(a, b), (c, d)| (a.min(c), b.max(d)));
    let span = (hi as i128 - lo as i128 + 1) as u128;
    if span <= (ids.len() as u128) * DENSE_SPAN_PER_ROW || span <= 1 << 20 {
        Ok(factorize_dense(ids, lo, span as usize))
    } else {
        Ok(factorize_hashed(ids))
    }
}

/// Rank-in-bitset factorisation of ids within `[lo, lo + span)`: the bitset (span / 8
/// bytes) and its per-word ranks stay cache-resident, unlike a table of codes.
fn factorize_dense(ids: &[i64], lo: i64, span: usize) -> Factorized<i64> {
    let words = span.div_ceil(64);
    let chunk = ids.len().div_ceil(rayon::current_num_threads().max(1)).max(1 << 16);
    let bits = ids
        .par_chunks(chunk)
        .map(|part| {
            let mut bits = vec![0u64; words];
            for &x in part {
                let i = (x - lo) as usize;
                bits[i / 64] |= 1 << (i % 64);
            }
            bits
        })
        .reduce_with(|mut a, b| {
            a.iter_mut().zip(&b).for_each(|(x, y)| *x |= y);
            a
        })
        .unwrap_or_default();
    let mut rank = Vec::with_capacity(words);
    let mut uniques = Vec::new();
    for (w, &word) in bits.iter().enumerate() {
        rank.push(uniques.len() as u32);
        let mut rest = word;
        while rest != 0 {
            uniques.push(lo + (w * 64) as i64 + rest.trailing_zeros() as i64);
            rest &= rest - 1;
        }
    }
    let mut codes = crate::mem::zeros(ids.len());
    codes.par_chunks_mut(1 << 16).zip(ids.par_chunks(1 << 16)).for_each(|(out, inp)| {
        for (o, &x) in out.iter_mut().zip(inp) {
            let i = (x - lo) as usize;
            let (w, b) = (i / 64, i % 64);
            *o = rank[w] + (bits[w] & ((1u64 << b) - 1)).count_ones();
        }
    });
    Factorized { codes, uniques }
}

#[inline]
fn mix(x: u64) -> u64 {
    // A 64-bit finaliser (splitmix64): good spread for sequential and strided keys.
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn factorize_hashed(ids: &[i64]) -> Factorized<i64> {
    const EMPTY: u32 = u32::MAX;
    let mut cap: usize = 1 << 16;
    let mut keys = vec![0i64; cap];
    let mut slots = vec![EMPTY; cap];
    let mut uniques: Vec<i64> = Vec::new();
    let mut codes = crate::mem::zeros(ids.len());
    for (i, &x) in ids.iter().enumerate() {
        if uniques.len() * 2 >= cap {
            cap *= 2;
            keys = vec![0i64; cap];
            slots = vec![EMPTY; cap];
            for (code, &u) in uniques.iter().enumerate() {
                let mut h = mix(u as u64) as usize & (cap - 1);
                while slots[h] != EMPTY {
                    h = (h + 1) & (cap - 1);
                }
                keys[h] = u;
                slots[h] = code as u32;
            }
        }
        let mask = cap - 1;
        let mut h = mix(x as u64) as usize & mask;
        loop {
            let s = slots[h];
            if s == EMPTY {
                slots[h] = uniques.len() as u32;
                keys[h] = x;
                codes[i] = uniques.len() as u32;
                uniques.push(x);
                break;
            }
            if keys[h] == x {
                codes[i] = s;
                break;
            }
            h = (h + 1) & mask;
        }
    }
    renumber_sorted(codes, uniques, |a, b| a.cmp(b))
}

/// Renumbers codes given in first-appearance order so that they follow the sorted order
/// of the uniques.
fn renumber_sorted<U: Send + Sync + Clone>(
    mut codes: Vec<u32>,
    uniques: Vec<U>,
    cmp: impl Fn(&U, &U) -> std::cmp::Ordering + Sync,
) -> Factorized<U> {
    let mut order: Vec<u32> = (0..uniques.len() as u32).collect();
    order.par_sort_unstable_by(|&a, &b| cmp(&uniques[a as usize], &uniques[b as usize]));
    let mut rank = vec![0u32; uniques.len()];
    for (r, &o) in order.iter().enumerate() {
        rank[o as usize] = r as u32;
    }
    codes.par_chunks_mut(1 << 16).for_each(|c| {
        for x in c.iter_mut() {
            *x = rank[*x as usize];
        }
    });
    let uniques = order.iter().map(|&o| uniques[o as usize].clone()).collect();
    Factorized { codes, uniques }
}

#[derive(Default)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
}

/// Factorises strings stored Arrow-style: row `i` is `data[offsets[i]..offsets[i + 1]]`.
/// Codes follow the byte-wise sorted order of the strings; `uniques[code]` is the index of
/// one row holding that string (so the caller can take the labels without copying bytes).
pub fn factorize_bytes(offsets: &[i64], data: &[u8]) -> Result<Factorized<u32>> {
    if offsets.is_empty() {
        return Err(KernelError::InvalidParameter("string offsets must hold at least one value".into()));
    }
    let n = offsets.len() - 1;
    check_rows(n)?;
    if offsets.windows(2).any(|w| w[1] < w[0]) || offsets[n] as usize > data.len() || offsets[0] < 0 {
        return Err(KernelError::InvalidParameter("string offsets are not a valid Arrow layout".into()));
    }
    let row = |i: usize| &data[offsets[i] as usize..offsets[i + 1] as usize];
    let mut map: HashMap<&[u8], u32, BuildHasherDefault<FxHasher>> = HashMap::default();
    let mut first_rows: Vec<u32> = Vec::new();
    let mut codes = crate::mem::zeros(n);
    for (i, code) in codes.iter_mut().enumerate() {
        let next = first_rows.len() as u32;
        *code = *map.entry(row(i)).or_insert_with(|| {
            first_rows.push(i as u32);
            next
        });
    }
    Ok(renumber_sorted(codes, first_rows, |&a, &b| row(a as usize).cmp(row(b as usize))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(ids: &[i64]) -> (Vec<u32>, Vec<i64>) {
        let mut u: Vec<i64> = ids.to_vec();
        u.sort();
        u.dedup();
        let codes = ids.iter().map(|x| u.binary_search(x).unwrap() as u32).collect();
        (codes, u)
    }

    #[test]
    fn dense_and_hashed_paths_agree_with_sorting() {
        let mut state = 12345u64;
        for &spread in &[3i64, 1_000_000_007] {
            let ids: Vec<i64> = (0..50_000)
                .map(|_| {
                    state = mix(state);
                    ((state % 5000) as i64 - 2500) * spread
                })
                .collect();
            let f = factorize_i64(&ids).unwrap();
            let (codes, uniques) = naive(&ids);
            assert_eq!(f.codes, codes);
            assert_eq!(f.uniques, uniques);
        }
    }

    #[test]
    fn extreme_ids() {
        let ids = [i64::MAX, i64::MIN, 0, i64::MIN];
        let f = factorize_i64(&ids).unwrap();
        assert_eq!(f.uniques, vec![i64::MIN, 0, i64::MAX]);
        assert_eq!(f.codes, vec![2, 0, 1, 0]);
    }

    #[test]
    fn strings_sorted_bytewise() {
        let words = ["b", "", "ab", "b", "é", ""];
        let mut data = Vec::new();
        let mut offsets = vec![0i64];
        for w in words {
            data.extend_from_slice(w.as_bytes());
            offsets.push(data.len() as i64);
        }
        let f = factorize_bytes(&offsets, &data).unwrap();
        assert_eq!(f.codes, vec![2, 0, 1, 2, 3, 0]);
        let labels: Vec<&str> = f.uniques.iter().map(|&r| words[r as usize]).collect();
        assert_eq!(labels, vec!["", "ab", "b", "é"]);
    }

    #[test]
    fn bad_offsets_are_rejected() {
        assert!(factorize_bytes(&[0, 5], b"abc").is_err());
        assert!(factorize_bytes(&[], b"").is_err());
    }
}
