use fidelite_kernels::calendar::Window;
use fidelite_kernels::cohort::{self, CohortMode, CohortSpec, Criterion, Measure, Offset0};
use std::borrow::Cow;

use fidelite_kernels::bitmap::{self, Bitmaps};
use fidelite_kernels::{lifecycle as lc, Grouped, KernelError};
use numpy::{IntoPyArray, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::arrays::{events, opt_slice};
use crate::calendar::query_calendar;
use crate::gil::Detach;

fn choice<T: Copy>(name: &str, value: &str, options: &[(&str, T)]) -> Result<T, KernelError> {
    options.iter().find(|(n, _)| *n == value).map(|(_, v)| *v).ok_or_else(|| {
        let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
        KernelError::InvalidParameter(format!("unknown {name} {value:?}: use one of {}", names.join(", ")))
    })
}

/// The cohort retention matrix over grouped events (see `fidelite_kernels::cohort`).
/// Returns a dict: `first_period`, `counts` or `values` (segments x cohorts x buckets),
/// `sizes` (segments x cohorts), `complete` (cohorts x buckets).
#[pyfunction]
#[pyo3(signature = (indptr, ts, *, t_range, tz, period, week_start, as_of, window_us=0, mode="first",
    criterion="on", offset0="cohort", measure="customers", brackets=None, start_mask=None,
    return_mask=None, amount=None, signup=None, segment=None, n_segments=1))]
#[allow(clippy::too_many_arguments)]
pub fn cohort_matrix<'py>(
    py: Python<'py>,
    indptr: PyReadonlyArray1<'py, i64>,
    ts: PyReadonlyArray1<'py, i64>,
    t_range: (i64, i64),
    tz: &str,
    period: &str,
    week_start: u8,
    as_of: i64,
    window_us: i64,
    mode: &str,
    criterion: &str,
    offset0: &str,
    measure: &str,
    brackets: Option<Vec<i64>>,
    start_mask: Option<PyReadonlyArray1<'py, bool>>,
    return_mask: Option<PyReadonlyArray1<'py, bool>>,
    amount: Option<PyReadonlyArray1<'py, f64>>,
    signup: Option<PyReadonlyArray1<'py, i64>>,
    segment: Option<PyReadonlyArray1<'py, u32>>,
    n_segments: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let err = |e| crate::errors::to_pyerr(py, e);
    let spec = CohortSpec {
        mode: choice(
            "cohort",
            mode,
            &[("first", CohortMode::First), ("recurring", CohortMode::Recurring), ("signup", CohortMode::Signup)],
        )
        .map_err(err)?,
        window: if window_us > 0 { Window::Rolling(window_us) } else { Window::Calendar },
        criterion: choice(
            "criterion",
            criterion,
            &[("on", Criterion::On), ("on_or_after", Criterion::OnOrAfter), ("streak", Criterion::Streak)],
        )
        .map_err(err)?,
        offset0: choice("offset0", offset0, &[("cohort", Offset0::Cohort), ("return", Offset0::Return)])
            .map_err(err)?,
        measure: choice(
            "measure",
            measure,
            &[
                ("customers", Measure::Customers),
                ("revenue", Measure::Revenue),
                ("cumulative_revenue", Measure::CumulativeRevenue),
            ],
        )
        .map_err(err)?,
        brackets: brackets.as_deref(),
        start_mask: opt_slice(&start_mask)?,
        return_mask: opt_slice(&return_mask)?,
        amount: opt_slice(&amount)?,
        signup: opt_slice(&signup)?,
        segment: opt_slice(&segment)?.map(|s| (s, n_segments)),
        as_of,
    };
    let (indptr, ts) = (indptr.as_slice()?, ts.as_slice()?);
    let cal = query_calendar(py, tz, period, week_start, t_range, as_of)?;
    let m = py.run_kernel(|| cohort::cohort_matrix(&Grouped::new(indptr, ts)?, &cal, &spec))?;
    matrix_dict(py, m, spec.measure)
}

