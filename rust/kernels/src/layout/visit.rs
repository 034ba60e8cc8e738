//! The one driver of the kernels that read each customer once.
//!
//! Customers are visited in pieces of [`PIECE`] consecutive codes, the pieces in parallel,
//! the customers of a piece in ascending code order; a kernel gives one output per piece
//! (e.g. its rows of a per-customer table, or partial sums it reduces afterwards in piece
//! order, so that float sums do not depend on the layout nor on the thread count).
//!
//! - [`for_each_run`] hands each customer its events in time order, as column slices
//!   ([`Run`]). From the grouped layout these are slices of the layout; from rows, every
//!   piece's rows are dealt into a partition ([`Partitions`]), sorted in cache ([`Runs`])
//!   and cut into runs, without grouping the whole log.
//! - [`for_each_keys`] hands each customer its distinct small keys (e.g. local days) in
//!   ascending order. From rows, a partition's keys set bits of a customers x keys bitmap
//!   that stays in cache: no sort at all.
//!
//! Events at the same instant come in ascending amount order from rows, as the grouped
//! layout orders them first (see [`super::group::TieKey`]): a kernel gives the same bits
//! from either layout as long as only the amounts tell same-instant events apart.
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

use rayon::prelude::*;

use super::group::group_by_customer;
use super::partitions::{Partitions, Runs, PART_BITS};
use super::{Events, Grouped};
use crate::scan::bounds;
use crate::{check_len, KernelError, PerThread, Result};

/// Customers per piece: a partition of the row-order passes.
pub const PIECE: usize = 1 << PART_BITS;

/// Number of pieces of `n_customers` customers.
pub fn n_pieces(n_customers: usize) -> usize {
    n_customers.div_ceil(PIECE)
}

/// Customer codes of piece `p`.
pub fn piece(p: usize, n_customers: usize) -> std::ops::Range<usize> {
    p * PIECE..((p + 1) * PIECE).min(n_customers)
}

/// The per-event columns a kernel reads besides the instants, aligned with the events.
#[derive(Debug, Clone, Copy, Default)]
pub struct Columns<'a> {
    pub amount: Option<&'a [f64]>,
    /// A label code per event (-1 = null), e.g. the product.
    pub label: Option<&'a [i32]>,
    /// Up to two boolean columns (event-type masks).
    pub flags: [Option<&'a [bool]>; 2],
}

impl Columns<'_> {
    fn check(&self, n: usize) -> Result<()> {
        check_len("amount", self.amount, n)?;
        check_len("label", self.label, n)?;
        check_len("mask", self.flags[0], n)?;
        check_len("mask", self.flags[1], n)
    }
}

/// One customer's events in time order: its instants and the columns asked for.
#[derive(Debug, Clone, Copy)]
pub struct Run<'a> {
    pub ts: &'a [i64],
    pub amount: Option<&'a [f64]>,
    pub label: Option<&'a [i32]>,
    pub flags: [Option<&'a [bool]>; 2],
}

impl<'a> Run<'a> {
    #[inline(always)]
    fn of(ts: &'a [i64], cols: &Columns<'a>, r: std::ops::Range<usize>) -> Run<'a> {
        Run {
            ts: &ts[r.clone()],
            amount: cols.amount.map(|a| &a[r.clone()]),
            label: cols.label.map(|l| &l[r.clone()]),
            flags: cols.flags.map(|f| f.map(|f| &f[r.clone()])),
        }
    }

    pub fn len(&self) -> usize {
        self.ts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ts.is_empty()
    }

    /// Whether event `k` passes flag column `f` (every event when the column is absent).
    #[inline(always)]
    pub fn flag(&self, f: usize, k: usize) -> bool {
        self.flags[f].is_none_or(|m| m[k])
    }

    /// The run cut before its first event after `as_of`.
    #[inline(always)]
    pub fn until(self, as_of: i64) -> Run<'a> {
        let n = match self.ts.last() {
            Some(&t) if t > as_of => self.ts.partition_point(|&t| t <= as_of),
            _ => self.ts.len(),
        };
        Run {
            ts: &self.ts[..n],
            amount: self.amount.map(|a| &a[..n]),
            label: self.label.map(|l| &l[..n]),
            flags: self.flags.map(|f| f.map(|f| &f[..n])),
        }
    }
}

