//! The cohort retention matrix: every semantics of METRICS.md in one pass per customer.
//!
//! Each customer yields cohort *entries* `(cohort period, start instant t0)`: its first
//! start event (`First`), its first start event in every period holding one
//! (`Recurring`) or a given signup instant (`Signup`). Every return event at `t0 <= t <=
//! as_of` lands at an offset (calendar periods or rolling windows from `t0`), offsets map
//! to buckets (identity, or brackets), and the criterion turns the set of buckets an entry
//! reached into the cells it counts in.
use crate::calendar::{Calendar, Window};
use crate::{check_len, par_customer_chunks, Grouped, KernelError, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CohortMode {
    First,
    Recurring,
    Signup,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Criterion {
    /// N-day: a return in exactly this bucket.
    On,
    /// Unbounded: a return in this bucket or any later one.
    OnOrAfter,
    /// A return in every bucket from 1 up to this one.
    Streak,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offset0 {
    /// Bucket 0 is the cohort size (PostHog).
    Cohort,
    /// Bucket 0 counts returns strictly after the start instant (Amplitude, Mixpanel).
    Return,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    Customers,
    Revenue,
    CumulativeRevenue,
}

/// Everything a cohort query needs besides the grouped events and the calendar.
#[derive(Debug, Clone, Copy)]
pub struct CohortSpec<'a> {
    pub mode: CohortMode,
    pub window: Window,
    pub criterion: Criterion,
    pub offset0: Offset0,
    pub measure: Measure,
    /// Bracket widths (contiguous offset ranges from 0); `None` = one bucket per offset.
    pub brackets: Option<&'a [i64]>,
    /// Per event: may open a cohort entry. `None` = every event.
    pub start_mask: Option<&'a [bool]>,
    /// Per event: counts as a return. `None` = every event.
    pub return_mask: Option<&'a [bool]>,
    /// Per event amounts (required by the revenue measures).
    pub amount: Option<&'a [f64]>,
    /// Per customer signup instant (`i64::MIN` = none); required by `Signup`.
    pub signup: Option<&'a [i64]>,
    /// Per customer segment code and the number of segments.
    pub segment: Option<(&'a [u32], usize)>,
    /// Events after this instant are ignored; cells not elapsed by then are incomplete.
    pub as_of: i64,
}

/// A `(segments x cohorts x buckets)` matrix, flattened row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct CohortMatrix {
    /// Period index of cohort row 0.
    pub first_period: i64,
    pub n_segments: usize,
    pub n_cohorts: usize,
    pub n_buckets: usize,
    /// Distinct customers per cell (customers measure), else empty.
    pub counts: Vec<i64>,
    /// Revenue per cell (revenue measures), else empty.
    pub values: Vec<f64>,
    /// Cohort sizes `(segments x cohorts)`.
    pub sizes: Vec<i64>,
    /// `(cohorts x buckets)`: the cell's last offset had fully elapsed at `as_of`.
    pub complete: Vec<bool>,
}

struct Axes {
    p_lo: i64,
    n_cohorts: usize,
    bucket_of: Vec<i32>, // offset -> bucket (-1: past the last bracket)
    n_buckets: usize,
}

/// Calls `f(t0)` for each cohort entry of customer `c`, in time order.
#[inline]
fn for_each_entry(g: &Grouped, cal: &Calendar, spec: &CohortSpec, c: usize, mut f: impl FnMut(i64)) {
    match spec.mode {
        CohortMode::Signup => {
            let t0 = spec.signup.map_or(i64::MIN, |s| s[c]);
            if t0 != i64::MIN && t0 <= spec.as_of {
                f(t0)
            }
        }
        CohortMode::First | CohortMode::Recurring => {
            let mut last_period = None;
            for i in g.range(c) {
                let t = g.ts[i];
                if t > spec.as_of {
                    break;
                }
                if spec.start_mask.is_some_and(|m| !m[i]) {
                    continue;
                }
                if spec.mode == CohortMode::First {
                    f(t);
                    return;
                }
                let p = cal.period_of(t);
                if last_period != Some(p) {
                    last_period = Some(p);
                    f(t);
                }
            }
        }
    }
}

fn validate(g: &Grouped, spec: &CohortSpec) -> Result<()> {
    let n = g.ts.len();
    check_len("start_mask", spec.start_mask, n)?;
    check_len("return_mask", spec.return_mask, n)?;
    check_len("amount", spec.amount, n)?;
    if spec.mode == CohortMode::Signup {
        match spec.signup {
            None => return Err(KernelError::InvalidParameter("cohort=\"signup\" needs signup instants".into())),
            Some(s) if s.len() != g.n_customers() => {
                return Err(KernelError::LengthMismatch(format!(
                    "{} signup instants for {} customers",
                    s.len(),
                    g.n_customers()
                )))
            }
            _ => {}
        }
    }
    if let Some((seg, n_seg)) = spec.segment {
        if seg.len() != g.n_customers() {
            return Err(KernelError::LengthMismatch(format!("{} segment codes for {} customers", seg.len(), g.n_customers())));
        }
        if seg.iter().any(|&s| s as usize >= n_seg) {
            return Err(KernelError::OutOfRange(format!("segment code >= {n_seg} segments")));
        }
    }
    if spec.measure != Measure::Customers {
        if spec.amount.is_none() {
            return Err(KernelError::InvalidParameter(
                "a revenue measure needs an amount column: pass amount=\"<column>\"".into(),
            ));
        }
        if spec.criterion != Criterion::On {
            return Err(KernelError::InvalidParameter(
                "revenue measures sum the amounts in each cell: use criterion=\"on\"".into(),
            ));
        }
    }
    if let Some(b) = spec.brackets {
        if b.is_empty() || b.iter().any(|&w| w < 1) {
            return Err(KernelError::InvalidParameter("brackets must be a non-empty list of positive widths".into()));
        }
    }
    if let Window::Rolling(l) = spec.window {
        if l <= 0 {
            return Err(KernelError::InvalidParameter("a rolling window must be longer than zero".into()));
        }
    }
    Ok(())
}

fn axes(g: &Grouped, cal: &Calendar, spec: &CohortSpec) -> Option<Axes> {
    // (earliest t0, latest cohort period) over all entries
    let parts = par_customer_chunks(g.n_customers(), |r| {
        let (mut t_min, mut p_max) = (i64::MAX, i64::MIN);
        for c in r {
            for_each_entry(g, cal, spec, c, |t0| {
                t_min = t_min.min(t0);
                p_max = p_max.max(cal.period_of(t0));
            });
        }
        (t_min, p_max)
    });
    let (t_min, p_max) = parts.into_iter().fold((i64::MAX, i64::MIN), |a, b| (a.0.min(b.0), a.1.max(b.1)));
    if t_min == i64::MAX {
        return None;
    }
    let p_lo = cal.period_of(t_min);
    let n_offsets = match spec.window {
        Window::Calendar => (cal.period_of(spec.as_of) - p_lo + 1) as usize,
        Window::Rolling(l) => ((spec.as_of - t_min) / l + 1) as usize,
    };
    let (bucket_of, n_buckets) = match spec.brackets {
        None => ((0..n_offsets as i32).collect(), n_offsets),
        Some(widths) => {
            let mut map = vec![-1i32; n_offsets];
            let mut start = 0usize;
            for (b, &w) in widths.iter().enumerate() {
                for slot in map.iter_mut().skip(start).take(w as usize) {
                    *slot = b as i32;
                }
                start += w as usize;
            }
            (map, widths.len())
        }
    };
    Some(Axes { p_lo, n_cohorts: (p_max - p_lo + 1) as usize, bucket_of, n_buckets })
}

/// Per-thread accumulator.
struct Acc {
    counts: Vec<i64>,
    values: Vec<f64>,
    sizes: Vec<i64>,
    // per-customer scratch: stamp[b] == entry id when bucket b was reached
    stamp: Vec<u32>,
    reached: Vec<usize>,
}

/// Computes the cohort matrix. See the module docs for the semantics.
pub fn cohort_matrix(g: &Grouped, cal: &Calendar, spec: &CohortSpec) -> Result<CohortMatrix> {
    validate(g, spec)?;
    let n_seg = spec.segment.map_or(1, |s| s.1);
    let Some(ax) = axes(g, cal, spec) else {
        return Ok(CohortMatrix {
            first_period: cal.period_of(spec.as_of),
            n_segments: n_seg,
            n_cohorts: 0,
            n_buckets: 0,
            counts: vec![],
            values: vec![],
            sizes: vec![],
            complete: vec![],
        });
    };
    let (nk, nb) = (ax.n_cohorts, ax.n_buckets);
    let revenue = spec.measure != Measure::Customers;
    let cell_count = n_seg * nk * nb;

    let parts = par_customer_chunks(g.n_customers(), |r| {
        let mut acc = Acc {
            counts: if revenue { vec![] } else { vec![0; cell_count] },
            values: if revenue { vec![0.0; cell_count] } else { vec![] },
            sizes: vec![0; n_seg * nk],
            stamp: vec![u32::MAX; nb],
            reached: Vec::with_capacity(16),
        };
        let mut entry_id = 0u32;
        for c in r {
            let seg = spec.segment.map_or(0, |(s, _)| s[c] as usize);
            let events = g.range(c);
            for_each_entry(g, cal, spec, c, |t0| {
                entry_id = entry_id.wrapping_add(1);
                if entry_id == u32::MAX {
                    acc.stamp.fill(u32::MAX);
                    entry_id = 0;
                }
                let p0 = cal.period_of(t0);
                let k = (p0 - ax.p_lo) as usize;
                let row = (seg * nk + k) * nb;
                acc.sizes[seg * nk + k] += 1;
                acc.reached.clear();
                // events are time-sorted: skip those before t0
                let from = events.start + g.ts[events.clone()].partition_point(|&t| t < t0);
                let mut cursor = cal.cursor();
                // rolling windows: offset j holds instants [t0 + j l, t0 + (j + 1) l)
                let (mut j_roll, mut roll_end) = (0i64, i64::MIN);
                for (i, &t) in (from..events.end).zip(&g.ts[from..events.end]) {
                    if t > spec.as_of {
                        break;
                    }
                    if spec.return_mask.is_some_and(|m| !m[i]) {
                        continue;
                    }
                    let j = match spec.window {
                        Window::Calendar => cursor.period(t) - p0,
                        Window::Rolling(l) => {
                            if t >= roll_end {
                                j_roll = (t - t0) / l;
                                roll_end = t0 + (j_roll + 1) * l;
                            }
                            j_roll
                        }
                    };
                    if j == 0 && spec.offset0 == Offset0::Return && t <= t0 {
                        continue;
                    }
                    // (a local clock turned back at a DST change can make j < 0)
                    let b = match usize::try_from(j).ok().and_then(|j| ax.bucket_of.get(j)) {
                        Some(&b) if b >= 0 => b as usize,
                        _ => continue,
                    };
                    if revenue {
                        acc.values[row + b] += spec.amount.unwrap()[i];
                    } else if acc.stamp[b] != entry_id {
                        acc.stamp[b] = entry_id;
                        acc.reached.push(b);
                    }
                }
                if revenue {
                    return;
                }
                let cohort0 = spec.offset0 == Offset0::Cohort;
                if cohort0 {
                    acc.counts[row] += 1;
                }
                match spec.criterion {
                    Criterion::On => {
                        for &b in &acc.reached {
                            if !(cohort0 && b == 0) {
                                acc.counts[row + b] += 1;
                            }
                        }
                    }
                    Criterion::OnOrAfter => {
                        if let Some(&m) = acc.reached.iter().max() {
                            for b in (cohort0 as usize)..=m {
                                acc.counts[row + b] += 1;
                            }
                        }
                    }
                    Criterion::Streak => {
                        if !cohort0 && acc.stamp[0] == entry_id {
                            acc.counts[row] += 1;
                        }
                        let mut b = 1;
                        while b < nb && acc.stamp[b] == entry_id {
                            acc.counts[row + b] += 1;
                            b += 1;
                        }
                    }
                }
            });
        }
        (acc.counts, acc.values, acc.sizes)
    });

    let mut counts = if revenue { vec![] } else { vec![0i64; cell_count] };
    let mut values = if revenue { vec![0f64; cell_count] } else { vec![] };
    let mut sizes = vec![0i64; n_seg * nk];
    for (c, v, s) in parts {
        counts.iter_mut().zip(&c).for_each(|(a, b)| *a += b);
        values.iter_mut().zip(&v).for_each(|(a, b)| *a += b);
        sizes.iter_mut().zip(&s).for_each(|(a, b)| *a += b);
    }
    if spec.measure == Measure::CumulativeRevenue {
        for row in values.chunks_mut(nb) {
            for b in 1..nb {
                row[b] += row[b - 1];
            }
        }
    }
    let complete = completeness(cal, spec, &ax);
    Ok(CohortMatrix { first_period: ax.p_lo, n_segments: n_seg, n_cohorts: nk, n_buckets: nb, counts, values, sizes, complete })
}

fn completeness(cal: &Calendar, spec: &CohortSpec, ax: &Axes) -> Vec<bool> {
    // last offset of each bucket
    let mut last = vec![i64::MAX; ax.n_buckets];
    match spec.brackets {
        None => last.iter_mut().enumerate().for_each(|(b, l)| *l = b as i64),
        Some(w) => {
            let mut end = 0i64;
            for (b, &wi) in w.iter().enumerate() {
                end += wi;
                last[b] = end - 1;
            }
        }
    }
    let mut out = Vec::with_capacity(ax.n_cohorts * ax.n_buckets);
    for k in 0..ax.n_cohorts {
        let p = ax.p_lo + k as i64;
        for &j in &last {
            let end = match spec.window {
                Window::Calendar => cal.period_start_instant(p + j + 1),
                Window::Rolling(l) => cal.period_start_instant(p + 1).saturating_add(l.saturating_mul(j + 1)),
            };
            out.push(end <= spec.as_of.saturating_add(1));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Period;
    use crate::US_PER_DAY;

    fn spec<'a>() -> CohortSpec<'a> {
        CohortSpec {
            mode: CohortMode::First,
            window: Window::Calendar,
            criterion: Criterion::On,
            offset0: Offset0::Cohort,
            measure: Measure::Customers,
            brackets: None,
            start_mask: None,
            return_mask: None,
            amount: None,
            signup: None,
            segment: None,
            as_of: 10 * US_PER_DAY - 1,
        }
    }

    // customer 0: days 0, 2, 2; customer 1: days 1, 3; customer 2: day 1 (00:00 and 12:00)
    fn log() -> (Vec<i64>, Vec<i64>) {
        let d = US_PER_DAY;
        (vec![0, 3, 5, 7], vec![0, 2 * d, 2 * d + 5, d, 3 * d, d, d + d / 2])
    }

    #[test]
    fn daily_on_matrix() {
        let (indptr, ts) = log();
        let g = Grouped::new(&indptr, &ts).unwrap();
        let cal = Calendar::new("UTC", Period::Day, 0, 10 * US_PER_DAY).unwrap();
        let m = cohort_matrix(&g, &cal, &spec()).unwrap();
        assert_eq!((m.first_period, m.n_cohorts, m.n_buckets), (0, 2, 10));
        assert_eq!(m.sizes, vec![1, 2]);
        assert_eq!(&m.counts[..3], &[1, 0, 1]);
        assert_eq!(&m.counts[10..13], &[2, 0, 1]);
        // offset0=return: customer 2 came back the same day, customer 1 did not
        let m = cohort_matrix(&g, &cal, &CohortSpec { offset0: Offset0::Return, ..spec() }).unwrap();
        assert_eq!(&m.counts[10..13], &[1, 0, 1]);
        assert_eq!(m.counts[0], 0);
        // on_or_after: day 1 counts everyone who came back on day >= 1
        let m = cohort_matrix(&g, &cal, &CohortSpec { criterion: Criterion::OnOrAfter, ..spec() }).unwrap();
        assert_eq!(&m.counts[..4], &[1, 1, 1, 0]);
        // brackets [1, 2, 3]: [0], [1, 2], [3, 5]
        let w = [1, 2, 3];
        let m = cohort_matrix(&g, &cal, &CohortSpec { brackets: Some(&w), ..spec() }).unwrap();
        assert_eq!(m.n_buckets, 3);
        assert_eq!(m.counts, vec![1, 1, 0, 2, 1, 0]);
    }

    #[test]
    fn completeness_uses_as_of() {
        let (indptr, ts) = log();
        let g = Grouped::new(&indptr, &ts).unwrap();
        let cal = Calendar::new("UTC", Period::Day, 0, 10 * US_PER_DAY).unwrap();
        let m = cohort_matrix(&g, &cal, &CohortSpec { as_of: 4 * US_PER_DAY - 1, ..spec() }).unwrap();
        assert_eq!(m.n_buckets, 4);
        // cohort day 0: offsets 0..3 complete; cohort day 1: offsets 0..2 complete, 3 not
        assert_eq!(m.complete, vec![true, true, true, true, true, true, true, false]);
    }

    #[test]
    fn revenue_needs_amount_and_on() {
        let (indptr, ts) = log();
        let g = Grouped::new(&indptr, &ts).unwrap();
        let cal = Calendar::new("UTC", Period::Day, 0, 10 * US_PER_DAY).unwrap();
        assert!(cohort_matrix(&g, &cal, &CohortSpec { measure: Measure::Revenue, ..spec() }).is_err());
        let amount = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0];
        let s = CohortSpec { measure: Measure::CumulativeRevenue, amount: Some(&amount), ..spec() };
        let m = cohort_matrix(&g, &cal, &s).unwrap();
        assert_eq!(&m.values[..3], &[1.0, 1.0, 6.0]);
        assert_eq!(&m.values[10..13], &[4.0 + 6.0 + 7.0, 17.0, 22.0]);
    }
}