/// The dict both cohort bindings return; only the grid of the requested measure is filled.
fn matrix_dict(py: Python<'_>, m: cohort::CohortMatrix, measure: Measure) -> PyResult<Bound<'_, PyDict>> {
    let out = PyDict::new(py);
    let (ns, nk, nb) = (m.n_segments, m.n_cohorts, m.n_buckets);
    out.set_item("first_period", m.first_period)?;
    let (name, grid) = if measure == Measure::Customers {
        ("counts", m.counts.into_pyarray(py).reshape([ns, nk, nb])?.into_any())
    } else {
        ("values", m.values.into_pyarray(py).reshape([ns, nk, nb])?.into_any())
    };
    out.set_item(name, grid)?;
    out.set_item("sizes", m.sizes.into_pyarray(py).reshape([ns, nk])?)?;
    out.set_item("complete", m.complete.into_pyarray(py).reshape([nk, nb])?)?;
    Ok(out)
}

/// Lifecycle counts per period: dict of `first_period`, `new`, `returning`,
/// `resurrected`, `dormant`.
#[pyfunction]
#[pyo3(signature = (indptr, ts, *, t_range, tz, period, week_start, as_of, mask=None))]
#[allow(clippy::too_many_arguments)]
pub fn lifecycle<'py>(
    py: Python<'py>,
    indptr: PyReadonlyArray1<'py, i64>,
    ts: PyReadonlyArray1<'py, i64>,
    t_range: (i64, i64),
    tz: &str,
    period: &str,
    week_start: u8,
    as_of: i64,
    mask: Option<PyReadonlyArray1<'py, bool>>,
) -> PyResult<Bound<'py, PyDict>> {
    let (indptr, ts, mask) = (indptr.as_slice()?, ts.as_slice()?, opt_slice(&mask)?);
    let cal = query_calendar(py, tz, period, week_start, t_range, as_of)?;
    let l = py.run_kernel(|| lc::lifecycle(&Grouped::new(indptr, ts)?, &cal, mask, as_of))?;
    lifecycle_dict(py, l)
}

/// Events given as rows (`codes`, any order) or grouped (`indptr`).
/// Active-period bitmaps (see `fidelite_kernels::bitmap`) of the events passing `mask`,
/// from rows or the grouped layout: `(p_lo, bits)` with `bits` of shape
/// (customers, words), bit `j` of a row = period `p_lo + j`, periods up to `as_of`.
#[pyfunction]
#[pyo3(signature = (ts, *, n_customers, t_range, tz, period, week_start, as_of, codes=None, indptr=None, mask=None))]
#[allow(clippy::too_many_arguments)]
pub fn active_bitmaps<'py>(
    py: Python<'py>,
    ts: PyReadonlyArray1<'py, i64>,
    n_customers: usize,
    t_range: (i64, i64),
    tz: &str,
    period: &str,
    week_start: u8,
    as_of: i64,
    codes: Option<PyReadonlyArray1<'py, u32>>,
    indptr: Option<PyReadonlyArray1<'py, i64>>,
    mask: Option<PyReadonlyArray1<'py, bool>>,
) -> PyResult<(i64, Bound<'py, PyArray2<u64>>)> {
    let (ts, codes, indptr, mask) = (ts.as_slice()?, opt_slice(&codes)?, opt_slice(&indptr)?, opt_slice(&mask)?);
    let cal = query_calendar(py, tz, period, week_start, t_range, as_of)?;
    let b = py.run_kernel(|| {
        let p_lo = cal.period_of(t_range.0);
        bitmap::active_bitmaps(events(ts, codes, indptr)?, n_customers, mask, &cal, p_lo, as_of)
    })?;
    let (n, words) = (b.n_customers(), b.words);
    Ok((b.p_lo, b.bits.into_owned().into_pyarray(py).reshape([n, words])?))
}

