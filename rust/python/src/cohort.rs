//! Bindings of `fidelite_kernels::cohort`: the cohort matrix (from the grouped events or
//! from bitmaps) and the members of one of its cells.
use fidelite_kernels::calendar::Window;
use fidelite_kernels::cohort::{self, CohortMode, CohortSpec, Criterion, Measure, Offset0};
use fidelite_kernels::KernelError;
use numpy::{IntoPyArray, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::arrays::{opt_slice, EventsArg, QueryArgs};
use crate::bitmap::to_bitmaps;
use crate::gil::Detach;

fn choice<T: Copy>(name: &str, value: &str, options: &[(&str, T)]) -> Result<T, KernelError> {
    options.iter().find(|(n, _)| *n == value).map(|(_, v)| *v).ok_or_else(|| {
        let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
        KernelError::InvalidParameter(format!("unknown {name} {value:?}: use one of {}", names.join(", ")))
    })
}

/// The cohort parameters of `cohort_matrix` and `cohort_members`, as Python passes them.
#[derive(FromPyObject)]
pub struct SpecArgs<'py> {
    #[pyo3(item)]
    window_us: i64,
    #[pyo3(item)]
    mode: String,
    #[pyo3(item)]
    criterion: String,
    #[pyo3(item)]
    offset0: String,
    #[pyo3(item)]
    measure: String,
    #[pyo3(item)]
    brackets: Option<Vec<i64>>,
    #[pyo3(item)]
    start_mask: Option<PyReadonlyArray1<'py, bool>>,
    #[pyo3(item)]
    return_mask: Option<PyReadonlyArray1<'py, bool>>,
    #[pyo3(item)]
    amount: Option<PyReadonlyArray1<'py, f64>>,
    #[pyo3(item)]
    signup: Option<PyReadonlyArray1<'py, i64>>,
    #[pyo3(item)]
    segment: Option<PyReadonlyArray1<'py, u32>>,
    #[pyo3(item)]
    n_segments: usize,
    #[pyo3(item)]
    min_events: u32,
}

impl SpecArgs<'_> {
    fn spec(&self, query: &QueryArgs) -> PyResult<Result<CohortSpec<'_>, KernelError>> {
        let (start_mask, return_mask) = (opt_slice(&self.start_mask)?, opt_slice(&self.return_mask)?);
        let (amount, signup, segment) = (opt_slice(&self.amount)?, opt_slice(&self.signup)?, opt_slice(&self.segment)?);
        let parse = || -> Result<CohortSpec<'_>, KernelError> {
            Ok(CohortSpec {
                mode: mode(&self.mode)?,
                window: if self.window_us > 0 { Window::Rolling(self.window_us) } else { Window::Calendar },
                criterion: criterion(&self.criterion)?,
                offset0: choice("offset0", &self.offset0, &[("cohort", Offset0::Cohort), ("return", Offset0::Return)])?,
                measure: choice(
                    "measure",
                    &self.measure,
                    &[
                        ("customers", Measure::Customers),
                        ("revenue", Measure::Revenue),
                        ("cumulative_revenue", Measure::CumulativeRevenue),
                    ],
                )?,
                brackets: self.brackets.as_deref(),
                start_mask,
                return_mask,
                amount,
                signup,
                segment: segment.map(|s| (s, self.n_segments)),
                min_events: self.min_events,
                as_of: query.as_of,
                origin: query.origin,
            })
        };
        Ok(parse())
    }
}

fn mode(value: &str) -> Result<CohortMode, KernelError> {
    choice(
        "cohort",
        value,
        &[("first", CohortMode::First), ("recurring", CohortMode::Recurring), ("signup", CohortMode::Signup)],
    )
}

fn criterion(value: &str) -> Result<Criterion, KernelError> {
    choice(
        "criterion",
        value,
        &[("on", Criterion::On), ("on_or_after", Criterion::OnOrAfter), ("streak", Criterion::Streak)],
    )
}

/// The cohort retention matrix over the grouped events (see `fidelite_kernels::cohort`);
/// `spec` is a dict of `window_us` (0 = calendar periods), `mode`, `criterion`, `offset0`,
/// `measure`, `brackets`, `start_mask`, `return_mask`, `amount`, `signup`, `segment`,
/// `n_segments`, `min_events`. Returns a dict: `first_period`, `counts` or `values` (segments x cohorts
/// x buckets), `sizes` (segments x cohorts), `complete` and `observed` (cohorts x buckets).
#[pyfunction]
pub fn cohort_matrix<'py>(
    py: Python<'py>,
    events: EventsArg<'py>,
    query: QueryArgs<'py>,
    spec: SpecArgs<'py>,
) -> PyResult<Bound<'py, PyDict>> {
    let (g, spec, cal) = (events.grouped()?, spec.spec(&query)?, query.cal());
    let m = py.run_kernel(|| {
        let spec = spec?;
        cohort::cohort_matrix(&g?, cal, &spec).map(|m| (m, spec.measure))
    })?;
    matrix_dict(py, m.0, m.1)
}

