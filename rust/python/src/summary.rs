//! Bindings of `fidelite_kernels::summary`.
use fidelite_kernels::summary::{self, Column, Kind, SummarySpec};
use numpy::{IntoPyArray, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::arrays::{opt_slice, EventsArg, QueryArgs};
use crate::gil::Detach;

/// Per-customer summary of the events (rows in any order, or the grouped layout; the
/// columns in the same order), see `fidelite_kernels::summary`. Returns a dict of one
/// array per column, in the kernel's column order and in customer-code order: instants
/// as datetime64[us] (NaT = none), counts as int64, the rest float64 (NaN = none).
#[pyfunction]
#[pyo3(signature = (events, query, *, purchase_mask=None, amount=None, product=None, n_products=0))]
pub fn customer_summary<'py>(
    py: Python<'py>,
    events: EventsArg<'py>,
    query: QueryArgs<'py>,
    purchase_mask: Option<PyReadonlyArray1<'py, bool>>,
    amount: Option<PyReadonlyArray1<'py, f64>>,
    product: Option<PyReadonlyArray1<'py, i32>>,
    n_products: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let spec = SummarySpec {
        purchase_mask: opt_slice(&purchase_mask)?,
        amount: opt_slice(&amount)?,
        product: opt_slice(&product)?.map(|p| (p, n_products)),
        ts_range: Some(query.t_range),
        as_of: query.as_of,
    };
    let (ev, n, cal) = (events.events()?, events.n_customers, query.cal());
    let s = py.run_kernel(|| summary::customer_summary(ev?, n, cal, &spec))?;
    let out = PyDict::new(py);
    for (name, column) in s.columns() {
        match column {
            Column::Ints(Kind::Instant, v) => {
                out.set_item(name, v.into_pyarray(py).call_method1("view", ("datetime64[us]",))?)?
            }
            Column::Ints(_, v) => out.set_item(name, v.into_pyarray(py))?,
            Column::Floats(v) => out.set_item(name, v.into_pyarray(py))?,
        }
    }
    Ok(out)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(customer_summary, m)?)
}
