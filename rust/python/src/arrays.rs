//! numpy <-> slice helpers shared by the binding modules.
use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;

/// A 1-d numpy array owned by Python.
pub type Arr<'py, T> = Bound<'py, PyArray1<T>>;

/// The slice of an optional array (a non-contiguous array is a `TypeError`).
pub fn opt_slice<'a, T: numpy::Element>(a: &'a Option<PyReadonlyArray1<'_, T>>) -> PyResult<Option<&'a [T]>> {
    a.as_ref().map(|a| a.as_slice()).transpose().map_err(PyErr::from)
}
