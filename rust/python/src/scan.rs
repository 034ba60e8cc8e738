//! Bindings of `fidelite_kernels::scan`: the one-pass column checks of ingestion.
use fidelite_kernels::scan;
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;

use crate::gil::Detach;

/// `(count of sentinel, min, max)` of an int64 column, the bounds over the other values
/// (None when there are none).
#[pyfunction]
pub fn scan_i64(
    py: Python<'_>,
    values: PyReadonlyArray1<'_, i64>,
    sentinel: i64,
) -> PyResult<(usize, Option<i64>, Option<i64>)> {
    let values = values.as_slice()?;
    let s = py.run_kernel(|| Ok(scan::scan_i64(values, sentinel)))?;
    Ok((s.n_sentinel, s.range.map(|r| r.0), s.range.map(|r| r.1)))
}

/// `(NaN, infinite, negative)` counts of a float64 column.
#[pyfunction]
pub fn scan_f64(py: Python<'_>, values: PyReadonlyArray1<'_, f64>) -> PyResult<(usize, usize, usize)> {
    let values = values.as_slice()?;
    let s = py.run_kernel(|| Ok(scan::scan_f64(values)))?;
    Ok((s.n_nan, s.n_infinite, s.n_negative))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(scan_i64, m)?)?;
    m.add_function(wrap_pyfunction!(scan_f64, m)?)
}
