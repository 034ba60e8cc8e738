//! Windowed aggregation: the active base per period (start, end, kept, new) with revenue
//! and orders, and the daily rolling count of active customers.
//!
//! A customer is *active at instant b* when it has an active event in `[b - W, b)`. Each
//! event therefore makes its customer active over a contiguous run of boundaries (or of
//! days, for the rolling count); per customer the runs are merged while walking its
//! time-sorted events, and each merged run adds one to a difference array. No hashing,
//! no sorting and no allocation per event; partial arrays are reduced in chunk order.
use rayon::prelude::*;

use crate::bitmap::{for_each_bit, Events};
use crate::calendar::{Calendar, MAX_US};
use crate::group::{group_by_customer, Partitions, PART_BITS};
use crate::{check_len, par_customer_chunks, Grouped, KernelError, PerThread, Result};

/// The length of the activity window `W`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityWindow {
    /// One calendar period: active at the end of `p` <=> an event in `p`.
    Period,
    /// A duration in microseconds (> 0).
    Duration(i64),
}

/// What [`period_kpis`] reads besides the grouped events and the calendar.
#[derive(Debug, Clone, Copy)]
pub struct KpiSpec<'a> {
    pub window: ActivityWindow,
    /// Per event: makes its customer active. `None` = every event.
    pub active_mask: Option<&'a [bool]>,
    /// Per event: is a purchase (an order). `None` = every event.
    pub purchase_mask: Option<&'a [bool]>,
    /// Per event amount: revenue sums it over purchases and refunds (negative amounts).
    pub amount: Option<&'a [f64]>,
    /// Events after this instant are ignored.
    pub as_of: i64,
}

/// Per period `p` (index `p - first_period`), from the period of the first event to the
/// period of `as_of`.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodKpis {
    pub first_period: i64,
    /// `n + 1` UTC instants: the start of every period and the end of the last.
    pub boundaries: Vec<i64>,
    /// Active at the start of `p` (boundary `p`).
    pub active_start: Vec<i64>,
    /// Active at the end of `p` (boundary `p + 1`).
    pub active_end: Vec<i64>,
    /// Active at both.
    pub kept: Vec<i64>,
    /// First active event in `p` and active at its end.
    pub new: Vec<i64>,
    /// At least one active event in `p`.
    pub active: Vec<i64>,
    /// Purchases in `p`.
    pub orders: Vec<i64>,
    /// Sum of amounts of purchases and refunds in `p` (zeros without amounts).
    pub revenue: Vec<f64>,
}

/// Per-chunk partial sums of [`period_kpis`].
struct KpiAcc {
    diff_active: Vec<i64>, // over boundaries 0..=n (+1 slot)
    diff_kept: Vec<i64>,   // over periods 0..n (+1 slot)
    new: Vec<i64>,
    active: Vec<i64>,
    orders: Vec<i64>,
    revenue: Vec<f64>,
}

impl KpiAcc {
    fn new(n: usize) -> Self {
        KpiAcc {
            diff_active: vec![0; n + 2],
            diff_kept: vec![0; n + 1],
            new: vec![0; n],
            active: vec![0; n],
            orders: vec![0; n],
            revenue: vec![0.0; n],
        }
    }

    /// A customer active at every boundary of `lo..=hi`: kept over periods `lo..hi`.
    #[inline]
    fn add_run(&mut self, lo: usize, hi: usize) {
        self.diff_active[lo] += 1;
        self.diff_active[hi + 1] -= 1;
        if hi > lo {
            self.diff_kept[lo] += 1;
            self.diff_kept[hi] -= 1;
        }
    }

    fn merge(&mut self, other: KpiAcc) {
        fn add<T: Copy + std::ops::AddAssign>(a: &mut [T], b: &[T]) {
            a.iter_mut().zip(b).for_each(|(x, &y)| *x += y);
        }
        add(&mut self.diff_active, &other.diff_active);
        add(&mut self.diff_kept, &other.diff_kept);
        add(&mut self.new, &other.new);
        add(&mut self.active, &other.active);
        add(&mut self.orders, &other.orders);
        add(&mut self.revenue, &other.revenue);
    }
}

fn prefix_sums(diff: &[i64], n: usize) -> Vec<i64> {
    diff[..n]
        .iter()
        .scan(0i64, |acc, &d| {
            *acc += d;
            Some(*acc)
        })
        .collect()
}

