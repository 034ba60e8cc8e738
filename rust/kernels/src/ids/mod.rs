//! Customer id factorisation: an id column of any kind -> a dense `u32` code per row
//! (`0..n_ids`, [`NULL`] for a null id) and an [`IdIndex`] holding the id of each code.
//!
//! Kinds: integers of any width and range (`uint64` beyond `i64::MAX` included), text and
//! binary in every Arrow layout (`string`, `large_string`, `string_view`, the binary
//! ones, `fixed_size_binary` such as UUIDs), and dictionary-encoded columns of those
//! (only the dictionary is hashed; [`arrow::factorize`] reads any of them).
//!
//! Code order: codes are a function of the *set* of distinct ids alone, never of the
//! row order, the chunking or the thread count. Integer ids dense in their range get
//! ascending codes (a rank in a bitset, see [`ints`]); all others are numbered by
//! `(hash, id)` (see [`engine`]), so that no query waits on sorting the ids. The
//! ascending-id order is [`IdIndex::sorted_order`], computed on first request.
pub mod arrow;
pub mod bytes;
mod engine;
mod hash;
mod index;
pub mod ints;
mod keys;
mod order;

pub use index::{IdIndex, IdKind, Labels};

use rayon::prelude::*;

use crate::{KernelError, Result};

/// The code of a row whose id is null.
pub const NULL: u32 = u32::MAX;

/// A factorised id column.
#[derive(Debug)]
pub struct Ids {
    /// One code per row: `0..index.len()`, or [`NULL`].
    pub codes: Vec<u32>,
    /// Rows whose id is null.
    pub n_null: usize,
    pub index: IdIndex,
}

/// The most rows one column may hold: codes are `u32` and [`NULL`] is `u32::MAX`.
pub const MAX_ROWS: usize = u32::MAX as usize - 1;

fn check_rows(n: usize) -> Result<()> {
    if n > MAX_ROWS {
        return Err(KernelError::OutOfRange(format!(
            "{n} rows exceed the {MAX_ROWS} rows one EventLog can hold; split the log by customer (e.g. with Dask)"
        )));
    }
    Ok(())
}

/// Dense codes numbered in ascending id order plus the distinct ids they stand for
/// (`uniques[code]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Factorized<U> {
    pub codes: Vec<u32>,
    pub uniques: Vec<U>,
}

/// Renumbers codes (no [`NULL`] among them) to ascending id order: returns the old
/// code of each new one.
fn to_ascending(codes: &mut [u32], index: &IdIndex) -> Vec<u32> {
    let order = index.sorted_order().to_vec();
    if index.is_ascending() {
        return order;
    }
    let mut rank = vec![0u32; order.len()];
    for (r, &o) in order.iter().enumerate() {
        rank[o as usize] = r as u32;
    }
    codes.par_chunks_mut(1 << 16).for_each(|c| c.iter_mut().for_each(|x| *x = rank[*x as usize]));
    order
}

/// Factorises `int64` ids into codes in ascending id order.
///
/// ```
/// let f = fidelite_kernels::ids::factorize_i64(&[30, 10, 30, 20]).unwrap();
/// assert_eq!(f.codes, vec![2, 0, 2, 1]);
/// assert_eq!(f.uniques, vec![10, 20, 30]);
/// ```
pub fn factorize_i64(ids: &[i64]) -> Result<Factorized<i64>> {
    let mut f = ints::factorize(&[ints::IntChunk::new(ids, None)])?;
    let order = to_ascending(&mut f.codes, &f.index);
    let Labels::Int(labels) = f.index.labels() else { unreachable!("int64 ids give integer labels") };
    Ok(Factorized { codes: f.codes, uniques: order.iter().map(|&o| labels[o as usize]).collect() })
}

#[cfg(test)]
mod tests;
