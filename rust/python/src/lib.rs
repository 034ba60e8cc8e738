//! `fidelite._core`: the PyO3 bindings of the fidelite kernels, and nothing else.
//!
//! Every function converts numpy arrays to slices while holding the GIL, runs one kernel
//! with the GIL released ([`gil::Detach::run`]) and hands owned buffers back to numpy
//! without copying. Inputs must not be mutated by another thread during a call.
use pyo3::prelude::*;

mod arrays;
mod arrow;
mod calendar;
mod cohort;
mod columns;
mod errors;
mod gil;
mod ids;
mod summary;
mod window;

#[pymodule(gil_used = false)]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("build_profile", if cfg!(debug_assertions) { "debug" } else { "release" })?;
    ids::register(m)?;
    columns::register(m)?;
    m.add_function(wrap_pyfunction!(ids::group_by_customer, m)?)?;
    m.add_function(wrap_pyfunction!(ids::take, m)?)?;
    m.add_function(wrap_pyfunction!(ids::scan_i64, m)?)?;
    m.add_function(wrap_pyfunction!(ids::scan_f64, m)?)?;
    m.add_function(wrap_pyfunction!(calendar::periods_of, m)?)?;
    m.add_function(wrap_pyfunction!(calendar::period_bounds, m)?)?;
    m.add_function(wrap_pyfunction!(cohort::cohort_matrix, m)?)?;
    m.add_function(wrap_pyfunction!(cohort::lifecycle, m)?)?;
    m.add_function(wrap_pyfunction!(cohort::active_bitmaps, m)?)?;
    m.add_function(wrap_pyfunction!(cohort::cohort_matrix_bitmaps, m)?)?;
    m.add_function(wrap_pyfunction!(cohort::lifecycle_bitmaps, m)?)?;
    m.add_function(wrap_pyfunction!(summary::customer_summary, m)?)?;
    m.add_function(wrap_pyfunction!(window::period_kpis, m)?)?;
    m.add_function(wrap_pyfunction!(window::rolling_active, m)?)?;
    Ok(())
}
