//! The partitioned factorisation shared by every id kind.
//!
//! One hash table of every distinct id does not fit in cache (1 M ids: tens of MB), so
//! each row would pay a cache miss or two. Instead, in four parallel passes:
//!
//! 1. *hash*: each block of rows hashes its ids and notes each row's partition (the top
//!    bits of the hash) and how many rows of each partition it holds;
//! 2. *scatter*: each block deals its rows (an int id itself, or a string's row number)
//!    into its own slice of every partition, so partitions keep the rows in input order;
//! 3. *partition*: each partition builds its own table (a few thousand ids: in L2), numbers
//!    its ids and ranks them by `(hash, id)`;
//! 4. *gather*: each block reads back the codes of its rows, partition by partition, and
//!    writes them in input order (offset by the ids of the partitions before).
//!
//! Codes are then the ranks of the ids by `(hash, id)`: a function of the set of distinct
//! ids only, never of the row order, the blocks, the partitions or the thread count.
use std::mem::MaybeUninit;
use std::ops::Range;

use hashbrown::HashTable;
use rayon::prelude::*;

use super::NULL;
use crate::{PerThread, Result};

/// Rows per block: the unit of work of passes 1, 2 and 4 (never straddles a chunk).
const BLOCK: usize = 1 << 16;
/// At most `2^7` partitions (row partition numbers are bytes, [`NULL_PART`] marks nulls).
pub const MAX_PART_BITS: u32 = 7;
/// Rows per partition aimed at: their distinct ids then fit in L2 with room to spare.
const ROWS_PER_PART: usize = 1 << 15;
/// The partition number of a row whose id is null.
const NULL_PART: u8 = u8::MAX;

/// Rows of one input chunk.
#[derive(Debug, Clone)]
pub struct Block {
    /// Index of the chunk.
    pub chunk: usize,
    /// Rows within the chunk.
    pub rows: Range<usize>,
    /// Row number (over all chunks) of `rows.start`.
    pub start: usize,
}

/// The blocks covering chunks of these lengths, in order.
pub fn blocks(chunk_lens: impl IntoIterator<Item = usize>) -> Vec<Block> {
    let mut out = Vec::new();
    let mut start = 0;
    for (chunk, len) in chunk_lens.into_iter().enumerate() {
        for lo in (0..len).step_by(BLOCK) {
            let hi = (lo + BLOCK).min(len);
            out.push(Block { chunk, rows: lo..hi, start: start + lo });
        }
        start += len;
    }
    out
}

/// What one id kind tells the engine.
pub trait Source: Sync {
    /// What pass 2 deals into the partitions for one row (an int id, a string's hash).
    type Entry: Copy + Send + Sync;
    /// The distinct ids of one partition, in code order, as pass 3 finds them.
    type Uniques: Send;
    /// Whether pass 3 needs each entry's row number.
    const ROWS: bool;
    /// Calls `f(Some(hash))` for each row of the block in order, `f(None)` for a null id;
    /// an error for input the kernels cannot read (e.g. offsets out of their buffer).
    fn hashes(&self, b: &Block, f: impl FnMut(Option<u64>)) -> Result<()>;
    /// The entry of row `i` of the block (a non-null one).
    fn entry(&self, b: &Block, i: usize) -> Self::Entry;
    /// Numbers the distinct ids of one partition's entries: `slots` holds each entry's
    /// row number (when [`Source::ROWS`]) and receives its code (0.. within the
    /// partition, ranked by `(hash, id)`); returns the distinct ids in that order and
    /// their number. `table` is scratch, empty on entry.
    fn partition(
        &self,
        entries: &[Self::Entry],
        slots: &mut [u32],
        table: &mut HashTable<(u64, u32)>,
    ) -> (Self::Uniques, usize);
}

/// Where one block deals the entries (and row numbers) of one partition.
type Slots<'a, E> = (&'a mut [MaybeUninit<E>], &'a mut [u32]);

/// Codes of every row (`NULL` for null ids), the number of null rows and the distinct ids
/// of each partition (partitions in code order).
pub struct Output<U> {
    pub codes: Vec<u32>,
    pub n_null: usize,
    pub uniques: Vec<U>,
}

/// Partition bits for `n` rows.
fn part_bits(n: usize) -> u32 {
    let parts = n.div_ceil(ROWS_PER_PART).next_power_of_two();
    parts.trailing_zeros().min(MAX_PART_BITS)
}

#[inline]
fn part_of(h: u64, bits: u32) -> u8 {
    if bits == 0 {
        0
    } else {
        (h >> (64 - bits)) as u8
    }
}

/// Cuts `rest` into consecutive slices of the given lengths.
pub fn cut<T>(mut rest: &mut [T], lens: impl IntoIterator<Item = usize>) -> Vec<&mut [T]> {
    lens.into_iter()
        .map(|len| {
            let (head, tail) = std::mem::take(&mut rest).split_at_mut(len);
            rest = tail;
            head
        })
        .collect()
}