/// Calls `visit(scratch, out, c, j, run)` for every customer `c` (its index `j` in its
/// piece) with its events in time order; `outs[p]` is piece `p`'s output and `scratch` the
/// calling thread's `init()`. `t_range`, the instants' bounds when the caller knows them,
/// spares reading every instant once more (a range that misses one is caught).
///
/// ```
/// use fidelite_kernels::layout::{visit::*, Events, Grouped};
/// // rows in any order: customer 1 at 5 and 2, customer 0 at 7
/// let rows = Events::Rows { codes: &[1, 0, 1], ts: &[5, 7, 2] };
/// let mut outs = vec![Vec::new(); n_pieces(2)];
/// for_each_run(rows, Columns::default(), 2, None, &mut outs, || (), |_, out, c, _, run| out.push((c, run.ts.to_vec())))
///     .unwrap();
/// assert_eq!(outs[0], vec![(0, vec![7]), (1, vec![2, 5])]);
/// ```
pub fn for_each_run<O, S, I, F>(
    events: Events,
    cols: Columns,
    n_customers: usize,
    t_range: Option<(i64, i64)>,
    outs: &mut [O],
    init: I,
    visit: F,
) -> Result<()>
where
    O: Send,
    S: Send,
    I: Fn() -> S + Sync,
    F: Fn(&mut S, &mut O, usize, usize, Run) + Sync,
{
    events.check(n_customers)?;
    cols.check(events.len())?;
    check_outs(outs, n_customers)?;
    match events {
        Events::Grouped(g) => {
            let workers = PerThread::new(&init);
            let stop = crate::interrupt::token();
            outs.par_iter_mut().enumerate().for_each(|(p, out)| {
                if stop.requested() {
                    return; // Ctrl-C: the caller drops the result
                }
                workers.with(|scratch| {
                    for (j, c) in piece(p, n_customers).enumerate() {
                        visit(scratch, out, c, j, Run::of(g.ts, &cols, g.range(c)));
                    }
                })
            });
        }
        Events::Rows { codes, ts } => {
            let parts = Partitions::new(codes, n_customers, PART_BITS)?;
            let packable = cols.label.is_none() && cols.flags.iter().all(Option::is_none);
            // packing needs the range of the instants; otherwise it only sizes the sort's buckets
            let range = match t_range {
                Some((lo, hi)) if lo <= hi => Some((lo, hi)),
                _ if packable => bounds(ts),
                _ => None,
            };
            let amount = |row: usize| cols.amount.map_or(0.0, |a| a[row]);
            // (a span past i64::MAX, from instants at both ends of i64, is too wide to pack)
            let fits = |&(lo, hi): &(i64, i64)| hi.checked_sub(lo).is_some_and(|span| span < 1 << PACKED_TIME_BITS);
            if let Some((lo, hi)) = range.filter(|r| packable && fits(r)) {
                // one pass deals every row, with all that is read of it, into its partition
                let span = hi.wrapping_sub(lo) as u64;
                let missed = AtomicBool::new(false);
                let rows = parts.scatter(|row, local| {
                    let dt = ts[row].wrapping_sub(lo) as u64;
                    if dt > span {
                        missed.store(true, Relaxed);
                    }
                    Packed { key: (local as u64) << PACKED_TIME_BITS | dt, amount: amount(row) }
                });
                if missed.into_inner() {
                    return for_each_run(events, cols, n_customers, bounds(ts), outs, init, visit);
                }
                let event = |r: &Packed| Event { t: r.time() + lo, amount: r.amount, label: -1, flags: 0 };
                let key = |r: &Packed| (r.local(), r.time());
                from_rows(&parts, &rows, key, Some((0, hi - lo)), event, &cols, outs, &init, &visit);
            } else {
                let rows = parts.scatter(|row, local| Wide {
                    event: Event {
                        t: ts[row],
                        amount: amount(row),
                        label: cols.label.map_or(-1, |l| l[row]),
                        flags: cols.flags[0].is_none_or(|m| m[row]) as u8
                            | (cols.flags[1].is_none_or(|m| m[row]) as u8) << 1,
                    },
                    local: local as u16,
                });
                let key = |r: &Wide| (r.local as usize, r.event.t);
                from_rows(&parts, &rows, key, range, |r: &Wide| r.event, &cols, outs, &init, &visit);
            }
        }
    }
    Ok(())
}

