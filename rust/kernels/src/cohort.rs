//! The cohort retention matrix: every semantics in one pass per customer, and the members
//! of any cell by the same code path.
//!
//! Each customer yields cohort *entries* `(cohort period, start instant t0)`: its first
//! start event (`First`), its first start event in every period holding one
//! (`Recurring`) or a given signup instant (`Signup`). Every return event at `t0 <= t <=
//! as_of` lands at an offset (calendar periods or rolling windows from `t0`), offsets map
//! to buckets (identity, or brackets), and the criterion turns the set of buckets an entry
//! reached into the cells it counts in ([`counted`]). [`cohort_matrix`] tallies the cells;
//! [`cohort_members`] lists the customers one cell counted, for every semantics.
use crate::bitmap::{for_each_bit, lowest_bit, Bitmaps};
use crate::calendar::{Calendar, Window};
use std::ops::Range;

use crate::mem::{bytes_of, count};
use crate::{check_len, par_customer_chunks, par_customer_fold, parts_in_budget, Grouped, KernelError, Result};

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
    /// Return events an entry needs in a bucket to count there (1 = any return; more
    /// needs the customers measure). Offset 0 as the cohort size is not affected.
    pub min_events: u32,
    /// Events after this instant are ignored; cells not elapsed by then are incomplete.
    pub as_of: i64,
    /// The first cohort period (None: the period of the earliest entry). With it, the
    /// rows run from it to the period of `as_of`, and the offsets to `as_of`: a matrix
    /// computed on one partition of the customers lines up with the others', cell by cell.
    pub origin: Option<i64>,
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
    /// `(cohorts x buckets)`: the cell's first offset had begun at `as_of`.
    pub observed: Vec<bool>,
}

