//! The CSR layout: events grouped by customer code, sorted by time within a customer.
//!
//! Grouping runs in two cache-friendly passes instead of one random scatter. [`Partitions`]
//! deals the rows into partitions of consecutive customers (few write streams, in parallel
//! over row ranges); [`Runs`] then sorts one partition by customer and time in cache (in
//! parallel over partitions). [`group_by_customer`] writes the whole layout that way; a
//! kernel that reads each customer once (e.g. the per-customer summary of a log not yet
//! grouped) can instead work partition by partition on the sorted runs and never build it.
use std::cmp::Ordering;
use std::mem::MaybeUninit;
use std::ops::Range;

use rayon::prelude::*;

use crate::{KernelError, PerThread, Result};

/// `indptr` (n_customers + 1 offsets), `perm` (grouped position -> input row) and the
/// timestamps in grouped order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub indptr: Vec<i64>,
    pub perm: Vec<u32>,
    pub ts: Vec<i64>,
}

/// log2 of the customers per partition: few enough partitions for the scatter to write a
/// few hundred streams, small enough (~50k events, ~1 MB, for typical logs) for the two
/// counting passes of [`Runs::sort`] to work in L2. At 1M customers / 11.5M events, 14
/// took 30 % more CPU to group and 11 no less than 12.
pub const PART_BITS: u32 = 12;

/// Rows dealt into partitions of `2^bits` consecutive customer codes, in input order
/// within a partition: the plan (pass 0: rows per row chunk and partition, which also
/// validates the codes) and [`Partitions::scatter`] (pass 1).
pub struct Partitions<'a> {
    codes: &'a [u32],
    bits: u32,
    n_customers: usize,
    row_chunk: usize,
    /// `counts[w][p]`: rows of row chunk `w` in partition `p`.
    counts: Vec<Vec<usize>>,
    /// Partition `p` holds scattered rows `starts[p]..starts[p + 1]`.
    starts: Vec<usize>,
}

impl<'a> Partitions<'a> {
    pub fn new(codes: &'a [u32], n_customers: usize, bits: u32) -> Result<Self> {
        if codes.len() >= u32::MAX as usize {
            return Err(KernelError::OutOfRange(format!(
                "{} rows exceed the 4,294,967,294 rows of one log",
                codes.len()
            )));
        }
        let n_parts = n_customers.div_ceil(1 << bits);
        let row_chunk = codes.len().div_ceil(rayon::current_num_threads().max(1)).max(1);
        let counts = codes
            .par_chunks(row_chunk)
            .map(|chunk| {
                let mut counts = vec![0usize; n_parts];
                for &c in chunk {
                    if c as usize >= n_customers {
                        return Err(KernelError::OutOfRange(format!("customer code {c} >= {n_customers} customers")));
                    }
                    counts[(c >> bits) as usize] += 1;
                }
                Ok(counts)
            })
            .collect::<Result<Vec<_>>>()?;
        let mut starts = vec![0usize; n_parts + 1];
        for p in 0..n_parts {
            starts[p + 1] = starts[p] + counts.iter().map(|c| c[p]).sum::<usize>();
        }
        Ok(Partitions { codes, bits, n_customers, row_chunk, counts, starts })
    }

