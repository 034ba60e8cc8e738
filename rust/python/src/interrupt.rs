//! Bindings of `fidelite_kernels::interrupt`: the drill that exercises the handling of
//! interrupts and panics in `gil.rs`.
use fidelite_kernels::interrupt;
use pyo3::prelude::*;

use crate::gil::Detach;

/// Runs a kernel of `chunks` chunks of about a millisecond of busy work each on the
/// thread pool (skipped once Ctrl-C is pressed), then panics with the message `panic`
/// when given: what the tests use to check that Ctrl-C stops a kernel
/// (`KeyboardInterrupt`) and that a panic reaches Python as
/// `fidelite.exceptions.InternalError`. Returns the chunks done.
#[pyfunction]
#[pyo3(signature = (chunks, *, panic=None))]
pub fn fault_drill(py: Python<'_>, chunks: usize, panic: Option<String>) -> PyResult<usize> {
    py.run_kernel(|| Ok(interrupt::drill(chunks, panic.as_deref())))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(fault_drill, m)?)
}