fn check_outs<O>(outs: &[O], n_customers: usize) -> Result<()> {
    if outs.len() != n_pieces(n_customers) {
        return Err(KernelError::LengthMismatch(format!(
            "{} outputs for the {} pieces of {n_customers} customers",
            outs.len(),
            n_pieces(n_customers)
        )));
    }
    Ok(())
}

/// Bits of a [`Packed`] row's time since the log's first instant: logs spanning up to
/// 142 years of microseconds (longer ones scatter [`Wide`] rows).
pub(crate) const PACKED_TIME_BITS: u32 = 64 - PART_BITS;

/// A scattered row of a log read for its times and amounts only: 16 bytes.
#[derive(Clone, Copy)]
struct Packed {
    /// Customer within the partition (high bits), then time since the first instant.
    key: u64,
    amount: f64,
}

impl Packed {
    #[inline(always)]
    fn local(&self) -> usize {
        (self.key >> PACKED_TIME_BITS) as usize
    }

    #[inline(always)]
    fn time(&self) -> i64 {
        (self.key & ((1 << PACKED_TIME_BITS) - 1)) as i64
    }
}

/// What a run reads of one event.
#[derive(Clone, Copy)]
struct Event {
    t: i64,
    amount: f64,
    label: i32,
    /// Bit `f`: the event passes flag column `f`.
    flags: u8,
}

/// A scattered row with every column: 24 bytes.
#[derive(Clone, Copy)]
struct Wide {
    event: Event,
    local: u16,
}

/// Visits scattered `rows` partition by partition: each is sorted by customer and time in
/// cache (`key`: customer within the partition and time, within `t_range` when known, see
/// [`Runs::sort`]) and its runs visited as columns.
#[allow(clippy::too_many_arguments)]
fn from_rows<R, O, S, I, F>(
    parts: &Partitions,
    rows: &[R],
    key: impl Fn(&R) -> (usize, i64) + Sync,
    t_range: Option<(i64, i64)>,
    event: impl Fn(&R) -> Event + Sync,
    cols: &Columns,
    outs: &mut [O],
    init: &I,
    visit: &F,
) where
    R: Copy + Send + Sync,
    O: Send,
    S: Send,
    I: Fn() -> S + Sync,
    F: Fn(&mut S, &mut O, usize, usize, Run) + Sync,
{
    // at the same instant, the order of the grouped layout where amounts can tell
    let by_amount = |x: &R, y: &R| event(x).amount.total_cmp(&event(y).amount);
    let workers = PerThread::new(|| (init(), Runs::default(), Local::default()));
    let stop = crate::interrupt::token();
    outs.par_iter_mut().enumerate().for_each(|(p, out)| {
        if stop.requested() {
            return; // Ctrl-C: the caller drops the result
        }
        workers.with(|(scratch, runs, local)| {
            let customers = parts.customers(p);
            runs.sort(&rows[parts.rows(p)], &key, customers.len(), t_range, Some(&by_amount));
            local.fill(&runs.sorted, &event, cols);
            let view = local.view();
            for (j, c) in customers.enumerate() {
                visit(scratch, out, c, j, Run::of(&local.ts, &view, runs.bounds[j]..runs.bounds[j + 1]));
            }
        })
    });
}

