use fidelite_kernels::ids;
use numpy::{IntoPyArray, PyReadonlyArray1};
use pyo3::prelude::*;

use crate::arrays::Arr;
use crate::gil::Detach;

/// Factorises int64 ids into codes numbered in ascending id order: `(codes, uniques)`.
#[pyfunction]
pub fn factorize_i64<'py>(
    py: Python<'py>,
    ids: PyReadonlyArray1<'py, i64>,
) -> PyResult<(Arr<'py, u32>, Arr<'py, i64>)> {
    let ids = ids.as_slice()?;
    let f = py.run_kernel(|| ids::factorize_i64(ids))?;
    Ok((f.codes.into_pyarray(py), f.uniques.into_pyarray(py)))
}

/// Factorises Arrow-layout strings: `(codes, first_rows)`, codes in byte-wise string order,
/// `first_rows[code]` a row holding that string.
#[pyfunction]
pub fn factorize_bytes<'py>(
    py: Python<'py>,
    offsets: PyReadonlyArray1<'py, i64>,
    data: PyReadonlyArray1<'py, u8>,
) -> PyResult<(Arr<'py, u32>, Arr<'py, u32>)> {
    let (offsets, data) = (offsets.as_slice()?, data.as_slice()?);
    let f = py.run_kernel(|| ids::factorize_bytes(offsets, data))?;
    Ok((f.codes.into_pyarray(py), f.uniques.into_pyarray(py)))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(factorize_i64, m)?)?;
    m.add_function(wrap_pyfunction!(factorize_bytes, m)?)
}
