//! Active-period bitmaps: per customer, one bit per calendar period holding >= 1 event.
//!
//! They answer every calendar-period question that only needs *whether* a customer was
//! active in a period (the classic cohort matrix, lifecycle) without grouping the events
//! by customer first: one pass over the rows in any order, a bit set per event. Built
//! from the grouped layout they cost one sequential pass.
use std::borrow::Cow;

use rayon::prelude::*;

use crate::calendar::Calendar;
use crate::{Events, KernelError, Result, CHUNK};

/// Rows whose bits are computed before they are set (see [`active_bitmaps`]).
const BLOCK: usize = 512;
/// Words of a customer's bitmap built on the stack from the grouped layout.
const LOCAL_WORDS: usize = 8;

/// Bits of customer `c` are `bits[c * words .. (c + 1) * words]`; bit `j` = period `p_lo + j`.
/// The bits are owned when built here, borrowed when they come from a caller's buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bitmaps<'a> {
    pub p_lo: i64,
    pub n_periods: usize,
    pub words: usize,
    pub bits: Cow<'a, [u64]>,
}

impl Bitmaps<'_> {
    pub fn n_customers(&self) -> usize {
        self.bits.len().checked_div(self.words).unwrap_or(0)
    }

    #[inline]
    pub fn row(&self, c: usize) -> &[u64] {
        &self.bits[c * self.words..(c + 1) * self.words]
    }
}

/// Calls `f(j)` for every set bit `j >= from` of `row`, in ascending order. Always
/// inlined: it sits in the innermost loops, where a call per row costs (measured: the
/// recurring cohort matrix 34 -> 50 ms when LLVM stopped inlining it).
#[inline(always)]
pub fn for_each_bit(row: &[u64], from: usize, mut f: impl FnMut(usize)) {
    let mut w = from / 64;
    if w >= row.len() {
        return;
    }
    let mut word = row[w] & (u64::MAX << (from % 64));
    loop {
        while word != 0 {
            f(w * 64 + word.trailing_zeros() as usize);
            word &= word - 1;
        }
        w += 1;
        if w >= row.len() {
            return;
        }
        word = row[w];
    }
}

/// Lowest set bit of `row`.
#[inline]
pub fn lowest_bit(row: &[u64]) -> Option<usize> {
    row.iter().position(|&w| w != 0).map(|i| i * 64 + row[i].trailing_zeros() as usize)
}

