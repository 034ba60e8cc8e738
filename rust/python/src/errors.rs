//! Kernel errors -> the exception classes of `fidelite.exceptions` (one per variant: a
//! `ValueError` subclass, `DTypeError` (a `TypeError`) for `WrongType`, `OutOfMemoryError`
//! (a `MemoryError`), and Python's own `KeyboardInterrupt` for `Interrupted`), and a
//! panic caught in a kernel -> `InternalError` (a `RuntimeError`). Without the Python
//! package (the bare extension) they fall back to those builtins.
use fidelite_kernels::KernelError;
use pyo3::exceptions::{PyKeyboardInterrupt, PyMemoryError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyType;

/// The class `name` of `fidelite.exceptions`, if the package is importable.
fn fidelite_class<'py>(py: Python<'py>, name: &str) -> Option<Bound<'py, PyType>> {
    py.import("fidelite.exceptions")
        .and_then(|m| m.getattr(name))
        .and_then(|c| c.cast_into::<PyType>().map_err(PyErr::from))
        .ok()
}

#[cold]
#[inline(never)]
pub fn to_pyerr(py: Python<'_>, err: KernelError) -> PyErr {
    let class = match err {
        KernelError::UnknownTimeZone(_) => "TimeZoneError",
        KernelError::InvalidParameter(_) => "ParameterError",
        KernelError::LengthMismatch(_) => "LengthMismatchError",
        KernelError::OutOfRange(_) => "InputError",
        KernelError::WrongType(_) => "DTypeError",
        KernelError::TooLarge(_) => "ResultTooLargeError",
        KernelError::OutOfMemory(_) => "OutOfMemoryError",
        KernelError::Interrupted => return PyKeyboardInterrupt::new_err(()),
    };
    let message = err.to_string();
    match (fidelite_class(py, class), err) {
        (Some(cls), _) => PyErr::from_type(cls, message),
        (None, KernelError::WrongType(_)) => PyTypeError::new_err(message),
        (None, KernelError::OutOfMemory(_)) => PyMemoryError::new_err(message),
        (None, _) => PyValueError::new_err(message),
    }
}

/// The error of a panic caught in a kernel: a bug of fidelite, never the caller's.
#[cold]
#[inline(never)]
pub fn internal_error(py: Python<'_>, panic: &str) -> PyErr {
    let message = format!(
        "internal error in fidelite's kernels (a bug: please report it with the input that caused it): {panic}"
    );
    match fidelite_class(py, "InternalError") {
        Some(cls) => PyErr::from_type(cls, message),
        None => PyRuntimeError::new_err(message),
    }
}

/// A `ParameterError` (a `ValueError`) raised by the bindings themselves.
#[cold]
pub fn to_pyerr_value(message: String) -> PyErr {
    Python::attach(|py| to_pyerr(py, KernelError::InvalidParameter(message)))
}
