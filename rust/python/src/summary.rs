//! Bindings of `fidelite_kernels::summary`.
use fidelite_kernels::summary::{self, ClvSpec, Column, Kind, SummarySpec};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::arrays::{opt_slice, EventsArg, QueryArgs};
use crate::gil::Detach;

/// Per-customer summary of the events (rows in any order, or the grouped layout; the
/// columns in the same order), see `fidelite_kernels::summary`. Returns a dict of one
/// array per column, in the kernel's column order and in customer-code order: instants
/// as datetime64[us] (NaT = none), counts as int64, the rest float64 (NaN = none).
#[pyfunction]
#[pyo3(signature = (events, query, *, purchase_mask=None, amount=None, product=None, n_products=0))]
pub fn customer_summary<'py>(
    py: Python<'py>,
    events: EventsArg<'py>,
    query: QueryArgs<'py>,
    purchase_mask: Option<PyReadonlyArray1<'py, bool>>,
    amount: Option<PyReadonlyArray1<'py, f64>>,
    product: Option<PyReadonlyArray1<'py, i32>>,
    n_products: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let spec = SummarySpec {
        purchase_mask: opt_slice(&purchase_mask)?,
        amount: opt_slice(&amount)?,
        product: opt_slice(&product)?.map(|p| (p, n_products)),
        ts_range: Some(query.t_range),
        as_of: query.as_of,
    };
    let (ev, n, cal) = (events.events()?, events.n_customers, query.cal());
    let s = py.run_kernel(|| summary::customer_summary(ev?, n, cal, &spec))?;
    columns_dict(py, s.columns())
}

/// One array per column, in the kernel's order: instants as datetime64[us] (NaT = none),
/// counts as int64, the rest float64 (NaN = none).
fn columns_dict<'py>(py: Python<'py>, columns: Vec<(&'static str, Column)>) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    for (name, column) in columns {
        match column {
            Column::Ints(Kind::Instant, v) => {
                out.set_item(name, v.into_pyarray(py).call_method1("view", ("datetime64[us]",))?)?
            }
            Column::Ints(_, v) => out.set_item(name, v.into_pyarray(py))?,
            Column::Floats(v) => out.set_item(name, v.into_pyarray(py))?,
        }
    }
    Ok(out)
}

fn clv_spec<'a>(
    query: &QueryArgs,
    purchase_mask: Option<&'a [bool]>,
    amount: Option<&'a [f64]>,
    calibration_end: Option<i64>,
    time_scaler: f64,
) -> ClvSpec<'a> {
    ClvSpec {
        purchase_mask,
        amount,
        ts_range: Some(query.t_range),
        calibration_end: calibration_end.unwrap_or(query.as_of),
        observation_end: query.as_of,
        time_scaler,
    }
}

/// The summary the customer-base models read, per customer code (see
/// `fidelite_kernels::summary::clv_summary`): periods of the query's calendar, observation
/// to `query.as_of`, calibration to `calibration_end` (default: `as_of`).
#[pyfunction]
#[pyo3(signature = (events, query, *, calibration_end=None, time_scaler=1.0, purchase_mask=None, amount=None))]
pub fn clv_summary<'py>(
    py: Python<'py>,
    events: EventsArg<'py>,
    query: QueryArgs<'py>,
    calibration_end: Option<i64>,
    time_scaler: f64,
    purchase_mask: Option<PyReadonlyArray1<'py, bool>>,
    amount: Option<PyReadonlyArray1<'py, f64>>,
) -> PyResult<Bound<'py, PyDict>> {
    let spec = clv_spec(&query, opt_slice(&purchase_mask)?, opt_slice(&amount)?, calibration_end, time_scaler);
    let (ev, n, cal) = (events.events()?, events.n_customers, query.cal());
    let s = py.run_kernel(|| summary::clv_summary(ev?, n, cal, &spec))?;
    columns_dict(py, s.columns())
}

/// Customers whose first purchase falls in each period of the query's calendar and the
/// repeat purchase periods in each, up to `query.as_of`: `(first period, births, repeats)`.
#[pyfunction]
#[pyo3(signature = (events, query, *, purchase_mask=None))]
#[allow(clippy::type_complexity)]
pub fn purchase_tracking<'py>(
    py: Python<'py>,
    events: EventsArg<'py>,
    query: QueryArgs<'py>,
    purchase_mask: Option<PyReadonlyArray1<'py, bool>>,
) -> PyResult<(i64, Bound<'py, PyArray1<i64>>, Bound<'py, PyArray1<i64>>)> {
    let spec = clv_spec(&query, opt_slice(&purchase_mask)?, None, None, 1.0);
    let (ev, n, cal) = (events.events()?, events.n_customers, query.cal());
    let t = py.run_kernel(|| summary::purchase_tracking(ev?, n, cal, &spec))?;
    Ok((t.first, t.births.into_pyarray(py), t.repeats.into_pyarray(py)))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(customer_summary, m)?)?;
    m.add_function(wrap_pyfunction!(clv_summary, m)?)?;
    m.add_function(wrap_pyfunction!(purchase_tracking, m)?)
}
