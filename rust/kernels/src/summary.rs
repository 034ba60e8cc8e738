//! The per-customer summary: one sequential pass per customer over its events.
//!
//! For every customer code (in code order) and the events at or before `as_of`: first and
//! last instants, event and purchase counts, distinct active periods, revenue, distinct
//! products bought, first and last purchase, the median gap between consecutive
//! purchases, recency and tenure. The events come through the layout driver
//! ([`crate::layout::visit`]): from the grouped layout, or from rows in any order without
//! grouping the log. The output columns are declared once, in [`summary_columns!`].

use crate::calendar::Calendar;
use crate::layout::visit::{for_each_run, n_pieces, Columns, Run, PIECE};
use crate::{check_len, Events, KernelError, Result, US_PER_DAY};

/// Marks a missing instant (numpy's NaT when viewed as `datetime64[us]`).
pub const NONE: i64 = i64::MIN;

/// What a summary reads besides the events and the calendar.
#[derive(Debug, Clone, Copy)]
pub struct SummarySpec<'a> {
    /// Per event: is a purchase. `None` = every event is a purchase.
    pub purchase_mask: Option<&'a [bool]>,
    /// Per event amount. Revenue sums it over purchases and refunds (negative amounts of
    /// any event type); `None` = no amount column (revenue is NaN).
    pub amount: Option<&'a [f64]>,
    /// Per event product code (-1 = null) and the number of distinct products.
    pub product: Option<(&'a [i32], usize)>,
    /// The smallest and largest instant of the events when the caller knows them (as
    /// fidelite's EventLog does), which saves reading every instant once more. A range
    /// that misses an instant is caught, and the range computed.
    pub ts_range: Option<(i64, i64)>,
    /// Events after this instant are ignored.
    pub as_of: i64,
}

/// The kind of a summary column, what its values mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Microseconds since the epoch (UTC), [`NONE`] when missing.
    Instant,
    /// A count.
    Count,
    /// A float (days, revenue), NaN when missing.
    Float,
}

/// One output column, by kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    Ints(Kind, Vec<i64>),
    Floats(Vec<f64>),
}

/// Declares the columns of a per-customer table once: the table (`$table`, one vector
/// per column), the row of one customer (`$row`), a piece's rows borrowed from the table
/// (`$rows`), and the columns' order and kinds (`$table::columns`). Adding a column is one
/// line in its invocation plus its value where the rows are computed ([`summarize`] for
/// [`Summary`], [`summarize_clv`] for [`ClvSummary`]).
macro_rules! summary_columns {
    ($table:ident, $row:ident, $rows:ident { $($name:ident: $kind:ident $ty:ty),* $(,)? }) => {
        /// One value per customer code for each column (see [`summary_columns!`]).
        #[derive(Debug, Clone, PartialEq, Default)]
        #[allow(non_snake_case)]
        pub struct $table {
            $(pub $name: Vec<$ty>,)*
        }

        /// The row of one customer.
        #[derive(Debug, Clone, Copy, PartialEq)]
        #[allow(non_snake_case)]
        pub struct $row {
            $(pub $name: $ty,)*
        }

        /// One piece's rows, borrowed from the table.
        #[allow(non_snake_case)]
        struct $rows<'a> {
            $($name: &'a mut [$ty],)*
        }

        impl $rows<'_> {
            #[inline]
            fn set(&mut self, j: usize, row: $row) {
                $(self.$name[j] = row.$name;)*
            }
        }

        impl $table {
            /// Zeroed columns (fresh zero pages from the allocator): every row is written by
            /// the kernel, so no fill pass is needed.
            fn zeroed(n: usize) -> Self {
                $table { $($name: crate::mem::zeros(n),)* }
            }

            /// The rows cut into pieces of [`PIECE`] customers.
            #[allow(non_snake_case)]
            fn pieces(&mut self) -> Vec<$rows<'_>> {
                $(let mut $name = self.$name.chunks_mut(PIECE);)*
                let mut out = Vec::new();
                loop {
                    $(let Some($name) = $name.next() else { return out };)*
                    out.push($rows { $($name,)* });
                }
            }

            /// The columns by name, in order, with their kinds.
            pub fn columns(self) -> Vec<(&'static str, Column)> {
                vec![$((stringify!($name), summary_columns!(@column $kind, self.$name)),)*]
            }

            /// The names of the columns, in order.
            pub const NAMES: &'static [&'static str] = &[$(stringify!($name),)*];
        }
    };
    (@column Instant, $v:expr) => { Column::Ints(Kind::Instant, $v) };
    (@column Count, $v:expr) => { Column::Ints(Kind::Count, $v) };
    (@column Float, $v:expr) => { Column::Floats($v) };
}

summary_columns! { Summary, Row, Rows {
    first: Instant i64,
    last: Instant i64,
    n_events: Count i64,
    n_purchases: Count i64,
    n_periods: Count i64,
    revenue: Float f64,
    n_products: Count i64,
    first_purchase: Instant i64,
    last_purchase: Instant i64,
    median_gap_days: Float f64,
    recency_days: Float f64,
    tenure_days: Float f64,
}}

/// Per-thread scratch: product stamps (`stamp[p] == c + 1` once customer `c` bought `p`)
/// and the purchase gaps of the current customer. Reused, never reallocated per event.
struct Scratch {
    stamp: Vec<u32>,
    gaps: Vec<i64>,
}

impl Scratch {
    fn new(n_products: usize) -> Self {
        Scratch { stamp: vec![0; n_products], gaps: Vec::new() }
    }
}

