//! Arrow event columns read into numpy arrays the kernels take (see the kernel module
//! `columns`): shared with Arrow when the layout allows, with their null masks.
use fidelite_kernels::columns::{self, Read, TimeKind, Values};
use numpy::{Element, IntoPyArray, PyArray1};
use pyo3::prelude::*;

use crate::arrays::Arr;
use crate::arrow;
use crate::gil::Detach;

/// Adds the column readers.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(read_times, m)?)?;
    m.add_function(wrap_pyfunction!(read_ints, m)?)?;
    m.add_function(wrap_pyfunction!(read_floats, m)?)?;
    Ok(())
}

/// `(values, null)`: numpy values (read-only when they view the Arrow buffer) and the
/// null rows (None when none is null).
type Column<'py, T> = (Bound<'py, PyArray1<T>>, Option<Arr<'py, bool>>);

fn to_numpy<'py, T: Element + arrow_buffer::ArrowNativeType>(py: Python<'py>, r: Read<T>) -> PyResult<Column<'py, T>> {
    let values = match r.values {
        Values::Shared(b) => arrow::shared_numpy(py, b)?,
        Values::Owned(v) => v.into_pyarray(py),
    };
    Ok((values, r.null.map(|n| n.into_pyarray(py))))
}

/// `(values, null, kind, tz)` of [`read_times`].
type Times<'py> = (Bound<'py, PyArray1<i64>>, Option<Arr<'py, bool>>, &'static str, Option<String>);

/// Reads an Arrow timestamp (any unit, any tz) or date column: `(values, null, kind,
/// tz)`; `kind` `"instant"` (values in µs since the epoch, UTC) or `"date"` (values in
/// days since 1970-01-01); `tz` the column's time zone, if any.
#[pyfunction]
pub fn read_times<'py>(py: Python<'py>, column: &Bound<'py, PyAny>) -> PyResult<Times<'py>> {
    let arrays = arrow::chunks(column)?;
    let (r, kind) = py.run_kernel(|| columns::read_times(&arrays))?;
    let (values, null) = to_numpy(py, r)?;
    Ok(match kind {
        TimeKind::Instant { tz } => (values, null, "instant", tz),
        TimeKind::Date => (values, null, "date", None),
    })
}

/// Reads an Arrow integer column as int64: `(values, null)`.
#[pyfunction]
pub fn read_ints<'py>(py: Python<'py>, column: &Bound<'py, PyAny>) -> PyResult<Column<'py, i64>> {
    let arrays = arrow::chunks(column)?;
    let r = py.run_kernel(|| columns::read_ints(&arrays))?;
    to_numpy(py, r)
}

/// Reads an Arrow numeric column as float64: `(values, null)`.
#[pyfunction]
pub fn read_floats<'py>(py: Python<'py>, column: &Bound<'py, PyAny>) -> PyResult<Column<'py, f64>> {
    let arrays = arrow::chunks(column)?;
    let r = py.run_kernel(|| columns::read_floats(&arrays))?;
    to_numpy(py, r)
}