/// Index of the last boundary `<= x` (0 when none): the period of `x` gives it directly
/// (`b_{period(x)} <= x < b_{period(x) + 1}`); the two checks only move it in zones whose
/// clocks turn back across a local midnight, where that identity can fail.
#[inline]
fn last_boundary_at_or_before(cal: &Calendar, bounds: &[i64], p_lo: i64, x: i64) -> usize {
    let n = bounds.len() - 1;
    let mut k = (cal.period_of(x) - p_lo).clamp(0, n as i64) as usize;
    while k < n && bounds[k + 1] <= x {
        k += 1;
    }
    while k > 0 && bounds[k] > x {
        k -= 1;
    }
    k
}

/// Earliest event at or before `as_of` over all customers.
fn first_instant(g: &Grouped, as_of: i64) -> Option<i64> {
    par_customer_chunks(g.n_customers(), |r| {
        r.filter(|&c| g.indptr[c + 1] > g.indptr[c]).map(|c| g.ts[g.indptr[c] as usize]).filter(|&t| t <= as_of).min()
    })
    .into_iter()
    .flatten()
    .min()
}

/// The active base per period. With `b_k` the start instant of period `first_period + k`
/// and `A_k` the customers active at `b_k` (an active event in `[b_k - W, b_k)`):
/// `active_start[p] = |A_p|`, `active_end[p] = |A_{p+1}|`, `kept[p] = |A_p ∩ A_{p+1}|`,
/// `new[p]` = customers whose first active event is in `p` and who are in `A_{p+1}`.
/// `active`, `orders` and `revenue` count the events inside `p`.
///
/// ```
/// use fidelite_kernels::{calendar::{Calendar, Period}, window::*, Grouped, US_PER_DAY};
/// let d = US_PER_DAY;
/// // customer 0 buys on days 0 and 1, customer 1 on day 1: days are the periods
/// let (indptr, ts) = ([0i64, 2, 3], [0, d, d]);
/// let g = Grouped::new(&indptr, &ts).unwrap();
/// let cal = Calendar::new("UTC", Period::Day, 0, 2 * d).unwrap();
/// let spec = KpiSpec { window: ActivityWindow::Period, active_mask: None, purchase_mask: None,
///     amount: None, as_of: d };
/// let k = period_kpis(&g, &cal, &spec).unwrap();
/// assert_eq!((k.active_start, k.active_end, k.kept, k.new), (vec![0, 1], vec![1, 2], vec![0, 1], vec![1, 1]));
/// ```
pub fn period_kpis(g: &Grouped, cal: &Calendar, spec: &KpiSpec) -> Result<PeriodKpis> {
    let n_ev = g.ts.len();
    check_len("active_mask", spec.active_mask, n_ev)?;
    check_len("purchase_mask", spec.purchase_mask, n_ev)?;
    check_len("amount", spec.amount, n_ev)?;
    if let ActivityWindow::Duration(w) = spec.window {
        if w <= 0 {
            return Err(KernelError::InvalidParameter(format!(
                "the activity window must be longer than zero, got {w} µs; pass e.g. \"90D\""
            )));
        }
    }
    let as_of = spec.as_of;
    let p_hi = cal.period_of(as_of);
    let Some(t_lo) = first_instant(g, as_of) else {
        return Ok(PeriodKpis {
            first_period: p_hi,
            boundaries: vec![],
            active_start: vec![],
            active_end: vec![],
            kept: vec![],
            new: vec![],
            active: vec![],
            orders: vec![],
            revenue: vec![],
        });
    };
    let p_lo = cal.period_of(t_lo);
    let n = (p_hi - p_lo + 1) as usize;
    let bounds: Vec<i64> = (0..=n as i64).map(|k| cal.period_start_instant(p_lo + k)).collect();
    let KpiSpec { window, active_mask, purchase_mask, amount, .. } = *spec;
    let parts = par_customer_chunks(g.n_customers(), |r| {
        let mut acc = KpiAcc::new(n);
        for c in r {
            let range = g.range(c);
            let ts = &g.ts[range.clone()];
            let active_m = active_mask.map(|m| &m[range.clone()]);
            let purchase_m = purchase_mask.map(|m| &m[range.clone()]);
            let amount = amount.map(|a| &a[range]);
            // the current run of active boundaries is a..=b (b < 0: none yet)
            let (mut a, mut b) = (0i64, -2i64);
            let mut first_k = -1i64; // the boundary right after the first active event
            let mut is_new = false;
            let mut last_active = usize::MAX;
            for (k, &t) in ts.iter().enumerate() {
                if t > as_of {
                    break;
                }
                let p = (cal.period_of(t) - p_lo) as usize;
                let is_purchase = purchase_m.is_none_or(|m| m[k]);
                acc.orders[p] += is_purchase as i64;
                if let Some(amount) = amount {
                    if is_purchase || amount[k] < 0.0 {
                        acc.revenue[p] += amount[k];
                    }
                }
                if active_m.is_some_and(|m| !m[k]) {
                    continue;
                }
                if last_active != p {
                    acc.active[p] += 1;
                    last_active = p;
                }
                // boundaries b_k with t < b_k <= t + W
                let lo = p as i64 + 1;
                let hi = match window {
                    ActivityWindow::Period => lo,
                    ActivityWindow::Duration(w) => {
                        last_boundary_at_or_before(cal, &bounds, p_lo, t.saturating_add(w).min(MAX_US)) as i64
                    }
                };
                if first_k < 0 {
                    first_k = lo;
                }
                is_new |= lo == first_k && hi >= lo;
                if hi < lo {
                    continue;
                }
                if lo > b + 1 {
                    if b >= 0 {
                        acc.add_run(a as usize, b as usize);
                    }
                    a = lo;
                }
                b = b.max(hi);
            }
            if b >= 0 {
                acc.add_run(a as usize, b as usize);
            }
            if is_new {
                acc.new[first_k as usize - 1] += 1;
            }
        }
        acc
    });
    let mut total = KpiAcc::new(n);
    for part in parts {
        total.merge(part);
    }
    let boundary_active = prefix_sums(&total.diff_active, n + 1);
    Ok(PeriodKpis {
        first_period: p_lo,
        boundaries: bounds,
        active_start: boundary_active[..n].to_vec(),
        active_end: boundary_active[1..].to_vec(),
        kept: prefix_sums(&total.diff_kept, n),
        new: total.new,
        active: total.active,
        orders: total.orders,
        revenue: total.revenue,
    })
}

