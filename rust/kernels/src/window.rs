//! Who is active when: the active base per period (start, end, kept, new) with revenue
//! and orders, the daily rolling count of active customers, the customers active during
//! each period of a campaign calendar, and stickiness (short / long active ratios).
//!
//! A customer is *active at instant b* when it has an active event in `[b - W, b)`. Each
//! event therefore makes its customer active over a contiguous run of axis points
//! (boundaries, days or periods); per customer the runs are merged while its events come
//! in order ([`ActiveRuns`], the one engine of every count here), and each merged run adds
//! one to a difference array. No hashing, no sorting and no allocation per event; the
//! events come through the layout driver ([`crate::layout::visit`]) from either layout,
//! and partial arrays are reduced in piece order (the same bits whatever the layout or
//! the thread count).
use crate::calendar::{Calendar, Period, MAX_US};
use crate::layout::visit::{for_each_keys, for_each_run, n_pieces, Columns, MAX_ROW_KEYS, PIECE};
use crate::mem::{bytes_of, count};
use crate::{Events, KernelError, Result};

/// The length of the activity window `W`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityWindow {
    /// One calendar period: active at the end of `p` <=> an event in `p`.
    Period,
    /// A duration in microseconds (> 0).
    Duration(i64),
}

/// One customer's active runs over an axis of points `0..=last`: ranges of points its
/// events cover, arriving in ascending order of their starts, merged when they touch or
/// overlap. Each merged run adds one to `diff` over its points and, when asked, one to
/// `kept` over every pair of consecutive points inside it.
#[derive(Debug, Clone, Copy)]
pub struct ActiveRuns {
    last: i64,
    /// The current run is `a..=b` (`b < 0`: none yet).
    a: i64,
    b: i64,
}

impl ActiveRuns {
    /// No run yet, on an axis of points `0..=last` (`diff` needs `last + 2` slots, `kept`
    /// `last + 1`).
    pub fn new(last: i64) -> Self {
        ActiveRuns { last, a: 0, b: -2 }
    }

    /// The customer is active over points `lo..=hi` (ignored when `hi < lo`).
    #[inline(always)]
    pub fn cover(&mut self, lo: i64, hi: i64, diff: &mut [i64], kept: Option<&mut [i64]>) {
        if hi < lo {
            return;
        }
        if lo > self.b + 1 {
            self.close(diff, kept);
            self.a = lo;
        }
        self.b = self.b.max(hi);
    }

    /// Adds the current run (if any) and starts none.
    #[inline(always)]
    pub fn close(&mut self, diff: &mut [i64], kept: Option<&mut [i64]>) {
        if self.b >= 0 {
            let b = self.b.min(self.last);
            diff[self.a as usize] += 1;
            diff[(b + 1) as usize] -= 1;
            if let Some(kept) = kept {
                if b > self.a {
                    kept[self.a as usize] += 1;
                    kept[b as usize] -= 1;
                }
            }
        }
        self.b = -2;
    }
}

/// Running sums of the first `n` slots of a difference array.
fn prefix_sums(diff: &[i64], n: usize) -> Vec<i64> {
    diff[..n]
        .iter()
        .scan(0i64, |acc, &d| {
            *acc += d;
            Some(*acc)
        })
        .collect()
}

/// Adds `part` into `total` slot by slot.
fn add<T: Copy + std::ops::AddAssign>(total: &mut [T], part: &[T]) {
    total.iter_mut().zip(part).for_each(|(x, &y)| *x += y);
}

/// Bytes of the scratch of a per-piece kernel over `n` axis points: `per_point` bytes per
/// point for each piece's partial sums and the total, plus what [`for_each_keys`] keeps
/// per thread (a customers x keys bitmap) when it reads `n` keys from rows.
fn pieces_bytes(events: &Events, n_customers: usize, n: u128, per_point: u128, keys: bool) -> u128 {
    let partials = (n_pieces(n_customers) as u128 + 1).saturating_mul(n.saturating_add(2)).saturating_mul(per_point);
    let bitmaps = match events {
        Events::Rows { .. } if keys && n <= MAX_ROW_KEYS as u128 => {
            let threads = rayon::current_num_threads().max(1) as u128 + 1;
            threads * bytes_of::<u64>(PIECE as u128 * n.div_ceil(64))
        }
        _ => 0,
    };
    partials.saturating_add(bitmaps)
}

/// The first period of an axis: the given origin, else the period of the earliest event at
/// or before `as_of` (None: no axis at all).
fn axis_start(events: &Events, as_of: i64, origin: Option<i64>, period_of: impl Fn(i64) -> i64) -> Option<i64> {
    origin.or_else(|| events.first_instant(as_of).map(period_of))
}