impl CohortMatrix {
    /// The matrix over the axes `ax`, its completeness flags computed at `spec.as_of`.
    fn on(
        ax: &Axes,
        n_segments: usize,
        counts: Vec<i64>,
        values: Vec<f64>,
        sizes: Vec<i64>,
        cal: &Calendar,
        spec: &CohortSpec,
    ) -> CohortMatrix {
        let (complete, observed, _) = completeness(cal, spec, ax);
        CohortMatrix {
            first_period: ax.p_lo,
            n_segments,
            n_cohorts: ax.n_cohorts,
            n_buckets: ax.n_buckets,
            counts,
            values,
            sizes,
            complete,
            observed,
        }
    }
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

fn validate(g: &Grouped, cal: &Calendar, spec: &CohortSpec) -> Result<()> {
    cal.check_origin(spec.origin)?;
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
            return Err(KernelError::LengthMismatch(format!(
                "{} segment codes for {} customers",
                seg.len(),
                g.n_customers()
            )));
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
    if spec.min_events == 0 {
        return Err(KernelError::InvalidParameter("min_events must be at least 1".into()));
    }
    if spec.min_events > 1 && spec.measure != Measure::Customers {
        return Err(KernelError::InvalidParameter(
            "min_events counts customers with enough returns in a cell: use measure=\"customers\"".into(),
        ));
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

fn axes(g: &Grouped, cal: &Calendar, spec: &CohortSpec) -> Result<Option<Axes>> {
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
    let (p_lo, p_max, t_min) = match spec.origin {
        // every cohort from the origin to as_of: an axis that does not depend on the data
        Some(origin) => (origin, cal.period_of(spec.as_of), cal.period_start_instant(origin)),
        None if t_min == i64::MAX => return Ok(None),
        None => (cal.period_of(t_min), p_max, t_min),
    };
    if p_max < p_lo {
        return Ok(None);
    }
    let n_offsets = match spec.window {
        Window::Calendar => (cal.period_of(spec.as_of) - p_lo + 1).max(0) as u128,
        Window::Rolling(l) => (spec.as_of.saturating_sub(t_min) / l + 1).max(0) as u128,
    };
    let n_cohorts = (p_max - p_lo + 1) as u128;
    let n_buckets = spec.brackets.map_or(n_offsets, |b| b.len() as u128);
    let n_seg = spec.segment.map_or(1, |s| s.1) as u128;
    check_matrix(cal, spec, p_lo, n_seg, n_cohorts, n_buckets, bytes_of::<i32>(n_offsets))?;
    let (bucket_of, n_buckets) = buckets(spec.brackets, n_offsets as usize);
    Ok(Some(Axes { p_lo, n_cohorts: n_cohorts as usize, bucket_of, n_buckets }))
}

/// Bytes of one partial result of a `(segments x cohorts x buckets)` matrix: its cells,
/// its cohort sizes and the per-entry stamps.
fn part_bytes(n_seg: u128, n_cohorts: u128, n_buckets: u128) -> u128 {
    bytes_of::<i64>(n_seg.saturating_mul(n_cohorts).saturating_mul(n_buckets.saturating_add(1)))
        .saturating_add(bytes_of::<u32>(n_buckets))
}

/// The memory check of a cohort matrix before anything of its size is allocated: the
/// total and one partial result, the completeness flags and `extra` bytes.
fn check_matrix(
    cal: &Calendar,
    spec: &CohortSpec,
    p_lo: i64,
    n_seg: u128,
    n_cohorts: u128,
    n_buckets: u128,
    extra: u128,
) -> Result<()> {
    let flags = bytes_of::<[bool; 2]>(n_cohorts.saturating_mul(n_buckets));
    let bytes = part_bytes(n_seg, n_cohorts, n_buckets).saturating_mul(2).saturating_add(flags).saturating_add(extra);
    let what = || {
        let segments = if n_seg > 1 { format!(" x {} segments", count(n_seg)) } else { String::new() };
        format!("a cohort matrix of {} cohorts x {} offsets{segments}", count(n_cohorts), count(n_buckets))
    };
    cal.check_span(what, bytes, p_lo, spec.as_of)
}

/// Per-thread accumulator.
struct Acc {
    counts: Vec<i64>,
    values: Vec<f64>,
    sizes: Vec<i64>,
    // per-entry scratch: stamp[b] == entry when bucket b was reached
    stamp: Vec<u32>,
    reached: Vec<usize>,
    entry: u32,
}

impl Acc {
    fn new(revenue: bool, cells: usize, rows: usize, nb: usize) -> Self {
        Acc {
            counts: if revenue { vec![] } else { vec![0; cells] },
            values: if revenue { vec![0.0; cells] } else { vec![] },
            sizes: vec![0; rows],
            stamp: vec![u32::MAX; nb],
            reached: Vec::with_capacity(16),
            entry: 0,
        }
    }

    /// Starts a cohort entry in size slot `size_at`.
    #[inline]
    fn begin(&mut self, size_at: usize) {
        self.entry = self.entry.wrapping_add(1);
        if self.entry == u32::MAX {
            self.stamp.fill(u32::MAX);
            self.entry = 0;
        }
        self.sizes[size_at] += 1;
        self.reached.clear();
    }

    /// The entry returned in bucket `b`.
    #[inline(always)]
    fn reach(&mut self, b: usize) {
        if self.stamp[b] != self.entry {
            self.stamp[b] = self.entry;
            self.reached.push(b);
        }
    }

    /// Counts the entry in the cells of matrix row `row` that its criterion gives.
    fn tally(&mut self, row: usize, criterion: Criterion, cohort0: bool, nb: usize) {
        let (stamp, entry, counts) = (&self.stamp, self.entry, &mut self.counts);
        counted(&self.reached, |b| stamp[b] == entry, criterion, cohort0, nb, |b| counts[row + b] += 1);
    }
}

/// The buckets an entry counts in, given the buckets it `reached` (in any order, each
/// once; `hit(b)`: whether it reached bucket `b`) and the criterion: `f(b)` for each.
/// The one definition of membership, for the matrix and for its cells' members alike.
#[inline]
fn counted(
    reached: &[usize],
    hit: impl Fn(usize) -> bool,
    criterion: Criterion,
    cohort0: bool,
    nb: usize,
    mut f: impl FnMut(usize),
) {
    if cohort0 {
        f(0);
    }
    match criterion {
        Criterion::On => {
            for &b in reached {
                if !(cohort0 && b == 0) {
                    f(b);
                }
            }
        }
        Criterion::OnOrAfter => {
            if let Some(&m) = reached.iter().max() {
                for b in (cohort0 as usize)..=m {
                    f(b);
                }
            }
        }
        Criterion::Streak => {
            if !cohort0 && hit(0) {
                f(0);
            }
            let mut b = 1;
            while b < nb && hit(b) {
                f(b);
                b += 1;
            }
        }
    }
}

/// The sum of per-chunk accumulators, added in chunk order (deterministic): at most
/// [`parts_in_budget`] of them exist at once.
fn tally_chunks(
    n_customers: usize,
    revenue: bool,
    (cells, rows, nb): (usize, usize, usize),
    chunk: impl Fn(Range<usize>) -> Acc + Sync + Send,
) -> Result<(Vec<i64>, Vec<f64>, Vec<i64>)> {
    let batch = parts_in_budget(part_bytes(1, rows as u128, nb as u128));
    // counts (integers) start from the first part itself: a matrix much larger than its
    // entries (few customers, a long span) is not zeroed, read and added once more
    let mut total: Option<(Vec<i64>, Vec<f64>, Vec<i64>)> =
        if revenue { Some((vec![], crate::mem::try_zeros(cells)?, crate::mem::try_zeros(rows)?)) } else { None };
    par_customer_fold(n_customers, batch, chunk, |a| match &mut total {
        None => total = Some((a.counts, a.values, a.sizes)),
        Some((counts, values, sizes)) => {
            counts.iter_mut().zip(&a.counts).for_each(|(x, y)| *x += y);
            values.iter_mut().zip(&a.values).for_each(|(x, y)| *x += y);
            sizes.iter_mut().zip(&a.sizes).for_each(|(x, y)| *x += y);
        }
    });
    match total {
        Some(t) => Ok(t),
        None => Ok((crate::mem::try_zeros(cells)?, vec![], crate::mem::try_zeros(rows)?)),
    }
}

/// No cohort entry at all: zero rows, and still one column per bracket.
fn empty(first_period: i64, spec: &CohortSpec) -> CohortMatrix {
    CohortMatrix {
        first_period,
        n_segments: spec.segment.map_or(1, |s| s.1),
        n_cohorts: 0,
        n_buckets: spec.brackets.map_or(0, |b| b.len()),
        counts: vec![],
        values: vec![],
        sizes: vec![],
        complete: vec![],
        observed: vec![],
    }
}

/// offset -> bucket map (identity, or brackets) for `n_offsets` offsets.
fn buckets(brackets: Option<&[i64]>, n_offsets: usize) -> (Vec<i32>, usize) {
    match brackets {
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
    }
}

/// What one pass over the customers does with the cohort entries and their returns.
trait Sink {
    /// An entry of customer `c` at `t0`, in matrix row `row` (segment x cohorts + cohort).
    fn begin(&mut self, c: usize, row: usize, t0: i64);
    /// The entry returned in bucket `b` (event `i`).
    fn reach(&mut self, b: usize, i: usize);
    /// The entry is done.
    fn end(&mut self);
}

/// Walks the entries of customers `customers` and their returns into `sink`: the one code
/// path of the matrix and of its cells' members.
fn walk(g: &Grouped, cal: &Calendar, spec: &CohortSpec, ax: &Axes, customers: Range<usize>, sink: &mut impl Sink) {
    let cohort0 = spec.offset0 == Offset0::Cohort;
    let nk = ax.n_cohorts as i64;
    // min_events > 1: the returns of the current entry per bucket (reset per entry)
    let need = spec.min_events.max(1);
    let mut seen: Vec<u32> = if need > 1 { vec![0; ax.n_buckets] } else { Vec::new() };
    let mut touched: Vec<usize> = Vec::new();
    for c in customers {
        let seg = spec.segment.map_or(0, |(s, _)| s[c] as usize);
        let events = g.range(c);
        for_each_entry(g, cal, spec, c, |t0| {
            let p0 = cal.period_of(t0);
            let k = p0 - ax.p_lo;
            if !(0..nk).contains(&k) {
                return; // before an explicit origin
            }
            sink.begin(c, seg * ax.n_cohorts + k as usize, t0);
            for &b in &touched {
                seen[b] = 0;
            }
            touched.clear();
            // events are time-sorted: skip those before t0
            let from = events.start + g.ts[events.clone()].partition_point(|&t| t < t0);
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
                    Window::Calendar => cal.period_of(t) - p0,
                    Window::Rolling(l) => {
                        if t >= roll_end {
                            j_roll = (t - t0) / l;
                            roll_end = t0 + (j_roll + 1) * l;
                        }
                        j_roll
                    }
                };
                if j == 0 && !cohort0 && t <= t0 {
                    continue;
                }
                // (a local clock turned back at a DST change can make j < 0)
                match usize::try_from(j).ok().and_then(|j| ax.bucket_of.get(j)) {
                    Some(&b) if b >= 0 && need == 1 => sink.reach(b as usize, i),
                    Some(&b) if b >= 0 => {
                        let b = b as usize;
                        if seen[b] == 0 {
                            touched.push(b);
                        }
                        seen[b] += 1;
                        if seen[b] == need {
                            sink.reach(b, i); // the min_events-th return in the bucket
                        }
                    }
                    _ => continue,
                }
            }
            sink.end();
        });
    }
}

/// The matrix's sink: sizes, then counts (customers) or values (revenue) per cell.
struct Tally<'a> {
    acc: Acc,
    spec: &'a CohortSpec<'a>,
    nb: usize,
    row: usize,
}

