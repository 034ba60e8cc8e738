//! The one place where the GIL is released around a kernel and its error is mapped.
use fidelite_kernels::Result;
use pyo3::prelude::*;

pub trait Detach {
    /// Runs `kernel` without the GIL and maps a kernel error to its Python exception.
    fn run_kernel<T: Send>(self, kernel: impl FnOnce() -> Result<T> + Send) -> PyResult<T>;
}

impl Detach for Python<'_> {
    fn run_kernel<T: Send>(self, kernel: impl FnOnce() -> Result<T> + Send) -> PyResult<T> {
        self.detach(kernel).map_err(|e| crate::errors::to_pyerr(self, e))
    }
}