    pub fn len(&self) -> usize {
        self.starts.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Customer codes of partition `p`.
    pub fn customers(&self, p: usize) -> Range<usize> {
        p << self.bits..((p + 1) << self.bits).min(self.n_customers)
    }

    /// Positions of partition `p`'s rows in a scattered array.
    pub fn rows(&self, p: usize) -> Range<usize> {
        self.starts[p]..self.starts[p + 1]
    }

    /// A customer's index within its partition.
    #[inline]
    fn local(&self, code: u32) -> usize {
        (code & ((1 << self.bits) - 1)) as usize
    }

    /// `value(row, local customer)` of every row, partition after partition (pass 1):
    /// every row chunk writes its own slice of every partition, in parallel.
    pub fn scatter<T, F>(&self, value: F) -> Vec<T>
    where
        T: Copy + Send + Sync,
        F: Fn(usize, usize) -> T + Sync,
    {
        let n = self.codes.len();
        let mut out: Vec<T> = crate::mem::with_capacity(n);
        let mut slots: Vec<Vec<&mut [MaybeUninit<T>]>> =
            (0..self.counts.len()).map(|_| Vec::with_capacity(self.len())).collect();
        let mut rest = &mut out.spare_capacity_mut()[..n];
        for p in 0..self.len() {
            for (w, counts) in self.counts.iter().enumerate() {
                let (head, tail) = std::mem::take(&mut rest).split_at_mut(counts[p]);
                slots[w].push(head);
                rest = tail;
            }
        }
        slots.into_par_iter().enumerate().for_each(|(w, mut parts)| {
            let base = w * self.row_chunk;
            let mut fill = vec![0usize; parts.len()];
            for (i, &c) in self.codes[base..(base + self.row_chunk).min(n)].iter().enumerate() {
                let p = (c >> self.bits) as usize;
                parts[p][fill[p]].write(value(base + i, self.local(c)));
                fill[p] += 1;
            }
        });
        // SAFETY: pass 0 counted every row of every chunk into its partition, so the
        // slices above tile `0..n` and each row chunk filled its slices completely.
        unsafe { out.set_len(n) };
        out
    }

    /// Cuts a per-row output (in scattered order) into one slice per partition.
    pub fn split<'b, T>(&self, mut rest: &'b mut [T]) -> Vec<&'b mut [T]> {
        (0..self.len())
            .map(|p| {
                let (head, tail) = std::mem::take(&mut rest).split_at_mut(self.rows(p).len());
                rest = tail;
                head
            })
            .collect()
    }
}

/// One partition sorted by customer, then by time (pass 2); a worker keeps one and reuses
/// its buffers across partitions. `R` is a scattered row: whatever a kernel carries along.
pub struct Runs<R> {
    /// Customer `c` of the partition owns `sorted[bounds[c]..bounds[c + 1]]`.
    pub bounds: Vec<usize>,
    /// The partition's rows, by customer then time (see [`Runs::sort`]).
    pub sorted: Vec<R>,
    by_time: Vec<R>,
    next: Vec<usize>,
}

impl<R> Default for Runs<R> {
    fn default() -> Self {
        Runs { bounds: Vec::new(), sorted: Vec::new(), by_time: Vec::new(), next: Vec::new() }
    }
}

/// Orders two rows of a customer at the same instant (see [`Runs::sort`]).
pub type TieOrder<'a, R> = &'a (dyn Fn(&R, &R) -> Ordering + Sync);

/// log2 of the time buckets of the first counting pass of [`Runs::sort`]: fine enough
/// that one customer rarely has two events in one bucket, few enough to count in L1.
const TIME_BUCKET_BITS: u32 = 12;