impl Sink for Tally<'_> {
    #[inline]
    fn begin(&mut self, _: usize, row: usize, _: i64) {
        self.acc.begin(row);
        self.row = row * self.nb;
    }

    #[inline(always)]
    fn reach(&mut self, b: usize, i: usize) {
        match self.spec.amount {
            Some(a) if self.spec.measure != Measure::Customers => self.acc.values[self.row + b] += a[i],
            _ => self.acc.reach(b),
        }
    }

    #[inline]
    fn end(&mut self) {
        if self.spec.measure == Measure::Customers {
            self.acc.tally(self.row, self.spec.criterion, self.spec.offset0 == Offset0::Cohort, self.nb);
        }
    }
}

/// Computes the cohort matrix. See the module docs for the semantics.
pub fn cohort_matrix(g: &Grouped, cal: &Calendar, spec: &CohortSpec) -> Result<CohortMatrix> {
    validate(g, cal, spec)?;
    let n_seg = spec.segment.map_or(1, |s| s.1);
    let Some(ax) = axes(g, cal, spec)? else {
        return Ok(empty(cal.period_of(spec.as_of), spec));
    };
    let (nk, nb) = (ax.n_cohorts, ax.n_buckets);
    let revenue = spec.measure != Measure::Customers;
    let cells = n_seg * nk * nb;
    let (counts, mut values, sizes) = tally_chunks(g.n_customers(), revenue, (cells, n_seg * nk, nb), |r| {
        let mut sink = Tally { acc: Acc::new(revenue, cells, n_seg * nk, nb), spec, nb, row: 0 };
        walk(g, cal, spec, &ax, r, &mut sink);
        sink.acc
    })?;
    if spec.measure == Measure::CumulativeRevenue {
        for row in values.chunks_mut(nb.max(1)) {
            for b in 1..nb {
                row[b] += row[b - 1];
            }
        }
    }
    Ok(CohortMatrix::on(&ax, n_seg, counts, values, sizes, cal, spec))
}

