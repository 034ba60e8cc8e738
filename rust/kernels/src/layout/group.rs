//! Grouping: rows in input order into the CSR layout (events grouped by customer code,
//! sorted by time within a customer), in two cache-friendly passes instead of one random
//! scatter (see [`super::partitions`]); and [`take`], which puts a column in that order.
use std::cmp::Ordering;

use rayon::prelude::*;

use super::partitions::{Partitions, Runs, TieOrder, PART_BITS};
use crate::{KernelError, PerThread, Result};

/// `indptr` (n_customers + 1 offsets), `perm` (grouped position -> input row) and the
/// timestamps in grouped order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub indptr: Vec<i64>,
    pub perm: Vec<u32>,
    pub ts: Vec<i64>,
}

/// A column that orders a customer's events at the same instant (see [`group_by_customer`]).
#[derive(Debug, Clone, Copy)]
pub enum TieKey<'a> {
    /// Compared by [`f64::total_cmp`].
    Float(&'a [f64]),
    Code(&'a [i32]),
}

impl TieKey<'_> {
    fn len(&self) -> usize {
        match self {
            TieKey::Float(v) => v.len(),
            TieKey::Code(v) => v.len(),
        }
    }

    #[inline]
    fn cmp(&self, a: usize, b: usize) -> Ordering {
        match self {
            TieKey::Float(v) => v[a].total_cmp(&v[b]),
            TieKey::Code(v) => v[a].cmp(&v[b]),
        }
    }
}

/// Rows `a`, `b` compared by `keys` in turn.
fn compare_rows(keys: &[TieKey], a: usize, b: usize) -> Ordering {
    keys.iter().map(|k| k.cmp(a, b)).find(|o| o.is_ne()).unwrap_or(Ordering::Equal)
}

/// Groups rows by customer code and sorts each customer's run by time. Rows at the same
/// instant are ordered by the `ties` columns (e.g. amount, then event type), then by
/// input order: rows equal in all of them are interchangeable, so the layout, and every
/// result read from it, does not depend on the input order (nor on the thread count).
///
/// ```
/// use fidelite_kernels::layout::group::{group_by_customer, TieKey};
/// let l = group_by_customer(&[1, 0, 1], &[5, 7, 2], 2, &[]).unwrap();
/// assert_eq!(l.indptr, vec![0, 1, 3]);
/// assert_eq!(l.perm, vec![1, 2, 0]);
/// assert_eq!(l.ts, vec![7, 2, 5]);
/// // at the same instant, the smaller amount first
/// let l = group_by_customer(&[0, 0], &[5, 5], 1, &[TieKey::Float(&[9.5, 2.0])]).unwrap();
/// assert_eq!(l.perm, vec![1, 0]);
/// ```
pub fn group_by_customer(codes: &[u32], ts: &[i64], n_customers: usize, ties: &[TieKey]) -> Result<Layout> {
    group_carrying(codes, ts, n_customers, ties, &[]).map(|(layout, _)| layout)
}