/// One partition's columns in sorted order (see [`Runs`]); a worker reuses them.
#[derive(Default)]
struct Local {
    ts: Vec<i64>,
    amount: Option<Vec<f64>>,
    label: Option<Vec<i32>>,
    flags: [Option<Vec<bool>>; 2],
}

impl Local {
    /// The partition's sorted rows as columns (those of `cols` only).
    fn fill<R>(&mut self, sorted: &[R], event: impl Fn(&R) -> Event, cols: &Columns) {
        fn column<R, T>(dst: &mut Option<Vec<T>>, wanted: bool, sorted: &[R], f: impl Fn(&R) -> T) {
            *dst = wanted.then(|| {
                let mut v = dst.take().unwrap_or_default();
                v.clear();
                v.extend(sorted.iter().map(f));
                v
            });
        }
        self.ts.clear();
        self.ts.extend(sorted.iter().map(|r| event(r).t));
        column(&mut self.amount, cols.amount.is_some(), sorted, |r| event(r).amount);
        column(&mut self.label, cols.label.is_some(), sorted, |r| event(r).label);
        for f in 0..2 {
            column(&mut self.flags[f], cols.flags[f].is_some(), sorted, |r| event(r).flags >> f & 1 == 1);
        }
    }

    fn view(&self) -> Columns<'_> {
        Columns {
            amount: self.amount.as_deref(),
            label: self.label.as_deref(),
            flags: [self.flags[0].as_deref(), self.flags[1].as_deref()],
        }
    }
}

/// Bits of a key in the packed rows of [`for_each_keys`]: with [`PART_BITS`] bits of
/// customer, one u32 per row. More keys group the log first.
const KEY_BITS: u32 = 32 - PART_BITS;
/// The most keys [`for_each_keys`] sets in bitmaps from rows.
pub const MAX_ROW_KEYS: usize = (1 << KEY_BITS) - 1;

/// A customer's keys in ascending order: read off its time-sorted events (repeats and,
/// where a clock turns back, a decrease are possible) or off its bitmap (distinct).
pub enum Keys<'a, K> {
    /// Events `first..first + ts.len()` of a grouped layout; `rows[i]` is the input row of
    /// event `i` when the layout was built from rows here (`key` reads input rows).
    Events {
        ts: &'a [i64],
        first: usize,
        rows: Option<&'a [u32]>,
        key: &'a K,
        at: usize,
    },
    Bits {
        words: &'a [u64],
        w: usize,
        word: u64,
    },
}

impl<K: Fn(usize, i64) -> Option<u32>> Iterator for Keys<'_, K> {
    type Item = u32;

    #[inline(always)]
    fn next(&mut self) -> Option<u32> {
        match self {
            Keys::Events { ts, first, rows, key, at } => {
                while *at < ts.len() {
                    let i = *at;
                    *at += 1;
                    let row = rows.map_or(*first + i, |r| r[*first + i] as usize);
                    if let Some(k) = key(row, ts[i]) {
                        return Some(k);
                    }
                }
                None
            }
            Keys::Bits { words, w, word } => loop {
                if *word != 0 {
                    let bit = word.trailing_zeros();
                    *word &= *word - 1;
                    return Some((*w as u32 - 1) * 64 + bit);
                }
                if *w >= words.len() {
                    return None;
                }
                *word = words[*w];
                *w += 1;
            },
        }
    }

    /// Internal iteration (`for_each`, `fold`): one loop per kind of keys, with no
    /// branch on the kind per key.
    #[inline(always)]
    fn fold<B, G: FnMut(B, u32) -> B>(self, init: B, mut g: G) -> B {
        let mut acc = init;
        match self {
            Keys::Events { ts, first, rows: None, key, at } => {
                for (&t, row) in ts[at..].iter().zip(first + at..) {
                    if let Some(k) = key(row, t) {
                        acc = g(acc, k);
                    }
                }
            }
            Keys::Events { ts, first, rows: Some(rows), key, at } => {
                for (&r, &t) in rows[first + at..first + ts.len()].iter().zip(&ts[at..]) {
                    if let Some(k) = key(r as usize, t) {
                        acc = g(acc, k);
                    }
                }
            }
            Keys::Bits { words, w, mut word } => {
                let mut base = (w as u32).wrapping_sub(1).wrapping_mul(64);
                for &next in &words[w..] {
                    while word != 0 {
                        acc = g(acc, base.wrapping_add(word.trailing_zeros()));
                        word &= word - 1;
                    }
                    word = next;
                    base = base.wrapping_add(64);
                }
                while word != 0 {
                    acc = g(acc, base.wrapping_add(word.trailing_zeros()));
                    word &= word - 1;
                }
            }
        }
        acc
    }
}

