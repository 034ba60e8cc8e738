//! Integer ids (`i64`, or `u64` beyond the `i64` range).
//!
//! Ids whose range is at most [`DENSE_SPAN_PER_ID`] times the number of distinct ids (or
//! at most 2^20 wide) skip hashing: a bitset of the range marks the ids present and an
//! id's code is its rank in the bitset, so codes come out in ascending id order. Other
//! ids go through the partitioned hash [`engine`](super::engine).
use arrow_buffer::NullBuffer;
use hashbrown::HashTable;
use rayon::prelude::*;

use super::engine::{self, Block, Source};
use super::{hash, IdIndex, Ids, Labels, NULL};
use crate::Result;

/// Ranges at most this many times the number of distinct ids are ranked through a bitset.
/// The choice depends on the set of ids only (never on the row count), as codes must.
pub const DENSE_SPAN_PER_ID: u128 = 64;
/// Ranges this narrow are always ranked through a bitset (at most 128 KiB).
const DENSE_SPAN_ALWAYS: u128 = 1 << 20;

/// An integer id type the kernels key on.
pub trait IntId: Copy + Ord + Eq + Send + Sync + Default + std::fmt::Debug + 'static {
    /// The 64 bits that are hashed.
    fn bits(self) -> u64;
    /// The value, widened (to compare ids across signedness).
    fn wide(self) -> i128;
    /// `self - lo` for `lo <= self`, as a wide unsigned number.
    fn above(self, lo: Self) -> u128;
    /// `lo + offset` (within the range of the type).
    fn plus(lo: Self, offset: u64) -> Self;
    /// Labels of the index from ids in code order.
    fn labels(ids: Vec<Self>) -> Labels;
}

impl IntId for i64 {
    fn bits(self) -> u64 {
        self as u64
    }
    fn wide(self) -> i128 {
        self as i128
    }
    fn above(self, lo: Self) -> u128 {
        (self as i128 - lo as i128) as u128
    }
    fn plus(lo: Self, offset: u64) -> Self {
        (lo as i128 + offset as i128) as i64
    }
    fn labels(ids: Vec<Self>) -> Labels {
        Labels::Int(ids)
    }
}

impl IntId for u64 {
    fn bits(self) -> u64 {
        self
    }
    fn wide(self) -> i128 {
        self as i128
    }
    fn above(self, lo: Self) -> u128 {
        (self - lo) as u128
    }
    fn plus(lo: Self, offset: u64) -> Self {
        lo + offset
    }
    fn labels(ids: Vec<Self>) -> Labels {
        Labels::UInt(ids)
    }
}

/// One chunk of an integer id column: values and validity (None: no nulls).
#[derive(Debug, Clone)]
pub struct IntChunk<'a, K> {
    pub values: &'a [K],
    pub valid: Option<NullBuffer>,
}

impl<'a, K: IntId> IntChunk<'a, K> {
    pub fn new(values: &'a [K], valid: Option<NullBuffer>) -> Self {
        IntChunk { values, valid: valid.filter(|v| v.null_count() > 0) }
    }

    /// Whether row `i` holds an id.
    #[inline]
    pub fn is_valid(&self, i: usize) -> bool {
        self.valid.as_ref().is_none_or(|v| v.is_valid(i))
    }

    /// Calls `f(Some(id))` or `f(None)` (null) for rows `rows`, in order.
    #[inline]
    fn each(&self, rows: std::ops::Range<usize>, mut f: impl FnMut(Option<K>)) {
        match &self.valid {
            None => self.values[rows].iter().for_each(|&x| f(Some(x))),
            Some(v) => {
                for i in rows {
                    f(if v.is_valid(i) { Some(self.values[i]) } else { None })
                }
            }
        }
    }
}

/// Factorises integer ids given in chunks (see the module doc for the two paths).
pub fn factorize<K: IntId>(chunks: &[IntChunk<K>]) -> Result<Ids> {
    let n: usize = chunks.iter().map(|c| c.values.len()).sum();
    super::check_rows(n)?;
    let blocks = engine::blocks(chunks.iter().map(|c| c.values.len()));
    let (lo, hi) = blocks
        .par_iter()
        .map(|b| {
            let mut r: Option<(K, K)> = None;
            chunks[b.chunk].each(b.rows.clone(), |x| {
                if let Some(x) = x {
                    r = Some(r.map_or((x, x), |(lo, hi)| (lo.min(x), hi.max(x))));
                }
            });
            r
        })
        .reduce(
            || None,
            |a, b| match (a, b) {
                (Some(a), Some(b)) => Some((a.0.min(b.0), a.1.max(b.1))),
                (a, b) => a.or(b),
            },
        )
        .unwrap_or_default();
    let span = hi.above(lo) + 1;
    if span <= DENSE_SPAN_ALWAYS || span <= DENSE_SPAN_PER_ID * n as u128 {
        if let Some(ids) = dense(chunks, &blocks, n, lo, span as usize) {
            return Ok(ids);
        }
    }
    let out = engine::run(&IntSource { chunks }, &blocks, n)?;
    let index = IdIndex::new(K::labels(out.uniques.into_iter().flatten().collect()), false);
    Ok(Ids { codes: out.codes, n_null: out.n_null, index })
}

