//! The calendar-driven kernels: calendar, cohort matrix, activity, summaries.
use arbitrary::Unstructured;
use fidelite_kernels::calendar::{Calendar, Window};
use fidelite_kernels::cohort::*;
use fidelite_kernels::summary::{clv_summary, customer_summary, purchase_tracking, ClvSpec, SummarySpec};
use fidelite_kernels::window::*;
use fidelite_kernels::{bitmap, lifecycle, Events, Grouped};

use crate::gen::{calendar as any_calendar, float, instant, log, origin, small_limit, Log};

/// The calendar: period, local day, day start, labels and completeness of any instant.
pub fn calendar(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(Some(cal)) = any_calendar(&mut u) else { return };
    for _ in 0..16 {
        let Ok(t) = instant(&mut u) else { return };
        let p = cal.period_of(t);
        let day = cal.local_day(t);
        let _ = cal.day_start_instant(day);
        let _ = cal.period_start_instant(p);
        let _ = cal.date_of(t);
        let _ = cal.check_origin(Some(p));
        let count = u.int_in_range(0..=3).unwrap_or(2);
        let _ = cal.labels(p, count);
        let _ = cal.complete(p, count, t);
        let _ = cal.bounds(p, count);
    }
}

/// The cohort matrix (every mode, criterion, offset 0, measure, brackets, origins) and its
/// members, from the grouped layout and from activity bitmaps.
pub fn cohort(data: &[u8]) {
    small_limit();
    let mut u = Unstructured::new(data);
    let (Ok(Some(cal)), Ok(Some(l)), Ok(as_of)) = (any_calendar(&mut u), log(&mut u), instant(&mut u)) else {
        return;
    };
    let Ok(g) = Grouped::new(&l.layout.indptr, &l.layout.ts) else { return };
    let amount: Vec<f64> = l.layout.perm.iter().map(|&i| l.amount[i as usize]).collect();
    let signup: Vec<i64> = (0..l.n_customers).map(|_| instant(&mut u).unwrap_or(i64::MIN)).collect();
    let segments: Vec<u32> = (0..l.n_customers).map(|c| (c % 3) as u32).collect();
    let brackets: Vec<i64> =
        (0..u.int_in_range(1..=4).unwrap_or(1)).map(|_| u.int_in_range(-1..=5).unwrap_or(1)).collect();
    let mask: Option<Vec<bool>> = l.mask.as_ref().map(|m| l.layout.perm.iter().map(|&i| m[i as usize]).collect());
    let pick = |u: &mut Unstructured, n: u32| u.int_in_range(0..=n).unwrap_or(0);
    let spec = CohortSpec {
        mode: [CohortMode::First, CohortMode::Recurring, CohortMode::Signup][pick(&mut u, 2) as usize],
        window: if u.arbitrary().unwrap_or(false) {
            Window::Calendar
        } else {
            Window::Rolling(instant(&mut u).unwrap_or(1))
        },
        criterion: [Criterion::On, Criterion::OnOrAfter, Criterion::Streak][pick(&mut u, 2) as usize],
        offset0: if u.arbitrary().unwrap_or(false) { Offset0::Cohort } else { Offset0::Return },
        measure: [Measure::Customers, Measure::Revenue, Measure::CumulativeRevenue][pick(&mut u, 2) as usize],
        brackets: if u.arbitrary().unwrap_or(false) { Some(&brackets) } else { None },
        start_mask: if u.arbitrary().unwrap_or(false) { mask.as_deref() } else { None },
        return_mask: if u.arbitrary().unwrap_or(false) { mask.as_deref() } else { None },
        amount: Some(&amount),
        signup: Some(&signup),
        segment: if u.arbitrary().unwrap_or(false) { Some((&segments, 3)) } else { None },
        min_events: 1 + pick(&mut u, 2),
        as_of,
        origin: origin(&mut u, &cal, as_of).unwrap_or(None),
    };
    if let Ok(m) = cohort_matrix(&g, &cal, &spec) {
        assert_eq!(m.counts.len(), m.n_segments * m.n_cohorts * m.n_buckets, "cohort matrix shape");
        let (k, b) = (pick(&mut u, m.n_cohorts as u32) as usize, pick(&mut u, m.n_buckets as u32) as usize);
        let _ = cohort_members(&g, &cal, &spec, 0, k, b);
    }
    // the bitmap path: start and return activity from the same events
    let p_lo = spec.origin.unwrap_or_else(|| cal.period_of(l.ts.iter().copied().min().unwrap_or(as_of)));
    let events = Events::Grouped(g);
    if let (Ok(start), Ok(ret)) = (
        bitmap::active_bitmaps(events, l.n_customers, None, &cal, p_lo, as_of),
        bitmap::active_bitmaps(Events::Grouped(g), l.n_customers, mask.as_deref(), &cal, p_lo, as_of),
    ) {
        let _ = cohort_matrix_bitmaps(&start, &ret, &cal, &spec);
    }
}

/// What the activity and summary targets share: a calendar, a log, an `as_of`, and the
/// layout the kernels read (the rows in input order, or grouped by customer), with the
/// log's mask and amounts in that layout's order.
struct Prelude<'a> {
    cal: Calendar,
    l: &'a Log,
    g: Grouped<'a>,
    as_of: i64,
    rows: bool,
    mask: Option<Vec<bool>>,
    amount: Vec<f64>,
}