/// The customers counted in cell (`cohort`, `bucket`) of segment `segment_code` of the
/// matrix `cohort_matrix` gives for the same events, query and spec: a dict of `codes`
/// (uint32, ascending), `entry` (int64 µs: each member's cohort entry) and `values`
/// (float64, the revenue measures: each member's value in the cell).
#[pyfunction]
#[pyo3(signature = (events, query, spec, *, segment_code, cohort, bucket))]
pub fn cohort_members<'py>(
    py: Python<'py>,
    events: EventsArg<'py>,
    query: QueryArgs<'py>,
    spec: SpecArgs<'py>,
    segment_code: usize,
    cohort: usize,
    bucket: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let (g, spec, cal) = (events.grouped()?, spec.spec(&query)?, query.cal());
    let m = py.run_kernel(|| cohort::cohort_members(&g?, cal, &spec?, segment_code, cohort, bucket))?;
    let out = PyDict::new(py);
    out.set_item("codes", m.codes.into_pyarray(py))?;
    out.set_item("entry", m.entry.into_pyarray(py))?;
    out.set_item("values", m.values.into_pyarray(py))?;
    Ok(out)
}

/// The dict both cohort bindings return; only the grid of the requested measure is filled.
fn matrix_dict(py: Python<'_>, m: cohort::CohortMatrix, measure: Measure) -> PyResult<Bound<'_, PyDict>> {
    let out = PyDict::new(py);
    let (ns, nk, nb) = (m.n_segments, m.n_cohorts, m.n_buckets);
    out.set_item("first_period", m.first_period)?;
    let (name, grid) = if measure == Measure::Customers {
        ("counts", m.counts.into_pyarray(py).reshape([ns, nk, nb])?.into_any())
    } else {
        ("values", m.values.into_pyarray(py).reshape([ns, nk, nb])?.into_any())
    };
    out.set_item(name, grid)?;
    out.set_item("sizes", m.sizes.into_pyarray(py).reshape([ns, nk])?)?;
    out.set_item("complete", m.complete.into_pyarray(py).reshape([nk, nb])?)?;
    out.set_item("observed", m.observed.into_pyarray(py).reshape([nk, nb])?)?;
    Ok(out)
}

/// The cohort matrix from active-period bitmaps (calendar windows, customers measure,
/// offset 0 = cohort, first or recurring cohorts). Same dict as `cohort_matrix`.
#[pyfunction]
#[pyo3(signature = (start_bits, return_bits, query, *, p_lo, n_periods, mode="first", criterion="on", brackets=None,
    segment=None, n_segments=1))]
#[allow(clippy::too_many_arguments)]
pub fn cohort_matrix_bitmaps<'py>(
    py: Python<'py>,
    start_bits: PyReadonlyArray2<'py, u64>,
    return_bits: PyReadonlyArray2<'py, u64>,
    query: QueryArgs<'py>,
    p_lo: i64,
    n_periods: usize,
    mode: &str,
    criterion: &str,
    brackets: Option<Vec<i64>>,
    segment: Option<PyReadonlyArray1<'py, u32>>,
    n_segments: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let (start, ret) = (to_bitmaps(p_lo, n_periods, &start_bits)?, to_bitmaps(p_lo, n_periods, &return_bits)?);
    let (segment, cal) = (opt_slice(&segment)?, query.cal());
    let (as_of, origin) = (query.as_of, query.origin);
    let m = py.run_kernel(|| {
        let spec = CohortSpec {
            mode: self::mode(mode)?,
            window: Window::Calendar,
            criterion: self::criterion(criterion)?,
            offset0: Offset0::Cohort,
            measure: Measure::Customers,
            brackets: brackets.as_deref(),
            start_mask: None,
            return_mask: None,
            amount: None,
            signup: None,
            segment: segment.map(|s| (s, n_segments)),
            min_events: 1,
            as_of,
            origin,
        };
        cohort::cohort_matrix_bitmaps(&start, &ret, cal, &spec)
    })?;
    matrix_dict(py, m, Measure::Customers)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(cohort_matrix, m)?)?;
    m.add_function(wrap_pyfunction!(cohort_members, m)?)?;
    m.add_function(wrap_pyfunction!(cohort_matrix_bitmaps, m)?)
}