/// [`group_by_customer`], plus float columns put in the grouped order on the way: each is
/// dealt into the partitions along with the rows and reordered within its partition, in
/// cache, where [`take`] would gather it from all over the input afterwards.
///
/// ```
/// let (l, carried) = fidelite_kernels::layout::group::group_carrying(&[1, 0, 1], &[5, 7, 2], 2, &[], &[&[0.5, 1.5, 2.5]]).unwrap();
/// assert_eq!(l.perm, vec![1, 2, 0]);
/// assert_eq!(carried, vec![vec![1.5, 2.5, 0.5]]);
/// ```
pub fn group_carrying(
    codes: &[u32],
    ts: &[i64],
    n_customers: usize,
    ties: &[TieKey],
    carry: &[&[f64]],
) -> Result<(Layout, Vec<Vec<f64>>)> {
    if codes.len() != ts.len() {
        return Err(KernelError::LengthMismatch(format!("{} customer codes but {} timestamps", codes.len(), ts.len())));
    }
    if let Some(k) = ties.iter().find(|k| k.len() != ts.len()) {
        return Err(KernelError::LengthMismatch(format!(
            "a tie-break column has {} values but there are {} rows",
            k.len(),
            ts.len()
        )));
    }
    if let Some(c) = carry.iter().find(|c| c.len() != ts.len()) {
        return Err(KernelError::LengthMismatch(format!(
            "a carried column has {} values but there are {} rows",
            c.len(),
            ts.len()
        )));
    }
    let parts = Partitions::new(codes, n_customers, PART_BITS)?;
    let mut out_ts = parts.scatter(|row, _| ts[row]);
    let mut perm = parts.scatter(|row, _| row as u32);
    let local = parts.scatter(|_, local| local as u16);
    // carried columns are dealt like the times, then reordered in place, partition by partition
    let mut carried: Vec<Vec<f64>> = carry.iter().map(|c| parts.scatter(|row, _| c[row])).collect();
    let mut carried_parts: Vec<Vec<&mut [f64]>> = (0..parts.len()).map(|_| Vec::new()).collect();
    for column in carried.iter_mut() {
        for (p, piece) in parts.split(column).into_iter().enumerate() {
            carried_parts[p].push(piece);
        }
    }
    let mut indptr = crate::mem::zeros(n_customers + 1);
    indptr[n_customers] = ts.len() as i64;
    let pieces: Vec<_> = indptr[..n_customers]
        .chunks_mut(1 << PART_BITS)
        .zip(parts.split(&mut out_ts))
        .zip(parts.split(&mut perm))
        .zip(carried_parts)
        .enumerate()
        .collect();
    // sorted in place: each worker's scratch is reused across its partitions
    let workers = PerThread::new(|| (Runs::default(), Vec::new(), Vec::new(), Vec::new()));
    pieces.into_par_iter().for_each(|(p, (((ptr, ts_p), perm_p), mut carried_p))| {
        workers.with(|(runs, part, rows_p, values)| {
            let range = parts.rows(p);
            // a row is its place among the partition's dealt rows: its input row, carried
            // values (and tie-break values) are read back through it
            rows_p.clear();
            rows_p.extend_from_slice(perm_p);
            part.clear();
            let local = &local[range.clone()];
            part.extend(local.iter().zip(ts_p.iter()).enumerate().map(|(at, (&local, &t))| Row {
                t,
                at: at as u32,
                local,
            }));
            let input = |r: &Row| rows_p[r.at as usize] as usize;
            let order = |a: &Row, b: &Row| compare_rows(ties, input(a), input(b));
            let order: Option<TieOrder<Row>> = if ties.is_empty() { None } else { Some(&order) };
            runs.sort(part, |r| (r.local as usize, r.t), ptr.len(), None, order);
            for (slot, &b) in ptr.iter_mut().zip(&runs.bounds) {
                *slot = (range.start + b) as i64;
            }
            for ((t_out, r_out), r) in ts_p.iter_mut().zip(perm_p.iter_mut()).zip(&runs.sorted) {
                *t_out = r.t;
                *r_out = rows_p[r.at as usize];
            }
            for column in carried_p.iter_mut() {
                values.clear();
                values.extend_from_slice(column);
                for (v, r) in column.iter_mut().zip(&runs.sorted) {
                    *v = values[r.at as usize];
                }
            }
        })
    });
    Ok((Layout { indptr, perm, ts: out_ts }, carried))
}

/// A row of [`group_by_customer`] while its partition is sorted.
#[derive(Clone, Copy)]
struct Row {
    t: i64,
    /// Position among the partition's dealt rows.
    at: u32,
    local: u16,
}

/// `values[perm[i]]` for every `i`, in parallel: reorders a column into the grouped
/// layout (`perm` from [`group_by_customer`]).
///
/// ```
/// assert_eq!(fidelite_kernels::layout::group::take(&[1.5, 2.5, 3.5], &[2, 0]).unwrap(), vec![3.5, 1.5]);
/// ```
pub fn take<T: Copy + Default + Send + Sync>(values: &[T], perm: &[u32]) -> Result<Vec<T>> {
    let mut out = crate::mem::zeros(perm.len());
    let bad = out
        .par_chunks_mut(1 << 16)
        .zip(perm.par_chunks(1 << 16))
        .map(|(dst, idx)| {
            let mut bad = None;
            for (k, (d, &i)) in dst.iter_mut().zip(idx).enumerate() {
                // the gather is latency-bound (a cache and TLB miss per row): ask for the
                // row needed a little later now
                if let Some(&ahead) = idx.get(k + PREFETCH_AHEAD) {
                    prefetch(values, ahead as usize);
                }
                match values.get(i as usize) {
                    Some(&v) => *d = v,
                    None => bad = Some(i),
                }
            }
            bad
        })
        .reduce(|| None, |a, b| a.or(b));
    match bad {
        Some(i) => Err(KernelError::OutOfRange(format!("row {i} of a column of {} rows", values.len()))),
        None => Ok(out),
    }
}

/// How many rows ahead [`take`] prefetches.
const PREFETCH_AHEAD: usize = 24;

