//! Kernel errors -> the exception classes of `fidelite.exceptions` (one per variant: a
//! `ValueError` subclass, or for `WrongType` the `TypeError` subclass `DTypeError`).
//! Without the Python package (the bare extension) they fall back to those builtins.
use fidelite_kernels::KernelError;
use pyo3::exceptions::{PyTypeError, PyValueError};
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
        KernelError::WrongType(_) => "DTypeError",
    };
    let message = err.to_string();
    match py
        .import("fidelite.exceptions")
        .and_then(|m| m.getattr(class))
        .and_then(|c| c.cast_into::<PyType>().map_err(PyErr::from))
    {
        Ok(cls) => PyErr::from_type(cls, message),
        Err(_) if matches!(err, KernelError::WrongType(_)) => PyTypeError::new_err(message),
        Err(_) => PyValueError::new_err(message),
    }
}

/// A `ParameterError` (a `ValueError`) raised by the bindings themselves.
#[cold]
pub fn to_pyerr_value(message: String) -> PyErr {
    Python::attach(|py| to_pyerr(py, KernelError::InvalidParameter(message)))
}
