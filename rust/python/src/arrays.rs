//! numpy <-> slice helpers shared by the binding modules.
use fidelite_kernels::bitmap::Events;
use fidelite_kernels::{Grouped, KernelError};
use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;

/// A 1-d numpy array owned by Python.
pub type Arr<'py, T> = Bound<'py, PyArray1<T>>;

/// The slice of an optional array (a non-contiguous array is a `TypeError`).
pub fn opt_slice<'a, T: numpy::Element>(a: &'a Option<PyReadonlyArray1<'_, T>>) -> PyResult<Option<&'a [T]>> {
    a.as_ref().map(|a| a.as_slice()).transpose().map_err(PyErr::from)
}

/// The events a kernel reads: rows in any order (`codes=`) or the grouped layout (`indptr=`).
pub fn events<'a>(
    ts: &'a [i64],
    codes: Option<&'a [u32]>,
    indptr: Option<&'a [i64]>,
) -> Result<Events<'a>, KernelError> {
    match (codes, indptr) {
        (Some(codes), None) => Ok(Events::Rows { codes, ts }),
        (None, Some(indptr)) => Ok(Events::Grouped(Grouped::new(indptr, ts)?)),
        _ => Err(KernelError::InvalidParameter("pass exactly one of codes= (rows) or indptr= (grouped)".into())),
    }
}