/// The customers one cell of a cohort matrix counted (see [`cohort_members`]), in
/// ascending customer code order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Members {
    /// Customer codes.
    pub codes: Vec<u32>,
    /// The instant each entered the cohort (its `t0`).
    pub entry: Vec<i64>,
    /// Each member's value in the cell (the revenue measures; empty otherwise): the sum of
    /// the cell's `values` over its members.
    pub values: Vec<f64>,
}

/// The members sink: the entries counted in one cell.
struct Collect<'a> {
    spec: &'a CohortSpec<'a>,
    nb: usize,
    row: usize,
    bucket: usize,
    // the current entry
    inside: bool,
    c: usize,
    t0: i64,
    reached: Vec<usize>,
    stamp: Vec<bool>,
    value: f64,
    hit: bool,
    out: Members,
}

impl Sink for Collect<'_> {
    fn begin(&mut self, c: usize, row: usize, t0: i64) {
        self.inside = row == self.row;
        (self.c, self.t0, self.value, self.hit) = (c, t0, 0.0, false);
        for &b in &self.reached {
            self.stamp[b] = false;
        }
        self.reached.clear();
    }

    fn reach(&mut self, b: usize, i: usize) {
        if !self.inside {
            return;
        }
        match self.spec.measure {
            Measure::Customers => {
                if !self.stamp[b] {
                    self.stamp[b] = true;
                    self.reached.push(b);
                }
            }
            Measure::Revenue | Measure::CumulativeRevenue => {
                let cumulative = self.spec.measure == Measure::CumulativeRevenue;
                if b == self.bucket || (cumulative && b < self.bucket) {
                    self.hit = true;
                    self.value += self.spec.amount.map_or(0.0, |a| a[i]);
                }
            }
        }
    }

    fn end(&mut self) {
        if !self.inside {
            return;
        }
        if self.spec.measure == Measure::Customers {
            let (stamp, target) = (&self.stamp, self.bucket);
            let cohort0 = self.spec.offset0 == Offset0::Cohort;
            counted(&self.reached, |b| stamp[b], self.spec.criterion, cohort0, self.nb, |b| self.hit |= b == target);
        }
        if self.hit {
            self.out.codes.push(self.c as u32);
            self.out.entry.push(self.t0);
            if self.spec.measure != Measure::Customers {
                self.out.values.push(self.value);
            }
        }
    }
}

/// The customers counted in cell (`cohort`, `bucket`) of segment `segment` of the matrix
/// [`cohort_matrix`] computes with the same calendar and spec: the same walk over the
/// entries decides, so that `len(members) == counts[segment, cohort, bucket]` for the
/// customers measure, and the members' values sum to the cell's value for the revenue
/// measures (members are the entries with at least one return in the cell, or, for the
/// cumulative measure, in the cell or an earlier one). `cohort` is a row of that matrix
/// (0 = its first period).
///
/// ```
/// use fidelite_kernels::{calendar::{Calendar, Period, Window}, cohort::*, Grouped, US_PER_DAY};
/// let d = US_PER_DAY;
/// // customer 0: days 0 and 2; customer 1: days 0 and 1; customer 2: day 1
/// let (indptr, ts) = ([0i64, 2, 4, 5], [0, 2 * d, 0, d, d]);
/// let g = Grouped::new(&indptr, &ts).unwrap();
/// let cal = Calendar::new("UTC", Period::Day, 0, 3 * d).unwrap();
/// let spec = CohortSpec { mode: CohortMode::First, window: Window::Calendar, criterion: Criterion::OnOrAfter,
///     offset0: Offset0::Cohort, measure: Measure::Customers, brackets: None, start_mask: None, return_mask: None,
///     amount: None, signup: None, segment: None, min_events: 1, as_of: 3 * d - 1, origin: None };
/// let m = cohort_members(&g, &cal, &spec, 0, 0, 1).unwrap();
/// assert_eq!(m.codes, vec![0, 1]); // cohort day 0, back on day 1 or later
/// assert_eq!(cohort_matrix(&g, &cal, &spec).unwrap().counts[1], 2);
/// ```
pub fn cohort_members(
    g: &Grouped,
    cal: &Calendar,
    spec: &CohortSpec,
    segment: usize,
    cohort: usize,
    bucket: usize,
) -> Result<Members> {
    validate(g, cal, spec)?;
    let n_seg = spec.segment.map_or(1, |s| s.1);
    let Some(ax) = axes(g, cal, spec)? else {
        return Ok(Members::default());
    };
    if segment >= n_seg || cohort >= ax.n_cohorts || bucket >= ax.n_buckets {
        return Err(KernelError::InvalidParameter(format!(
            "cell ({segment}, {cohort}, {bucket}) is outside the {n_seg} x {} x {} matrix",
            ax.n_cohorts, ax.n_buckets
        )));
    }
    let row = segment * ax.n_cohorts + cohort;
    let parts = par_customer_chunks(g.n_customers(), |r| {
        let mut sink = Collect {
            spec,
            nb: ax.n_buckets,
            row,
            bucket,
            inside: false,
            c: 0,
            t0: 0,
            reached: Vec::new(),
            stamp: vec![false; ax.n_buckets],
            value: 0.0,
            hit: false,
            out: Members::default(),
        };
        walk(g, cal, spec, &ax, r, &mut sink);
        sink.out
    });
    let mut out = Members::default();
    for part in parts {
        out.codes.extend(part.codes);
        out.entry.extend(part.entry);
        out.values.extend(part.values);
    }
    Ok(out)
}

