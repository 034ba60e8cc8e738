use fidelite_kernels::summary::{self, SummarySpec};
use numpy::{IntoPyArray, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::arrays::{events, opt_slice};
use crate::calendar::query_calendar;
use crate::gil::Detach;

/// Per-customer summary of rows in any order (`codes=`, the columns in row order) or of
/// the grouped layout (`indptr=`) (see `fidelite_kernels::summary`). Returns a
/// dict of one array per column, in customer-code order: `first`, `last`,
/// `first_purchase`, `last_purchase` (int64 µs, i64 min = none), `n_events`,
/// `n_purchases`, `n_periods`, `n_products` (int64), `revenue`, `median_gap_days`,
/// `recency_days`, `tenure_days` (float64, NaN = none).
#[pyfunction]
#[pyo3(signature = (ts, *, n_customers, t_range, tz, period, week_start, as_of, codes=None, indptr=None,
    purchase_mask=None, amount=None, product=None, n_products=0))]
#[allow(clippy::too_many_arguments)]
pub fn customer_summary<'py>(
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
    purchase_mask: Option<PyReadonlyArray1<'py, bool>>,
    amount: Option<PyReadonlyArray1<'py, f64>>,
    product: Option<PyReadonlyArray1<'py, i32>>,
    n_products: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let spec = SummarySpec {
        purchase_mask: opt_slice(&purchase_mask)?,
        amount: opt_slice(&amount)?,
        product: opt_slice(&product)?.map(|p| (p, n_products)),
        ts_range: Some(t_range),
        as_of,
    };
    let (ts, codes, indptr) = (ts.as_slice()?, opt_slice(&codes)?, opt_slice(&indptr)?);
    let cal = query_calendar(py, tz, period, week_start, t_range, as_of)?;
    let s = py.run_kernel(|| summary::customer_summary(events(ts, codes, indptr)?, n_customers, &cal, &spec))?;
    let out = PyDict::new(py);
    let ints: [(&str, Vec<i64>); 8] = [
        ("first", s.first),
        ("last", s.last),
        ("n_events", s.n_events),
        ("n_purchases", s.n_purchases),
        ("n_periods", s.n_periods),
        ("n_products", s.n_products),
        ("first_purchase", s.first_purchase),
        ("last_purchase", s.last_purchase),
    ];
    for (name, col) in ints {
        out.set_item(name, col.into_pyarray(py))?;
    }
    let floats: [(&str, Vec<f64>); 4] = [
        ("revenue", s.revenue),
        ("median_gap_days", s.median_gap_days),
        ("recency_days", s.recency_days),
        ("tenure_days", s.tenure_days),
    ];
    for (name, col) in floats {
        out.set_item(name, col.into_pyarray(py))?;
    }
    Ok(out)
}