/// Distinct active customers per local day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollingActive {
    /// Local day (days since 1970-01-01) of `active[0]`.
    pub first_day: i64,
    pub active: Vec<i64>,
}

/// For every local day `d` from the day of the first event to the day of `as_of`: the
/// customers with an active event (passing `mask`, at or before `as_of`) on one of the
/// local days `d - window_days + 1 ..= d`.
///
/// Reads the grouped layout, or rows in any order: those are dealt into partitions of
/// customers (see [`crate::group`]) carrying one u32 each (customer in the partition, day),
/// and every partition becomes a customers x days bitmap in cache: much cheaper than
/// grouping the whole log first.
///
/// ```
/// use fidelite_kernels::{bitmap::Events, calendar::{Calendar, Period}, window::*, Grouped, US_PER_DAY};
/// let d = US_PER_DAY;
/// let (indptr, ts) = ([0i64, 2, 3], [0, 3 * d, d]);
/// let cal = Calendar::new("UTC", Period::Day, 0, 4 * d).unwrap();
/// let r = rolling_active(Events::Grouped(Grouped::new(&indptr, &ts).unwrap()), 2, &cal, None, 4 * d, 2).unwrap();
/// assert_eq!((r.first_day, r.active.as_slice()), (0, &[1, 2, 1, 1, 1][..]));
/// let rows = rolling_active(Events::Rows { codes: &[1, 0, 0], ts: &[d, 3 * d, 0] }, 2, &cal, None, 4 * d, 2).unwrap();
/// assert_eq!(rows, r);
/// ```
pub fn rolling_active(
    events: Events,
    n_customers: usize,
    cal: &Calendar,
    mask: Option<&[bool]>,
    as_of: i64,
    window_days: i64,
) -> Result<RollingActive> {
    check_len("mask", mask, events.len())?;
    if window_days < 1 {
        return Err(KernelError::InvalidParameter(format!(
            "the rolling window must be at least one day, got {window_days}; pass e.g. \"30D\""
        )));
    }
    if let Events::Grouped(g) = events {
        if g.n_customers() != n_customers {
            return Err(KernelError::LengthMismatch(format!(
                "{} customers in the layout, {n_customers} expected",
                g.n_customers()
            )));
        }
    }
    let last_day = cal.local_day(as_of);
    let t_lo = match events {
        Events::Grouped(g) => first_instant(&g, as_of),
        Events::Rows { ts, .. } => {
            ts.par_chunks(1 << 16).filter_map(|c| c.iter().filter(|&&t| t <= as_of).min().copied()).min()
        }
    };
    let Some(t_lo) = t_lo else {
        return Ok(RollingActive { first_day: last_day, active: vec![] });
    };
    let first_day = cal.local_day(t_lo);
    let n = (last_day - first_day + 1) as usize;
    // a run never needs to reach past the last day
    let cover = Cover { span: window_days.min(n as i64 + 1) - 1, last: n as i64 - 1 };
    // day index of an event (clamped: a zone that moves its date backwards could place a
    // day before the first), or None when it does not count
    let day =
        |t: i64, k: usize| (t <= as_of && mask.is_none_or(|m| m[k])).then(|| (cal.local_day(t) - first_day).max(0));
    let total = match events {
        Events::Rows { codes, ts } if n <= MAX_ROW_DAYS => {
            check_len("ts", Some(ts), codes.len())?;
            // each partition's customers x days bitmap stays in cache; one u32 per row
            // (customer within the partition, day) is all the scatter carries
            let parts = Partitions::new(codes, n_customers, PART_BITS)?;
            let packed = parts
                .scatter(|row, local| day(ts[row], row).map_or(u32::MAX, |e| (local << DAY_BITS) as u32 | e as u32));
            let words = n.div_ceil(64);
            let workers = PerThread::new(Vec::new);
            let diffs = (0..parts.len()).into_par_iter().map(|p| {
                workers.with(|bits: &mut Vec<u64>| {
                    bits.clear();
                    bits.resize(parts.customers(p).len() * words, 0);
                    for &x in &packed[parts.rows(p)] {
                        if x != u32::MAX {
                            let (c, e) = ((x >> DAY_BITS) as usize, (x & ((1 << DAY_BITS) - 1)) as usize);
                            bits[c * words + e / 64] |= 1 << (e % 64);
                        }
                    }
                    let mut diff = vec![0i64; n + 1];
                    for row in bits.chunks_exact(words) {
                        let mut run = cover.start();
                        for_each_bit(row, 0, |e| run.push(e as i64, &mut diff));
                        run.finish(&mut diff);
                    }
                    diff
                })
            });
            sum_diffs(diffs.collect::<Vec<_>>(), n)
        }
        Events::Rows { codes, ts } => {
            let l = group_by_customer(codes, ts, n_customers, &[])?;
            let mask: Option<Vec<bool>> = mask.map(|m| l.perm.iter().map(|&r| m[r as usize]).collect());
            let g = Grouped::new(&l.indptr, &l.ts)?;
            return rolling_active(Events::Grouped(g), n_customers, cal, mask.as_deref(), as_of, window_days);
        }
        Events::Grouped(g) => {
            let parts = par_customer_chunks(n_customers, |r| {
                let mut diff = vec![0i64; n + 1];
                for c in r {
                    let range = g.range(c);
                    let mut run = cover.start();
                    for (&t, k) in g.ts[range.clone()].iter().zip(range) {
                        if t > as_of {
                            break;
                        }
                        if let Some(e) = day(t, k) {
                            run.push(e, &mut diff);
                        }
                    }
                    run.finish(&mut diff);
                }
                diff
            });
            sum_diffs(parts, n)
        }
    };
    Ok(RollingActive { first_day, active: prefix_sums(&total, n) })
}