impl<R: Copy> Runs<R> {
    /// Sorts the rows of a partition of `n_customers` customers by customer, then time:
    /// `key(row)` gives its customer within the partition and its time, any monotone
    /// stand-in for the instant. Rows at the same time are ordered by `ties`, and keep
    /// their order where it finds them equal. `t_range` (the times' bounds, read from the
    /// rows when None) only sizes the time buckets: any range gives the same order.
    ///
    /// Two stable counting passes, least significant key first: by coarse time (4096
    /// buckets of `t_range`), then by customer. Each customer's run comes out sorted but
    /// for events sharing a bucket (a session's events often do), which an insertion sort
    /// mends by moving only those. (A comparison sort of every run cost more than both
    /// passes together.)
    pub fn sort(
        &mut self,
        rows: &[R],
        key: impl Fn(&R) -> (usize, i64),
        n_customers: usize,
        t_range: Option<(i64, i64)>,
        ties: Option<TieOrder<R>>,
    ) {
        // the partition's own range (read in cache) unless the caller knows one
        let (lo, hi) = t_range.unwrap_or_else(|| {
            rows.iter().fold((i64::MAX, i64::MIN), |(lo, hi), r| (lo.min(key(r).1), hi.max(key(r).1)))
        });
        let hi = hi.max(lo);
        let shift = (u64::BITS - (hi.wrapping_sub(lo) as u64).leading_zeros()).saturating_sub(TIME_BUCKET_BITS);
        let bucket = |t: i64| (t.clamp(lo, hi).wrapping_sub(lo) as u64 >> shift) as usize;
        let (bounds, next) = (&mut self.bounds, &mut self.next);
        bounds.clear();
        bounds.resize(n_customers + 1, 0);
        next.clear();
        next.resize((1 << TIME_BUCKET_BITS) + 1, 0);
        for r in rows {
            let (c, t) = key(r);
            bounds[c + 1] += 1;
            next[bucket(t) + 1] += 1;
        }
        prefix_sum(bounds);
        prefix_sum(next);
        let Some(&fill) = rows.first() else { return };
        self.by_time.clear();
        self.by_time.resize(rows.len(), fill);
        for r in rows {
            let slot = &mut next[bucket(key(r).1)];
            self.by_time[*slot] = *r;
            *slot += 1;
        }
        next.clear();
        next.extend_from_slice(&bounds[..n_customers]);
        self.sorted.clear();
        self.sorted.resize(rows.len(), fill);
        for r in &self.by_time {
            let slot = &mut next[key(r).0];
            self.sorted[*slot] = *r;
            *slot += 1;
        }
        let time = |r: &R| key(r).1;
        for w in bounds.windows(2) {
            let run = &mut self.sorted[w[0]..w[1]];
            if run.windows(2).any(|x| time(&x[1]) < time(&x[0])) {
                mend(run, time);
            }
            if let Some(ties) = ties {
                order_ties(run, time, ties);
            }
        }
    }
}

/// Running sums in place: `v[i]` becomes `v[0] + ... + v[i]`.
fn prefix_sum(v: &mut [usize]) {
    for i in 1..v.len() {
        v[i] += v[i - 1];
    }
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

/// Sorts every group of equal times of a time-sorted run by `ties` (stable).
fn order_ties<R>(run: &mut [R], time: impl Fn(&R) -> i64, ties: TieOrder<R>) {
    if !run.windows(2).any(|w| time(&w[0]) == time(&w[1])) {
        return; // the common case, checked by a tight loop
    }
    let mut i = 0;
    while i + 1 < run.len() {
        let mut j = i + 1;
        while j < run.len() && time(&run[j]) == time(&run[i]) {
            j += 1;
        }
        if j - i > 1 {
            run[i..j].sort_by(ties);
        }
        i = j;
    }
}

/// Groups rows by customer code and sorts each customer's run by time. Rows at the same
/// instant are ordered by the `ties` columns (e.g. amount, then event type), then by
/// input order: rows equal in all of them are interchangeable, so the layout, and every
/// result read from it, does not depend on the input order (nor on the thread count).
///
/// ```
/// use fidelite_kernels::group::{group_by_customer, TieKey};
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
/// let (l, carried) = fidelite_kernels::group::group_carrying(&[1, 0, 1], &[5, 7, 2], 2, &[], &[&[0.5, 1.5, 2.5]]).unwrap();
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
/// assert_eq!(fidelite_kernels::group::take(&[1.5, 2.5, 3.5], &[2, 0]).unwrap(), vec![3.5, 1.5]);
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

/// Stable sort by time of a run that is nearly sorted: an insertion sort, which only
/// moves the few rows out of place, handing over to a merge sort if they turn out many.
fn mend<R: Copy>(run: &mut [R], time: impl Fn(&R) -> i64) {
    let mut budget = 8 * run.len() + 64;
    for i in 1..run.len() {
        let x = run[i];
        let mut j = i;
        while j > 0 && time(&run[j - 1]) > time(&x) {
            run[j] = run[j - 1];
            j -= 1;
        }
        run[j] = x;
        budget = budget.saturating_sub(i - j);
        if budget == 0 {
            run.sort_by_key(time); // both sorts are stable: same order as either alone
            return;
        }
    }
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