/// Summarises one customer (code `c`) from its own time-sorted run: the columns are
/// computed here, one value each.
#[inline(always)]
fn summarize(run: Run, cal: &Calendar, as_of: i64, c: usize, scratch: &mut Scratch) -> Row {
    // events after as_of are ignored: cut every slice at the first of them
    let run = run.until(as_of);
    let (ts, amount, product, purchase) = (run.ts, run.amount, run.label, run.flags[0]);
    let n = ts.len();
    let mark = c as u32 + 1;
    let (first, last) = match (ts.first(), ts.last()) {
        (Some(&f), Some(&l)) => (f, l),
        _ => (NONE, NONE),
    };
    let mut n_periods = 0i64;
    let mut period = i64::MIN;
    for &t in ts {
        let p = cal.period_of(t);
        n_periods += (p != period) as i64;
        period = p;
    }
    let gaps = &mut scratch.gaps;
    gaps.clear();
    let mut n_products = 0i64;
    let mut bought = |k: i32, stamp: &mut [u32]| {
        if k >= 0 && stamp[k as usize] != mark {
            stamp[k as usize] = mark;
            n_products += 1;
        }
    };
    let (n_purchases, first_purchase, last_purchase, revenue) = match purchase {
        // every event is a purchase: the common case of a plain transaction log
        None => {
            gaps.extend(ts.windows(2).map(|w| w[1] - w[0]));
            if let Some(codes) = product {
                codes.iter().for_each(|&k| bought(k, &mut scratch.stamp));
            }
            (n as i64, first, last, amount.map_or(0.0, |a| a.iter().fold(0.0, |s, &x| s + x)))
        }
        Some(mask) => {
            let (mut count, mut fp, mut lp, mut revenue) = (0i64, NONE, NONE, 0.0f64);
            for (k, (&t, &is_purchase)) in ts.iter().zip(mask).enumerate() {
                if is_purchase {
                    count += 1;
                    if fp == NONE {
                        fp = t;
                    } else {
                        gaps.push(t - lp);
                    }
                    lp = t;
                    if let Some(codes) = product {
                        bought(codes[k], &mut scratch.stamp);
                    }
                }
                if let Some(a) = amount {
                    if is_purchase || a[k] < 0.0 {
                        revenue += a[k];
                    }
                }
            }
            (count, fp, lp, revenue)
        }
    };
    let day = US_PER_DAY as f64;
    Row {
        first,
        last,
        n_events: n as i64,
        n_purchases,
        n_periods,
        revenue: if amount.is_some() { revenue } else { f64::NAN },
        n_products,
        first_purchase,
        last_purchase,
        median_gap_days: median(gaps) / day,
        recency_days: if last_purchase != NONE { (as_of - last_purchase) as f64 / day } else { f64::NAN },
        tenure_days: if first != NONE { (as_of - first) as f64 / day } else { f64::NAN },
    }
}

/// Sorts a short slice without data-dependent branches: each new value is merged into
/// the sorted prefix by min / max (`r[k] = max(s[k - 1], min(s[k], x))`), which beats
/// the mispredicted comparisons of an insertion sort on the few gaps of one customer.
fn sort_short(a: &mut [i64]) {
    for i in 1..a.len() {
        let x = a[i];
        a[i] = a[i - 1].max(x);
        for k in (1..i).rev() {
            a[k] = a[k - 1].max(a[k].min(x));
        }
        a[0] = a[0].min(x);
    }
}

/// Median of `v` (reordered in place), or NaN when empty.
fn median(v: &mut [i64]) -> f64 {
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    let mid = n / 2;
    let (lower, upper) = if n <= 24 {
        sort_short(v);
        (v[(n - 1) / 2], v[mid])
    } else {
        let (below, upper, _) = v.select_nth_unstable(mid);
        let upper = *upper;
        (if n.is_multiple_of(2) { *below.iter().max().expect("n >= 2") } else { upper }, upper)
    };
    (lower as f64 + upper as f64) / 2.0
}

fn validate(n_events: usize, n_customers: usize, spec: &SummarySpec) -> Result<()> {
    check_len("purchase_mask", spec.purchase_mask, n_events)?;
    check_len("amount", spec.amount, n_events)?;
    if let Some((codes, n_products)) = spec.product {
        check_len("product", Some(codes), n_events)?;
        if n_products > u32::MAX as usize {
            return Err(KernelError::OutOfRange(format!("{n_products} distinct products exceed the supported 2^32")));
        }
        if let Some(bad) = codes.iter().find(|&&p| p >= n_products as i32 || p < -1) {
            return Err(KernelError::OutOfRange(format!("product code {bad} outside -1..{n_products}")));
        }
    }
    if n_customers >= u32::MAX as usize {
        return Err(KernelError::OutOfRange(format!("{n_customers} customers exceed the supported 2^32 - 1")));
    }
    Ok(())
}

/// Computes the summary of every customer (see the module docs).
///
/// - `n_periods`: distinct calendar periods (of `cal`) holding an event;
/// - `revenue`: sum of `amount` over purchases and refunds (negative amounts), NaN
///   without an amount column;
/// - `n_products`: distinct non-null products among purchases;
/// - `median_gap_days`: median gap between consecutive purchases (NaN with < 2);
/// - `recency_days`: `as_of` - last purchase; `tenure_days`: `as_of` - first event.
///
/// Reads the grouped layout, or rows in any order (the spec's columns then in row
/// order), through [`for_each_run`]: both give the same bits when the layout orders ties
/// by amount first (as fidelite's EventLog does).
///
/// ```
/// use fidelite_kernels::{calendar::{Calendar, Period}, summary::*, Events, Grouped, US_PER_DAY};
/// let d = US_PER_DAY;
/// let (indptr, ts) = ([0i64, 3, 3], [0, 2 * d, 40 * d]);
/// let g = Grouped::new(&indptr, &ts).unwrap();
/// let cal = Calendar::new("UTC", Period::Month, 0, 40 * d).unwrap();
/// let spec = SummarySpec { purchase_mask: None, amount: None, product: None, ts_range: None, as_of: 50 * d };
/// let s = customer_summary(Events::Grouped(g), 2, &cal, &spec).unwrap();
/// assert_eq!((s.n_events[0], s.n_periods[0], s.median_gap_days[0]), (3, 2, 20.0));
/// assert_eq!((s.n_events[1], s.first[1]), (0, NONE));
/// let rows = Events::Rows { codes: &[0, 0, 0], ts: &[40 * d, 0, 2 * d] };
/// let r = customer_summary(rows, 2, &cal, &spec).unwrap();
/// assert_eq!((r.first, r.n_periods, r.median_gap_days[0]), (s.first, s.n_periods, 20.0));
/// ```
pub fn customer_summary(events: Events, n_customers: usize, cal: &Calendar, spec: &SummarySpec) -> Result<Summary> {
    validate(events.len(), n_customers, spec)?;
    let n_labels = spec.product.map_or(0, |p| p.1);
    let as_of = spec.as_of;
    let mut out = Summary::zeroed(n_customers);
    let mut pieces = out.pieces();
    debug_assert_eq!(pieces.len(), n_pieces(n_customers));
    let cols = Columns { amount: spec.amount, label: spec.product.map(|p| p.0), flags: [spec.purchase_mask, None] };
    for_each_run(
        events,
        cols,
        n_customers,
        spec.ts_range,
        &mut pieces,
        || Scratch::new(n_labels),
        |scratch, rows, c, j, run| rows.set(j, summarize(run, cal, as_of, c, scratch)),
    )?;
    drop(pieces);
    Ok(out)
}