/// The cohort matrix from active-period bitmaps of start and return events: the same
/// result as [`cohort_matrix`] for calendar windows, the customers measure, offset 0 =
/// cohort size and first or recurring cohorts (the masks are already in the bitmaps;
/// `spec.start_mask` / `return_mask` are ignored).
pub fn cohort_matrix_bitmaps(
    start: &Bitmaps<'_>,
    ret: &Bitmaps<'_>,
    cal: &Calendar,
    spec: &CohortSpec,
) -> Result<CohortMatrix> {
    cal.check_origin(spec.origin)?;
    if spec.window != Window::Calendar
        || spec.measure != Measure::Customers
        || spec.offset0 != Offset0::Cohort
        || spec.mode == CohortMode::Signup
    {
        return Err(KernelError::InvalidParameter(
            "bitmaps serve calendar windows, the customers measure, offset0=cohort and first/recurring cohorts".into(),
        ));
    }
    if (start.p_lo, start.n_periods, start.bits.len()) != (ret.p_lo, ret.n_periods, ret.bits.len()) {
        return Err(KernelError::LengthMismatch(
            "start and return bitmaps cover different periods or customers".into(),
        ));
    }
    let n = start.n_customers();
    let n_seg = spec.segment.map_or(1, |s| s.1);
    if let Some((seg, _)) = spec.segment {
        if seg.len() != n {
            return Err(KernelError::LengthMismatch(format!("{} segment codes for {n} customers", seg.len())));
        }
    }
    let recurring = spec.mode == CohortMode::Recurring;
    // cohort range: lowest and highest entry bit over all customers
    let range = par_customer_chunks(n, |r| {
        let (mut lo, mut hi) = (usize::MAX, 0usize);
        for c in r {
            if let Some(k) = lowest_bit(start.row(c)) {
                lo = lo.min(k);
                hi = hi.max(if recurring { highest_bit(start.row(c)) } else { k });
            }
        }
        (lo, hi)
    })
    .into_iter()
    .fold((usize::MAX, 0), |a, b| (a.0.min(b.0), a.1.max(b.1)));
    let (k_lo, k_hi) = match spec.origin {
        // every cohort from the origin to as_of, as in cohort_matrix
        Some(origin) if origin >= start.p_lo && start.n_periods > (origin - start.p_lo) as usize => {
            ((origin - start.p_lo) as usize, start.n_periods - 1)
        }
        Some(origin) if origin >= start.p_lo => return Ok(empty(cal.period_of(spec.as_of), spec)),
        Some(_) => {
            return Err(KernelError::InvalidParameter("the bitmaps start after the axis origin".into()));
        }
        None if range.0 == usize::MAX => return Ok(empty(cal.period_of(spec.as_of), spec)),
        None => range,
    };
    let n_offsets = start.n_periods - k_lo;
    let nk = k_hi - k_lo + 1;
    let p_lo = start.p_lo + k_lo as i64;
    let n_buckets = spec.brackets.map_or(n_offsets, |b| b.len());
    check_matrix(cal, spec, p_lo, n_seg as u128, nk as u128, n_buckets as u128, bytes_of::<i32>(n_offsets as u128))?;
    let (bucket_of, nb) = buckets(spec.brackets, n_offsets);
    let cells = n_seg * nk * nb;
    let (counts, _, sizes) = tally_chunks(n, false, (cells, n_seg * nk, nb), |r| {
        let mut acc = Acc::new(false, cells, n_seg * nk, nb);
        for c in r {
            let seg = spec.segment.map_or(0, |(s, _)| s[c] as usize);
            let (srow, rrow) = (start.row(c), ret.row(c));
            let mut entry = |k: usize| {
                if k < k_lo {
                    return; // before an explicit origin
                }
                let row = (seg * nk + k - k_lo) * nb;
                acc.begin(seg * nk + k - k_lo);
                for_each_bit(rrow, k + 1, |pos| {
                    let b = bucket_of[pos - k];
                    if b > 0 {
                        acc.reach(b as usize);
                    }
                });
                acc.tally(row, spec.criterion, true, nb);
            };
            if recurring {
                for_each_bit(srow, 0, &mut entry);
            } else if let Some(k) = lowest_bit(srow) {
                entry(k);
            }
        }
        acc
    })?;
    let ax = Axes { p_lo, n_cohorts: nk, bucket_of, n_buckets: nb };
    Ok(CohortMatrix::on(&ax, n_seg, counts, vec![], sizes, cal, spec))
}

fn highest_bit(row: &[u64]) -> usize {
    row.iter().rposition(|&w| w != 0).map_or(0, |i| i * 64 + 63 - row[i].leading_zeros() as usize)
}

