use fidelite_kernels::window::{self, ActivityWindow, KpiSpec};
use fidelite_kernels::Grouped;
use numpy::{IntoPyArray, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::arrays::{events, opt_slice};
use crate::calendar::{calendar, query_calendar};
use crate::gil::Detach;

/// The active base per period (see `fidelite_kernels::window::period_kpis`).
/// `window_us=0` means one calendar period. Returns a dict: `first_period`, `boundaries`
/// (n + 1 UTC instants), `active_start`, `active_end`, `kept`, `new`, `active`, `orders`
/// (int64) and `revenue` (float64), one value per period.
#[pyfunction]
#[pyo3(signature = (indptr, ts, *, t_range, tz, period, week_start, as_of, window_us=0, active_mask=None,
    purchase_mask=None, amount=None))]
#[allow(clippy::too_many_arguments)]
pub fn period_kpis<'py>(
    py: Python<'py>,
    indptr: PyReadonlyArray1<'py, i64>,
    ts: PyReadonlyArray1<'py, i64>,
    t_range: (i64, i64),
    tz: &str,
    period: &str,
    week_start: u8,
    as_of: i64,
    window_us: i64,
    active_mask: Option<PyReadonlyArray1<'py, bool>>,
    purchase_mask: Option<PyReadonlyArray1<'py, bool>>,
    amount: Option<PyReadonlyArray1<'py, f64>>,
) -> PyResult<Bound<'py, PyDict>> {
    let spec = KpiSpec {
        window: if window_us == 0 { ActivityWindow::Period } else { ActivityWindow::Duration(window_us) },
        active_mask: opt_slice(&active_mask)?,
        purchase_mask: opt_slice(&purchase_mask)?,
        amount: opt_slice(&amount)?,
        as_of,
    };
    let (indptr, ts) = (indptr.as_slice()?, ts.as_slice()?);
    let hi = t_range.1.max(as_of).saturating_add(window_us.max(0));
    let cal = calendar(py, tz, period, week_start, t_range.0.min(as_of), hi)?;
    let k = py.run_kernel(|| window::period_kpis(&Grouped::new(indptr, ts)?, &cal, &spec))?;
    let out = PyDict::new(py);
    out.set_item("first_period", k.first_period)?;
    let cols: [(&str, Vec<i64>); 7] = [
        ("boundaries", k.boundaries),
        ("active_start", k.active_start),
        ("active_end", k.active_end),
        ("kept", k.kept),
        ("new", k.new),
        ("active", k.active),
        ("orders", k.orders),
    ];
    for (name, col) in cols {
        out.set_item(name, col.into_pyarray(py))?;
    }
    out.set_item("revenue", k.revenue.into_pyarray(py))?;
    Ok(out)
}

/// Distinct customers with an event in the trailing `window_days` local days, for every
/// local day from the first event's to `as_of`'s: `(first_day, active)`. Reads rows in
/// any order (`codes=`) or the grouped layout (`indptr=`).
#[pyfunction]
#[pyo3(signature = (ts, *, n_customers, t_range, tz, as_of, window_days, codes=None, indptr=None, mask=None))]
#[allow(clippy::too_many_arguments)]
pub fn rolling_active<'py>(
    py: Python<'py>,
    ts: PyReadonlyArray1<'py, i64>,
    n_customers: usize,
    t_range: (i64, i64),
    tz: &str,
    as_of: i64,
    window_days: i64,
    codes: Option<PyReadonlyArray1<'py, u32>>,
    indptr: Option<PyReadonlyArray1<'py, i64>>,
    mask: Option<PyReadonlyArray1<'py, bool>>,
) -> PyResult<(i64, Bound<'py, numpy::PyArray1<i64>>)> {
    let (ts, codes, indptr, mask) = (ts.as_slice()?, opt_slice(&codes)?, opt_slice(&indptr)?, opt_slice(&mask)?);
    let cal = query_calendar(py, tz, "day", 0, t_range, as_of)?;
    let r = py.run_kernel(|| {
        window::rolling_active(events(ts, codes, indptr)?, n_customers, &cal, mask, as_of, window_days)
    })?;
    Ok((r.first_day, r.active.into_pyarray(py)))
}
