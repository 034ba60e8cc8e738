//! Bindings of `fidelite_kernels::models`: fits return a dict, predictions an array.
//! Every column is float64 (whole-number columns too: the kernels check them).
use fidelite_kernels::models::{self, bgbb, gamma_gamma, nbd::Histories, survival, CountModel, Fit, FitOptions};
use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::arrays::opt_slice;
use crate::gil::Detach;

type F64s<'py> = PyReadonlyArray1<'py, f64>;
type Out<'py> = Bound<'py, PyArray1<f64>>;

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(fit_counts, m)?)?;
    m.add_function(wrap_pyfunction!(counts_log_likelihood, m)?)?;
    m.add_function(wrap_pyfunction!(counts_p_alive, m)?)?;
    m.add_function(wrap_pyfunction!(counts_conditional_expected, m)?)?;
    m.add_function(wrap_pyfunction!(counts_discounted_expected, m)?)?;
    m.add_function(wrap_pyfunction!(counts_expected, m)?)?;
    m.add_function(wrap_pyfunction!(counts_pmf, m)?)?;
    m.add_function(wrap_pyfunction!(fit_bgbb, m)?)?;
    m.add_function(wrap_pyfunction!(bgbb_log_likelihood, m)?)?;
    m.add_function(wrap_pyfunction!(bgbb_p_alive, m)?)?;
    m.add_function(wrap_pyfunction!(bgbb_conditional_expected, m)?)?;
    m.add_function(wrap_pyfunction!(bgbb_expected, m)?)?;
    m.add_function(wrap_pyfunction!(bgbb_pmf, m)?)?;
    m.add_function(wrap_pyfunction!(fit_gamma_gamma, m)?)?;
    m.add_function(wrap_pyfunction!(gamma_gamma_log_likelihood, m)?)?;
    m.add_function(wrap_pyfunction!(gamma_gamma_spend, m)?)?;
    m.add_function(wrap_pyfunction!(fit_survival, m)?)?;
    m.add_function(wrap_pyfunction!(survival_log_likelihood, m)?)?;
    m.add_function(wrap_pyfunction!(survival_curve, m)?)?;
    m.add_function(wrap_pyfunction!(survival_retention, m)?)?;
    m.add_function(wrap_pyfunction!(survival_lifetime, m)?)?;
    m.add_function(wrap_pyfunction!(survival_derl, m)?)?;
    Ok(())
}

fn options(penalizer: f64, starts: Option<Vec<Vec<f64>>>, max_iter: usize, tol: f64) -> FitOptions {
    FitOptions { penalizer, starts: starts.unwrap_or_default(), max_iter, tol }
}

/// A fit as a dict: `params` (float64), `covariance` (p x p), `log_likelihood`,
/// `converged`, `message`, `iterations`, `evaluations`, `gradient_norm`, `starts`,
/// `starts_at_optimum`.
fn fit_dict(py: Python<'_>, fit: Fit) -> PyResult<Bound<'_, PyDict>> {
    let p = fit.params.len();
    let out = PyDict::new(py);
    let cov = Array2::from_shape_vec((p, p), fit.covariance).expect("p x p covariance");
    out.set_item("params", fit.params.into_pyarray(py))?;
    out.set_item("covariance", cov.into_pyarray(py))?;
    out.set_item("log_likelihood", fit.log_likelihood)?;
    out.set_item("converged", fit.converged)?;
    out.set_item("message", fit.message)?;
    out.set_item("iterations", fit.iterations)?;
    out.set_item("evaluations", fit.evaluations)?;
    out.set_item("gradient_norm", fit.gradient_norm)?;
    out.set_item("starts", fit.starts)?;
    out.set_item("starts_at_optimum", fit.starts_at_optimum)?;
    Ok(out)
}

fn histories<'a>(x: &'a F64s, tx: &'a F64s, t: &'a F64s, w: Option<&'a [f64]>) -> PyResult<Histories<'a>> {
    Ok(Histories { frequency: x.as_slice()?, recency: tx.as_slice()?, age: t.as_slice()?, weights: w })
}

/// Fits `model` ("bg_nbd", "mbg_nbd", "pareto_nbd") by maximum likelihood.
#[pyfunction]
#[pyo3(signature = (model, frequency, recency, T, *, weights=None, penalizer=0.0, starts=None, max_iter=500, tol=1e-9))]
#[allow(clippy::too_many_arguments, non_snake_case)]
pub fn fit_counts<'py>(
    py: Python<'py>,
    model: &str,
    frequency: F64s<'py>,
    recency: F64s<'py>,
    T: F64s<'py>,
    weights: Option<F64s<'py>>,
    penalizer: f64,
    starts: Option<Vec<Vec<f64>>>,
    max_iter: usize,
    tol: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let data = histories(&frequency, &recency, &T, opt_slice(&weights)?)?;
    let opts = options(penalizer, starts, max_iter, tol);
    let fit = py.run_kernel(|| CountModel::parse(model)?.fit(data, &opts))?;
    fit_dict(py, fit)
}