/// Builds the bitmaps of periods `p_lo ..= period(as_of)` from events at or before
/// `as_of` that pass `mask`.
pub fn active_bitmaps(
    events: Events,
    n_customers: usize,
    mask: Option<&[bool]>,
    cal: &Calendar,
    p_lo: i64,
    as_of: i64,
) -> Result<Bitmaps<'static>> {
    crate::check_len("mask", mask, events.len())?;
    cal.check_origin(Some(p_lo))?;
    let n_periods = (cal.period_of(as_of) - p_lo + 1).max(0) as usize;
    let words = n_periods.div_ceil(64).max(1);
    let cells = n_customers as u128 * words as u128;
    let bytes = crate::mem::bytes_of::<u64>(cells);
    let what = || {
        let (n, p) = (crate::mem::count(n_customers as u64), crate::mem::count(n_periods as u64));
        format!("the activity bitmaps of {n} customers x {p} {}s", cal.period.name())
    };
    cal.check_span(what, bytes, p_lo, as_of)?;
    let n_cells = cells as usize; // within the limit, hence within usize
    let stop = crate::interrupt::token();
    let set = |bits: &mut [u64], row: usize, p: i64| {
        let j = p - p_lo;
        if j >= 0 && (j as usize) < n_periods {
            bits[row * words + j as usize / 64] |= 1u64 << (j % 64);
        }
    };
    let bits = match events {
        Events::Rows { codes, ts } => {
            if codes.len() != ts.len() {
                return Err(KernelError::LengthMismatch(format!("{} codes but {} timestamps", codes.len(), ts.len())));
            }
            if let Some(&c) = codes.iter().find(|&&c| c as usize >= n_customers) {
                return Err(KernelError::OutOfRange(format!("customer code {c} >= {n_customers} customers")));
            }
            // one bitmap per slice of rows, as many slices as threads when the limit allows
            let threads = rayon::current_num_threads().max(1) as u128;
            let n_parts = (crate::mem::limit() as u128 / bytes.max(1)).clamp(1, threads) as usize;
            let chunk = ts.len().div_ceil(n_parts).max(1);
            let mut partial: Vec<Vec<u64>> =
                (0..ts.len().div_ceil(chunk).max(1)).map(|_| crate::mem::try_zeros(n_cells)).collect::<Result<_>>()?;
            partial.par_iter_mut().enumerate().for_each(|(k, bits)| {
                // rows in blocks: first every (word, bit) of the block, then the ORs, so
                // that the random accesses of a block are in flight together
                let mut pending: Vec<(usize, u64)> = Vec::with_capacity(BLOCK);
                let range = k * chunk..((k + 1) * chunk).min(ts.len());
                let end = range.end;
                for block in range.step_by(BLOCK).map(|b| b..(b + BLOCK).min(end)) {
                    if stop.requested() {
                        return;
                    }
                    pending.clear();
                    for i in block {
                        let t = ts[i];
                        if t <= as_of && mask.is_none_or(|m| m[i]) {
                            let j = cal.period_of(t) - p_lo;
                            if j >= 0 && (j as usize) < n_periods {
                                pending.push((codes[i] as usize * words + j as usize / 64, 1u64 << (j % 64)));
                            }
                        }
                    }
                    for &(w, bit) in &pending {
                        bits[w] |= bit;
                    }
                }
            });
            let mut out = partial.pop().expect("at least one slice");
            out.par_chunks_mut(1 << 14).enumerate().for_each(|(k, dst)| {
                for other in &partial {
                    for (d, s) in dst.iter_mut().zip(&other[k * (1 << 14)..]) {
                        *d |= s;
                    }
                }
            });
            out
        }
        Events::Grouped(g) => {
            if g.n_customers() != n_customers {
                return Err(KernelError::LengthMismatch(format!(
                    "{} customers in the layout, {n_customers} expected",
                    g.n_customers()
                )));
            }
            let mut out = crate::mem::try_zeros(n_cells)?;
            // one customer's bits, into `row` (its `words` words)
            let customer = |c: usize, row: &mut [u64]| {
                for i in g.range(c) {
                    let t = g.ts[i];
                    if t > as_of {
                        break;
                    }
                    if mask.is_none_or(|m| m[i]) {
                        set(row, 0, cal.period_of(t));
                    }
                }
            };
            out.par_chunks_mut(CHUNK * words).enumerate().for_each(|(k, dst)| {
                if stop.requested() {
                    return;
                }
                for (row, c) in dst.chunks_exact_mut(words).zip(k * CHUNK..) {
                    if words <= LOCAL_WORDS {
                        // up to 512 periods: the customer's bits build up in registers / L1
                        let mut acc = [0u64; LOCAL_WORDS];
                        customer(c, &mut acc);
                        row.copy_from_slice(&acc[..words]);
                    } else {
                        customer(c, row);
                    }
                }
            });
            out
        }
    };
    Ok(Bitmaps { p_lo, n_periods, words, bits: Cow::Owned(bits) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Period;
    use crate::{Grouped, US_PER_DAY};

    #[test]
    fn rows_and_grouped_agree() {
        let d = US_PER_DAY;
        let cal = Calendar::new("UTC", Period::Day, 0, 100 * d).unwrap();
        // customer 1: days 3, 0, 70; customer 0: day 5 and day 99 (after as_of)
        let codes = [1u32, 0, 1, 1, 0];
        let ts = [3 * d, 5 * d, 0, 70 * d + 5, 99 * d];
        let b = active_bitmaps(Events::Rows { codes: &codes, ts: &ts }, 2, None, &cal, 0, 80 * d).unwrap();
        assert_eq!((b.n_periods, b.words), (81, 2));
        assert_eq!(b.row(0), &[1 << 5, 0]);
        assert_eq!(b.row(1), &[1 | 1 << 3, 1 << 6]);
        let indptr = [0i64, 2, 5];
        let gts = [5 * d, 99 * d, 0, 3 * d, 70 * d + 5];
        let g = Grouped::new(&indptr, &gts).unwrap();
        assert_eq!(active_bitmaps(Events::Grouped(g), 2, None, &cal, 0, 80 * d).unwrap(), b);
        let mut seen = vec![];
        for_each_bit(b.row(1), 1, |j| seen.push(j));
        assert_eq!(seen, vec![3, 70]);
        assert_eq!(lowest_bit(b.row(1)), Some(0));
        assert_eq!(lowest_bit(&[0, 0]), None);
    }
}