/// Per cell: complete (its last offset had fully elapsed at `as_of`) and observed (its
/// first offset had begun). The period starts come from one table over the axis (cohorts
/// plus offsets: `n_cohorts + n_buckets` calendar lookups, not two per cell). Both flags
/// fall from true to false along a row (a later bucket starts and ends later), so each row
/// is a run of trues found by bisection and filled: the cells are written once, by
/// `memset`, and the rows of a long axis past `as_of` not at all. The third value is the
/// number of calendar lookups made.
fn completeness(cal: &Calendar, spec: &CohortSpec, ax: &Axes) -> (Vec<bool>, Vec<bool>, usize) {
    // first and last offset of each bucket
    let (mut first, mut last) = (vec![0i64; ax.n_buckets], vec![i64::MAX; ax.n_buckets]);
    match spec.brackets {
        None => {
            for b in 0..ax.n_buckets {
                (first[b], last[b]) = (b as i64, b as i64);
            }
        }
        Some(w) => {
            let mut end = 0i64;
            for (b, &wi) in w.iter().enumerate() {
                first[b] = end;
                end += wi;
                last[b] = end - 1;
            }
        }
    }
    let starts = PeriodStarts::new(cal, ax.p_lo, ax.n_cohorts + ax.n_buckets + 1);
    let nb = ax.n_buckets;
    let (mut complete, mut observed) = (vec![false; ax.n_cohorts * nb], vec![false; ax.n_cohorts * nb]);
    for k in 0..ax.n_cohorts {
        let p = ax.p_lo + k as i64;
        // the first instant of the bucket's first offset, and the end of its last one
        let bounds = |b: usize| match spec.window {
            Window::Calendar => {
                (starts.of(p.saturating_add(first[b])), starts.of(p.saturating_add(last[b]).saturating_add(1)))
            }
            Window::Rolling(l) => (
                starts.of(p).saturating_add(l.saturating_mul(first[b])),
                starts.of(p + 1).saturating_add(l.saturating_mul(last[b].saturating_add(1))),
            ),
        };
        complete[k * nb..][..run_of_trues(nb, |b| bounds(b).1 <= spec.as_of.saturating_add(1))].fill(true);
        observed[k * nb..][..run_of_trues(nb, |b| bounds(b).0 <= spec.as_of)].fill(true);
    }
    (complete, observed, starts.table.len() + starts.misses.get())
}

/// The length of the leading run of `0..n` where `holds` is true, for a `holds` that
/// never turns true again after turning false (bisection: `log2(n)` calls).
fn run_of_trues(n: usize, holds: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, n); // holds(..lo) all true, holds(hi..) all false
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if holds(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// The UTC start instants of the periods `p_lo .. p_lo + len`, looked up once; periods
/// outside (offsets past a long bracket) are looked up when asked.
struct PeriodStarts<'a> {
    cal: &'a Calendar,
    p_lo: i64,
    table: Vec<i64>,
    misses: std::cell::Cell<usize>,
}

impl<'a> PeriodStarts<'a> {
    fn new(cal: &'a Calendar, p_lo: i64, len: usize) -> Self {
        PeriodStarts { cal, p_lo, table: cal.bounds(p_lo, len.saturating_sub(1)), misses: Default::default() }
    }

    #[inline]
    fn of(&self, p: i64) -> i64 {
        match usize::try_from(p.wrapping_sub(self.p_lo)).ok().and_then(|i| self.table.get(i)) {
            Some(&t) if p >= self.p_lo => t,
            _ => {
                self.misses.set(self.misses.get() + 1);
                self.cal.period_start_instant(p)
            }
        }
    }
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
            min_events: 1,
            as_of: 10 * US_PER_DAY - 1,
            origin: None,
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

    /// The completeness flags as first written: two calendar lookups per cell.
    fn completeness_per_cell(cal: &Calendar, spec: &CohortSpec, ax: &Axes) -> (Vec<bool>, Vec<bool>) {
        let (mut complete, mut observed) = (vec![], vec![]);
        for k in 0..ax.n_cohorts as i64 {
            let p = ax.p_lo + k;
            let mut j0 = 0i64;
            for b in 0..ax.n_buckets {
                let j1 = spec.brackets.map_or(j0, |w| j0 + w[b] - 1);
                let (begin, end) = match spec.window {
                    Window::Calendar => (cal.period_start_instant(p + j0), cal.period_start_instant(p + j1 + 1)),
                    Window::Rolling(l) => {
                        (cal.period_start_instant(p) + l * j0, cal.period_start_instant(p + 1) + l * (j1 + 1))
                    }
                };
                complete.push(end <= spec.as_of + 1);
                observed.push(begin <= spec.as_of);
                j0 = j1 + 1;
            }
        }
        (complete, observed)
    }

