//! `fidelite._core`: the PyO3 bindings of the fidelite kernels, and nothing else.
//!
//! One binding module per kernel module, each registering its functions and classes in
//! `register`. Every function converts numpy arrays to slices while holding the GIL, runs
//! one kernel with the GIL released ([`gil::Detach::run_kernel`]) and hands owned buffers
//! back to numpy without copying. The events and the shared parameters of a query reach
//! every kernel the same way ([`arrays::EventsArg`], [`arrays::QueryArgs`]). Inputs must
//! not be mutated by another thread during a call.
use pyo3::prelude::*;

mod arrays;
mod arrow;
mod bitmap;
mod calendar;
mod cohort;
mod errors;
mod export;
mod gil;
mod ids;
mod interrupt;
mod layout;
mod lifecycle;
mod mem;
mod models;
mod scan;
mod summary;
mod window;

#[pymodule(gil_used = false)]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("build_profile", if cfg!(debug_assertions) { "debug" } else { "release" })?;
    bitmap::register(m)?;
    calendar::register(m)?;
    cohort::register(m)?;
    export::register(m)?;
    ids::register(m)?;
    interrupt::register(m)?;
    layout::register(m)?;
    lifecycle::register(m)?;
    mem::register(m)?;
    models::register(m)?;
    scan::register(m)?;
    summary::register(m)?;
    window::register(m)
}
