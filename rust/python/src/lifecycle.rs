//! Bindings of `fidelite_kernels::lifecycle`.
use fidelite_kernels::lifecycle as lc;
use numpy::{IntoPyArray, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::arrays::{opt_slice, EventsArg, QueryArgs};
use crate::bitmap::to_bitmaps;
use crate::gil::Detach;

/// Lifecycle counts per period of the grouped events: dict of `first_period`, `new`,
/// `returning`, `resurrected`, `dormant` and `complete`.
#[pyfunction]
#[pyo3(signature = (events, query, *, mask=None))]
pub fn lifecycle<'py>(
    py: Python<'py>,
    events: EventsArg<'py>,
    query: QueryArgs<'py>,
    mask: Option<PyReadonlyArray1<'py, bool>>,
) -> PyResult<Bound<'py, PyDict>> {
    let (g, mask, cal, as_of, origin) = (events.grouped()?, opt_slice(&mask)?, query.cal(), query.as_of, query.origin);
    let l = py.run_kernel(|| lc::lifecycle(&g?, cal, mask, as_of, origin))?;
    lifecycle_dict(py, l)
}

/// Lifecycle from active-period bitmaps. Same dict as `lifecycle`.
#[pyfunction]
#[pyo3(signature = (bits, query, *, p_lo, n_periods))]
pub fn lifecycle_bitmaps<'py>(
    py: Python<'py>,
    bits: PyReadonlyArray2<'py, u64>,
    query: QueryArgs<'py>,
    p_lo: i64,
    n_periods: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let b = to_bitmaps(p_lo, n_periods, &bits)?;
    let (cal, as_of, origin) = (query.cal(), query.as_of, query.origin.is_some());
    let l = py.run_kernel(|| Ok(lc::lifecycle_bitmaps(&b, cal, as_of, origin)))?;
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
    out.set_item("complete", l.complete.into_pyarray(py))?;
    Ok(out)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(lifecycle, m)?)?;
    m.add_function(wrap_pyfunction!(lifecycle_bitmaps, m)?)
}