/// Bits of a day index in the packed rows of the row-order rolling count: with
/// [`PART_BITS`] bits of customer, one u32 per row. Longer spans group the log first.
const DAY_BITS: u32 = 32 - PART_BITS;
const MAX_ROW_DAYS: usize = (1 << DAY_BITS) - 1;

/// The rolling count's reach: each active day `e` covers `e ..= e + span` (up to `last`).
#[derive(Clone, Copy)]
struct Cover {
    span: i64,
    last: i64,
}

/// One customer's covered days, merged into runs as its active days arrive in ascending
/// order (repeats allowed); each run adds one to a difference array.
struct Run {
    cover: Cover,
    /// The current run is `a..=b` (`b < 0`: none yet).
    a: i64,
    b: i64,
}

impl Cover {
    fn start(self) -> Run {
        Run { cover: self, a: 0, b: -2 }
    }
}

impl Run {
    #[inline]
    fn push(&mut self, e: i64, diff: &mut [i64]) {
        if e > self.b + 1 {
            self.close(diff);
            self.a = e;
        }
        self.b = self.b.max(e + self.cover.span);
    }

    #[inline]
    fn close(&self, diff: &mut [i64]) {
        if self.b >= 0 {
            diff[self.a as usize] += 1;
            diff[(self.b.min(self.cover.last) + 1) as usize] -= 1;
        }
    }

