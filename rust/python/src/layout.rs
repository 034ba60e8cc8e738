//! Bindings of `fidelite_kernels::layout`: the grouping and `take`.
use fidelite_kernels::layout::group::{self, TieKey};
use numpy::{IntoPyArray, PyReadonlyArray1};
use pyo3::prelude::*;

use crate::arrays::Arr;
use crate::gil::Detach;

/// `(indptr, perm, ts, carried)` of [`group_by_customer`].
type GroupedArrays<'py> = (Arr<'py, i64>, Arr<'py, u32>, Arr<'py, i64>, Vec<Arr<'py, f64>>);

/// Groups rows by customer code, time-sorted within a customer: `(indptr, perm, ts,
/// carried)`. Rows at the same instant are ordered by the `ties` columns in turn (float64
/// or int32 label codes, in input order), then by input order; `carried` holds the
/// `carry` float64 columns in grouped order (cheaper than `take` afterwards).
#[pyfunction]
#[pyo3(signature = (codes, ts, n_customers, *, ties=Vec::new(), carry=Vec::new()))]
pub fn group_by_customer<'py>(
    py: Python<'py>,
    codes: PyReadonlyArray1<'py, u32>,
    ts: PyReadonlyArray1<'py, i64>,
    n_customers: usize,
    ties: Vec<TieColumn<'py>>,
    carry: Vec<PyReadonlyArray1<'py, f64>>,
) -> PyResult<GroupedArrays<'py>> {
    let (codes, ts) = (codes.as_slice()?, ts.as_slice()?);
    let ties = ties
        .iter()
        .map(|c| match c {
            TieColumn::F64(a) => a.as_slice().map(TieKey::Float),
            TieColumn::I32(a) => a.as_slice().map(TieKey::Code),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let carry = carry.iter().map(|c| c.as_slice()).collect::<Result<Vec<_>, _>>()?;
    let (l, carried) = py.run_kernel(|| group::group_carrying(codes, ts, n_customers, &ties, &carry))?;
    let carried = carried.into_iter().map(|c| c.into_pyarray(py)).collect();
    Ok((l.indptr.into_pyarray(py), l.perm.into_pyarray(py), l.ts.into_pyarray(py), carried))
}

/// A column that orders events at the same instant.
#[derive(FromPyObject)]
pub enum TieColumn<'py> {
    F64(PyReadonlyArray1<'py, f64>),
    I32(PyReadonlyArray1<'py, i32>),
}

/// A column to reorder: the dtypes the event log keeps per event.
#[derive(FromPyObject)]
pub enum Column<'py> {
    F64(PyReadonlyArray1<'py, f64>),
    I32(PyReadonlyArray1<'py, i32>),
    I64(PyReadonlyArray1<'py, i64>),
}

/// `values[perm]` for a float64, int32 or int64 column, in parallel without the GIL.
#[pyfunction]
pub fn take<'py>(
    py: Python<'py>,
    values: Column<'py>,
    perm: PyReadonlyArray1<'py, u32>,
) -> PyResult<Bound<'py, PyAny>> {
    let perm = perm.as_slice()?;
    Ok(match values {
        Column::F64(v) => {
            let v = v.as_slice()?;
            py.run_kernel(|| group::take(v, perm))?.into_pyarray(py).into_any()
        }
        Column::I32(v) => {
            let v = v.as_slice()?;
            py.run_kernel(|| group::take(v, perm))?.into_pyarray(py).into_any()
        }
        Column::I64(v) => {
            let v = v.as_slice()?;
            py.run_kernel(|| group::take(v, perm))?.into_pyarray(py).into_any()
        }
    })
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(group_by_customer, m)?)?;
    m.add_function(wrap_pyfunction!(take, m)?)
}