/// Σ w ℓ of `model` at `params` and its gradient in the parameters.
#[pyfunction]
#[pyo3(signature = (model, params, frequency, recency, T, *, weights=None))]
#[allow(non_snake_case)]
pub fn counts_log_likelihood<'py>(
    py: Python<'py>,
    model: &str,
    params: Vec<f64>,
    frequency: F64s<'py>,
    recency: F64s<'py>,
    T: F64s<'py>,
    weights: Option<F64s<'py>>,
) -> PyResult<(f64, Out<'py>)> {
    let data = histories(&frequency, &recency, &T, opt_slice(&weights)?)?;
    let (v, g) = py.run_kernel(|| CountModel::parse(model)?.log_likelihood(&params, data))?;
    Ok((v, g.into_pyarray(py)))
}

/// P(alive) of each customer.
#[pyfunction]
#[allow(non_snake_case)]
pub fn counts_p_alive<'py>(
    py: Python<'py>,
    model: &str,
    params: Vec<f64>,
    frequency: F64s<'py>,
    recency: F64s<'py>,
    T: F64s<'py>,
) -> PyResult<Out<'py>> {
    let data = histories(&frequency, &recency, &T, None)?;
    Ok(py.run_kernel(|| CountModel::parse(model)?.p_alive(&params, &data))?.into_pyarray(py))
}

/// Expected purchases of each customer in the next `t` time units.
#[pyfunction]
#[allow(non_snake_case)]
pub fn counts_conditional_expected<'py>(
    py: Python<'py>,
    model: &str,
    params: Vec<f64>,
    t: f64,
    frequency: F64s<'py>,
    recency: F64s<'py>,
    T: F64s<'py>,
) -> PyResult<Out<'py>> {
    let data = histories(&frequency, &recency, &T, None)?;
    Ok(py.run_kernel(|| CountModel::parse(model)?.conditional_expected_purchases(&params, t, &data))?.into_pyarray(py))
}

/// Σ_k w_k (E[Y(t_k)] − E[Y(t_{k−1})]) of each customer over increasing horizons `t`:
/// the discounted purchases of a customer-lifetime value in one pass.
#[pyfunction]
#[allow(non_snake_case, clippy::too_many_arguments)]
pub fn counts_discounted_expected<'py>(
    py: Python<'py>,
    model: &str,
    params: Vec<f64>,
    t: F64s<'py>,
    weights: F64s<'py>,
    frequency: F64s<'py>,
    recency: F64s<'py>,
    T: F64s<'py>,
) -> PyResult<Out<'py>> {
    let data = histories(&frequency, &recency, &T, None)?;
    let (t, w) = (t.as_slice()?, weights.as_slice()?);
    Ok(py
        .run_kernel(|| CountModel::parse(model)?.discounted_expected_purchases(&params, t, w, &data))?
        .into_pyarray(py))
}

/// E[X(t)] of a new customer, for each t.
#[pyfunction]
pub fn counts_expected<'py>(py: Python<'py>, model: &str, params: Vec<f64>, t: F64s<'py>) -> PyResult<Out<'py>> {
    let t = t.as_slice()?;
    Ok(py.run_kernel(|| CountModel::parse(model)?.expected_purchases(&params, t))?.into_pyarray(py))
}

/// P(X(t) = n) of a new customer, for each (n, t) pair.
#[pyfunction]
pub fn counts_pmf<'py>(
    py: Python<'py>,
    model: &str,
    params: Vec<f64>,
    n: F64s<'py>,
    t: F64s<'py>,
) -> PyResult<Out<'py>> {
    let (n, t) = (n.as_slice()?, t.as_slice()?);
    Ok(py.run_kernel(|| CountModel::parse(model)?.probability_of_purchases(&params, n, t))?.into_pyarray(py))
}

fn bgbb_data<'a>(x: &'a F64s, tx: &'a F64s, n: &'a F64s, w: Option<&'a [f64]>) -> PyResult<bgbb::Histories<'a>> {
    Ok(bgbb::Histories { frequency: x.as_slice()?, recency: tx.as_slice()?, periods: n.as_slice()?, weights: w })
}

/// Fits BG/BB by maximum likelihood.
#[pyfunction]
#[pyo3(signature = (frequency, recency, n_periods, *, weights=None, penalizer=0.0, starts=None, max_iter=500, tol=1e-9))]
#[allow(clippy::too_many_arguments)]
pub fn fit_bgbb<'py>(
    py: Python<'py>,
    frequency: F64s<'py>,
    recency: F64s<'py>,
    n_periods: F64s<'py>,
    weights: Option<F64s<'py>>,
    penalizer: f64,
    starts: Option<Vec<Vec<f64>>>,
    max_iter: usize,
    tol: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let data = bgbb_data(&frequency, &recency, &n_periods, opt_slice(&weights)?)?;
    let opts = options(penalizer, starts, max_iter, tol);
    let fit = py.run_kernel(|| models::fit(&bgbb::Model::new(data)?, &opts))?;
    fit_dict(py, fit)
}