/// A hint that `values[i]` will be read soon (no-op off x86-64 or out of bounds).
#[inline(always)]
pub(crate) fn prefetch<T>(values: &[T], i: usize) {
    #[cfg(target_arch = "x86_64")]
    if let Some(v) = values.get(i) {
        // SAFETY: prefetching is a hint with no effect on memory; the pointer is valid.
        unsafe { std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>((v as *const T).cast()) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (values, i);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_and_sorts_with_stable_ties() {
        let codes = [2u32, 0, 2, 2, 0];
        let ts = [5i64, 9, 1, 5, -3];
        let l = group_by_customer(&codes, &ts, 4, &[]).unwrap();
        assert_eq!(l.indptr, vec![0, 2, 2, 5, 5]);
        assert_eq!(l.ts, vec![-3, 9, 1, 5, 5]);
        assert_eq!(l.perm, vec![4, 1, 2, 0, 3]);
    }

    #[test]
    fn many_partitions_match_a_sort() {
        let n = 20_000usize;
        let mut state = 7u64;
        let mut rnd = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let codes: Vec<u32> = (0..200_000).map(|_| (rnd() % n as u64) as u32).collect();
        let mut ts: Vec<i64> = (0..200_000).map(|_| (rnd() % 1000) as i64 - 500).collect();
        // each time its own bucket; then two far instants: most times share a bucket
        for far in [None, Some(1i64 << 50)] {
            if let Some(far) = far {
                (ts[0], ts[1]) = (-far, far);
            }
            let values: Vec<f64> = (0..ts.len()).map(|i| i as f64 * 0.5 - 7.0).collect();
            let (l, carried) =
                group_carrying(&codes, &ts, n, &[], &[&values, &ts.iter().map(|&t| t as f64).collect::<Vec<_>>()])
                    .unwrap();
            assert_eq!(carried[0], take(&values, &l.perm).unwrap());
            assert_eq!(carried[1], l.ts.iter().map(|&t| t as f64).collect::<Vec<_>>());
            let mut want: Vec<(u32, i64, u32)> = (0..codes.len()).map(|i| (codes[i], ts[i], i as u32)).collect();
            want.sort();
            assert_eq!(l.perm, want.iter().map(|w| w.2).collect::<Vec<_>>());
            assert_eq!(l.ts, want.iter().map(|w| w.1).collect::<Vec<_>>());
            for c in 0..n {
                let run = l.indptr[c] as usize..l.indptr[c + 1] as usize;
                assert!(l.perm[run].iter().all(|&r| codes[r as usize] == c as u32));
            }
        }
    }

    #[test]
    fn long_runs_in_one_time_bucket() {
        // customer 1: 3000 events in reverse order, pairs at the same instant, all in one
        // time bucket (the log spans 2^50 us): too many moves for the insertion sort alone
        let mut ts: Vec<i64> = (0..3000).map(|i| (3000 - i) / 2).collect();
        ts.extend([1 << 50, 0]);
        let mut codes = vec![1u32; 3000];
        codes.extend([0, 0]);
        let l = group_by_customer(&codes, &ts, 2, &[]).unwrap();
        let mut want: Vec<(u32, i64, u32)> = (0..codes.len()).map(|i| (codes[i], ts[i], i as u32)).collect();
        want.sort();
        assert_eq!(l.perm, want.iter().map(|w| w.2).collect::<Vec<_>>());
    }

    #[test]
    fn ties_follow_the_keys_whatever_the_input_order() {
        // customer 0 has three events at t=5 (amounts 2, 1, 2 with codes 7, 3, 1) and one at 1
        let (codes, ts) = ([0u32, 0, 1, 0, 0], [5i64, 5, 5, 1, 5]);
        let (amount, label) = ([2.0, 1.0, 0.0, 8.0, 2.0], [7, 3, 0, 0, 1]);
        let keys = [TieKey::Float(&amount), TieKey::Code(&label)];
        let l = group_by_customer(&codes, &ts, 2, &keys).unwrap();
        assert_eq!(l.perm, vec![3, 1, 4, 0, 2]);
        let (_, carried) = group_carrying(&codes, &ts, 2, &keys, &[&amount]).unwrap();
        assert_eq!(carried[0], vec![8.0, 1.0, 2.0, 2.0, 0.0]);
        // any permutation of the rows gives the same sequence of rows
        let p = [4usize, 2, 0, 3, 1];
        let pick = |v: &[f64]| p.iter().map(|&i| v[i]).collect::<Vec<_>>();
        let (c2, t2): (Vec<u32>, Vec<i64>) = p.iter().map(|&i| (codes[i], ts[i])).unzip();
        let (a2, l2) = (pick(&amount), p.iter().map(|&i| label[i]).collect::<Vec<i32>>());
        let l2_ = group_by_customer(&c2, &t2, 2, &[TieKey::Float(&a2), TieKey::Code(&l2)]).unwrap();
        let rows: Vec<usize> = l2_.perm.iter().map(|&r| p[r as usize]).collect();
        assert_eq!(rows, vec![3, 1, 4, 0, 2]);
    }

    #[test]
    fn rejects_bad_codes_and_lengths() {
        assert!(group_by_customer(&[3], &[0], 2, &[]).is_err());
        assert!(group_by_customer(&[0, 0], &[0], 2, &[]).is_err());
        assert!(group_by_customer(&[0, 0], &[0, 0], 2, &[TieKey::Code(&[1])]).is_err());
        assert!(group_carrying(&[0, 0], &[0, 0], 2, &[], &[&[1.0]]).is_err());
        let e = take(&[1.0, 2.0], &[1, 0, 2]).unwrap_err();
        assert!(e.to_string().contains("row 2 of a column of 2 rows"), "{e}");
        let long: Vec<u32> = (0..200_000).rev().collect(); // several parallel chunks, prefetching past their ends
        let values: Vec<i64> = (0..200_000).collect();
        assert_eq!(take(&values, &long).unwrap(), values.iter().rev().copied().collect::<Vec<_>>());
    }
}
