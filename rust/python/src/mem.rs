//! Bindings of `fidelite_kernels::mem`: the memory limit of a kernel call.
use fidelite_kernels::mem;
use pyo3::prelude::*;

/// The most bytes one kernel call may allocate for an answer sized by the calendar span
/// or its parameters (cohort matrices, activity bitmaps, per-period arrays, their partial
/// sums); above it the call raises `ResultTooLargeError` instead of allocating.
#[pyfunction]
pub fn memory_limit() -> u64 {
    mem::limit()
}

/// Sets `memory_limit()` for every later kernel call (process-wide).
#[pyfunction]
pub fn set_memory_limit(bytes: u64) {
    mem::set_limit(bytes)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("DEFAULT_MEMORY_LIMIT", mem::DEFAULT_LIMIT)?;
    m.add_function(wrap_pyfunction!(memory_limit, m)?)?;
    m.add_function(wrap_pyfunction!(set_memory_limit, m)?)
}