impl<'a> Prelude<'a> {
    /// Draws the layout around a calendar, a log (the caller keeps it, the prelude borrows
    /// it) and an `as_of`; `None` when the log's grouping is invalid.
    fn draw(u: &mut Unstructured, cal: Calendar, l: &'a Log, as_of: i64) -> Option<Self> {
        let g = Grouped::new(&l.layout.indptr, &l.layout.ts).ok()?;
        let rows = u.arbitrary().unwrap_or(false);
        let (mask, amount) = (l.mask.as_deref().map(|m| in_layout(m, l, rows)), in_layout(&l.amount, l, rows));
        Some(Prelude { cal, l, g, as_of, rows, mask, amount })
    }

    /// The events in the drawn layout.
    fn events(&self) -> Events<'_> {
        if self.rows {
            Events::Rows { codes: &self.l.codes, ts: &self.l.ts }
        } else {
            Events::Grouped(self.g)
        }
    }
}

/// Per-event `values` (in input row order) in the order of the drawn layout.
fn in_layout<T: Copy>(values: &[T], l: &Log, rows: bool) -> Vec<T> {
    if rows {
        values.to_vec()
    } else {
        l.layout.perm.iter().map(|&i| values[i as usize]).collect()
    }
}

/// Runs `body` on the prelude of `data` (with the 8 MB memory limit), if the input holds one.
fn with_prelude(data: &[u8], body: impl FnOnce(&mut Unstructured, &Prelude)) {
    small_limit();
    let mut u = Unstructured::new(data);
    let (Ok(Some(cal)), Ok(Some(l)), Ok(as_of)) = (any_calendar(&mut u), log(&mut u), instant(&mut u)) else {
        return;
    };
    if let Some(p) = Prelude::draw(&mut u, cal, &l, as_of) {
        body(&mut u, &p);
    }
}

/// The activity kernels on either layout: lifecycle, activity bitmaps, period KPIs,
/// rolling and per-period active counts, stickiness.
pub fn activity(data: &[u8]) {
    with_prelude(data, |u, p| {
        let (cal, as_of, n, mask) = (&p.cal, p.as_of, p.l.n_customers, p.mask.as_deref());
        let org = origin(u, cal, as_of).unwrap_or(None);
        let _ = lifecycle::lifecycle(&p.g, cal, mask, as_of, org);
        if let Ok(b) = bitmap::active_bitmaps(p.events(), n, mask, cal, org.unwrap_or(0), as_of) {
            let _ = lifecycle::lifecycle_bitmaps(&b, cal, as_of, org.is_some());
        }
        let window = if u.arbitrary().unwrap_or(false) {
            ActivityWindow::Period
        } else {
            ActivityWindow::Duration(instant(u).unwrap_or(1))
        };
        let spec = KpiSpec {
            window,
            active_mask: mask,
            purchase_mask: if u.arbitrary().unwrap_or(false) { mask } else { None },
            amount: Some(&p.amount),
            as_of,
            origin: org,
        };
        let _ = period_kpis(p.events(), n, cal, &spec);
        let days = u.int_in_range(-2..=400).unwrap_or(1);
        let _ = rolling_active(p.events(), n, cal, mask, as_of, days, org);
        let reach = instant(u).unwrap_or(1);
        let n_periods = u.int_in_range(0..=500).unwrap_or(0);
        let _ = active_per_period(p.events(), n, cal, mask, as_of, reach, org.unwrap_or(0), n_periods);
        let _ = stickiness(
            p.events(),
            n,
            cal,
            u.arbitrary().unwrap_or(false),
            u.int_in_range(0..=7).unwrap_or(0),
            mask,
            as_of,
            org,
        );
    });
}

/// The per-customer summary (with products and a range hint), the CLV summary and the
/// purchase tracking, on either layout.
pub fn summary(data: &[u8]) {
    with_prelude(data, |u, p| {
        let (cal, as_of, n, mask) = (&p.cal, p.as_of, p.l.n_customers, p.mask.as_deref());
        let product: Vec<i32> = (0..p.l.ts.len()).map(|_| u.int_in_range(-1..=3).unwrap_or(0)).collect();
        let range = if u.arbitrary().unwrap_or(false) {
            Some((instant(u).unwrap_or(0), instant(u).unwrap_or(0)))
        } else {
            None
        };
        let spec = SummarySpec {
            purchase_mask: mask,
            amount: Some(&p.amount),
            product: Some((&product, 4)),
            ts_range: range,
            as_of,
        };
        let _ = customer_summary(p.events(), n, cal, &spec);
        let (a, b) = (instant(u).unwrap_or(0), instant(u).unwrap_or(as_of));
        let clv = ClvSpec {
            purchase_mask: mask,
            amount: if u.arbitrary().unwrap_or(true) { Some(&p.amount) } else { None },
            ts_range: range,
            calibration_end: a.min(b),
            observation_end: if u.arbitrary().unwrap_or(false) { a.max(b) } else { a.min(b) },
            time_scaler: float(u).unwrap_or(1.0),
        };
        let _ = clv_summary(p.events(), n, cal, &clv);
        let _ = purchase_tracking(p.events(), n, cal, &clv);
    });
}