/// Σ w ℓ of BG/BB at `params` and its gradient.
#[pyfunction]
#[pyo3(signature = (params, frequency, recency, n_periods, *, weights=None))]
pub fn bgbb_log_likelihood<'py>(
    py: Python<'py>,
    params: Vec<f64>,
    frequency: F64s<'py>,
    recency: F64s<'py>,
    n_periods: F64s<'py>,
    weights: Option<F64s<'py>>,
) -> PyResult<(f64, Out<'py>)> {
    let data = bgbb_data(&frequency, &recency, &n_periods, opt_slice(&weights)?)?;
    let (v, g) = py.run_kernel(|| models::log_likelihood_at(&bgbb::Model::new(data)?, &params))?;
    Ok((v, g.into_pyarray(py)))
}

/// P(alive at opportunity n + m) of each customer.
#[pyfunction]
pub fn bgbb_p_alive<'py>(
    py: Python<'py>,
    params: Vec<f64>,
    m: f64,
    frequency: F64s<'py>,
    recency: F64s<'py>,
    n_periods: F64s<'py>,
) -> PyResult<Out<'py>> {
    let data = bgbb_data(&frequency, &recency, &n_periods, None)?;
    Ok(py.run_kernel(|| bgbb::p_alive(bgbb::Params::new(&params)?, m, &data))?.into_pyarray(py))
}

/// Expected purchases of each customer in the next m opportunities.
#[pyfunction]
pub fn bgbb_conditional_expected<'py>(
    py: Python<'py>,
    params: Vec<f64>,
    m: f64,
    frequency: F64s<'py>,
    recency: F64s<'py>,
    n_periods: F64s<'py>,
) -> PyResult<Out<'py>> {
    let data = bgbb_data(&frequency, &recency, &n_periods, None)?;
    Ok(py.run_kernel(|| bgbb::conditional_expected_purchases(bgbb::Params::new(&params)?, m, &data))?.into_pyarray(py))
}

/// E[X(n)] of a new customer, for each n.
#[pyfunction]
pub fn bgbb_expected<'py>(py: Python<'py>, params: Vec<f64>, n: F64s<'py>) -> PyResult<Out<'py>> {
    let n = n.as_slice()?;
    Ok(py.run_kernel(|| bgbb::expected_purchases(bgbb::Params::new(&params)?, n))?.into_pyarray(py))
}

/// P(X(n) = x) of a new customer, for each (x, n) pair.
#[pyfunction]
pub fn bgbb_pmf<'py>(py: Python<'py>, params: Vec<f64>, x: F64s<'py>, n: F64s<'py>) -> PyResult<Out<'py>> {
    let (x, n) = (x.as_slice()?, n.as_slice()?);
    Ok(py.run_kernel(|| bgbb::probability_of_purchases(bgbb::Params::new(&params)?, x, n))?.into_pyarray(py))
}

fn spend<'a>(x: &'a F64s, m: &'a F64s, w: Option<&'a [f64]>) -> PyResult<gamma_gamma::Spend<'a>> {
    Ok(gamma_gamma::Spend { frequency: x.as_slice()?, monetary_value: m.as_slice()?, weights: w })
}

/// Fits the Gamma-Gamma spend model on repeat buyers.
#[pyfunction]
#[pyo3(signature = (frequency, monetary_value, *, weights=None, penalizer=0.0, starts=None, max_iter=500, tol=1e-9))]
#[allow(clippy::too_many_arguments)]
pub fn fit_gamma_gamma<'py>(
    py: Python<'py>,
    frequency: F64s<'py>,
    monetary_value: F64s<'py>,
    weights: Option<F64s<'py>>,
    penalizer: f64,
    starts: Option<Vec<Vec<f64>>>,
    max_iter: usize,
    tol: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let data = spend(&frequency, &monetary_value, opt_slice(&weights)?)?;
    let opts = options(penalizer, starts, max_iter, tol);
    let fit = py.run_kernel(|| models::fit(&gamma_gamma::Model::new(data)?, &opts))?;
    fit_dict(py, fit)
}

