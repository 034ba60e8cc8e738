//! Bindings of `fidelite_kernels::window`: period KPIs, rolling counts, activity per
//! period and stickiness, all on the one active-runs engine.
use fidelite_kernels::window::{self, ActivityWindow, KpiSpec};
use numpy::{IntoPyArray, PyArrayMethods, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::arrays::{opt_slice, Arr, EventsArg, QueryArgs};
use crate::gil::Detach;

/// The active base per period (see `fidelite_kernels::window::period_kpis`), from either
/// layout. `window_us=0` means one calendar period. Returns a dict: `first_period`,
/// `boundaries` (n + 1 UTC instants), `active_start`, `active_end`, `kept`, `new`,
/// `active`, `orders` (int64), `revenue` (float64) and `complete` (bool), one per period.
#[pyfunction]
#[pyo3(signature = (events, query, *, window_us=0, active_mask=None, purchase_mask=None, amount=None))]
pub fn period_kpis<'py>(
    py: Python<'py>,
    events: EventsArg<'py>,
    query: QueryArgs<'py>,
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
        as_of: query.as_of,
        origin: query.origin,
    };
    let (ev, n, cal) = (events.events()?, events.n_customers, query.cal());
    let k = py.run_kernel(|| window::period_kpis(ev?, n, cal, &spec))?;
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
    out.set_item("complete", k.complete.into_pyarray(py))?;
    Ok(out)
}

/// Distinct customers with an event in the trailing `window_days` local days of the
/// query's (day) calendar, for every local day from the first event's (or the origin) to
/// `as_of`'s: `(first_day, active)`. Reads either layout.
#[pyfunction]
#[pyo3(signature = (events, query, *, window_days, mask=None))]
pub fn rolling_active<'py>(
    py: Python<'py>,
    events: EventsArg<'py>,
    query: QueryArgs<'py>,
    window_days: i64,
    mask: Option<PyReadonlyArray1<'py, bool>>,
) -> PyResult<(i64, Arr<'py, i64>)> {
    let (ev, n, cal, mask) = (events.events()?, events.n_customers, query.cal(), opt_slice(&mask)?);
    let (as_of, origin) = (query.as_of, query.origin);
    let r = py.run_kernel(|| window::rolling_active(ev?, n, cal, mask, as_of, window_days, origin))?;
    Ok((r.first_day, r.active.into_pyarray(py)))
}

/// Customers active at some instant of each of `n_periods` periods from `first_period`
/// of the query's calendar: an event (passing `mask`, at or before `as_of`) within
/// `reach_us` before the period's end. Reads either layout.
#[pyfunction]
#[pyo3(signature = (events, query, *, reach_us, first_period, n_periods, mask=None))]
pub fn active_per_period<'py>(
    py: Python<'py>,
    events: EventsArg<'py>,
    query: QueryArgs<'py>,
    reach_us: i64,
    first_period: i64,
    n_periods: usize,
    mask: Option<PyReadonlyArray1<'py, bool>>,
) -> PyResult<Arr<'py, i64>> {
    let (ev, n, cal, mask, as_of) = (events.events()?, events.n_customers, query.cal(), opt_slice(&mask)?, query.as_of);
    let a = py.run_kernel(|| window::active_per_period(ev?, n, cal, mask, as_of, reach_us, first_period, n_periods))?;
    Ok(a.into_pyarray(py))
}

/// Stickiness per period of the query's calendar (the long window) with days, or weeks
/// of the calendar's week start (`short="week"`), as the short window (see
/// `fidelite_kernels::window::stickiness`). Returns a dict: `first_period`, `active`,
/// `units`, `unit_active` (int64 per period), `histogram` (periods x (max units + 1)) and
/// `complete`.
#[pyfunction]
#[pyo3(signature = (events, query, *, short="day", mask=None))]
pub fn stickiness<'py>(
    py: Python<'py>,
    events: EventsArg<'py>,
    query: QueryArgs<'py>,
    short: &str,
    mask: Option<PyReadonlyArray1<'py, bool>>,
) -> PyResult<Bound<'py, PyDict>> {
    let weeks = match short {
        "day" => false,
        "week" => true,
        other => {
            return Err(crate::errors::to_pyerr(
                py,
                fidelite_kernels::KernelError::InvalidParameter(format!(
                    "unknown short window {other:?}: use day or week"
                )),
            ))
        }
    };
    let (ev, n, cal, mask) = (events.events()?, events.n_customers, query.cal(), opt_slice(&mask)?);
    let (as_of, origin, week_start) = (query.as_of, query.origin, query.calendar.get().week_start());
    let s = py.run_kernel(|| window::stickiness(ev?, n, cal, weeks, week_start, mask, as_of, origin))?;
    let out = PyDict::new(py);
    out.set_item("first_period", s.first_period)?;
    let n_periods = s.active.len();
    out.set_item("active", s.active.into_pyarray(py))?;
    out.set_item("units", s.units.into_pyarray(py))?;
    out.set_item("unit_active", s.unit_active.into_pyarray(py))?;
    out.set_item("histogram", s.histogram.into_pyarray(py).reshape([n_periods, s.max_units + 1])?)?;
    out.set_item("complete", s.complete.into_pyarray(py))?;
    Ok(out)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(period_kpis, m)?)?;
    m.add_function(wrap_pyfunction!(rolling_active, m)?)?;
    m.add_function(wrap_pyfunction!(active_per_period, m)?)?;
    m.add_function(wrap_pyfunction!(stickiness, m)?)
}
