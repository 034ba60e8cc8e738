use fidelite_kernels::calendar::{Calendar, Period};
use numpy::{IntoPyArray, PyReadonlyArray1};
use pyo3::prelude::*;

use crate::arrays::Arr;
use crate::gil::Detach;

/// Builds the calendar for a query over instants in `[lo, hi]`.
pub fn calendar(py: Python<'_>, tz: &str, period: &str, week_start: u8, lo: i64, hi: i64) -> PyResult<Calendar> {
    py.run_kernel(|| Calendar::new(tz, Period::parse(period, week_start)?, lo, hi))
}

/// The calendar of a query over data spanning `t_range`, up to `as_of`.
pub fn query_calendar(
    py: Python<'_>,
    tz: &str,
    period: &str,
    week_start: u8,
    t_range: (i64, i64),
    as_of: i64,
) -> PyResult<Calendar> {
    calendar(py, tz, period, week_start, t_range.0.min(as_of), t_range.1.max(as_of))
}

/// Period index of each instant (microseconds, UTC) in the local calendar of `tz`.
#[pyfunction]
#[pyo3(signature = (ts, *, tz, period, week_start))]
pub fn periods_of<'py>(
    py: Python<'py>,
    ts: PyReadonlyArray1<'py, i64>,
    tz: &str,
    period: &str,
    week_start: u8,
) -> PyResult<Arr<'py, i64>> {
    let ts = ts.as_slice()?;
    let (lo, hi) = ts.iter().fold((i64::MAX, i64::MIN), |(a, b), &t| (a.min(t), b.max(t)));
    let cal = calendar(py, tz, period, week_start, lo, hi)?;
    let out: Vec<i64> = py.detach(|| ts.iter().map(|&t| cal.period_of(t)).collect());
    Ok(out.into_pyarray(py))
}

/// First local day (days since 1970-01-01) and UTC start instant of periods
/// `first .. first + count` (inclusive of the end bound: `count + 1` values each).
#[pyfunction]
#[pyo3(signature = (first, count, *, tz, period, week_start))]
pub fn period_bounds<'py>(
    py: Python<'py>,
    first: i64,
    count: usize,
    tz: &str,
    period: &str,
    week_start: u8,
) -> PyResult<(Arr<'py, i64>, Arr<'py, i64>)> {
    let p = Period::parse(period, week_start).map_err(|e| crate::errors::to_pyerr(py, e))?;
    let days: Vec<i64> = (0..=count as i64).map(|k| p.start_day(first + k)).collect();
    let (lo, hi) = (days[0] * fidelite_kernels::US_PER_DAY, (days[count] + 1) * fidelite_kernels::US_PER_DAY);
    let cal = calendar(py, tz, period, week_start, lo, hi)?;
    let starts: Vec<i64> = days.iter().map(|&d| cal.day_start_instant(d)).collect();
    Ok((days.into_pyarray(py), starts.into_pyarray(py)))
}