/// Σ w ℓ of Gamma-Gamma at `params` and its gradient.
#[pyfunction]
#[pyo3(signature = (params, frequency, monetary_value, *, weights=None))]
pub fn gamma_gamma_log_likelihood<'py>(
    py: Python<'py>,
    params: Vec<f64>,
    frequency: F64s<'py>,
    monetary_value: F64s<'py>,
    weights: Option<F64s<'py>>,
) -> PyResult<(f64, Out<'py>)> {
    let data = spend(&frequency, &monetary_value, opt_slice(&weights)?)?;
    let (v, g) = py.run_kernel(|| models::log_likelihood_at(&gamma_gamma::Model::new(data)?, &params))?;
    Ok((v, g.into_pyarray(py)))
}

/// Expected mean transaction value of each customer.
#[pyfunction]
pub fn gamma_gamma_spend<'py>(
    py: Python<'py>,
    params: Vec<f64>,
    frequency: F64s<'py>,
    monetary_value: F64s<'py>,
) -> PyResult<Out<'py>> {
    let (x, m) = (frequency.as_slice()?, monetary_value.as_slice()?);
    let p = gamma_gamma::Params::new(&params);
    Ok(py.run_kernel(|| gamma_gamma::conditional_expected_spend(p?, x, m))?.into_pyarray(py))
}

fn survival_model<'a>(
    model: &str,
    survivors: &'a [f64],
    offsets: &'a [i64],
) -> fidelite_kernels::Result<survival::Model<'a>> {
    let weibull = match model {
        "sbg" => false,
        "bdw" => true,
        _ => {
            return Err(fidelite_kernels::KernelError::InvalidParameter(format!(
                "unknown model {model:?}: use \"sbg\" or \"bdw\""
            )))
        }
    };
    survival::Model::new(survival::Cohorts { survivors, offsets }, weibull)
}

/// Fits sBG or BdW to survivor series (cohort i: `survivors[offsets[i]:offsets[i+1]]`).
#[pyfunction]
#[pyo3(signature = (model, survivors, offsets, *, penalizer=0.0, starts=None, max_iter=500, tol=1e-9))]
#[allow(clippy::too_many_arguments)]
pub fn fit_survival<'py>(
    py: Python<'py>,
    model: &str,
    survivors: F64s<'py>,
    offsets: PyReadonlyArray1<'py, i64>,
    penalizer: f64,
    starts: Option<Vec<Vec<f64>>>,
    max_iter: usize,
    tol: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let (s, o) = (survivors.as_slice()?, offsets.as_slice()?);
    let opts = options(penalizer, starts, max_iter, tol);
    let fit = py.run_kernel(|| models::fit(&survival_model(model, s, o)?, &opts))?;
    fit_dict(py, fit)
}

/// Log-likelihood of survivor series under sBG (2 params) or BdW (3 params), and its gradient.
#[pyfunction]
pub fn survival_log_likelihood<'py>(
    py: Python<'py>,
    params: Vec<f64>,
    survivors: F64s<'py>,
    offsets: PyReadonlyArray1<'py, i64>,
) -> PyResult<(f64, Out<'py>)> {
    let (s, o) = (survivors.as_slice()?, offsets.as_slice()?);
    let model = if params.len() == 2 { "sbg" } else { "bdw" };
    let (v, g) = py.run_kernel(|| models::log_likelihood_at(&survival_model(model, s, o)?, &params))?;
    Ok((v, g.into_pyarray(py)))
}

/// S(t) for each t (params: sBG (alpha, beta) or BdW (alpha, beta, c)).
#[pyfunction]
pub fn survival_curve<'py>(py: Python<'py>, params: Vec<f64>, t: F64s<'py>) -> PyResult<Out<'py>> {
    let t = t.as_slice()?;
    Ok(py.run_kernel(|| survival::survival(survival::Params::new(&params)?, t))?.into_pyarray(py))
}

/// r(t) = S(t)/S(t-1) for each t >= 1.
#[pyfunction]
pub fn survival_retention<'py>(py: Python<'py>, params: Vec<f64>, t: F64s<'py>) -> PyResult<Out<'py>> {
    let t = t.as_slice()?;
    Ok(py.run_kernel(|| survival::retention_rate(survival::Params::new(&params)?, t))?.into_pyarray(py))
}

/// Expected lifetime in periods (over `horizon` periods when given).
#[pyfunction]
#[pyo3(signature = (params, horizon=None))]
pub fn survival_lifetime(py: Python<'_>, params: Vec<f64>, horizon: Option<f64>) -> PyResult<f64> {
    py.run_kernel(|| survival::expected_lifetime(survival::Params::new(&params)?, horizon))
}

/// Discounted expected residual lifetime after each number of renewals.
#[pyfunction]
pub fn survival_derl<'py>(
    py: Python<'py>,
    params: Vec<f64>,
    discount_rate: f64,
    renewals: F64s<'py>,
) -> PyResult<Out<'py>> {
    let r = renewals.as_slice()?;
    Ok(py.run_kernel(|| survival::derl(survival::Params::new(&params)?, discount_rate, r))?.into_pyarray(py))
}