    #[inline]
    fn finish(self, diff: &mut [i64]) {
        self.close(diff);
    }
}

fn sum_diffs(parts: impl IntoIterator<Item = Vec<i64>>, n: usize) -> Vec<i64> {
    let mut total = vec![0i64; n + 1];
    for part in parts {
        total.iter_mut().zip(&part).for_each(|(x, &y)| *x += y);
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Period;
    use crate::{CHUNK, US_PER_DAY};

    const D: i64 = US_PER_DAY;

    fn log(runs: &[&[i64]]) -> (Vec<i64>, Vec<i64>) {
        let mut indptr = vec![0i64];
        let mut ts = vec![];
        for r in runs {
            let mut r = r.to_vec();
            r.sort_unstable();
            ts.extend(r);
            indptr.push(ts.len() as i64);
        }
        (indptr, ts)
    }

    fn spec(window: ActivityWindow, as_of: i64) -> KpiSpec<'static> {
        KpiSpec { window, active_mask: None, purchase_mask: None, amount: None, as_of }
    }

    /// Brute force over boundaries: the definition, customer by customer.
    fn brute(g: &Grouped, k: &PeriodKpis, w: ActivityWindow, as_of: i64, cal: &Calendar) -> Vec<[i64; 4]> {
        let n = k.boundaries.len() - 1;
        let active_at = |c: usize, b: usize| {
            g.range(c).any(|i| {
                let t = g.ts[i];
                t <= as_of
                    && match w {
                        ActivityWindow::Period => cal.period_of(t) == k.first_period + b as i64 - 1,
                        ActivityWindow::Duration(w) => k.boundaries[b] - w <= t && t < k.boundaries[b],
                    }
            })
        };
        (0..n)
            .map(|p| {
                let mut row = [0i64; 4];
                for c in 0..g.n_customers() {
                    let (s, e) = (active_at(c, p), active_at(c, p + 1));
                    let first = g.range(c).map(|i| g.ts[i]).find(|&t| t <= as_of);
                    let new = first.is_some_and(|t| cal.period_of(t) == k.first_period + p as i64) && e;
                    row[0] += s as i64;
                    row[1] += e as i64;
                    row[2] += (s && e) as i64;
                    row[3] += new as i64;
                }
                row
            })
            .collect()
    }

    #[test]
    fn worked_example_of_metrics_md() {
        // 100 customers active in January; 90 come back in February, 10 new ones arrive.
        let mut runs: Vec<Vec<i64>> =
            (0..100).map(|c| if c < 90 { vec![c * 3_600_000_000, 40 * D] } else { vec![D] }).collect();
        runs.extend((0..10).map(|_| vec![45 * D]));
        let refs: Vec<&[i64]> = runs.iter().map(|r| r.as_slice()).collect();
        let (indptr, ts) = log(&refs);
        let g = Grouped::new(&indptr, &ts).unwrap();
        let cal = Calendar::new("UTC", Period::Month, 0, 59 * D).unwrap();
        let k = period_kpis(&g, &cal, &spec(ActivityWindow::Period, 58 * D)).unwrap();
        assert_eq!(k.first_period, 1970 * 12);
        assert_eq!((k.active_start[1], k.active_end[1], k.new[1], k.kept[1]), (100, 100, 10, 90));
        assert_eq!(k.active_end[0], 100);
    }

    #[test]
    fn matches_brute_force_for_windows_and_calendars() {
        let runs: Vec<Vec<i64>> = (0..60)
            .map(|c: i64| {
                (0..(c % 6)).map(|j| ((c * 37 + j * 101) % 400) * D / 4 + (c * j % 7) * 3_600_000_000).collect()
            })
            .collect();
        let refs: Vec<&[i64]> = runs.iter().map(|r| r.as_slice()).collect();
        let (indptr, ts) = log(&refs);
        let g = Grouped::new(&indptr, &ts).unwrap();
        for (tz, period) in
            [("UTC", Period::Month), ("Europe/Paris", Period::Week(6)), ("America/New_York", Period::Day)]
        {
            for w in [
                ActivityWindow::Period,
                ActivityWindow::Duration(D),
                ActivityWindow::Duration(45 * D),
                ActivityWindow::Duration(7 * D + 5),
            ] {
                for as_of in [70 * D + 3, 101 * D] {
                    let cal = Calendar::new(tz, period, 0, 200 * D).unwrap();
                    let k = period_kpis(&g, &cal, &spec(w, as_of)).unwrap();
                    let want = brute(&g, &k, w, as_of, &cal);
                    for (p, row) in want.iter().enumerate() {
                        let got = [k.active_start[p], k.active_end[p], k.kept[p], k.new[p]];
                        assert_eq!(&got, row, "{tz} {period:?} {w:?} {as_of} period {p}");
                    }
                    assert_eq!(k.active_end[..k.active_end.len() - 1], k.active_start[1..]);
                }
            }
        }
    }

    #[test]
    fn orders_revenue_active_and_masks() {
        // one customer: visit day 0 (active only), purchase day 1 (10), refund visit day 2 (-3), purchase day 40
        let (indptr, ts) = log(&[&[0, D, 2 * D, 40 * D]]);
        let g = Grouped::new(&indptr, &ts).unwrap();
        let cal = Calendar::new("UTC", Period::Month, 0, 60 * D).unwrap();
        let purchase = [false, true, false, true];
        let amount = [0.0, 10.0, -3.0, 5.0];
        let visits = [true, false, true, false];
        let s = KpiSpec {
            window: ActivityWindow::Period,
            active_mask: Some(&visits),
            purchase_mask: Some(&purchase),
            amount: Some(&amount),
            as_of: 50 * D,
        };
        let k = period_kpis(&g, &cal, &s).unwrap();
        assert_eq!(k.orders, vec![1, 1]);
        assert_eq!(k.revenue, vec![7.0, 5.0]);
        assert_eq!(k.active, vec![1, 0]);
        assert_eq!(k.active_end, vec![1, 0]);
        assert_eq!(k.new, vec![1, 0]);
    }

    #[test]
    fn short_window_can_leave_a_first_timer_inactive_at_period_end() {
        let (indptr, ts) = log(&[&[2 * D], &[29 * D]]);
        let g = Grouped::new(&indptr, &ts).unwrap();
        let cal = Calendar::new("UTC", Period::Month, 0, 40 * D).unwrap();
        let k = period_kpis(&g, &cal, &spec(ActivityWindow::Duration(7 * D), 40 * D)).unwrap();
        assert_eq!((k.active_end[0], k.new[0]), (1, 1));
        assert_eq!(k.active_start[1], 1);
        assert!(period_kpis(&g, &cal, &spec(ActivityWindow::Duration(0), 40 * D)).is_err());
    }

    #[test]
    fn empty_when_as_of_precedes_every_event() {
        let (indptr, ts) = log(&[&[5 * D], &[]]);
        let g = Grouped::new(&indptr, &ts).unwrap();
        let cal = Calendar::new("UTC", Period::Day, 0, 6 * D).unwrap();
        let k = period_kpis(&g, &cal, &spec(ActivityWindow::Period, D)).unwrap();
        assert!(k.active_end.is_empty() && k.boundaries.is_empty());
        assert!(rolling_active(Events::Grouped(g), 2, &cal, None, D, 3).unwrap().active.is_empty());
        assert!(rolling_active(Events::Rows { codes: &[0], ts: &ts }, 2, &cal, None, D, 3).unwrap().active.is_empty());
    }

    #[test]
    fn rolling_matches_brute_force() {
        let runs: Vec<Vec<i64>> = (0..(CHUNK as i64 + 40))
            .map(|c| (0..(c % 4)).map(|j| ((c * 13 + j * 29) % 97) * D / 2 + j * 7_000_000).collect())
            .collect();
        let refs: Vec<&[i64]> = runs.iter().map(|r| r.as_slice()).collect();
        let (indptr, ts) = log(&refs);
        let g = Grouped::new(&indptr, &ts).unwrap();
        let mask: Vec<bool> = (0..ts.len()).map(|i| i % 3 != 0).collect();
        for tz in ["UTC", "Asia/Kolkata"] {
            let cal = Calendar::new(tz, Period::Day, 0, 60 * D).unwrap();
            for w in [1, 2, 7, 30, 500] {
                for m in [None, Some(mask.as_slice())] {
                    let as_of = 41 * D + 5;
                    let r = rolling_active(Events::Grouped(g), g.n_customers(), &cal, m, as_of, w).unwrap();
                    for (k, &got) in r.active.iter().enumerate() {
                        let d = r.first_day + k as i64;
                        let want = (0..g.n_customers())
                            .filter(|&c| {
                                g.range(c).any(|i| {
                                    let e = cal.local_day(g.ts[i]);
                                    g.ts[i] <= as_of && m.is_none_or(|m| m[i]) && d - w < e && e <= d
                                })
                            })
                            .count() as i64;
                        assert_eq!(got, want, "{tz} w={w} day {d}");
                    }
                    assert_eq!(r.first_day + r.active.len() as i64 - 1, cal.local_day(as_of));
                }
            }
        }
        let cal = Calendar::new("UTC", Period::Day, 0, 60 * D).unwrap();
        assert!(rolling_active(Events::Grouped(g), g.n_customers(), &cal, None, D, 0).is_err());
    }

    #[test]
    fn rolling_from_rows_matches_grouped_across_partitions() {
        let n = 3 * (1usize << PART_BITS) + 17;
        let runs: Vec<Vec<i64>> = (0..n as i64)
            .map(|c| (0..(c % 7)).map(|j| ((c * 31 + j * 17) % 400) * D / 3 - j * 5_000_000).collect())
            .collect();
        let refs: Vec<&[i64]> = runs.iter().map(|r| r.as_slice()).collect();
        let (indptr, ts) = log(&refs);
        let g = Grouped::new(&indptr, &ts).unwrap();
        let mask: Vec<bool> = (0..ts.len()).map(|i| i % 5 != 1).collect();
        let (codes, at) = crate::scramble(&g);
        let rts: Vec<i64> = at.iter().map(|&i| ts[i]).collect();
        let rmask: Vec<bool> = at.iter().map(|&i| mask[i]).collect();
        for tz in ["UTC", "America/Sao_Paulo"] {
            let cal = Calendar::new(tz, Period::Day, -D, 140 * D).unwrap();
            for (w, as_of) in [(1, 140 * D), (30, 90 * D + 7), (365, 140 * D)] {
                for (m, rm) in [(None, None), (Some(mask.as_slice()), Some(rmask.as_slice()))] {
                    let want = rolling_active(Events::Grouped(g), n, &cal, m, as_of, w).unwrap();
                    let got = rolling_active(Events::Rows { codes: &codes, ts: &rts }, n, &cal, rm, as_of, w).unwrap();
                    assert_eq!(got, want, "{tz} w={w}");
                }
            }
        }
        let cal = Calendar::new("UTC", Period::Day, 0, 140 * D).unwrap();
        assert!(rolling_active(Events::Rows { codes: &codes, ts: &rts[1..] }, n, &cal, None, D, 3).is_err());
        // past MAX_ROW_DAYS days the rows are grouped first
        let (codes, ts) = ([1u32, 0, 1, 0], [3000 * 365 * D, 3 * D, 0, 3000 * 365 * D - D]);
        let cal = Calendar::new("UTC", Period::Day, 0, 3000 * 365 * D).unwrap();
        let r = rolling_active(
            Events::Rows { codes: &codes, ts: &ts },
            2,
            &cal,
            Some(&[true, true, true, false]),
            3000 * 365 * D,
            7,
        )
        .unwrap();
        assert!(r.active.len() > MAX_ROW_DAYS);
        assert_eq!((r.active[0], r.active[3], r.active[10], r.active[r.active.len() - 1]), (1, 2, 0, 1));
        assert!(rolling_active(Events::Grouped(g), n + 1, &cal, None, D, 3).is_err());
    }
}