fn to_bitmaps<'a>(p_lo: i64, n_periods: usize, bits: &'a PyReadonlyArray2<'_, u64>) -> PyResult<Bitmaps<'a>> {
    let words = bits.shape()[1];
    if words != n_periods.div_ceil(64).max(1) {
        return Err(PyValueError::new_err(format!("{words} words per customer cannot hold {n_periods} periods")));
    }
    Ok(Bitmaps { p_lo, n_periods, words, bits: Cow::Borrowed(bits.as_slice()?) })
}

/// The cohort matrix from active-period bitmaps (calendar windows, customers measure,
/// offset 0 = cohort, first or recurring cohorts). Same dict as `cohort_matrix`.
#[pyfunction]
#[pyo3(signature = (start_bits, return_bits, *, p_lo, n_periods, t_range, tz, period, week_start, as_of,
    mode="first", criterion="on", brackets=None, segment=None, n_segments=1))]
#[allow(clippy::too_many_arguments)]
pub fn cohort_matrix_bitmaps<'py>(
    py: Python<'py>,
    start_bits: PyReadonlyArray2<'py, u64>,
    return_bits: PyReadonlyArray2<'py, u64>,
    p_lo: i64,
    n_periods: usize,
    t_range: (i64, i64),
    tz: &str,
    period: &str,
    week_start: u8,
    as_of: i64,
    mode: &str,
    criterion: &str,
    brackets: Option<Vec<i64>>,
    segment: Option<PyReadonlyArray1<'py, u32>>,
    n_segments: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let err = |e| crate::errors::to_pyerr(py, e);
    let spec = CohortSpec {
        mode: choice("cohort", mode, &[("first", CohortMode::First), ("recurring", CohortMode::Recurring)])
            .map_err(err)?,
        window: Window::Calendar,
        criterion: choice(
            "criterion",
            criterion,
            &[("on", Criterion::On), ("on_or_after", Criterion::OnOrAfter), ("streak", Criterion::Streak)],
        )
        .map_err(err)?,
        offset0: Offset0::Cohort,
        measure: Measure::Customers,
        brackets: brackets.as_deref(),
        start_mask: None,
        return_mask: None,
        amount: None,
        signup: None,
        segment: opt_slice(&segment)?.map(|s| (s, n_segments)),
        as_of,
    };
    let start = to_bitmaps(p_lo, n_periods, &start_bits)?;
    let same = return_bits.as_slice()?.as_ptr() == start_bits.as_slice()?.as_ptr();
    let ret = if same { None } else { Some(to_bitmaps(p_lo, n_periods, &return_bits)?) };
    let cal = query_calendar(py, tz, period, week_start, t_range, as_of)?;
    let m = py.run_kernel(|| cohort::cohort_matrix_bitmaps(&start, ret.as_ref().unwrap_or(&start), &cal, &spec))?;
    matrix_dict(py, m, Measure::Customers)
}

/// Lifecycle from active-period bitmaps. Same dict as `lifecycle`.
#[pyfunction]
#[pyo3(signature = (bits, *, p_lo, n_periods))]
pub fn lifecycle_bitmaps<'py>(
    py: Python<'py>,
    bits: PyReadonlyArray2<'py, u64>,
    p_lo: i64,
    n_periods: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let b = to_bitmaps(p_lo, n_periods, &bits)?;
    let l = py.run_kernel(|| Ok(lc::lifecycle_bitmaps(&b)))?;
    lifecycle_dict(py, l)
}

fn lifecycle_dict(py: Python<'_>, l: lc::Lifecycle) -> PyResult<Bound<'_, PyDict>> {
    let out = PyDict::new(py);
    out.set_item("first_period", l.first_period)?;
    let cols: [(&str, Vec<i64>); 4] =
        [("new", l.new), ("returning", l.returning), ("resurrected", l.resurrected), ("dormant", l.dormant)];
    for (name, col) in cols {
        out.set_item(name, col.into_pyarray(py))?;
    }
    Ok(out)
}
