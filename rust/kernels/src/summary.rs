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

/// Declares the summary's columns once: the [`Summary`] (one vector per column), the
/// [`Row`] of one customer, and their order and kinds ([`Summary::columns`]). Adding a
/// column is one line here plus its value in [`summarize`].
macro_rules! summary_columns {
    ($($name:ident: $kind:ident $ty:ty),* $(,)?) => {
        /// One value per customer code for each column (see [`summary_columns!`]).
        #[derive(Debug, Clone, PartialEq, Default)]
        pub struct Summary {
            $(pub $name: Vec<$ty>,)*
        }

        /// The summary of one customer.
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub struct Row {
            $(pub $name: $ty,)*
        }

        /// One piece's rows, borrowed from a [`Summary`].
        struct Rows<'a> {
            $($name: &'a mut [$ty],)*
        }

        impl Rows<'_> {
            #[inline]
            fn set(&mut self, j: usize, row: Row) {
                $(self.$name[j] = row.$name;)*
            }
        }

        impl Summary {
            /// Zeroed columns (fresh zero pages from the allocator): every row is written by
            /// the kernel, so no fill pass is needed.
            fn zeroed(n: usize) -> Self {
                Summary { $($name: crate::mem::zeros(n),)* }
            }

            /// The rows cut into pieces of [`PIECE`] customers.
            fn pieces(&mut self) -> Vec<Rows<'_>> {
                $(let mut $name = self.$name.chunks_mut(PIECE);)*
                let mut out = Vec::new();
                loop {
                    $(let Some($name) = $name.next() else { return out };)*
                    out.push(Rows { $($name,)* });
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

summary_columns! {
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
}

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
}