    #[test]
    fn completeness_reads_one_table_of_period_starts() {
        // DST zones, brackets longer than the axis, rolling windows: same flags as two
        // lookups per cell
        let d = US_PER_DAY;
        let w = [1i64, 3, 40];
        for tz in ["Europe/Paris", "America/New_York", "Asia/Kolkata"] {
            for period in [Period::Day, Period::Week(6), Period::Month] {
                let cal = Calendar::new(tz, period, 0, 400 * d).unwrap();
                for (window, brackets) in
                    [(Window::Calendar, None), (Window::Calendar, Some(&w[..])), (Window::Rolling(7 * d), Some(&w[..]))]
                {
                    let p_lo = cal.period_of(20 * d);
                    let n_cohorts = (cal.period_of(380 * d) - p_lo) as usize;
                    let n_buckets = brackets.map_or(n_cohorts, |b| b.len());
                    let ax = Axes { p_lo, n_cohorts, bucket_of: vec![], n_buckets };
                    let spec = CohortSpec { window, brackets, as_of: 300 * d + 12345, ..spec() };
                    let (complete, observed, _) = completeness(&cal, &spec, &ax);
                    assert_eq!((complete, observed), completeness_per_cell(&cal, &spec, &ax), "{tz} {period:?}");
                }
            }
        }
    }

    #[test]
    fn completeness_work_grows_with_the_axes_not_the_cells() {
        // issue 18: yearly cohorts over 1970..9999 (8,030 x 8,030 cells) made two calendar
        // lookups per cell (128 million); the flags now take one per period of the axes
        let (lo, hi) = (0, crate::calendar::MAX_US - 2 * 3_600 * crate::US_PER_SEC); // 9999-12-31, Paris
        let cal = Calendar::new("Europe/Paris", Period::Year, lo, hi).unwrap();
        let n = (cal.period_of(hi) - cal.period_of(lo) + 1) as usize;
        assert_eq!(n, 8030);
        let ax = Axes { p_lo: cal.period_of(lo), n_cohorts: n, bucket_of: vec![], n_buckets: n };
        let (complete, observed, lookups) = completeness(&cal, &CohortSpec { as_of: hi, ..spec() }, &ax);
        assert!(lookups <= 2 * n + 1, "{lookups} calendar lookups for {n} periods");
        // cohort k, offset j is complete when year k + j is over: j < n - k (the last year,
        // 9999, ends after as_of = its last second); observed up to the last year
        for k in [0, 1, 4000, n - 1] {
            let row = &complete[k * n..(k + 1) * n];
            assert_eq!(row.iter().filter(|&&c| c).count(), n - 1 - k, "row {k}");
            assert_eq!(observed[k * n..(k + 1) * n].iter().filter(|&&o| o).count(), n - k);
        }
    }

    #[test]
    fn no_entry_keeps_one_column_per_bracket() {
        let (indptr, ts) = log();
        let g = Grouped::new(&indptr, &ts).unwrap();
        let cal = Calendar::new("UTC", Period::Day, 0, 10 * US_PER_DAY).unwrap();
        let w = [1, 3];
        let m = cohort_matrix(&g, &cal, &CohortSpec { as_of: -1, brackets: Some(&w), ..spec() }).unwrap();
        assert_eq!((m.n_cohorts, m.n_buckets), (0, 2));
        assert!(m.counts.is_empty() && m.sizes.is_empty());
    }

