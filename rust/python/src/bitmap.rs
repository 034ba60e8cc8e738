//! Bindings of `fidelite_kernels::bitmap`: active-period bitmaps.
use std::borrow::Cow;

use fidelite_kernels::bitmap::{self, Bitmaps};
use numpy::{IntoPyArray, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::arrays::{opt_slice, EventsArg, QueryArgs};
use crate::gil::Detach;

/// Active-period bitmaps of the events passing `mask`, from rows or the grouped layout:
/// `(p_lo, bits)` with `bits` of shape (customers, words), bit `j` of a row = period
/// `p_lo + j`, periods from the query's origin (else the period of its first instant)
/// up to `as_of`.
#[pyfunction]
#[pyo3(signature = (events, query, *, mask=None))]
pub fn active_bitmaps<'py>(
    py: Python<'py>,
    events: EventsArg<'py>,
    query: QueryArgs<'py>,
    mask: Option<PyReadonlyArray1<'py, bool>>,
) -> PyResult<(i64, Bound<'py, PyArray2<u64>>)> {
    let (ev, mask, cal) = (events.events()?, opt_slice(&mask)?, query.cal());
    let p_lo = query.origin.unwrap_or_else(|| cal.period_of(query.t_range.0));
    let (n_customers, as_of) = (events.n_customers, query.as_of);
    let b = py.run_kernel(|| bitmap::active_bitmaps(ev?, n_customers, mask, cal, p_lo, as_of))?;
    let (n, words) = (b.n_customers(), b.words);
    Ok((b.p_lo, b.bits.into_owned().into_pyarray(py).reshape([n, words])?))
}

/// Bitmaps handed back by Python (`p_lo`, `n_periods` as `active_bitmaps` gave them).
pub fn to_bitmaps<'a>(p_lo: i64, n_periods: usize, bits: &'a PyReadonlyArray2<'_, u64>) -> PyResult<Bitmaps<'a>> {
    let words = bits.shape()[1];
    if words != n_periods.div_ceil(64).max(1) {
        return Err(PyValueError::new_err(format!("{words} words per customer cannot hold {n_periods} periods")));
    }
    Ok(Bitmaps { p_lo, n_periods, words, bits: Cow::Borrowed(bits.as_slice()?) })
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(active_bitmaps, m)?)
}
