//! Kernel errors -> the exception classes of `fidelite.exceptions` (one per variant, each a
//! `ValueError` subclass). Without the Python package (the bare extension) they fall back
//! to `ValueError`.
use fidelite_kernels::KernelError;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyType;

#[cold]
#[inline(never)]
pub fn to_pyerr(py: Python<'_>, err: KernelError) -> PyErr {
    let class = match err {
        KernelError::UnknownTimeZone(_) => "TimeZoneError",
        KernelError::InvalidParameter(_) => "ParameterError",
        KernelError::LengthMismatch(_) => "LengthMismatchError",
        KernelError::OutOfRange(_) => "InputError",
    };
    let message = err.to_string();
    match py
        .import("fidelite.exceptions")
        .and_then(|m| m.getattr(class))
        .and_then(|c| c.cast_into::<PyType>().map_err(PyErr::from))
    {
        Ok(cls) => PyErr::from_type(cls, message),
        Err(_) => PyValueError::new_err(message),
    }
}