    #[test]
    fn bitmap_path_matches_grouped_path() {
        use crate::bitmap::active_bitmaps;
        use crate::Events;
        let d = US_PER_DAY;
        let mut state = 99u64;
        let mut rnd = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let (n, per) = (300usize, 9usize);
        let mut indptr = vec![0i64];
        let mut ts = vec![];
        for _ in 0..n {
            let mut run: Vec<i64> = (0..(rnd() % per as u64)).map(|_| (rnd() % 400) as i64 * d / 3 - 20 * d).collect();
            run.sort();
            ts.extend(run);
            indptr.push(ts.len() as i64);
        }
        let mask: Vec<bool> = ts.iter().map(|_| rnd() % 3 != 0).collect();
        let g = Grouped::new(&indptr, &ts).unwrap();
        let seg: Vec<u32> = (0..n).map(|c| (c % 3) as u32).collect();
        let widths = [1i64, 2, 5];
        for period in [Period::Day, Period::Week(6), Period::Month] {
            let cal = Calendar::new("Europe/Paris", period, -30 * d, 200 * d).unwrap();
            let as_of = 120 * d;
            let p_lo = cal.period_of(*ts.iter().min().unwrap());
            let start = active_bitmaps(Events::Grouped(g), n, Some(&mask), &cal, p_lo, as_of).unwrap();
            let all = active_bitmaps(Events::Grouped(g), n, None, &cal, p_lo, as_of).unwrap();
            for mode in [CohortMode::First, CohortMode::Recurring] {
                for criterion in [Criterion::On, Criterion::OnOrAfter, Criterion::Streak] {
                    for brackets in [None, Some(&widths[..])] {
                        let s = CohortSpec {
                            mode,
                            criterion,
                            brackets,
                            start_mask: Some(&mask),
                            segment: Some((&seg, 3)),
                            min_events: 1,
                            as_of,
                            ..spec()
                        };
                        let want = cohort_matrix(&g, &cal, &s).unwrap();
                        let got = cohort_matrix_bitmaps(&start, &all, &cal, &s).unwrap();
                        assert_eq!(got, want, "{period:?} {mode:?} {criterion:?} {brackets:?}");
                    }
                }
            }
        }
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

    #[test]
    fn members_of_every_cell_make_the_matrix_for_every_semantics() {
        let d = US_PER_DAY;
        let mut state = 7u64;
        let mut rnd = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let n = 120usize;
        let (mut indptr, mut ts) = (vec![0i64], vec![]);
        for _ in 0..n {
            let mut run: Vec<i64> = (0..(rnd() % 7)).map(|_| (rnd() % 300) as i64 * d / 4).collect();
            run.sort();
            ts.extend(run);
            indptr.push(ts.len() as i64);
        }
        let g = Grouped::new(&indptr, &ts).unwrap();
        let start: Vec<bool> = ts.iter().map(|_| rnd() % 4 != 0).collect();
        let ret: Vec<bool> = ts.iter().map(|_| rnd() % 3 != 0).collect();
        let amount: Vec<f64> = ts.iter().map(|_| (rnd() % 50) as f64 - 10.0).collect();
        let signup: Vec<i64> =
            (0..n).map(|c| if c % 5 == 0 { i64::MIN } else { (rnd() % 200) as i64 * d / 3 }).collect();
        let seg: Vec<u32> = (0..n).map(|c| (c % 2) as u32).collect();
        let cal = Calendar::new("Europe/Paris", Period::Week(0), 0, 80 * d).unwrap();
        let widths = [1i64, 2, 4];
        let base = CohortSpec { amount: Some(&amount), signup: Some(&signup), as_of: 70 * d, ..spec() };
        let mut specs = vec![];
        for mode in [CohortMode::First, CohortMode::Recurring, CohortMode::Signup] {
            for criterion in [Criterion::On, Criterion::OnOrAfter, Criterion::Streak] {
                for offset0 in [Offset0::Cohort, Offset0::Return] {
                    for window in [Window::Calendar, Window::Rolling(7 * d)] {
                        for brackets in [None, Some(&widths[..])] {
                            specs.push(CohortSpec { mode, criterion, offset0, window, brackets, ..base });
                        }
                    }
                }
            }
        }
        specs.push(CohortSpec { start_mask: Some(&start), return_mask: Some(&ret), segment: Some((&seg, 2)), ..base });
        for min_events in [2, 3] {
            specs.push(CohortSpec { min_events, ..base });
            specs.push(CohortSpec { min_events, offset0: Offset0::Return, brackets: Some(&widths[..]), ..base });
            specs.push(CohortSpec { min_events, criterion: Criterion::Streak, window: Window::Rolling(7 * d), ..base });
        }
        for measure in [Measure::Revenue, Measure::CumulativeRevenue] {
            specs.push(CohortSpec { measure, ..base });
            specs.push(CohortSpec { measure, offset0: Offset0::Return, window: Window::Rolling(3 * d), ..base });
        }
        for s in &specs {
            let m = cohort_matrix(&g, &cal, s).unwrap();
            for sg in 0..m.n_segments {
                for k in 0..m.n_cohorts {
                    for b in 0..m.n_buckets {
                        let cell = (sg * m.n_cohorts + k) * m.n_buckets + b;
                        let who = cohort_members(&g, &cal, s, sg, k, b).unwrap();
                        assert!(who.codes.windows(2).all(|w| w[0] < w[1]), "{s:?}");
                        if s.measure == Measure::Customers {
                            assert_eq!(who.codes.len() as i64, m.counts[cell], "{s:?} cell {sg} {k} {b}");
                        } else {
                            let total: f64 = who.values.iter().sum();
                            assert!((total - m.values[cell]).abs() < 1e-9, "{s:?} cell {sg} {k} {b}");
                        }
                    }
                }
            }
        }
        assert!(cohort_members(&g, &cal, &base, 0, 9999, 0).is_err());
    }

    #[test]
    fn min_events_needs_that_many_returns_in_a_bucket() {
        let d = US_PER_DAY;
        // customer 0: day 0, twice on day 1, day 3; customer 1: days 0 and 2
        let (indptr, ts) = (vec![0i64, 4, 6], vec![0, d, d + 5, 3 * d, 0, 2 * d]);
        let g = Grouped::new(&indptr, &ts).unwrap();
        let cal = Calendar::new("UTC", Period::Day, 0, 10 * d).unwrap();
        let at = |min_events, offset0| {
            cohort_matrix(&g, &cal, &CohortSpec { min_events, offset0, as_of: 5 * d, ..spec() }).unwrap().counts
        };
        assert_eq!(at(1, Offset0::Cohort), vec![2, 1, 1, 1, 0, 0]);
        assert_eq!(at(2, Offset0::Cohort), vec![2, 1, 0, 0, 0, 0]);
        assert_eq!(at(2, Offset0::Return), vec![0, 1, 0, 0, 0, 0]);
        // two returns on day 1 and one on day 3: a bracket [1, 4) holds three
        let w = [1i64, 3];
        let s = CohortSpec { min_events: 3, brackets: Some(&w), as_of: 5 * d, ..spec() };
        assert_eq!(cohort_matrix(&g, &cal, &s).unwrap().counts, vec![2, 1]);
        assert!(cohort_matrix(&g, &cal, &CohortSpec { min_events: 0, ..spec() }).is_err());
        let revenue = CohortSpec { min_events: 2, measure: Measure::Revenue, amount: Some(&[1.0; 6]), ..spec() };
        assert!(cohort_matrix(&g, &cal, &revenue).is_err());
    }
}