// ------------------------------------------------------------------------- period KPIs

/// What [`period_kpis`] reads besides the events and the calendar; masks and amounts
/// follow the events' order.
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
    /// The first period of the axis (None: the period of the first event).
    pub origin: Option<i64>,
}

/// Per period `p` (index `p - first_period`), from the period of the first event (or the
/// origin) to the period of `as_of`.
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
    /// The period had fully elapsed at `as_of`.
    pub complete: Vec<bool>,
}

/// Per-piece partial sums of [`period_kpis`].
#[derive(Clone)]
struct KpiAcc {
    diff_active: Vec<i64>, // over boundaries 0..=n (+1 slot)
    diff_kept: Vec<i64>,   // over boundaries 0..=n: pairs (k, k + 1)
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

    fn merge(&mut self, other: &KpiAcc) {
        add(&mut self.diff_active, &other.diff_active);
        add(&mut self.diff_kept, &other.diff_kept);
        add(&mut self.new, &other.new);
        add(&mut self.active, &other.active);
        add(&mut self.orders, &other.orders);
        add(&mut self.revenue, &other.revenue);
    }
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

/// The active base per period. With `b_k` the start instant of period `first_period + k`
/// and `A_k` the customers active at `b_k` (an active event in `[b_k - W, b_k)`):
/// `active_start[p] = |A_p|`, `active_end[p] = |A_{p+1}|`, `kept[p] = |A_p ∩ A_{p+1}|`,
/// `new[p]` = customers whose first active event is in `p` and who are in `A_{p+1}`.
/// `active`, `orders` and `revenue` count the events inside `p`. Reads either layout.
///
/// ```
/// use fidelite_kernels::{calendar::{Calendar, Period}, window::*, Events, Grouped, US_PER_DAY};
/// let d = US_PER_DAY;
/// // customer 0 buys on days 0 and 1, customer 1 on day 1: days are the periods
/// let (indptr, ts) = ([0i64, 2, 3], [0, d, d]);
/// let g = Grouped::new(&indptr, &ts).unwrap();
/// let cal = Calendar::new("UTC", Period::Day, 0, 2 * d).unwrap();
/// let spec = KpiSpec { window: ActivityWindow::Period, active_mask: None, purchase_mask: None,
///     amount: None, as_of: d, origin: None };
/// let k = period_kpis(Events::Grouped(g), 2, &cal, &spec).unwrap();
/// assert_eq!((k.active_start, k.active_end, k.kept, k.new), (vec![0, 1], vec![1, 2], vec![0, 1], vec![1, 1]));
/// ```
pub fn period_kpis(events: Events, n_customers: usize, cal: &Calendar, spec: &KpiSpec) -> Result<PeriodKpis> {
    if let ActivityWindow::Duration(w) = spec.window {
        if w <= 0 {
            return Err(KernelError::InvalidParameter(format!(
                "the activity window must be longer than zero, got {w} µs; pass e.g. \"90D\""
            )));
        }
    }
    events.check(n_customers)?;
    cal.check_origin(spec.origin)?;
    let as_of = spec.as_of;
    let p_hi = cal.period_of(as_of);
    let p_lo = axis_start(&events, as_of, spec.origin, |t| cal.period_of(t)).unwrap_or(p_hi + 1);
    if p_lo > p_hi {
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
            complete: vec![],
        });
    }
    let n = (p_hi - p_lo + 1) as u128;
    let what = || format!("the period KPIs of {} {}s", count(n), cal.period.name());
    cal.check_span(what, pieces_bytes(&events, n_customers, n, 6 * 8, false) + n * 10 * 8, p_lo, as_of)?;
    let n = n as usize;
    let bounds = cal.bounds(p_lo, n);
    let window = spec.window;
    let cols = Columns { amount: spec.amount, label: None, flags: [spec.active_mask, spec.purchase_mask] };
    let mut parts = vec![KpiAcc::new(n); n_pieces(n_customers)];
    for_each_run(
        events,
        cols,
        n_customers,
        None,
        &mut parts,
        || (),
        |_, acc, _, _, run| {
            let run = run.until(as_of);
            let mut runs = ActiveRuns::new(n as i64);
            let mut first_k = -1i64; // the boundary right after the first active event
            let mut is_new = false;
            let mut last_active = usize::MAX;
            for (k, &t) in run.ts.iter().enumerate() {
                let Ok(p) = usize::try_from(cal.period_of(t) - p_lo) else { continue }; // before the origin
                let is_purchase = run.flag(1, k);
                acc.orders[p] += is_purchase as i64;
                if let Some(amount) = run.amount {
                    if is_purchase || amount[k] < 0.0 {
                        acc.revenue[p] += amount[k];
                    }
                }
                if !run.flag(0, k) {
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
                runs.cover(lo, hi, &mut acc.diff_active, Some(&mut acc.diff_kept));
            }
            runs.close(&mut acc.diff_active, Some(&mut acc.diff_kept));
            if is_new {
                acc.new[first_k as usize - 1] += 1;
            }
        },
    )?;
    let mut total = KpiAcc::new(n);
    for part in &parts {
        total.merge(part);
    }
    let boundary_active = prefix_sums(&total.diff_active, n + 1);
    Ok(PeriodKpis {
        first_period: p_lo,
        complete: cal.complete(p_lo, n, as_of),
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

// ------------------------------------------------------------------------- rolling days

/// Distinct active customers per local day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollingActive {
    /// Local day (days since 1970-01-01) of `active[0]`.
    pub first_day: i64,
    pub active: Vec<i64>,
}

/// The key of an event on a day axis starting at `first_day`: its local day's index, or
/// None when it does not count (after `as_of`, masked out, or before an explicit origin;
/// without one, a zone whose date moves backwards may place a day before the first,
/// counted on the first).
#[inline(always)]
fn day_key(cal: &Calendar, first_day: i64, t: i64, as_of: i64, passes: bool, origin: bool) -> Option<u32> {
    if t > as_of || !passes {
        return None;
    }
    let e = cal.local_day(t) - first_day;
    match (e < 0, origin) {
        (false, _) => Some(e as u32),
        (true, false) => Some(0),
        (true, true) => None,
    }
}

/// For every local day `d` from the day of the first event (or `origin`) to the day of
/// `as_of`: the customers with an active event (passing `mask`, at or before `as_of`) on
/// one of the local days `d - window_days + 1 ..= d`. Reads either layout (from rows,
/// through a customers x days bitmap per partition, without grouping).
///
/// ```
/// use fidelite_kernels::{calendar::{Calendar, Period}, window::*, Events, Grouped, US_PER_DAY};
/// let d = US_PER_DAY;
/// let (indptr, ts) = ([0i64, 2, 3], [0, 3 * d, d]);
/// let cal = Calendar::new("UTC", Period::Day, 0, 4 * d).unwrap();
/// let r = rolling_active(Events::Grouped(Grouped::new(&indptr, &ts).unwrap()), 2, &cal, None, 4 * d, 2, None).unwrap();
/// assert_eq!((r.first_day, r.active.as_slice()), (0, &[1, 2, 1, 1, 1][..]));
/// let rows = rolling_active(Events::Rows { codes: &[1, 0, 0], ts: &[d, 3 * d, 0] }, 2, &cal, None, 4 * d, 2, None).unwrap();
/// assert_eq!(rows, r);
/// ```
pub fn rolling_active(
    events: Events,
    n_customers: usize,
    cal: &Calendar,
    mask: Option<&[bool]>,
    as_of: i64,
    window_days: i64,
    origin: Option<i64>,
) -> Result<RollingActive> {
    crate::check_len("mask", mask, events.len())?;
    if window_days < 1 {
        return Err(KernelError::InvalidParameter(format!(
            "the rolling window must be at least one day, got {window_days}; pass e.g. \"30D\""
        )));
    }
    events.check(n_customers)?;
    if let Some(day) = origin {
        Calendar::new("UTC", Period::Day, 0, 0)?.check_origin(Some(day))?;
    }
    let last_day = cal.local_day(as_of);
    let Some(first_day) = axis_start(&events, as_of, origin, |t| cal.local_day(t)).filter(|&d| d <= last_day) else {
        return Ok(RollingActive { first_day: last_day, active: vec![] });
    };
    let n = (last_day - first_day + 1) as u128;
    let what = || format!("the rolling count of active customers over {} days", count(n));
    let first_period = cal.period.of_day(first_day);
    cal.check_span(what, pieces_bytes(&events, n_customers, n, 8, true), first_period, as_of)?;
    let n = n as usize;
    // a run never needs to reach past the last day
    let span = window_days.min(n as i64 + 1) - 1;
    let mut parts = vec![vec![0i64; n + 1]; n_pieces(n_customers)];
    let origin = origin.is_some();
    for_each_keys(
        events,
        n_customers,
        n,
        #[inline(always)]
        |i, t| day_key(cal, first_day, t, as_of, mask.is_none_or(|m| m[i]), origin),
        &mut parts,
        #[inline(always)]
        |diff, _, days| {
            let mut runs = ActiveRuns::new(n as i64 - 1);
            days.for_each(|e| runs.cover(e as i64, e as i64 + span, diff, None));
            runs.close(diff, None);
        },
    )?;
    let mut total = vec![0i64; n + 1];
    for part in &parts {
        add(&mut total, part);
    }
    Ok(RollingActive { first_day, active: prefix_sums(&total, n) })
}

// ------------------------------------------------------------------------- active per period

/// For each of the `n_periods` periods from `first_period`: the customers active at some
/// instant of it, i.e. with an event (passing `mask`, at or before `as_of`) in
/// `(start - reach, end)`: an event at `t` keeps its customer active until `t + reach`.
///
/// ```
/// use fidelite_kernels::{calendar::{Calendar, Period}, window::*, Events, US_PER_DAY};
/// let d = US_PER_DAY;
/// let cal = Calendar::new("UTC", Period::Day, 0, 9 * d).unwrap();
/// // customer 0 active on day 1 for 3 days (days 1, 2, 3), customer 1 on day 2 for 3 days
/// let rows = Events::Rows { codes: &[0, 1], ts: &[d, 2 * d] };
/// let a = active_per_period(rows, 2, &cal, None, 9 * d, 3 * d, 0, 6).unwrap();
/// assert_eq!(a, vec![0, 1, 2, 2, 1, 0]);
/// ```
#[allow(clippy::too_many_arguments)]
pub fn active_per_period(
    events: Events,
    n_customers: usize,
    cal: &Calendar,
    mask: Option<&[bool]>,
    as_of: i64,
    reach: i64,
    first_period: i64,
    n_periods: usize,
) -> Result<Vec<i64>> {
    if reach <= 0 {
        return Err(KernelError::InvalidParameter(format!(
            "the activity window must be longer than zero, got {reach} µs"
        )));
    }
    cal.check_origin(Some(first_period))?;
    let what = || format!("the active customers of {} {}s", count(n_periods as u64), cal.period.name());
    let bytes = pieces_bytes(&events, n_customers, n_periods as u128, 8, false);
    cal.check_span(what, bytes, first_period, cal.period_start_instant(first_period.saturating_add(n_periods as i64)))?;
    let last = n_periods as i64 - 1;
    let cols = Columns { amount: None, label: None, flags: [mask, None] };
    let mut parts = vec![vec![0i64; n_periods + 1]; n_pieces(n_customers)];
    for_each_run(
        events,
        cols,
        n_customers,
        None,
        &mut parts,
        || (),
        |_, diff, _, _, run| {
            let run = run.until(as_of);
            let mut runs = ActiveRuns::new(last);
            for (k, &t) in run.ts.iter().enumerate() {
                if run.flag(0, k) {
                    let lo = (cal.period_of(t) - first_period).max(0);
                    let hi = (cal.period_of(t.saturating_add(reach - 1).min(MAX_US)) - first_period).min(last);
                    runs.cover(lo, hi, diff, None);
                }
            }
            runs.close(diff, None);
        },
    )?;
    let mut total = vec![0i64; n_periods + 1];
    for part in &parts {
        add(&mut total, part);
    }
    Ok(prefix_sums(&total, n_periods))
}

// ------------------------------------------------------------------------- stickiness

/// Per long period (index `p - first_period`) of [`stickiness`].
#[derive(Debug, Clone, PartialEq)]
pub struct Stickiness {
    pub first_period: i64,
    /// Customers active in the period (at least one active day in it, up to `as_of`).
    pub active: Vec<i64>,
    /// The short units counted in the period: those lying wholly inside it and fully
    /// elapsed at `as_of` (its days; its weeks that start and end inside it).
    pub units: Vec<i64>,
    /// Sum over the counted units of the customers active in the unit.
    pub unit_active: Vec<i64>,
    /// `(periods x (max_units + 1))`: customers active in the period by the number of
    /// counted units they were active in.
    pub histogram: Vec<i64>,
    pub max_units: usize,
    /// The period had fully elapsed at `as_of`.
    pub complete: Vec<bool>,
}

/// Stickiness of the active base: for each `long` period (of `cal`, e.g. months) the
/// customers active in it, its short units (days, or weeks starting on `week_start` when
/// `short_weeks`), and for each unit the customers active in it; the ratio is then
/// `unit_active / (units * active)`, the mean over the units of short-active / long-active
/// (DAU/MAU, WAU/MAU). Active = an event passing `mask` at or before `as_of`; days are
/// local days in the calendar's zone. Reads either layout.
///
/// ```
/// use fidelite_kernels::{calendar::{Calendar, Period}, window::*, Events, US_PER_DAY};
/// let d = US_PER_DAY;
/// // January 1970: customer 0 active on days 0 and 1, customer 1 on day 1; as_of end of January
/// let cal = Calendar::new("UTC", Period::Month, 0, 31 * d).unwrap();
/// let rows = Events::Rows { codes: &[0, 0, 1], ts: &[0, d, d + 5] };
/// let s = stickiness(rows, 2, &cal, false, 0, None, 31 * d - 1, None).unwrap();
/// assert_eq!((s.active[0], s.units[0], s.unit_active[0]), (2, 31, 3));
/// assert_eq!(&s.histogram[..3], &[0, 1, 1]); // one customer active 1 day, one 2 days
/// ```
#[allow(clippy::too_many_arguments)]
pub fn stickiness(
    events: Events,
    n_customers: usize,
    cal: &Calendar,
    short_weeks: bool,
    week_start: u8,
    mask: Option<&[bool]>,
    as_of: i64,
    origin: Option<i64>,
) -> Result<Stickiness> {
    crate::check_len("mask", mask, events.len())?;
    events.check(n_customers)?;
    cal.check_origin(origin)?;
    let long = cal.period;
    let week = Period::parse("week", week_start)?;
    if matches!(long, Period::Hour | Period::Day) || (short_weeks && matches!(long, Period::Week(_))) {
        return Err(KernelError::InvalidParameter(format!(
            "the long window ({}) must be longer than the short one ({})",
            long.name(),
            if short_weeks { "week" } else { "day" }
        )));
    }
    let p_hi = cal.period_of(as_of);
    let empty = |first_period| Stickiness {
        first_period,
        active: vec![],
        units: vec![],
        unit_active: vec![],
        histogram: vec![],
        max_units: 0,
        complete: vec![],
    };
    let Some(p_lo) = axis_start(&events, as_of, origin, |t| cal.period_of(t)).filter(|&p| p <= p_hi) else {
        return Ok(empty(p_hi));
    };
    let n = (p_hi - p_lo + 1) as usize;
    let (first_day, last_day) = (long.start_day(p_lo), cal.local_day(as_of));
    let n_days = (last_day - first_day + 1).max(0) as usize;
    // the histogram's width is at most the days of a long period, plus one
    let width: u128 = match long {
        Period::Week(_) => 8,
        Period::Month => 32,
        Period::Quarter => 93,
        Period::Hour | Period::Day | Period::Year => 367,
    };
    let bytes = pieces_bytes(&events, n_customers, n as u128, (2 + width) * 8, false)
        + pieces_bytes(&events, n_customers, n_days as u128, 0, true)
        + bytes_of::<i32>(n_days as u128);
    let what = || format!("the stickiness of {} {}s ({} days)", count(n as u64), long.name(), count(n_days as u64));
    cal.check_span(what, bytes, p_lo, as_of)?;
    // per local day of the axis: its period, and its counted unit's index within the period (-1: none)
    let elapsed = |day_after: i64| cal.day_start_instant(day_after) <= as_of.saturating_add(1);
    let mut unit_of_day = vec![-1i32; n_days];
    let mut units = vec![0i64; n];
    for (i, slot) in unit_of_day.iter_mut().enumerate() {
        let day = first_day + i as i64;
        let p = long.of_day(day);
        let (start, end) = if short_weeks {
            let w = week.of_day(day);
            (week.start_day(w), week.start_day(w + 1))
        } else {
            (day, day + 1)
        };
        if long.of_day(start) == p && long.of_day(end - 1) == p && elapsed(end) {
            let k = (p - p_lo) as usize;
            if day == start {
                units[k] += 1;
            }
            *slot = units[k] as i32 - 1;
        }
    }
    let max_units = units.iter().copied().max().unwrap_or(0) as usize;
    let width = max_units + 1;
    #[derive(Clone)]
    struct Acc {
        active: Vec<i64>,
        unit_active: Vec<i64>,
        histogram: Vec<i64>,
    }
    let blank = Acc { active: vec![0; n], unit_active: vec![0; n], histogram: vec![0; n * width] };
    let mut parts = vec![blank.clone(); n_pieces(n_customers)];
    for_each_keys(
        events,
        n_customers,
        n_days.max(1),
        #[inline(always)]
        |i, t| day_key(cal, first_day, t, as_of, mask.is_none_or(|m| m[i]), true),
        &mut parts,
        #[inline(always)]
        |acc, _, days| {
            // days in ascending order (repeats possible): periods and units change monotonically
            let (mut period, mut unit, mut n_units) = (usize::MAX, -1i32, 0usize);
            let flush = |acc: &mut Acc, period: usize, n_units: usize| {
                if period != usize::MAX {
                    acc.active[period] += 1;
                    acc.unit_active[period] += n_units as i64;
                    acc.histogram[period * width + n_units] += 1;
                }
            };
            days.for_each(|e| {
                let Some(&u) = unit_of_day.get(e as usize) else { return };
                let p = (long.of_day(first_day + e as i64) - p_lo) as usize;
                if p != period {
                    flush(acc, period, n_units);
                    (period, unit, n_units) = (p, -1, 0);
                }
                if u >= 0 && u != unit {
                    unit = u;
                    n_units += 1;
                }
            });
            flush(acc, period, n_units);
        },
    )?;
    let mut total = blank;
    for part in &parts {
        add(&mut total.active, &part.active);
        add(&mut total.unit_active, &part.unit_active);
        add(&mut total.histogram, &part.histogram);
    }
    Ok(Stickiness {
        first_period: p_lo,
        active: total.active,
        units,
        unit_active: total.unit_active,
        histogram: total.histogram,
        max_units,
        complete: cal.complete(p_lo, n, as_of),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::partitions::PART_BITS;
    use crate::layout::visit::MAX_ROW_KEYS;
    use crate::{Grouped, CHUNK, US_PER_DAY};

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
        KpiSpec { window, active_mask: None, purchase_mask: None, amount: None, as_of, origin: None }
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
        let k = period_kpis(Events::Grouped(g), g.n_customers(), &cal, &spec(ActivityWindow::Period, 58 * D)).unwrap();
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
                    let k = period_kpis(Events::Grouped(g), g.n_customers(), &cal, &spec(w, as_of)).unwrap();
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
            origin: None,
        };
        let k = period_kpis(Events::Grouped(g), g.n_customers(), &cal, &s).unwrap();
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
        let k = period_kpis(Events::Grouped(g), g.n_customers(), &cal, &spec(ActivityWindow::Duration(7 * D), 40 * D))
            .unwrap();
        assert_eq!((k.active_end[0], k.new[0]), (1, 1));
        assert_eq!(k.active_start[1], 1);
        assert!(
            period_kpis(Events::Grouped(g), g.n_customers(), &cal, &spec(ActivityWindow::Duration(0), 40 * D)).is_err()
        );
    }

    #[test]
    fn empty_when_as_of_precedes_every_event() {
        let (indptr, ts) = log(&[&[5 * D], &[]]);
        let g = Grouped::new(&indptr, &ts).unwrap();
        let cal = Calendar::new("UTC", Period::Day, 0, 6 * D).unwrap();
        let k = period_kpis(Events::Grouped(g), g.n_customers(), &cal, &spec(ActivityWindow::Period, D)).unwrap();
        assert!(k.active_end.is_empty() && k.boundaries.is_empty());
        assert!(rolling_active(Events::Grouped(g), 2, &cal, None, D, 3, None).unwrap().active.is_empty());
        assert!(rolling_active(Events::Rows { codes: &[0], ts: &ts }, 2, &cal, None, D, 3, None)
            .unwrap()
            .active
            .is_empty());
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
                    let r = rolling_active(Events::Grouped(g), g.n_customers(), &cal, m, as_of, w, None).unwrap();
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
        assert!(rolling_active(Events::Grouped(g), g.n_customers(), &cal, None, D, 0, None).is_err());
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
                    let want = rolling_active(Events::Grouped(g), n, &cal, m, as_of, w, None).unwrap();
                    let got =
                        rolling_active(Events::Rows { codes: &codes, ts: &rts }, n, &cal, rm, as_of, w, None).unwrap();
                    assert_eq!(got, want, "{tz} w={w}");
                }
            }
        }
        let cal = Calendar::new("UTC", Period::Day, 0, 140 * D).unwrap();
        assert!(rolling_active(Events::Rows { codes: &codes, ts: &rts[1..] }, n, &cal, None, D, 3, None).is_err());
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
            None,
        )
        .unwrap();
        assert!(r.active.len() > MAX_ROW_KEYS);
        assert_eq!((r.active[0], r.active[3], r.active[10], r.active[r.active.len() - 1]), (1, 2, 0, 1));
        assert!(rolling_active(Events::Grouped(g), n + 1, &cal, None, D, 3, None).is_err());
    }

    #[test]
    fn kpis_from_rows_equal_kpis_from_the_layout() {
        let n = 2 * (1usize << PART_BITS) + 9;
        let runs: Vec<Vec<i64>> = (0..n as i64)
            .map(|c| (0..(c % 6)).map(|j| ((c * 29 + j * 13) % 300) * D / 2 - j * 7_000_000).collect())
            .collect();
        let refs: Vec<&[i64]> = runs.iter().map(|r| r.as_slice()).collect();
        let (indptr, ts) = log(&refs);
        let g = Grouped::new(&indptr, &ts).unwrap();
        let (codes, at) = crate::scramble(&g);
        let pick = |v: &[bool]| at.iter().map(|&i| v[i]).collect::<Vec<_>>();
        let rts: Vec<i64> = at.iter().map(|&i| ts[i]).collect();
        let active: Vec<bool> = (0..ts.len()).map(|i| i % 4 != 1).collect();
        let purchase: Vec<bool> = (0..ts.len()).map(|i| i % 3 == 0).collect();
        // amounts unique per customer and instant: the sums do not depend on same-instant order
        let amount: Vec<f64> = (0..ts.len()).map(|i| i as f64 * 0.25 - 9.0).collect();
        let r_amount: Vec<f64> = at.iter().map(|&i| amount[i]).collect();
        let (r_active, r_purchase) = (pick(&active), pick(&purchase));
        for (tz, period) in [("UTC", Period::Month), ("Europe/Paris", Period::Week(6))] {
            let cal = Calendar::new(tz, period, -D, 160 * D).unwrap();
            for window in [ActivityWindow::Period, ActivityWindow::Duration(20 * D)] {
                let spec = KpiSpec {
                    window,
                    active_mask: Some(&active),
                    purchase_mask: Some(&purchase),
                    amount: Some(&amount),
                    as_of: 120 * D,
                    origin: None,
                };
                let r_spec = KpiSpec {
                    active_mask: Some(&r_active),
                    purchase_mask: Some(&r_purchase),
                    amount: Some(&r_amount),
                    ..spec
                };
                let want = period_kpis(Events::Grouped(g), n, &cal, &spec).unwrap();
                let got = period_kpis(Events::Rows { codes: &codes, ts: &rts }, n, &cal, &r_spec).unwrap();
                assert_eq!(got, want, "{tz} {window:?}");
            }
        }
    }

    #[test]
    fn an_origin_lines_partitions_up() {
        // two halves of the customers, each with the whole log's origin, sum to the whole
        let runs: Vec<Vec<i64>> =
            (0..80i64).map(|c| (0..(c % 5)).map(|j| ((c * 7 + j * 31) % 200) * D).collect()).collect();
        let refs: Vec<&[i64]> = runs.iter().map(|r| r.as_slice()).collect();
        let (whole_ptr, whole_ts) = log(&refs);
        let (a_ptr, a_ts) = log(&refs[..40]);
        let (b_ptr, b_ts) = log(&refs[40..]);
        let cal = Calendar::new("UTC", Period::Month, 0, 250 * D).unwrap();
        let whole = Grouped::new(&whole_ptr, &whole_ts).unwrap();
        let origin = Some(cal.period_of(*whole_ts.iter().min().unwrap()));
        let s = |g: Grouped, n| {
            period_kpis(Events::Grouped(g), n, &cal, &KpiSpec { origin, ..spec(ActivityWindow::Period, 210 * D) })
                .unwrap()
        };
        let (w, a, b) =
            (s(whole, 80), s(Grouped::new(&a_ptr, &a_ts).unwrap(), 40), s(Grouped::new(&b_ptr, &b_ts).unwrap(), 40));
        assert_eq!(a.first_period, w.first_period);
        let sum = |x: &[i64], y: &[i64]| x.iter().zip(y).map(|(p, q)| p + q).collect::<Vec<_>>();
        assert_eq!(sum(&a.active_end, &b.active_end), w.active_end);
        assert_eq!(sum(&a.new, &b.new), w.new);
        let days = Calendar::new("UTC", Period::Day, 0, 250 * D).unwrap();
        let day0 = Some(0);
        let r = |g: Grouped, n| rolling_active(Events::Grouped(g), n, &days, None, 210 * D, 30, day0).unwrap();
        let (rw, ra, rb) =
            (r(whole, 80), r(Grouped::new(&a_ptr, &a_ts).unwrap(), 40), r(Grouped::new(&b_ptr, &b_ts).unwrap(), 40));
        assert_eq!(sum(&ra.active, &rb.active), rw.active);
    }

    #[test]
    fn active_per_period_matches_brute_force() {
        let runs: Vec<Vec<i64>> = (0..(CHUNK as i64 / 50))
            .map(|c| (0..(c % 5)).map(|j| ((c * 13 + j * 41) % 120) * D + (c % 7) * 3_600_000_000).collect())
            .collect();
        let refs: Vec<&[i64]> = runs.iter().map(|r| r.as_slice()).collect();
        let (indptr, ts) = log(&refs);
        let g = Grouped::new(&indptr, &ts).unwrap();
        let (codes, at) = crate::scramble(&g);
        let rts: Vec<i64> = at.iter().map(|&i| ts[i]).collect();
        let cal = Calendar::new("Europe/Paris", Period::Week(0), 0, 130 * D).unwrap();
        for (reach, as_of) in [(D, 100 * D), (30 * D, 125 * D), (365 * D, 60 * D)] {
            let first = cal.period_of(10 * D);
            let n_p = 12;
            let got =
                active_per_period(Events::Grouped(g), g.n_customers(), &cal, None, as_of, reach, first, n_p).unwrap();
            let rows = active_per_period(
                Events::Rows { codes: &codes, ts: &rts },
                g.n_customers(),
                &cal,
                None,
                as_of,
                reach,
                first,
                n_p,
            );
            assert_eq!(rows.unwrap(), got);
            let bounds = cal.bounds(first, n_p);
            for p in 0..n_p {
                // an event in (start - reach, end), at or before as_of
                let want = (0..g.n_customers())
                    .filter(|&c| {
                        g.range(c).any(|i| ts[i] <= as_of && ts[i] > bounds[p] - reach && ts[i] < bounds[p + 1])
                    })
                    .count() as i64;
                assert_eq!(got[p], want, "reach {reach} period {p}");
            }
        }
    }

    #[test]
    fn stickiness_matches_brute_force() {
        let runs: Vec<Vec<i64>> = (0..300i64)
            .map(|c| (0..(c % 9)).map(|j| ((c * 17 + j * 23) % 150) * D + ((c + j) % 24) * 3_600_000_000).collect())
            .collect();
        let refs: Vec<&[i64]> = runs.iter().map(|r| r.as_slice()).collect();
        let (indptr, ts) = log(&refs);
        let g = Grouped::new(&indptr, &ts).unwrap();
        let (codes, at) = crate::scramble(&g);
        let rts: Vec<i64> = at.iter().map(|&i| ts[i]).collect();
        for (tz, long, weeks) in
            [("UTC", Period::Month, false), ("America/New_York", Period::Month, true), ("UTC", Period::Quarter, true)]
        {
            let cal = Calendar::new(tz, long, 0, 160 * D).unwrap();
            let day = Period::Day;
            let week = Period::Week(2);
            let as_of = 140 * D + 5;
            let s = stickiness(Events::Grouped(g), g.n_customers(), &cal, weeks, 2, None, as_of, None).unwrap();
            let r = stickiness(
                Events::Rows { codes: &codes, ts: &rts },
                g.n_customers(),
                &cal,
                weeks,
                2,
                None,
                as_of,
                None,
            );
            assert_eq!(r.unwrap(), s);
            let width = s.max_units + 1;
            for (k, p) in (s.first_period..).take(s.active.len()).enumerate() {
                // the counted units of p: inside p, fully elapsed at as_of
                let unit = |d: i64| if weeks { week.of_day(d) } else { day.of_day(d) };
                let span = |u: i64| if weeks { (week.start_day(u), week.start_day(u + 1)) } else { (u, u + 1) };
                let units: Vec<i64> = (long.start_day(p)..long.start_day(p + 1))
                    .map(unit)
                    .filter(|&u| {
                        let (a, b) = span(u);
                        long.of_day(a) == p && long.of_day(b - 1) == p && cal.day_start_instant(b) <= as_of + 1
                    })
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect();
                assert_eq!(s.units[k], units.len() as i64, "{tz} {long:?} period {p}");
                let mut active = 0;
                let mut unit_active = 0;
                let mut hist = vec![0i64; width];
                for c in 0..g.n_customers() {
                    let days: std::collections::BTreeSet<i64> =
                        g.range(c).filter(|&i| ts[i] <= as_of).map(|i| cal.local_day(ts[i])).collect();
                    if !days.iter().any(|&d| long.of_day(d) == p) {
                        continue;
                    }
                    active += 1;
                    let hit =
                        units.iter().filter(|&&u| days.iter().any(|&d| unit(d) == u && long.of_day(d) == p)).count();
                    unit_active += hit as i64;
                    hist[hit] += 1;
                }
                assert_eq!((s.active[k], s.unit_active[k]), (active, unit_active), "{tz} {long:?} period {p}");
                assert_eq!(&s.histogram[k * width..(k + 1) * width], &hist[..]);
            }
        }
        let days = Calendar::new("UTC", Period::Day, 0, 160 * D).unwrap();
        assert!(stickiness(Events::Grouped(g), g.n_customers(), &days, false, 0, None, D, None).is_err());
    }
}