// ----------------------------------------------------------------------------- CLV summary

summary_columns! { ClvSummary, ClvRow, ClvRows {
    first_purchase: Instant i64,
    frequency: Count i64,
    recency: Float f64,
    T: Float f64,
    monetary_value: Float f64,
    frequency_holdout: Count i64,
    monetary_value_holdout: Float f64,
}}

/// What the CLV summary reads besides the events and the calendar of its time unit.
#[derive(Debug, Clone, Copy)]
pub struct ClvSpec<'a> {
    /// Per event: is a purchase. `None` = every event is a purchase.
    pub purchase_mask: Option<&'a [bool]>,
    /// Per event amount (only the purchases' are read); `None` = no monetary values.
    pub amount: Option<&'a [f64]>,
    /// The smallest and largest instant of the events when the caller knows them.
    pub ts_range: Option<(i64, i64)>,
    /// End of calibration: purchases at or before it make the calibration columns, later
    /// ones (up to `observation_end`) the holdout columns. `observation_end` = no holdout.
    pub calibration_end: i64,
    /// End of observation: later events are ignored.
    pub observation_end: i64,
    /// Recency and T are counted in periods of the calendar, divided by this.
    pub time_scaler: f64,
}

impl ClvSpec<'_> {
    fn validate(&self, n_events: usize) -> Result<()> {
        check_len("purchase_mask", self.purchase_mask, n_events)?;
        check_len("amount", self.amount, n_events)?;
        if self.calibration_end > self.observation_end {
            return Err(KernelError::InvalidParameter(
                "calibration_end is after observation_end: the holdout period would end before it starts".into(),
            ));
        }
        if !(self.time_scaler > 0.0 && self.time_scaler.is_finite()) {
            return Err(KernelError::InvalidParameter(format!(
                "time_scaler must be a positive number, not {}",
                self.time_scaler
            )));
        }
        Ok(())
    }
}

/// One customer's purchase periods, walked in time order: the first one and what follows.
struct PurchasePeriods {
    first: i64,
    first_period: i64,
    last_period: i64,
    periods: i64,
    repeat_value: f64,
}

/// Summarises one customer (see [`clv_summary`]) from its time-sorted run.
#[inline(always)]
fn summarize_clv(run: Run, cal: &Calendar, spec: &ClvSpec, calibration_period: i64) -> ClvRow {
    let run = run.until(spec.observation_end);
    let (ts, amount, mask) = (run.ts, run.amount, run.flags[0]);
    let split = match ts.last() {
        Some(&t) if t > spec.calibration_end => ts.partition_point(|&t| t <= spec.calibration_end),
        _ => ts.len(),
    };
    let bought = |k: usize| mask.is_none_or(|m| m[k]);
    let value = |k: usize| amount.map_or(0.0, |a| a[k]);
    let mut cal_part: Option<PurchasePeriods> = None;
    for k in (0..split).filter(|&k| bought(k)) {
        let p = cal.period_of(ts[k]);
        match &mut cal_part {
            None => {
                cal_part = Some(PurchasePeriods {
                    first: ts[k],
                    first_period: p,
                    last_period: p,
                    periods: 1,
                    repeat_value: 0.0,
                })
            }
            Some(s) => {
                s.periods += (p != s.last_period) as i64;
                s.last_period = p;
                if p != s.first_period {
                    s.repeat_value += value(k);
                }
            }
        }
    }
    let (mut holdout_periods, mut last, mut holdout_value) = (0i64, i64::MIN, 0.0f64);
    for k in (split..ts.len()).filter(|&k| bought(k)) {
        let p = cal.period_of(ts[k]);
        holdout_periods += (p != last) as i64;
        last = p;
        holdout_value += value(k);
    }
    let mean = |sum: f64, n: i64| match (amount, n) {
        (None, _) => f64::NAN,
        (Some(_), 0) => 0.0,
        (Some(_), n) => sum / n as f64,
    };
    let scaler = spec.time_scaler;
    match cal_part {
        Some(s) => ClvRow {
            first_purchase: s.first,
            frequency: s.periods - 1,
            recency: (s.last_period - s.first_period) as f64 / scaler,
            T: (calibration_period - s.first_period) as f64 / scaler,
            monetary_value: mean(s.repeat_value, s.periods - 1),
            frequency_holdout: holdout_periods,
            monetary_value_holdout: mean(holdout_value, holdout_periods),
        },
        None => ClvRow {
            first_purchase: NONE,
            frequency: 0,
            recency: f64::NAN,
            T: f64::NAN,
            monetary_value: f64::NAN,
            frequency_holdout: holdout_periods,
            monetary_value_holdout: mean(holdout_value, holdout_periods),
        },
    }
}

