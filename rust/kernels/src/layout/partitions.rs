//! The two cache-friendly passes every row-order kernel shares: [`Partitions`] deals the
//! rows into partitions of consecutive customers (few write streams, in parallel over row
//! ranges); [`Runs`] then sorts one partition by customer and time in cache (in parallel
//! over partitions). The grouping ([`super::group`]) and the driver ([`super::visit`]) are
//! both built on them.
use std::cmp::Ordering;
use std::mem::MaybeUninit;
use std::ops::Range;

use rayon::prelude::*;

use crate::{KernelError, Result};

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
pub(crate) fn prefix_sum(v: &mut [usize]) {
    for i in 1..v.len() {
        v[i] += v[i - 1];
    }
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