/// Calls `visit(out, c, keys)` for every customer `c` with its keys in ascending order:
/// `key(i, t)` of each of its events (`i`: the event's index in the events' order, `t`:
/// its instant), None for an event that does not count; keys are below `n_keys`.
///
/// In a kernel, write both closures in the call marked `#[inline(always)]` and read the
/// keys with `for_each`: called from two paths, the closures are otherwise left out of
/// line (a call per event: +17% on the rolling count of `cargo run --example profile`
/// with one thread), and `for_each` runs one loop per kind of keys.
///
/// ```
/// use fidelite_kernels::layout::{visit::*, Events};
/// let rows = Events::Rows { codes: &[1, 0, 1, 1], ts: &[30, 7, 10, 12] };
/// let mut outs = vec![Vec::new(); n_pieces(2)];
/// // keys: tens of the instant
/// for_each_keys(rows, 2, 4, |_, t| Some((t / 10) as u32), &mut outs, |out, c, keys| out.push((c, keys.collect::<Vec<_>>())))
///     .unwrap();
/// assert_eq!(outs[0], vec![(0, vec![0]), (1, vec![1, 3])]);
/// ```
pub fn for_each_keys<O, K, F>(
    events: Events,
    n_customers: usize,
    n_keys: usize,
    key: K,
    outs: &mut [O],
    visit: F,
) -> Result<()>
where
    O: Send,
    K: Fn(usize, i64) -> Option<u32> + Sync,
    F: Fn(&mut O, usize, Keys<'_, K>) + Sync,
{
    events.check(n_customers)?;
    check_outs(outs, n_customers)?;
    match events {
        Events::Grouped(g) => grouped_keys(g, None, n_customers, &key, outs, &visit),
        Events::Rows { codes, ts } if n_keys <= MAX_ROW_KEYS => {
            // each partition's customers x keys bitmap stays in cache; one u32 per row
            // (customer within the partition, key) is all the scatter carries
            let parts = Partitions::new(codes, n_customers, PART_BITS)?;
            let packed = parts.scatter(|row, local| {
                key(row, ts[row]).map_or(u32::MAX, |k| (local << KEY_BITS) as u32 | k.min(MAX_ROW_KEYS as u32 - 1))
            });
            let words = n_keys.div_ceil(64).max(1);
            let workers = PerThread::new(Vec::new);
            let stop = crate::interrupt::token();
            outs.par_iter_mut().enumerate().for_each(|(p, out)| {
                if stop.requested() {
                    return; // Ctrl-C: the caller drops the result
                }
                workers.with(|bits: &mut Vec<u64>| {
                    let customers = parts.customers(p);
                    bits.clear();
                    bits.resize(customers.len() * words, 0);
                    for &x in &packed[parts.rows(p)] {
                        if x != u32::MAX {
                            let (c, k) = ((x >> KEY_BITS) as usize, (x & ((1 << KEY_BITS) - 1)) as usize);
                            bits[c * words + k / 64] |= 1 << (k % 64);
                        }
                    }
                    for (row, c) in bits.chunks_exact(words).zip(customers) {
                        visit(out, c, Keys::Bits { words: row, w: 0, word: 0 });
                    }
                })
            });
        }
        Events::Rows { codes, ts } => {
            // too many keys for bitmaps: group first, keys still read by input row
            let l = group_by_customer(codes, ts, n_customers, &[])?;
            grouped_keys(Grouped::new(&l.indptr, &l.ts)?, Some(&l.perm), n_customers, &key, outs, &visit);
        }
    }
    Ok(())
}

fn grouped_keys<O, K, F>(g: Grouped, rows: Option<&[u32]>, n_customers: usize, key: &K, outs: &mut [O], visit: &F)
where
    O: Send,
    K: Fn(usize, i64) -> Option<u32> + Sync,
    F: Fn(&mut O, usize, Keys<'_, K>) + Sync,
{
    let stop = crate::interrupt::token();
    outs.par_iter_mut().enumerate().for_each(|(p, out)| {
        if stop.requested() {
            return; // Ctrl-C: the caller drops the result
        }
        for c in piece(p, n_customers) {
            let r = g.range(c);
            visit(out, c, Keys::Events { ts: &g.ts[r.clone()], first: r.start, rows, key, at: 0 });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A grouped log of `n` customers and its rows scrambled.
    fn log(n: usize) -> (Vec<i64>, Vec<i64>, Vec<f64>) {
        let (mut indptr, mut ts) = (vec![0i64], Vec::new());
        for c in 0..n {
            let mut run: Vec<i64> = (0..(c % 7)).map(|k| ((c * 31 + k * 17) % 97) as i64 * 1000 - 5000).collect();
            run.sort_unstable();
            ts.extend(run);
            indptr.push(ts.len() as i64);
        }
        let amount = (0..ts.len()).map(|i| ((i * 7919) % 13) as f64 - 3.0).collect();
        (indptr, ts, amount)
    }

    #[test]
    fn runs_from_rows_equal_runs_from_the_layout() {
        let n = 3 * PIECE + 11;
        let (indptr, ts, amount) = log(n);
        let g = Grouped::new(&indptr, &ts).unwrap();
        let flags: Vec<bool> = (0..ts.len()).map(|i| i % 3 == 0).collect();
        let (codes, at) = crate::scramble(&g);
        let r_ts: Vec<i64> = at.iter().map(|&i| ts[i]).collect();
        let r_amount: Vec<f64> = at.iter().map(|&i| amount[i]).collect();
        let r_flags: Vec<bool> = at.iter().map(|&i| flags[i]).collect();
        type Seen = Vec<(usize, usize, Vec<i64>, Vec<f64>, Vec<bool>)>;
        let run = |events: Events, cols: Columns, t_range| {
            let mut outs: Vec<Seen> = vec![Vec::new(); n_pieces(n)];
            for_each_run(
                events,
                cols,
                n,
                t_range,
                &mut outs,
                || (),
                |_, out, c, j, r| {
                    let f = (0..r.len()).map(|k| r.flag(0, k)).collect();
                    out.push((c, j, r.ts.to_vec(), r.amount.map_or(vec![], |a| a.to_vec()), f));
                },
            )
            .unwrap();
            outs
        };
        for with_flags in [false, true] {
            let cols = Columns { amount: Some(&amount), label: None, flags: [with_flags.then_some(&flags[..]), None] };
            let want = run(Events::Grouped(g), cols, None);
            let r_flag = with_flags.then_some(&r_flags[..]);
            let r_cols = Columns { amount: Some(&r_amount), label: None, flags: [r_flag, None] };
            // packed rows (times and amounts only) or wide ones (a flag column); a range missing an instant
            for t_range in [None, Some((-5000, 0))] {
                assert_eq!(run(Events::Rows { codes: &codes, ts: &r_ts }, r_cols, t_range), want);
            }
        }
    }

    /// Instants at both ends of i64 span more than i64::MAX: found by the Python fuzzer
    /// (tests/fuzz/ingest.py), where the span wrapped, passed for packable and the rows'
    /// customers came out as garbage (an index out of bounds, a panic).
    #[test]
    fn rows_spanning_all_of_i64_are_visited_in_order() {
        let (codes, ts) = ([0u32, 1, 0, 2, 1], [i64::MIN, 5, i64::MAX, -7, i64::MIN + 1]);
        let mut outs: Vec<Vec<(usize, Vec<i64>)>> = vec![Vec::new(); n_pieces(3)];
        let cols = Columns { amount: None, label: None, flags: [None, None] };
        for_each_run(
            Events::Rows { codes: &codes, ts: &ts },
            cols,
            3,
            None,
            &mut outs,
            || (),
            |_, out, c, _, r| out.push((c, r.ts.to_vec())),
        )
        .unwrap();
        let want = vec![(0, vec![i64::MIN, i64::MAX]), (1, vec![i64::MIN + 1, 5]), (2, vec![-7])];
        assert_eq!(outs.concat(), want);
    }

    #[test]
    fn keys_from_rows_equal_keys_from_the_layout() {
        let n = 2 * PIECE + 3;
        let (indptr, ts, _) = log(n);
        let g = Grouped::new(&indptr, &ts).unwrap();
        let (codes, at) = crate::scramble(&g);
        let r_ts: Vec<i64> = at.iter().map(|&i| ts[i]).collect();
        let key = |_: usize, t: i64| (t % 3 != 0).then_some(((t + 5000) / 10_000) as u32);
        let keys = |events: Events, n_keys: usize| {
            let mut outs: Vec<Vec<(usize, Vec<u32>)>> = vec![Vec::new(); n_pieces(n)];
            for_each_keys(events, n, n_keys, key, &mut outs, |out, c, k| {
                let mut k: Vec<u32> = k.collect();
                k.dedup();
                out.push((c, k));
            })
            .unwrap();
            outs
        };
        let want = keys(Events::Grouped(g), 10);
        assert_eq!(keys(Events::Rows { codes: &codes, ts: &r_ts }, 10), want);
        // more keys than bitmaps from rows take: the rows are grouped first
        assert_eq!(keys(Events::Rows { codes: &codes, ts: &r_ts }, MAX_ROW_KEYS + 1), want);
        let mut wrong = vec![Vec::<(usize, Vec<u32>)>::new(); 1];
        assert!(for_each_keys(Events::Grouped(g), n, 10, key, &mut wrong, |_, _, _| {}).is_err());
    }

    #[test]
    fn keys_fold_as_they_iterate() {
        // internal iteration (fold, for_each) yields what next() yields, also after a few
        // next(), for keys read off events (grouped, or rows grouped here) or off bitmaps
        let n = PIECE + 5;
        let (indptr, ts, _) = log(n);
        let g = Grouped::new(&indptr, &ts).unwrap();
        let (codes, at) = crate::scramble(&g);
        let r_ts: Vec<i64> = at.iter().map(|&i| ts[i]).collect();
        let rows = Events::Rows { codes: &codes, ts: &r_ts };
        // keys 0..97 (two words of bits), some events left out by their index
        let key = |i: usize, t: i64| (i % 4 != 1).then_some(((t + 5000) / 1000) as u32);
        for (events, n_keys) in [(Events::Grouped(g), 100), (rows, 100), (rows, MAX_ROW_KEYS + 1)] {
            let keys = |head: Option<usize>| {
                let mut outs: Vec<Vec<Vec<u32>>> = vec![Vec::new(); n_pieces(n)];
                for_each_keys(events, n, n_keys, key, &mut outs, |out, _, mut k| {
                    let mut seen = Vec::new();
                    match head {
                        None => seen.extend(std::iter::from_fn(|| k.next())),
                        Some(h) => {
                            seen.extend(k.by_ref().take(h));
                            k.for_each(|x| seen.push(x));
                        }
                    }
                    out.push(seen);
                })
                .unwrap();
                outs
            };
            let want = keys(None);
            assert!(want.iter().flatten().any(|k| k.len() > 2 && k.iter().any(|&x| x >= 64)));
            for h in 0..4 {
                assert_eq!(keys(Some(h)), want);
            }
        }
    }
}