/// The summary the customer-base models read (BG/NBD, Pareto/NBD, Gamma-Gamma), one row
/// per customer code, from the purchases at or before `spec.observation_end`; `cal` cuts
/// time into the summary's time unit (days, weeks, months...).
///
/// A customer's purchase periods are the distinct periods of `cal` holding one of her
/// purchases; over the calibration (purchases at or before `spec.calibration_end`):
///
/// - `first_purchase`: her first purchase ([`NONE`] when she bought nothing by then: not
///   a row of the models' table, and her other calibration columns are NaN);
/// - `frequency`: repeat purchase periods, those after the first;
/// - `recency`: periods from the first purchase period to the last one, and `T`: from the
///   first purchase period to the period of `calibration_end`, both divided by
///   `time_scaler`;
/// - `monetary_value`: the mean value of a repeat purchase period (the amounts of the
///   purchases it holds, summed), 0 without one, NaN without amounts;
/// - `frequency_holdout`, `monetary_value_holdout`: the same over the purchases after
///   `calibration_end` (every purchase period counts; the mean value is 0 without one).
///
/// This is `summary_data_from_transaction_data` / `calibration_and_holdout_data` of
/// lifetimes and `rfm_summary` / `rfm_train_test_split` of PyMC-Marketing, with the end of
/// observation as an instant (later events are ignored, as `as_of` does everywhere).
///
/// ```
/// use fidelite_kernels::{calendar::{Calendar, Period}, summary::*, Events, US_PER_DAY};
/// let d = US_PER_DAY;
/// // one customer: purchases on days 0, 0, 3 and 10; calibration to day 5, observation to day 12
/// let rows = Events::Rows { codes: &[0, 0, 0, 0], ts: &[10 * d, 0, 3 * d, 12] };
/// let cal = Calendar::new("UTC", Period::Day, 0, 12 * d).unwrap();
/// let amount = [4.0, 2.0, 3.0, 1.0];
/// let spec = ClvSpec { purchase_mask: None, amount: Some(&amount), ts_range: None,
///                      calibration_end: 5 * d, observation_end: 12 * d, time_scaler: 1.0 };
/// let s = clv_summary(rows, 1, &cal, &spec).unwrap();
/// assert_eq!((s.frequency[0], s.recency[0], s.T[0], s.monetary_value[0]), (1, 3.0, 5.0, 3.0));
/// assert_eq!((s.frequency_holdout[0], s.monetary_value_holdout[0]), (1, 4.0));
/// ```
pub fn clv_summary(events: Events, n_customers: usize, cal: &Calendar, spec: &ClvSpec) -> Result<ClvSummary> {
    spec.validate(events.len())?;
    let calibration_period = cal.period_of(spec.calibration_end);
    let mut out = ClvSummary::zeroed(n_customers);
    let mut pieces = out.pieces();
    let cols = Columns { amount: spec.amount, label: None, flags: [spec.purchase_mask, None] };
    for_each_run(
        events,
        cols,
        n_customers,
        spec.ts_range,
        &mut pieces,
        || (),
        |_, rows, _, j, run| rows.set(j, summarize_clv(run, cal, spec, calibration_period)),
    )?;
    drop(pieces);
    Ok(out)
}

/// Purchases per period of a calendar, for tracking plots (actual against a model).
#[derive(Debug, Clone, PartialEq)]
pub struct Tracking {
    /// The first period (that of the earliest purchase); the counts run from it to the
    /// period of the end of observation.
    pub first: i64,
    /// Customers whose first purchase falls in each period.
    pub births: Vec<i64>,
    /// Repeat purchase periods in each period: a customer's purchase periods after her first.
    pub repeats: Vec<i64>,
}