/// Rank-in-bitset factorisation of ids within `[lo, lo + span)`; None when the ids are
/// too sparse in their range for ascending codes (see [`DENSE_SPAN_PER_ID`]).
fn dense<K: IntId>(chunks: &[IntChunk<K>], blocks: &[Block], n: usize, lo: K, span: usize) -> Option<Ids> {
    let words = span.div_ceil(64);
    let group = blocks.len().div_ceil(rayon::current_num_threads().max(1)).max(1);
    let bits = blocks
        .par_chunks(group)
        .map(|bs| {
            let mut bits = vec![0u64; words];
            for b in bs {
                chunks[b.chunk].each(b.rows.clone(), |x| {
                    if let Some(x) = x {
                        let i = x.above(lo) as usize;
                        bits[i / 64] |= 1 << (i % 64);
                    }
                });
            }
            bits
        })
        .reduce_with(|mut a, b| {
            a.iter_mut().zip(&b).for_each(|(x, y)| *x |= y);
            a
        })
        .unwrap_or_default();
    let mut rank = Vec::with_capacity(words);
    let mut distinct = 0u32;
    for &w in &bits {
        rank.push(distinct);
        distinct += w.count_ones();
    }
    if span as u128 > DENSE_SPAN_ALWAYS && span as u128 > DENSE_SPAN_PER_ID * distinct as u128 {
        return None;
    }
    let mut uniques = Vec::with_capacity(distinct as usize);
    for (w, &word) in bits.iter().enumerate() {
        let mut rest = word;
        while rest != 0 {
            uniques.push(K::plus(lo, (w * 64) as u64 + rest.trailing_zeros() as u64));
            rest &= rest - 1;
        }
    }
    let mut codes: Vec<u32> = crate::mem::zeros(n);
    let n_null: usize = engine::cut(&mut codes, blocks.iter().map(|b| b.rows.len()))
        .into_par_iter()
        .zip(blocks)
        .map(|(out, b)| {
            let mut k = 0;
            let mut nulls = 0;
            chunks[b.chunk].each(b.rows.clone(), |x| {
                out[k] = match x {
                    Some(x) => {
                        let i = x.above(lo) as usize;
                        let (w, bit) = (i / 64, i % 64);
                        rank[w] + (bits[w] & ((1u64 << bit) - 1)).count_ones()
                    }
                    None => {
                        nulls += 1;
                        NULL
                    }
                };
                k += 1;
            });
            nulls
        })
        .sum();
    Some(Ids { codes, n_null, index: IdIndex::new(K::labels(uniques), true) })
}

struct IntSource<'a, 'c, K> {
    chunks: &'c [IntChunk<'a, K>],
}

impl<K: IntId> Source for IntSource<'_, '_, K> {
    type Entry = K;
    type Uniques = Vec<K>;
    const ROWS: bool = false;

    fn hashes(&self, b: &Block, mut f: impl FnMut(Option<u64>)) -> Result<()> {
        self.chunks[b.chunk].each(b.rows.clone(), |x| f(x.map(|x| hash::int(x.bits()))));
        Ok(())
    }

    #[inline]
    fn entry(&self, b: &Block, i: usize) -> K {
        self.chunks[b.chunk].values[b.rows.start + i]
    }

    fn partition(&self, entries: &[K], codes: &mut [u32], table: &mut HashTable<(u64, u32)>) -> (Vec<K>, usize) {
        let mut ids: Vec<K> = Vec::new();
        let mut hashes: Vec<u64> = Vec::new();
        for (&x, c) in entries.iter().zip(codes.iter_mut()) {
            let h = hash::int(x.bits());
            let t = hash::in_table(h);
            // the 64 bits stand for the id (one integer type per column): no need to read it back
            let found = table.find(t, |&(g, _)| g == x.bits()).map(|e| e.1);
            *c = found.unwrap_or_else(|| {
                let u = ids.len() as u32;
                ids.push(x);
                hashes.push(h);
                table.insert_unique(t, (x.bits(), u), |e| hash::in_table(hash::int(e.0)));
                u
            });
        }
        let order = engine::rank(ids.len(), codes, |&a, &b| {
            (hashes[a as usize], ids[a as usize]).cmp(&(hashes[b as usize], ids[b as usize]))
        });
        (order.iter().map(|&o| ids[o as usize]).collect(), ids.len())
    }
}