/// Factorises the rows of `blocks` (covering `n` rows) through `source`.
pub fn run<S: Source>(source: &S, blocks: &[Block], n: usize) -> Result<Output<S::Uniques>> {
    let bits = part_bits(n);
    let n_parts = 1usize << bits;
    // pass 1: partition of every row, rows per (block, partition)
    let mut parts: Vec<u8> = crate::mem::zeros(n);
    let counts: Vec<Vec<usize>> = cut(&mut parts, blocks.iter().map(|b| b.rows.len()))
        .into_par_iter()
        .zip(blocks)
        .map(|(parts, b)| {
            let mut counts = vec![0usize; n_parts];
            let mut i = 0;
            source.hashes(b, |h| {
                parts[i] = match h {
                    Some(h) => {
                        let p = part_of(h, bits);
                        counts[p as usize] += 1;
                        p
                    }
                    None => NULL_PART,
                };
                i += 1;
            })?;
            Ok(counts)
        })
        .collect::<Result<_>>()?;
    let part_len: Vec<usize> = (0..n_parts).map(|p| counts.iter().map(|c| c[p]).sum()).collect();
    let n_valid: usize = part_len.iter().sum();
    // the scattered layout: partition after partition, block after block within one
    let slot_lens = || (0..n_parts).flat_map(|p| counts.iter().map(move |c| c[p]));
    let row_parts = cut(&mut parts, blocks.iter().map(|b| b.rows.len()));
    // pass 2: scatter (the entries, and the row numbers when pass 3 needs them)
    let mut entries: Vec<S::Entry> = crate::mem::with_capacity(n_valid);
    let mut slots: Vec<u32> = crate::mem::zeros(n_valid);
    {
        let mut to: Vec<Vec<Slots<S::Entry>>> = (0..blocks.len()).map(|_| Vec::with_capacity(n_parts)).collect();
        let e = cut(&mut entries.spare_capacity_mut()[..n_valid], slot_lens());
        let r = cut(&mut slots, slot_lens());
        for (k, pair) in e.into_iter().zip(r).enumerate() {
            to[k % blocks.len()].push(pair);
        }
        to.into_par_iter().zip(blocks).zip(&row_parts).for_each(|((mut to, b), parts)| {
            let mut fill = vec![0usize; n_parts];
            for (i, &p) in parts.iter().enumerate() {
                if p != NULL_PART {
                    let (p, f) = (p as usize, &mut fill[p as usize]);
                    to[p].0[*f].write(source.entry(b, i));
                    if S::ROWS {
                        to[p].1[*f] = (b.start + i) as u32;
                    }
                    *f += 1;
                }
            }
        });
    }
    // SAFETY: pass 1 counted every non-null row of every block into its partition and
    // pass 2 dealt each one into the slot counted for it, so the slots tile `0..n_valid`
    // and each is filled completely.
    unsafe { entries.set_len(n_valid) };
    // pass 3: each partition on its own
    let tables = PerThread::new(HashTable::new);
    let (uniques, n_ids): (Vec<S::Uniques>, Vec<usize>) = cut(&mut slots, part_len.iter().copied())
        .into_par_iter()
        .zip(cut_ref(&entries, part_len.iter().copied()))
        .map(|(slots, entries)| {
            tables.with(|table| {
                table.clear();
                source.partition(entries, slots, table)
            })
        })
        .unzip();
    drop(entries);
    let mut base = vec![0u32; n_parts];
    for p in 1..n_parts {
        base[p] = base[p - 1] + n_ids[p - 1] as u32;
    }
    // pass 4: gather, in input order
    let mut codes: Vec<u32> = crate::mem::zeros(n);
    let mut slices: Vec<Vec<&[u32]>> = (0..blocks.len()).map(|_| Vec::with_capacity(n_parts)).collect();
    for (k, s) in cut_ref(&slots, slot_lens()).into_iter().enumerate() {
        slices[k % blocks.len()].push(s);
    }
    cut(&mut codes, blocks.iter().map(|b| b.rows.len())).into_par_iter().zip(slices).zip(&row_parts).for_each(
        |((out, slices), parts)| {
            let mut next = vec![0usize; n_parts];
            for (o, &p) in out.iter_mut().zip(parts.iter()) {
                *o = if p == NULL_PART {
                    NULL
                } else {
                    let p = p as usize;
                    let c = base[p] + slices[p][next[p]];
                    next[p] += 1;
                    c
                };
            }
        },
    );
    Ok(Output { codes, n_null: n - n_valid, uniques })
}

/// Cuts `rest` into consecutive shared slices of the given lengths.
fn cut_ref<T>(mut rest: &[T], lens: impl IntoIterator<Item = usize>) -> Vec<&[T]> {
    lens.into_iter()
        .map(|len| {
            let (head, tail) = rest.split_at(len);
            rest = tail;
            head
        })
        .collect()
}

/// Ranks `n` distinct ids numbered `0..n` in first-seen order by `cmp`, and renumbers
/// `codes` (first-seen numbers) to those ranks; returns the first-seen numbers in rank
/// order.
pub fn rank(n: usize, codes: &mut [u32], cmp: impl Fn(&u32, &u32) -> std::cmp::Ordering) -> Vec<u32> {
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.sort_unstable_by(cmp);
    let mut rank = vec![0u32; n];
    for (r, &o) in order.iter().enumerate() {
        rank[o as usize] = r as u32;
    }
    for c in codes.iter_mut() {
        *c = rank[*c as usize];
    }
    order
}