/// The births and repeat purchase periods of every period (see [`Tracking`]), from the
/// purchases at or before `spec.observation_end` (its calibration end plays no part):
/// the same purchase periods as [`clv_summary`]'s.
pub fn purchase_tracking(events: Events, n_customers: usize, cal: &Calendar, spec: &ClvSpec) -> Result<Tracking> {
    spec.validate(events.len())?;
    let end = cal.period_of(spec.observation_end);
    let cols = Columns { amount: None, label: None, flags: [spec.purchase_mask, None] };
    // every piece lists its customers' (first, repeat) purchase periods
    let mut outs: Vec<(Vec<i64>, Vec<i64>)> = vec![Default::default(); n_pieces(n_customers)];
    for_each_run(
        events,
        cols,
        n_customers,
        spec.ts_range,
        &mut outs,
        || (),
        |_, out, _, _, run| {
            let run = run.until(spec.observation_end);
            let mut last = None;
            for (k, &t) in run.ts.iter().enumerate() {
                if !run.flag(0, k) {
                    continue;
                }
                let p = cal.period_of(t);
                match last {
                    None => out.0.push(p),
                    Some(q) if q != p => out.1.push(p),
                    _ => {}
                }
                last = Some(p);
            }
        },
    )?;
    let first = outs.iter().filter_map(|o| o.0.iter().min()).min().copied().unwrap_or(end).min(end);
    // two counts per period of the span: checked against the memory limit first (a
    // placeholder purchase in 1900 or year 1 made it millions of periods, and an instant at
    // the end of i64 an allocation that aborts)
    let n = (end as i128 - first as i128 + 1) as u128;
    let what = || format!("the purchase tracking of {} {}s", crate::mem::count(n), cal.period.name());
    cal.check_span(what, crate::mem::bytes_of::<i64>(2 * n), first, spec.observation_end)?;
    let n = n as usize;
    let (mut births, mut repeats) = (crate::mem::try_zeros::<i64>(n)?, crate::mem::try_zeros::<i64>(n)?);
    for (b, r) in &outs {
        b.iter().for_each(|&p| births[(p - first) as usize] += 1);
        r.iter().for_each(|&p| repeats[(p - first) as usize] += 1);
    }
    Ok(Tracking { first, births, repeats })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Period;
    use crate::layout::partitions::PART_BITS;
    use crate::layout::visit::PACKED_TIME_BITS;
    use crate::scan::bounds;
    use crate::{Grouped, CHUNK};

    const D: i64 = US_PER_DAY;

    fn utc(period: Period) -> Calendar {
        Calendar::new("UTC", period, 0, 400 * D).unwrap()
    }

    /// Purchases at both ends of i64 sized two counts per day of the span unchecked (3.4 GB
    /// here, past the 2 GiB limit; more aborts the process): the limit was never consulted.
    #[test]
    fn purchase_tracking_of_a_huge_span_is_too_large_not_an_abort() {
        let cal = utc(Period::Day);
        let spec = ClvSpec {
            purchase_mask: None,
            amount: None,
            ts_range: None,
            calibration_end: i64::MAX,
            observation_end: i64::MAX,
            time_scaler: 1.0,
        };
        let (codes, ts) = ([0u32, 0], [i64::MIN, 5 * D]);
        let tracking = purchase_tracking(Events::Rows { codes: &codes, ts: &ts }, 1, &cal, &spec);
        assert!(matches!(tracking, Err(KernelError::TooLarge(_))), "{:?}", tracking.map(|t| t.births.len()));
        let spec = ClvSpec { calibration_end: 10 * D, observation_end: 10 * D, ..spec };
        let (codes, ts) = ([0u32, 0], [2 * D, 5 * D]);
        let t = purchase_tracking(Events::Rows { codes: &codes, ts: &ts }, 1, &cal, &spec).unwrap();
        assert_eq!((t.first, t.births.len(), t.repeats.iter().sum::<i64>()), (2, 9, 1));
    }

    #[test]
    fn median_of_odd_even_and_empty() {
        assert_eq!(median(&mut [5, 1, 3]), 3.0);
        assert_eq!(median(&mut [4, 1, 3, 10]), 3.5);
        assert_eq!(median(&mut [7]), 7.0);
        assert_eq!(median(&mut [2, 2, 2, 9]), 2.0);
        assert!(median(&mut []).is_nan());
        // short (rank counting) and long (selection) paths agree with a sort
        let mut x: i64 = 7;
        for n in 1..80usize {
            let v: Vec<i64> = (0..n)
                .map(|_| {
                    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
                    x % 13
                })
                .collect();
            let mut sorted = v.clone();
            sorted.sort_unstable();
            let want = (sorted[(n - 1) / 2] as f64 + sorted[n / 2] as f64) / 2.0;
            assert_eq!(median(&mut v.clone()), want, "{v:?}");
        }
    }

    #[test]
    fn every_column_on_a_small_log() {
        // customer 0: visit day 0, purchases day 1 (P0, 10), day 5 (P1, 20), day 33 (P0, -4 refund
        // is a purchase row), visit day 40 with a refund of -1, an event after as_of.
        // customer 1: only visits. customer 2: no events at all.
        let indptr = [0i64, 6, 8, 8];
        let ts = [0, D, 5 * D, 33 * D, 40 * D, 90 * D, 2 * D, 3 * D];
        let purchase = [false, true, true, true, false, true, false, false];
        let amount = [0.0, 10.0, 20.0, -4.0, -1.0, 100.0, 7.0, 0.0];
        let product = [1i32, 0, 1, 0, -1, 1, 1, -1];
        let g = Grouped::new(&indptr, &ts).unwrap();
        let spec = SummarySpec {
            purchase_mask: Some(&purchase),
            amount: Some(&amount),
            product: Some((&product, 2)),
            ts_range: None,
            as_of: 50 * D,
        };
        let s = customer_summary(Events::Grouped(g), g.n_customers(), &utc(Period::Month), &spec).unwrap();
        assert_eq!(s.first, vec![0, 2 * D, NONE]);
        assert_eq!(s.last, vec![40 * D, 3 * D, NONE]);
        assert_eq!(s.n_events, vec![5, 2, 0]);
        assert_eq!(s.n_purchases, vec![3, 0, 0]);
        assert_eq!(s.n_periods, vec![2, 1, 0]);
        assert_eq!(s.revenue, vec![25.0, 0.0, 0.0]);
        assert_eq!(s.n_products, vec![2, 0, 0]);
        assert_eq!(s.first_purchase, vec![D, NONE, NONE]);
        assert_eq!(s.last_purchase, vec![33 * D, NONE, NONE]);
        assert_eq!(s.median_gap_days[0], 16.0); // gaps 4 and 28 days
        assert!(s.median_gap_days[1].is_nan() && s.median_gap_days[2].is_nan());
        assert_eq!(s.recency_days[0], 17.0);
        assert!(s.recency_days[1].is_nan());
        assert_eq!(s.tenure_days[..2], [50.0, 48.0]);
        assert!(s.tenure_days[2].is_nan());
    }

    #[test]
    fn without_optional_columns_every_event_is_a_purchase() {
        let indptr = [0i64, 3];
        let ts = [0, 12 * 3600 * 1_000_000, 3 * D];
        let g = Grouped::new(&indptr, &ts).unwrap();
        let spec = SummarySpec { purchase_mask: None, amount: None, product: None, ts_range: None, as_of: 3 * D };
        let s = customer_summary(Events::Grouped(g), g.n_customers(), &utc(Period::Day), &spec).unwrap();
        assert_eq!((s.n_purchases[0], s.n_periods[0], s.n_products[0]), (3, 2, 0));
        assert!(s.revenue[0].is_nan());
        assert_eq!(s.median_gap_days[0], 1.5); // gaps 0.5 and 2.5 days
        assert_eq!(s.recency_days[0], 0.0);
    }

    #[test]
    fn nothing_bought_is_plus_zero_revenue() {
        // a customer whose only event is after as_of sums no amount: +0.0, not Rust's -0.0
        let indptr = [0i64, 1];
        let (ts, amount) = ([5 * D], [3.0]);
        let g = Grouped::new(&indptr, &ts).unwrap();
        let spec = SummarySpec { purchase_mask: None, amount: Some(&amount), product: None, ts_range: None, as_of: D };
        let s = customer_summary(Events::Grouped(g), g.n_customers(), &utc(Period::Month), &spec).unwrap();
        assert!(s.revenue[0] == 0.0 && s.revenue[0].is_sign_positive());
    }

    #[test]
    fn periods_follow_the_local_calendar() {
        // 2024-01-31 23:30 UTC is February 1st in Paris.
        let t = 1_706_743_800 * 1_000_000;
        let indptr = [0i64, 2];
        let ts = [t - 2 * D, t];
        let g = Grouped::new(&indptr, &ts).unwrap();
        let spec = SummarySpec { purchase_mask: None, amount: None, product: None, ts_range: None, as_of: t };
        let utc = Calendar::new("UTC", Period::Month, t - 2 * D, t).unwrap();
        let paris = Calendar::new("Europe/Paris", Period::Month, t - 2 * D, t).unwrap();
        assert_eq!(customer_summary(Events::Grouped(g), g.n_customers(), &utc, &spec).unwrap().n_periods, vec![1]);
        assert_eq!(customer_summary(Events::Grouped(g), g.n_customers(), &paris, &spec).unwrap().n_periods, vec![2]);
    }

    #[test]
    fn same_rows_across_chunks_and_thread_counts() {
        let n = 3 * CHUNK + 17;
        let mut indptr = vec![0i64];
        let mut ts = vec![];
        for c in 0..n {
            for k in 0..(c % 5) {
                ts.push(((c * 7 + k * 13) % 300) as i64 * D / 3 + k as i64 * D);
            }
            let run = indptr.len() - 1;
            let lo = indptr[run] as usize;
            ts[lo..].sort_unstable();
            indptr.push(ts.len() as i64);
        }
        let amount: Vec<f64> = (0..ts.len()).map(|i| (i % 11) as f64 - 2.5).collect();
        let product: Vec<i32> = (0..ts.len()).map(|i| (i % 4) as i32 - 1).collect();
        let g = Grouped::new(&indptr, &ts).unwrap();
        let spec = SummarySpec {
            purchase_mask: None,
            amount: Some(&amount),
            product: Some((&product, 3)),
            ts_range: None,
            as_of: 200 * D,
        };
        let cal = utc(Period::Week(0));
        let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let a = one.install(|| customer_summary(Events::Grouped(g), g.n_customers(), &cal, &spec).unwrap());
        let b = customer_summary(Events::Grouped(g), g.n_customers(), &cal, &spec).unwrap();
        assert_eq!(format!("{a:?}"), format!("{b:?}")); // NaN-aware equality
                                                        // the stamps of one chunk never leak into the next customer's product count
        for c in 0..n {
            let bought: std::collections::BTreeSet<i32> =
                g.range(c).filter(|&i| ts[i] <= 200 * D && product[i] >= 0).map(|i| product[i]).collect();
            assert_eq!(a.n_products[c], bought.len() as i64, "customer {c}");
        }
    }

    #[test]
    fn rows_in_any_order_give_the_same_bits_across_partitions() {
        let n = 2 * (1usize << PART_BITS) + 5;
        let (mut indptr, mut ts) = (vec![0i64], Vec::new());
        for c in 0..n {
            // repeated instants: ties must keep the input order for revenue to match
            ts.extend((0..(c % 6)).map(|k| ((c * 5 + k * 11) % 90) as i64 * D / 2 + (k % 2) as i64 * 3_000));
            let lo = indptr[indptr.len() - 1] as usize;
            ts[lo..].sort_unstable();
            indptr.push(ts.len() as i64);
        }
        let g = Grouped::new(&indptr, &ts).unwrap();
        let amount: Vec<f64> = (0..ts.len()).map(|i| ((i * 7919) % 23) as f64 * 0.1 - 0.7).collect();
        let product: Vec<i32> = (0..ts.len()).map(|i| (i % 5) as i32 - 1).collect();
        let mask: Vec<bool> = (0..ts.len()).map(|i| i % 4 != 2).collect();
        let (codes, at) = crate::scramble(&g);
        let pick = |v: &[f64]| at.iter().map(|&i| v[i]).collect::<Vec<_>>();
        let (r_amount, r_ts) = (pick(&amount), at.iter().map(|&i| ts[i]).collect::<Vec<_>>());
        let r_product: Vec<i32> = at.iter().map(|&i| product[i]).collect();
        let r_mask: Vec<bool> = at.iter().map(|&i| mask[i]).collect();
        // times and amounts only (packed rows), with a purchase mask and products (wide
        // rows), without amounts; and a log spanning 200 years (too long to pack)
        let far = 200 * 366 * D;
        assert!(far >= 1 << PACKED_TIME_BITS);
        let (mut f_ts, mut f_r_ts) = (ts.clone(), r_ts.clone());
        let shifted = indptr[n - 2] as usize; // the events of the last two customers
        assert!(shifted < ts.len());
        f_ts[shifted..].iter_mut().for_each(|t| *t += far);
        f_r_ts.iter_mut().zip(&at).filter(|(_, &i)| i >= shifted).for_each(|(t, _)| *t += far);
        let f_g = Grouped::new(&indptr, &f_ts).unwrap();
        let cases = [
            (60 * D, false, false, true, false),
            (60 * D, false, true, true, false),
            (30 * D + 1, true, true, true, false),
            (30 * D + 1, true, false, false, false),
            (60 * D, false, false, false, false),
            (far + 60 * D, false, false, true, true),
        ];
        for (as_of, with_mask, with_product, with_amount, long) in cases {
            // the same columns in grouped (`spec`) and in scrambled row order (`r_spec`)
            let [spec, r_spec] =
                [(&mask, &amount, &product), (&r_mask, &r_amount, &r_product)].map(|(m, a, p)| SummarySpec {
                    purchase_mask: with_mask.then_some(m.as_slice()),
                    amount: with_amount.then_some(a.as_slice()),
                    product: with_product.then_some((p.as_slice(), 4)),
                    ts_range: None,
                    as_of,
                });
            let cal = Calendar::new("Europe/Paris", Period::Week(6), 0, 60 * D).unwrap();
            let (g, r_ts) = if long { (f_g, &f_r_ts) } else { (g, &r_ts) };
            let want = customer_summary(Events::Grouped(g), n, &cal, &spec).unwrap();
            let (lo, hi) = bounds(r_ts).unwrap();
            // with the range given, exact or missing instants (caught, then computed)
            for ts_range in [None, Some((lo, hi)), Some((lo + 1, hi)), Some((lo, hi - 1)), Some((hi, lo))] {
                let r_spec = SummarySpec { ts_range, ..r_spec };
                let got = customer_summary(Events::Rows { codes: &codes, ts: r_ts }, n, &cal, &r_spec).unwrap();
                assert_eq!(format!("{got:?}"), format!("{want:?}")); // NaN-aware, bit for bit
            }
        }
    }

    #[test]
    fn rejects_misaligned_columns() {
        let indptr = [0i64, 2];
        let ts = [0, D];
        let g = Grouped::new(&indptr, &ts).unwrap();
        let cal = utc(Period::Month);
        let short = [1.0];
        let spec = SummarySpec { purchase_mask: None, amount: Some(&short), product: None, ts_range: None, as_of: D };
        assert!(matches!(
            customer_summary(Events::Grouped(g), g.n_customers(), &cal, &spec),
            Err(KernelError::LengthMismatch(_))
        ));
        let codes = [0i32, 5];
        let spec =
            SummarySpec { purchase_mask: None, amount: None, product: Some((&codes, 2)), ts_range: None, as_of: D };
        assert!(matches!(
            customer_summary(Events::Grouped(g), g.n_customers(), &cal, &spec),
            Err(KernelError::OutOfRange(_))
        ));
    }

    /// A log of `n` customers with repeated instants, refunds and non-purchases, grouped.
    fn clv_log(n: usize) -> (Vec<i64>, Vec<i64>, Vec<f64>, Vec<bool>) {
        let (mut indptr, mut ts) = (vec![0i64], Vec::new());
        for c in 0..n {
            ts.extend((0..(c % 9)).map(|k| ((c * 37 + k * 53) % 120) as i64 * D / 3 + (k % 3) as i64 * 3_600_000_000));
            let lo = indptr[indptr.len() - 1] as usize;
            ts[lo..].sort_unstable();
            indptr.push(ts.len() as i64);
        }
        let amount: Vec<f64> = (0..ts.len()).map(|i| ((i * 7919) % 41) as f64 * 0.25 - 1.0).collect();
        let mask: Vec<bool> = (0..ts.len()).map(|i| i % 5 != 3).collect();
        (indptr, ts, amount, mask)
    }

    /// The CLV row of one customer written out: distinct purchase periods in sets.
    fn clv_brute(ts: &[i64], amount: &[f64], mask: &[bool], cal: &Calendar, spec: &ClvSpec) -> ClvRow {
        use std::collections::BTreeMap;
        let (mut calib, mut hold) = (BTreeMap::<i64, f64>::new(), BTreeMap::<i64, f64>::new());
        let mut first = NONE;
        for i in 0..ts.len() {
            if !mask[i] || ts[i] > spec.observation_end {
                continue;
            }
            let side = if ts[i] <= spec.calibration_end { &mut calib } else { &mut hold };
            *side.entry(cal.period_of(ts[i])).or_insert(0.0) += amount[i];
            if ts[i] <= spec.calibration_end && (first == NONE || ts[i] < first) {
                first = ts[i];
            }
        }
        let hold_mean = if hold.is_empty() { 0.0 } else { hold.values().sum::<f64>() / hold.len() as f64 };
        let Some((&p0, _)) = calib.first_key_value() else {
            return ClvRow {
                first_purchase: NONE,
                frequency: 0,
                recency: f64::NAN,
                T: f64::NAN,
                monetary_value: f64::NAN,
                frequency_holdout: hold.len() as i64,
                monetary_value_holdout: hold_mean,
            };
        };
        let p1 = *calib.last_key_value().unwrap().0;
        let x = calib.len() as i64 - 1;
        let repeat: f64 = calib.iter().skip(1).map(|(_, v)| v).sum();
        ClvRow {
            first_purchase: first,
            frequency: x,
            recency: (p1 - p0) as f64 / spec.time_scaler,
            T: (cal.period_of(spec.calibration_end) - p0) as f64 / spec.time_scaler,
            monetary_value: if x > 0 { repeat / x as f64 } else { 0.0 },
            frequency_holdout: hold.len() as i64,
            monetary_value_holdout: hold_mean,
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a.is_nan() && b.is_nan()) || (a - b).abs() <= 1e-12 * b.abs().max(1.0)
    }

    #[test]
    fn clv_summary_matches_sets_of_purchase_periods() {
        let n = 300;
        let (indptr, ts, amount, mask) = clv_log(n);
        let g = Grouped::new(&indptr, &ts).unwrap();
        for (tz, period, scaler) in [("UTC", Period::Day, 7.0), ("Europe/Paris", Period::Week(0), 1.0)] {
            let cal = Calendar::new(tz, period, 0, 60 * D).unwrap();
            for (cal_end, obs_end) in [(20 * D, 35 * D), (40 * D, 40 * D), (25 * D + 5, 30 * D - 7)] {
                for with_mask in [false, true] {
                    let all = vec![true; ts.len()];
                    let spec = ClvSpec {
                        purchase_mask: with_mask.then_some(mask.as_slice()),
                        amount: Some(&amount),
                        ts_range: None,
                        calibration_end: cal_end,
                        observation_end: obs_end,
                        time_scaler: scaler,
                    };
                    let s = clv_summary(Events::Grouped(g), n, &cal, &spec).unwrap();
                    for c in 0..n {
                        let r = g.range(c);
                        let m = if with_mask { &mask[r.clone()] } else { &all[r.clone()] };
                        let want = clv_brute(&ts[r.clone()], &amount[r], m, &cal, &spec);
                        assert_eq!((s.first_purchase[c], s.frequency[c]), (want.first_purchase, want.frequency), "{c}");
                        assert_eq!(s.frequency_holdout[c], want.frequency_holdout, "{c}");
                        for (got, want) in [
                            (s.recency[c], want.recency),
                            (s.T[c], want.T),
                            (s.monetary_value[c], want.monetary_value),
                            (s.monetary_value_holdout[c], want.monetary_value_holdout),
                        ] {
                            assert!(close(got, want), "customer {c}: {got} vs {want}");
                        }
                    }
                }
            }
        }
        // without amounts the monetary values are NaN
        let cal = utc(Period::Day);
        let spec = ClvSpec {
            purchase_mask: None,
            amount: None,
            ts_range: None,
            calibration_end: 30 * D,
            observation_end: 40 * D,
            time_scaler: 1.0,
        };
        let s = clv_summary(Events::Grouped(g), n, &cal, &spec).unwrap();
        assert!(s.monetary_value.iter().chain(&s.monetary_value_holdout).all(|v| v.is_nan()));
    }

    #[test]
    fn clv_rows_in_any_order_give_the_same_bits() {
        let n = 2 * (1usize << PART_BITS) + 11;
        let (indptr, ts, amount, mask) = clv_log(n);
        let g = Grouped::new(&indptr, &ts).unwrap();
        let (codes, at) = crate::scramble(&g);
        let r_ts: Vec<i64> = at.iter().map(|&i| ts[i]).collect();
        let r_amount: Vec<f64> = at.iter().map(|&i| amount[i]).collect();
        let r_mask: Vec<bool> = at.iter().map(|&i| mask[i]).collect();
        let cal = Calendar::new("America/New_York", Period::Day, 0, 60 * D).unwrap();
        for with_mask in [false, true] {
            let spec = |m, a| ClvSpec {
                purchase_mask: with_mask.then_some(m),
                amount: Some(a),
                ts_range: None,
                calibration_end: 22 * D,
                observation_end: 37 * D,
                time_scaler: 7.0,
            };
            let (m, a, rm, ra) = (mask.as_slice(), amount.as_slice(), r_mask.as_slice(), r_amount.as_slice());
            let want = clv_summary(Events::Grouped(g), n, &cal, &spec(m, a)).unwrap();
            let got = clv_summary(Events::Rows { codes: &codes, ts: &r_ts }, n, &cal, &spec(rm, ra)).unwrap();
            assert_eq!(format!("{got:?}"), format!("{want:?}"));
            let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
            let single = one.install(|| clv_summary(Events::Grouped(g), n, &cal, &spec(m, a)).unwrap());
            assert_eq!(format!("{single:?}"), format!("{want:?}"));
            let t_rows = purchase_tracking(Events::Rows { codes: &codes, ts: &r_ts }, n, &cal, &spec(rm, ra)).unwrap();
            let t_grouped = purchase_tracking(Events::Grouped(g), n, &cal, &spec(m, a)).unwrap();
            assert_eq!(t_rows, t_grouped);
        }
    }

    #[test]
    fn tracking_counts_births_and_repeat_periods() {
        let n = 500;
        let (indptr, ts, amount, mask) = clv_log(n);
        let g = Grouped::new(&indptr, &ts).unwrap();
        let cal = Calendar::new("Europe/Paris", Period::Day, 0, 60 * D).unwrap();
        let spec = ClvSpec {
            purchase_mask: Some(&mask),
            amount: Some(&amount),
            ts_range: None,
            calibration_end: 10 * D,
            observation_end: 33 * D + 17,
            time_scaler: 1.0,
        };
        let t = purchase_tracking(Events::Grouped(g), n, &cal, &spec).unwrap();
        let (mut births, mut repeats) = (std::collections::BTreeMap::new(), std::collections::BTreeMap::new());
        for c in 0..n {
            let periods: std::collections::BTreeSet<i64> = g
                .range(c)
                .filter(|&i| mask[i] && ts[i] <= spec.observation_end)
                .map(|i| cal.period_of(ts[i]))
                .collect();
            for (k, p) in periods.into_iter().enumerate() {
                *(if k == 0 { &mut births } else { &mut repeats }).entry(p).or_insert(0i64) += 1;
            }
        }
        assert_eq!(t.first, *births.keys().next().unwrap());
        assert_eq!(t.first + t.births.len() as i64 - 1, cal.period_of(spec.observation_end));
        for (k, (&b, &r)) in t.births.iter().zip(&t.repeats).enumerate() {
            let p = t.first + k as i64;
            assert_eq!((b, r), (*births.get(&p).unwrap_or(&0), *repeats.get(&p).unwrap_or(&0)), "period {p}");
        }
    }

    #[test]
    fn clv_rejects_a_holdout_ending_before_it_starts() {
        let g = Grouped::new(&[0, 1], &[0]).unwrap();
        let spec = ClvSpec {
            purchase_mask: None,
            amount: None,
            ts_range: None,
            calibration_end: 2 * D,
            observation_end: D,
            time_scaler: 1.0,
        };
        let cal = utc(Period::Day);
        assert!(matches!(clv_summary(Events::Grouped(g), 1, &cal, &spec), Err(KernelError::InvalidParameter(_))));
        let spec = ClvSpec { calibration_end: D, time_scaler: 0.0, ..spec };
        assert!(matches!(clv_summary(Events::Grouped(g), 1, &cal, &spec), Err(KernelError::InvalidParameter(_))));
    }
}
