//! Customer-base models fitted by maximum likelihood, and their predictions.
//!
//! - [`nbd`]: BG/NBD (Fader, Hardie & Lee 2005) and MBG/NBD (Batislam, Denizel & Filiztekin
//!   2007), non-contractual repeat purchasing in continuous time;
//! - [`pareto`]: Pareto/NBD (Schmittlein, Morrison & Colombo 1987);
//! - [`bgbb`]: BG/BB (Fader, Hardie & Shang 2010), discrete transaction opportunities;
//! - [`gamma_gamma`]: the Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV");
//! - [`survival`]: sBG (Fader & Hardie 2007) and BdW (Fader, Hardie, Liu, Davin &
//!   Steenburgh 2018), contractual retention.
//!
//! Every model is a [`Likelihood`]: the weighted log-likelihood Σ w_i ℓ_i(θ) of its rows
//! with the analytic gradient. [`fit`] maximises it over the logarithms of the parameters
//! in a box (see [`optimize`]), from several starting points, with an optional L2 penalty
//! λ Σ_k θ_k² on the natural-scale parameters added to the mean negative log-likelihood
//! −(1/W) Σ w_i ℓ_i (W = Σ w_i), exactly as lifetimes' `penalizer_coef`; standard errors
//! come from the Hessian at the optimum. Sums over rows run in parallel over fixed chunks
//! of [`crate::CHUNK`] rows added in chunk order, so they are the same bits whatever the
//! number of threads.

// index loops over a handful of parameters read like the formulas they implement
#![allow(clippy::needless_range_loop)]

pub mod bgbb;
pub mod gamma_gamma;
pub mod nbd;
pub mod optimize;
pub mod pareto;
pub mod special;
pub mod survival;

use crate::{KernelError, Result};

/// The log-parameters stay in [−BOUND, BOUND]: parameters between 1e-10 and 1e10.
pub const LOG_BOUND: f64 = 23.025850929940457;

/// How [`fit`] searches.
#[derive(Debug, Clone)]
pub struct FitOptions {
    /// λ of the penalty λ Σ θ² added to the mean negative log-likelihood (0 = none).
    pub penalizer: f64,
    /// Starting points (natural scale); empty = the model's own starts.
    pub starts: Vec<Vec<f64>>,
    /// Most quasi-Newton iterations from each start.
    pub max_iter: usize,
    /// Gradient tolerance on the mean negative log-likelihood per log-parameter.
    pub tol: f64,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions { penalizer: 0.0, starts: Vec::new(), max_iter: 500, tol: 1e-9 }
    }
}

/// A fitted model.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    /// Maximum-likelihood (or penalised) estimates, natural scale, in the model's order.
    pub params: Vec<f64>,
    /// Σ w_i ℓ_i at `params`, without the penalty.
    pub log_likelihood: f64,
    /// Row-major covariance of `params` (inverse observed information of the penalised
    /// log-likelihood, by the delta method from the log scale); NaN where undefined.
    pub covariance: Vec<f64>,
    /// The search ended at a point where the projected gradient vanishes, with a positive
    /// definite Hessian, and no parameter on the box.
    pub converged: bool,
    /// What happened, in words.
    pub message: String,
    /// Iterations and log-likelihood evaluations, summed over every start.
    pub iterations: usize,
    pub evaluations: usize,
    /// Largest gradient component (mean negative log-likelihood per log-parameter) at the end.
    pub gradient_norm: f64,
    /// Starts tried, and how many of them ended at the optimum (objective within 1e-8).
    pub starts: usize,
    pub starts_at_optimum: usize,
}

/// A model's weighted log-likelihood.
pub trait Likelihood: Sync + Sized {
    /// Parameter names, in order.
    fn names(&self) -> &'static [&'static str];
    /// Σ w_i.
    fn total_weight(&self) -> f64;
    /// Σ w_i ℓ_i(θ); writes its gradient with respect to θ into `grad`. A non-finite value
    /// marks θ as infeasible.
    fn log_lik(&self, theta: &[f64], grad: &mut [f64]) -> f64;
    /// The same and its Hessian (row-major, p × p) in one pass, when the model has it in
    /// closed form; `None` lets [`fit`] difference the gradient instead.
    fn log_lik_hessian(&self, _theta: &[f64], _grad: &mut [f64], _hess: &mut [f64]) -> Option<f64> {
        None
    }
    /// Default starting points (natural scale).
    fn starts(&self) -> Vec<Vec<f64>>;
    /// Pairs (shape, scale) of a Gamma mixing distribution whose likelihood has a limit
    /// as both grow with their ratio fixed (the rate becomes the same for everyone): a
    /// ridge the search can walk out on while a finite maximum lies back along it.
    fn ridges(&self) -> &'static [(usize, usize)] {
        &[]
    }
    /// Rows (customers, histories, cohorts) the likelihood sums over.
    fn rows(&self) -> usize;
    /// The same likelihood over every `stride`-th row (the starts are searched on it when
    /// the data is large); `None` when rows cannot be thinned (a few cohorts).
    fn every(&self, _stride: usize) -> Option<Self> {
        None
    }
}

/// Rows between two checks for Ctrl-C ([`crate::interrupt`]) in [`sum_rows`] and
/// [`map_rows`]: a Pareto/NBD row costs microseconds, so a whole chunk would take tens of
/// milliseconds.
const ROWS_PER_CHECK: usize = 1024;

/// Sums `row(i, grad)` (which returns w_i ℓ_i and adds w_i ∇ℓ_i into `grad`) over
/// `0..n`, in parallel over fixed chunks added in order: the same bits on any thread count.
pub fn sum_rows<const P: usize>(n: usize, row: impl Fn(usize, &mut [f64; P]) -> f64 + Sync + Send) -> (f64, [f64; P]) {
    let stop = crate::interrupt::token();
    let parts = crate::par_customer_chunks(n, |range| {
        let mut g = [0.0; P];
        let mut v = 0.0;
        for i in range {
            // a chunk of a slow likelihood (Pareto/NBD: tens of ms) checks Ctrl-C within too
            if i % ROWS_PER_CHECK == 0 && stop.requested() {
                break;
            }
            v += row(i, &mut g);
        }
        (v, g)
    });
    let mut g = [0.0; P];
    let mut v = 0.0;
    for (pv, pg) in parts {
        v += pv;
        for k in 0..P {
            g[k] += pg[k];
        }
    }
    (v, g)
}

/// `f(i)` for every row `0..n`, in parallel (rows are independent).
pub fn map_rows(n: usize, f: impl Fn(usize) -> f64 + Sync + Send) -> Vec<f64> {
    use rayon::prelude::*;
    let mut out = vec![0.0; n];
    let stop = crate::interrupt::token();
    out.par_chunks_mut(ROWS_PER_CHECK).enumerate().for_each(|(c, chunk)| {
        if stop.requested() {
            return; // Ctrl-C: the caller drops the result
        }
        let start = c * ROWS_PER_CHECK;
        chunk.iter_mut().enumerate().for_each(|(j, o)| *o = f(start + j));
    });
    out
}

/// The objective minimised: −(1/W) Σ w ℓ + λ Σ θ², over u = ln θ, and its gradient in u.
fn objective(model: &impl Likelihood, penalizer: f64, u: &[f64], grad: &mut [f64]) -> f64 {
    objective_and_log_lik(model, penalizer, u, grad).0
}

/// [`objective`] and the log-likelihood Σ w ℓ it came from (the fit reports the latter at
/// the optimum without another pass).
fn objective_and_log_lik(model: &impl Likelihood, penalizer: f64, u: &[f64], grad: &mut [f64]) -> (f64, f64) {
    let theta: Vec<f64> = u.iter().map(|v| v.exp()).collect();
    let w = model.total_weight();
    let ll = model.log_lik(&theta, grad);
    if !ll.is_finite() {
        return (f64::NAN, ll);
    }
    let mut f = -ll / w;
    for k in 0..u.len() {
        f += penalizer * theta[k] * theta[k];
        grad[k] = theta[k] * (-grad[k] / w + 2.0 * penalizer * theta[k]);
    }
    (f, ll)
}

/// The objective, its gradient and its Hessian in u = ln θ: analytic when the model has
/// it (one pass), else central differences of the analytic gradient (2p passes). With
/// f(θ) and θ = e^u: ∂²f/∂u_i∂u_j = θ_i θ_j ∂²f/∂θ_i∂θ_j + δ_ij θ_i ∂f/∂θ_i. Also the
/// passes it took, and the log-likelihood Σ w ℓ.
fn objective_hessian(model: &impl Likelihood, penalizer: f64, u: &[f64]) -> Here {
    let p = u.len();
    let theta: Vec<f64> = u.iter().map(|v| v.exp()).collect();
    let w = model.total_weight();
    let (mut g, mut h) = (vec![0.0; p], vec![0.0; p * p]);
    if let Some(ll) = model.log_lik_hessian(&theta, &mut g, &mut h) {
        if !ll.is_finite() {
            return (f64::NAN, g, None, 1, ll);
        }
        let mut f = -ll / w;
        let mut gu = vec![0.0; p];
        for i in 0..p {
            f += penalizer * theta[i] * theta[i];
            let gi = -g[i] / w + 2.0 * penalizer * theta[i];
            gu[i] = theta[i] * gi;
            for j in 0..p {
                let hij = -h[i * p + j] / w + if i == j { 2.0 * penalizer } else { 0.0 };
                h[i * p + j] = theta[i] * theta[j] * hij + if i == j { theta[i] * gi } else { 0.0 };
            }
        }
        return (f, gu, h.iter().all(|v| v.is_finite()).then_some(h), 1, ll);
    }
    let (f, ll) = objective_and_log_lik(model, penalizer, u, &mut g);
    let h = optimize::hessian(|x: &[f64], gx: &mut [f64]| _ = objective(model, penalizer, x, gx), u, 1e-5);
    (f, g, h, 1 + 2 * p, ll)
}

/// The objective at a point: its value, gradient and Hessian (when known) in u = ln θ, the
/// passes over the data it took, and the log-likelihood Σ w ℓ.
type Here = (f64, Vec<f64>, Option<Vec<f64>>, usize, f64);

/// Rows above which the starts are searched on a thinned copy of the data (customers without
/// repeat purchase merged by age count as one row per age).
const THIN_ABOVE: usize = 20_000;
/// Rows of that thinned copy (about).
const THIN_TO: usize = 1_000;

/// Rows above which the full-data Newton starts from a Newton fit on every k-th row.
const MIDDLE_ABOVE: usize = 200_000;
/// Rows of that sample (about).
const MIDDLE_TO: usize = 30_000;

/// A few damped Newton steps (analytic Hessian) on a sample, from `x`, to a loose
/// gradient: the start of the full-data Newton. Returns the point (`x` itself when no step
/// lowered the objective) and the passes taken.
fn newton_on_sample(model: &impl Likelihood, pen: f64, x0: &[f64], lo: &[f64], hi: &[f64]) -> (Vec<f64>, usize) {
    let p = x0.len();
    let mut x = x0.to_vec();
    let mut here = objective_hessian(model, pen, &x);
    let mut passes = 1;
    for _ in 0..8 {
        let (f, g) = (here.0, &here.1);
        let free: Vec<usize> = (0..p).filter(|&i| x[i] > lo[i] && x[i] < hi[i]).collect();
        if !f.is_finite() || free.len() < p || optimize::projected_gradient_norm(&x, g, lo, hi) <= 1e-7 {
            break;
        }
        let Some(l) = here.2.as_ref().and_then(|h| optimize::cholesky(h, p)) else { break };
        let step = optimize::cholesky_solve(&l, g);
        let mut moved = false;
        let mut t = 1.0;
        for _ in 0..10 {
            let xn: Vec<f64> = (0..p).map(|i| (x[i] - t * step[i]).clamp(lo[i], hi[i])).collect();
            let trial = objective_hessian(model, pen, &xn);
            passes += 1;
            if trial.0.is_finite() && trial.0 < f {
                (x, here, moved) = (xn, trial, true);
                break;
            }
            t *= 0.5;
        }
        if !moved {
            break;
        }
    }
    (x, passes)
}

/// Maximum likelihood. The quasi-Newton search runs from every start (on every k-th row
/// when there are more than 20,000, k fixed by the row count); Newton's method on the
/// full data then takes the best point to a gradient below the tolerance, and the
/// Hessian there gives the standard errors.
pub fn fit(model: &impl Likelihood, options: &FitOptions) -> Result<Fit> {
    let names = model.names();
    let p = names.len();
    if !(options.penalizer >= 0.0 && options.penalizer.is_finite()) {
        return Err(KernelError::InvalidParameter(format!(
            "penalizer_coef must be a finite number >= 0, not {}",
            options.penalizer
        )));
    }
    if options.tol.is_nan() || options.tol <= 0.0 || options.max_iter == 0 {
        return Err(KernelError::InvalidParameter("tol must be > 0 and max_iter >= 1".into()));
    }
    let starts = if options.starts.is_empty() { model.starts() } else { options.starts.clone() };
    for s in &starts {
        if s.len() != p || s.iter().any(|v| !(v.is_finite() && *v > 0.0)) {
            return Err(KernelError::InvalidParameter(format!(
                "a starting point needs {p} positive finite values ({}), got {s:?}",
                names.join(", ")
            )));
        }
    }
    let (lo, hi) = (vec![-LOG_BOUND; p], vec![LOG_BOUND; p]);
    let pen = options.penalizer;

    // 1. search from every start, on a thinned copy of large data
    let thinned = if model.rows() > THIN_ABOVE { model.every(model.rows() / THIN_TO) } else { None };
    let runs: Vec<optimize::Outcome> = starts
        .iter()
        .map(|s| {
            let u0: Vec<f64> = s.iter().map(|v| v.ln()).collect();
            let settings = optimize::Settings { max_iter: options.max_iter, gtol: options.tol };
            match &thinned {
                Some(t) => {
                    optimize::minimize(|u: &[f64], g: &mut [f64]| objective(t, pen, u, g), &u0, &lo, &hi, settings)
                }
                None => {
                    optimize::minimize(|u: &[f64], g: &mut [f64]| objective(model, pen, u, g), &u0, &lo, &hi, settings)
                }
            }
        })
        .collect();
    let mut iterations: usize = runs.iter().map(|r| r.iterations).sum();
    let mut evaluations: usize = runs.iter().map(|r| r.evaluations).sum();
    let Some(best) = runs.iter().filter(|r| r.f.is_finite()).min_by(|a, b| a.f.total_cmp(&b.f)) else {
        return Err(KernelError::OutOfRange(
            "the log-likelihood is not finite at any starting point: check the data, or pass initial_params".into(),
        ));
    };
    let at_optimum = runs.iter().filter(|r| (r.f - best.f).abs() <= 1e-8 * best.f.abs().max(1.0)).count();
    let analytic = model.log_lik_hessian(&vec![1.0; p], &mut vec![0.0; p], &mut vec![0.0; p * p]).is_some();

    // 1a. the thinned data cannot tell a finite maximum from the limit of a ridge a little
    //     below it (on 100,000 customers: 0.7 in log-likelihood, 0.007 on its 1,000 rows):
    //     where the search went far out on a ridge, the full data picks the start
    let (start, passes) = along_ridges(model, pen, &best.x);
    evaluations += passes;
    let (searched, message) = if start == best.x { (best.converged, best.message) } else { (false, BACK) };
    let mut end = refine(model, options, thinned.as_ref(), analytic, start, searched, message);
    // 2b. the refinement itself may walk out onto a ridge (a saddle on the way to a
    //     finite maximum looks like one): search again from the best point back along it,
    //     keep the higher log-likelihood
    let (back, passes) = along_ridges(model, pen, &end.x);
    evaluations += passes;
    if back != end.x {
        let other = refine(model, options, thinned.as_ref(), analytic, back, false, BACK);
        iterations += other.iterations;
        evaluations += other.evaluations;
        if other.here.0 < end.here.0 {
            end = Refined { iterations: end.iterations, evaluations: end.evaluations, ..other };
        }
    }
    iterations += end.iterations;
    evaluations += end.evaluations;
    let Refined { x, here, searched, message, .. } = end;
    let (f, grad, hess, _, log_likelihood) = here;
    if !f.is_finite() {
        return Err(KernelError::OutOfRange("the log-likelihood is not finite at the optimum".into()));
    }
    let counts = (iterations, evaluations, starts.len(), at_optimum);
    finish(model, options, &x, log_likelihood, grad, hess, searched, message, counts)
}

/// Shapes above which the shape and scale of a [`Likelihood::ridges`] pair count as far out
/// on their ridge (the Gamma mixing distribution has a coefficient of variation of 3 %).
const RIDGE_FROM: f64 = 1e3;

/// Shapes beyond which a fit on a ridge is reported as not converged: a Gamma mixing
/// distribution with a coefficient of variation below 0.1 %, a single rate for everyone.
const RIDGE_LIMIT: f64 = 1e6;

/// The message of a refinement that starts from a point back along a ridge.
const BACK: &str = "stopped: the search from a point back along a ridge did not converge";

/// `x`, or the point of lowest objective among `x` and points back along each ridge on
/// which `x` is far out: the ridge pair's shape set to 0.1, 0.3, 1, ..., 1000 with the
/// ratio of shape to scale (the mean rate) and the other parameters kept. Also the
/// passes taken (none when `x` is on no ridge).
fn along_ridges(model: &impl Likelihood, pen: f64, x: &[f64]) -> (Vec<f64>, usize) {
    let far: Vec<(usize, usize)> = model.ridges().iter().copied().filter(|&(i, _)| x[i] > RIDGE_FROM.ln()).collect();
    if far.is_empty() {
        return (x.to_vec(), 0);
    }
    let mut g = vec![0.0; x.len()];
    let (mut best, mut best_f) = (x.to_vec(), objective(model, pen, x, &mut g));
    let mut passes = 1;
    for (i, j) in far {
        for k in 0..=8 {
            let shape = (0.5 * k as f64 - 1.0) * std::f64::consts::LN_10;
            let mut y = x.to_vec();
            y[j] = (x[j] - (x[i] - shape)).clamp(-LOG_BOUND, LOG_BOUND);
            y[i] = shape;
            let f = objective(model, pen, &y, &mut g);
            passes += 1;
            if f < best_f {
                (best, best_f) = (y, f);
            }
        }
    }
    (best, passes)
}

/// Where [`refine`] ended: the point, the objective there (with its gradient and Hessian),
/// the work done and the verdict of the search.
struct Refined {
    x: Vec<f64>,
    here: Here,
    iterations: usize,
    evaluations: usize,
    searched: bool,
    message: &'static str,
}

/// Newton on the full data from `x` (the best point of the search, which ended
/// `searched` with `message`), to a gradient below the tolerance.
fn refine<M: Likelihood>(
    model: &M,
    options: &FitOptions,
    thinned: Option<&M>,
    analytic: bool,
    mut x: Vec<f64>,
    mut searched: bool,
    mut message: &'static str,
) -> Refined {
    let p = x.len();
    let (lo, hi) = (vec![-LOG_BOUND; p], vec![LOG_BOUND; p]);
    let pen = options.penalizer;
    let (mut iterations, mut evaluations) = (0, 0);
    // 2. Newton on the full data. With an analytic Hessian every trial point is evaluated
    //    with it in one pass; without, the Hessian differenced on the thinned data is
    //    updated by BFGS along the steps (quasi-Newton from a good start), and differenced
    //    on the full data at the optimum. Backtracking when the objective rises; the BFGS
    //    search where the Hessian is not positive definite.
    let mut bfgs_done = thinned.is_none();
    // 1b. on very large data, Newton on a sample of ~MIDDLE_TO rows first: it ends within
    //     the sampling error of the optimum (~1 %, where the thinned search's is ~5 %), so
    //     the full-data Newton below needs two passes fewer, for a twentieth of one here
    if analytic && model.rows() > MIDDLE_ABOVE {
        if let Some(middle) = model.every(model.rows() / MIDDLE_TO) {
            let (xm, passes) = newton_on_sample(&middle, pen, &x, &lo, &hi);
            evaluations += passes;
            iterations += passes;
            x = xm;
        }
    }
    let mut fresh = true; // here.2 is the Hessian at x
    let mut here = match thinned {
        // the first chord steps need only an approximate Hessian: the thinned data's
        Some(thin) if !analytic => {
            let mut g = vec![0.0; p];
            let (f, ll) = objective_and_log_lik(model, pen, &x, &mut g);
            let h = optimize::hessian(|u: &[f64], gu: &mut [f64]| _ = objective(thin, pen, u, gu), &x, 1e-5);
            fresh = false;
            (f, g, h, 1, ll)
        }
        _ => objective_hessian(model, pen, &x),
    };
    evaluations += here.3;
    for _ in 0..options.max_iter.min(50) {
        let (f, g, h) = (here.0, here.1.clone(), here.2.clone());
        iterations += 1;
        let gnorm = optimize::projected_gradient_norm(&x, &g, &lo, &hi);
        let free: Vec<usize> = (0..p).filter(|&i| x[i] > lo[i] && x[i] < hi[i]).collect();
        let step = h.as_ref().filter(|_| !free.is_empty() && f.is_finite()).and_then(|h| {
            let hf: Vec<f64> =
                free.iter().flat_map(|&i| free.iter().map(move |&j| (i, j))).map(|(i, j)| h[i * p + j]).collect();
            let l = optimize::cholesky(&hf, free.len())?;
            Some(optimize::cholesky_solve(&l, &free.iter().map(|&i| g[i]).collect::<Vec<_>>()))
        });
        if gnorm <= options.tol && step.is_some() {
            searched = true;
            message = "converged";
            break;
        }
        let Some(step) = step else {
            if !fresh {
                here = objective_hessian(model, pen, &x);
                evaluations += here.3;
                fresh = true;
                continue;
            }
            if bfgs_done || !f.is_finite() {
                break;
            }
            // not positive definite here: the quasi-Newton search on the full data first
            let settings = optimize::Settings { max_iter: options.max_iter, gtol: options.tol };
            let o =
                optimize::minimize(|u: &[f64], gu: &mut [f64]| objective(model, pen, u, gu), &x, &lo, &hi, settings);
            iterations += o.iterations;
            evaluations += o.evaluations;
            (x, searched, message, bfgs_done) = (o.x, o.converged, o.message, true);
            here = objective_hessian(model, pen, &x);
            evaluations += here.3;
            fresh = true;
            continue;
        };
        // near the optimum the objective moves by less than its rounding (~1e-14
        // relative): a step that lowers the gradient is taken unless the objective clearly rose
        let mut t = 1.0;
        let mut moved = false;
        for _ in 0..30 {
            let mut xn = x.clone();
            for (k, &i) in free.iter().enumerate() {
                xn[i] = (x[i] - t * step[k]).clamp(lo[i], hi[i]);
            }
            let trial = if analytic {
                objective_hessian(model, pen, &xn)
            } else {
                let mut gn = vec![0.0; p];
                let (fnew, ll) = objective_and_log_lik(model, pen, &xn, &mut gn);
                (fnew, gn, h.clone(), 1, ll)
            };
            evaluations += trial.3;
            let lower = trial.0.is_finite() && trial.0 <= f + 1e-12 * f.abs().max(1.0);
            let gnew = optimize::projected_gradient_norm(&xn, &trial.1, &lo, &hi);
            if lower && (trial.0 < f || gnew < gnorm) {
                let (xo, go) = (std::mem::replace(&mut x, xn), here.1.clone());
                (here, moved, fresh) = (trial, true, analytic);
                if !analytic {
                    // BFGS update of the kept Hessian with the step taken: superlinear
                    // convergence without differencing again
                    let sv: Vec<f64> = (0..p).map(|i| x[i] - xo[i]).collect();
                    let yv: Vec<f64> = (0..p).map(|i| here.1[i] - go[i]).collect();
                    if let Some(h) = here.2.as_mut() {
                        optimize::bfgs_update_hessian(h, &sv, &yv);
                    }
                }
                break;
            }
            t *= 0.5;
        }
        if !moved {
            if !fresh {
                here = objective_hessian(model, pen, &x);
                evaluations += here.3;
                fresh = true;
                continue;
            }
            // no progress left at floating-point resolution
            searched = searched || gnorm <= 1e3 * options.tol;
            message = "stopped: Newton steps found no lower value";
            break;
        }
    }
    if !fresh {
        // the standard errors need the Hessian at the optimum itself
        here = objective_hessian(model, pen, &x);
        evaluations += here.3;
    }
    Refined { x, here, iterations, evaluations, searched, message }
}

/// The fit at `x` (log-parameters; Σ w ℓ there is `log_likelihood`): covariance,
/// convergence verdict and diagnostics.
#[allow(clippy::too_many_arguments)]
fn finish(
    model: &impl Likelihood,
    options: &FitOptions,
    x: &[f64],
    log_likelihood: f64,
    grad: Vec<f64>,
    hess: Option<Vec<f64>>,
    searched: bool,
    message: &str,
    (iterations, evaluations, starts, at_optimum): (usize, usize, usize, usize),
) -> Result<Fit> {
    let names = model.names();
    let p = names.len();
    let (lo, hi) = (vec![-LOG_BOUND; p], vec![LOG_BOUND; p]);
    let theta: Vec<f64> = x.iter().map(|v| v.exp()).collect();
    let gradient_norm = optimize::projected_gradient_norm(x, &grad, &lo, &hi);
    let on_bound: Vec<&str> = (0..p).filter(|&i| x[i] <= lo[i] || x[i] >= hi[i]).map(|i| names[i]).collect();
    // covariance of ln θ = inverse of the Hessian of the total penalised negative
    // log-likelihood (W times the mean); of θ by the delta method: diag(θ) C diag(θ)
    let w = model.total_weight();
    let inv = hess.as_ref().and_then(|h| {
        let total: Vec<f64> = h.iter().map(|v| v * w).collect();
        optimize::spd_inverse(&total, p)
    });
    let covariance = match &inv {
        Some(c) => (0..p * p).map(|k| theta[k / p] * theta[k % p] * c[k]).collect(),
        None => vec![f64::NAN; p * p],
    };
    let searched = searched || gradient_norm <= options.tol;
    let ridge = model.ridges().iter().find(|&&(i, _)| theta[i] > RIDGE_LIMIT);
    let (converged, message) = if let Some(&(i, j)) = ridge {
        (
            false,
            format!(
                "{} and {} grow without bound together ({}/{} = {:.6}): the likelihood rises towards a rate \
                 the same for every customer, and these estimates are a point far out on that ridge",
                names[i],
                names[j],
                names[i],
                names[j],
                theta[i] / theta[j]
            ),
        )
    } else if !searched {
        (false, format!("did not converge ({message}); try other initial_params or a penalizer_coef"))
    } else if !on_bound.is_empty() {
        (
            false,
            format!(
                "{} reached the bound of the search (1e-10 or 1e10): the data cannot identify it; \
                 a penalizer_coef keeps it finite",
                on_bound.join(", ")
            ),
        )
    } else if inv.is_none() {
        (false, "the Hessian at the optimum is not positive definite: standard errors are undefined".into())
    } else {
        (true, format!("converged: largest gradient component {gradient_norm:.1e}"))
    };
    Ok(Fit {
        params: theta,
        log_likelihood,
        covariance,
        converged,
        message,
        iterations,
        evaluations,
        gradient_norm,
        starts,
        starts_at_optimum: at_optimum,
    })
}

/// Σ w ℓ of `model` at `params` (checked positive) and its gradient.
pub fn log_likelihood_at(model: &impl Likelihood, params: &[f64]) -> Result<(f64, Vec<f64>)> {
    check_params(params, model.names())?;
    let mut g = vec![0.0; params.len()];
    let v = model.log_lik(params, &mut g);
    Ok((v, g))
}

/// The three models of repeat purchasing in continuous time, read from their names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountModel {
    BetaGeo,
    ModifiedBetaGeo,
    ParetoNbd,
}

impl CountModel {
    /// `"bg_nbd"`, `"mbg_nbd"` or `"pareto_nbd"`.
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "bg_nbd" => Ok(CountModel::BetaGeo),
            "mbg_nbd" => Ok(CountModel::ModifiedBetaGeo),
            "pareto_nbd" => Ok(CountModel::ParetoNbd),
            _ => Err(KernelError::InvalidParameter(format!(
                "unknown model {name:?}: use \"bg_nbd\", \"mbg_nbd\" or \"pareto_nbd\""
            ))),
        }
    }

    fn variant(self) -> nbd::Variant {
        if self == CountModel::ModifiedBetaGeo {
            nbd::Variant::Modified
        } else {
            nbd::Variant::BetaGeo
        }
    }

    /// Maximum likelihood on `data`.
    pub fn fit(self, data: nbd::Histories, options: &FitOptions) -> Result<Fit> {
        match self {
            CountModel::ParetoNbd => fit(&pareto::Model::new(data)?, options),
            _ => fit(&nbd::Model::new(self.variant(), data)?, options),
        }
    }

    /// Σ w ℓ at `params` and its gradient.
    pub fn log_likelihood(self, params: &[f64], data: nbd::Histories) -> Result<(f64, Vec<f64>)> {
        match self {
            CountModel::ParetoNbd => log_likelihood_at(&pareto::Model::new(data)?, params),
            _ => log_likelihood_at(&nbd::Model::new(self.variant(), data)?, params),
        }
    }

    /// P(alive) of each customer.
    pub fn p_alive(self, params: &[f64], data: &nbd::Histories) -> Result<Vec<f64>> {
        match self {
            CountModel::ParetoNbd => pareto::p_alive(pareto::Params::new(params)?, data),
            _ => nbd::p_alive(self.variant(), nbd::Params::new(params)?, data),
        }
    }

    /// Expected purchases in the next `t` given each history: through
    /// [`Self::discounted_expected_purchases`] with one horizon of weight 1 (the same
    /// values as the per-row formulas, computed once per distinct (x, T)).
    pub fn conditional_expected_purchases(self, params: &[f64], t: f64, data: &nbd::Histories) -> Result<Vec<f64>> {
        self.discounted_expected_purchases(params, &[t], &[1.0], data)
    }

    /// Σ_k w_k (E[Y(t_k)] − E[Y(t_{k−1})]) for each customer, with E[Y(t)] her expected
    /// purchases in the next t (as [`Self::conditional_expected_purchases`]), `t_0 = 0`,
    /// `horizons` t_1 < t_2 < ... and their `weights` w_k: the discounted purchases of a
    /// customer-lifetime value over every horizon in one pass.
    ///
    /// E[Y(t)] is P(alive) times an expectation given alive that reads only (x, T), not
    /// t_x: the latter is computed once per distinct (x, T) pair and horizon (customers
    /// observed on a grid of days share few pairs), P(alive) once per customer.
    pub fn discounted_expected_purchases(
        self,
        params: &[f64],
        horizons: &[f64],
        weights: &[f64],
        data: &nbd::Histories,
    ) -> Result<Vec<f64>> {
        if horizons.len() != weights.len() {
            return Err(KernelError::LengthMismatch(format!(
                "{} horizons but {} weights",
                horizons.len(),
                weights.len()
            )));
        }
        let mut previous = 0.0;
        for &t in horizons {
            nbd::check_horizon(t)?;
            if t < previous {
                return Err(KernelError::InvalidParameter(format!(
                    "the horizons must increase: {t} follows {previous}"
                )));
            }
            previous = t;
        }
        if let Some(w) = weights.iter().find(|w| !w.is_finite()) {
            return Err(KernelError::InvalidParameter(format!("the weights must be finite, not {w}")));
        }
        let alive = self.p_alive(params, data)?;
        let (x, age, codes) = distinct_pairs(data.frequency, data.age);
        let if_alive = |t: f64| -> Result<Vec<f64>> {
            Ok(match self {
                CountModel::ParetoNbd => pareto::expected_if_alive(pareto::Params::new(params)?, t, &x, &age),
                _ => nbd::expected_if_alive(self.variant(), nbd::Params::new(params)?, t, &x, &age),
            })
        };
        let (mut value, mut before) = (vec![0.0; x.len()], vec![0.0; x.len()]);
        for (&t, &w) in horizons.iter().zip(weights) {
            let now = if_alive(t)?;
            value.iter_mut().zip(now.iter().zip(&before)).for_each(|(v, (n, b))| *v += w * (n - b));
            before = now;
        }
        Ok(map_rows(codes.len(), |i| value[codes[i] as usize] * alive[i]))
    }

    /// E[X(t)] for each t.
    pub fn expected_purchases(self, params: &[f64], t: &[f64]) -> Result<Vec<f64>> {
        match self {
            CountModel::ParetoNbd => pareto::expected_purchases(pareto::Params::new(params)?, t),
            _ => nbd::expected_purchases(self.variant(), nbd::Params::new(params)?, t),
        }
    }

    /// P(X(t) = n) for each (n, t).
    pub fn probability_of_purchases(self, params: &[f64], n: &[f64], t: &[f64]) -> Result<Vec<f64>> {
        match self {
            CountModel::ParetoNbd => pareto::probability_of_purchases(pareto::Params::new(params)?, n, t),
            _ => nbd::probability_of_purchases(self.variant(), nbd::Params::new(params)?, n, t),
        }
    }
}

/// The rows a pass of BG/NBD, MBG/NBD or Pareto/NBD reads: the customers without repeat
/// purchase merged by age (their likelihood depends on T alone, and customers are often
/// acquired on a grid of days, so there are few distinct ages) as (T, total weight) in
/// order of first occurrence, and the indices of the others; over every `stride`-th row.
#[derive(Clone)]
pub(crate) struct Rows {
    pub zeros: std::sync::Arc<Vec<(f64, f64)>>,
    pub others: std::sync::Arc<Vec<u32>>,
}

impl Rows {
    pub(crate) fn new(data: &nbd::Histories, stride: usize) -> Self {
        let mut by_age: hashbrown::HashMap<u64, usize, foldhash::fast::FixedState> = Default::default();
        let mut zeros: Vec<(f64, f64)> = Vec::new();
        let mut others = Vec::new();
        for i in (0..data.frequency.len()).step_by(stride.max(1)) {
            if data.frequency[i] == 0.0 {
                let t = data.age[i] + 0.0; // −0.0 and 0.0 are one age
                let next = zeros.len();
                let k = *by_age.entry(t.to_bits()).or_insert(next);
                if k == next {
                    zeros.push((t, 0.0));
                }
                zeros[k].1 += data.weight(i);
            } else {
                others.push(i as u32);
            }
        }
        Rows { zeros: std::sync::Arc::new(zeros), others: std::sync::Arc::new(others) }
    }

    pub(crate) fn len(&self) -> usize {
        self.zeros.len() + self.others.len()
    }
}

/// Checks a parameter vector: one positive finite value per name.
pub(crate) fn check_params(p: &[f64], names: &[&str]) -> Result<()> {
    if p.len() != names.len() || p.iter().any(|v| !(v.is_finite() && *v > 0.0)) {
        return Err(KernelError::InvalidParameter(format!(
            "the parameters are {} positive finite numbers ({}), got {p:?}",
            names.len(),
            names.join(", ")
        )));
    }
    Ok(())
}

/// The first index where `bad` holds, as an input error naming the column and the fix.
pub(crate) fn check_column(name: &str, values: &[f64], bad: impl Fn(f64) -> bool, rule: &str) -> Result<()> {
    match values.iter().position(|&v| bad(v)) {
        Some(i) => Err(KernelError::OutOfRange(format!("{name}[{i}] = {}: {rule}", values[i]))),
        None => Ok(()),
    }
}

/// Checks that every column has `n` values.
pub(crate) fn check_lengths(n: usize, columns: &[(&str, usize)]) -> Result<()> {
    for (name, len) in columns {
        if *len != n {
            return Err(KernelError::LengthMismatch(format!("{name} has {len} values but there are {n} rows")));
        }
    }
    if n == 0 {
        return Err(KernelError::OutOfRange("no rows to fit: the data is empty".into()));
    }
    Ok(())
}

/// Checks optional weights (finite, >= 0, positive sum) and returns their sum.
pub(crate) fn check_weights(weights: Option<&[f64]>, n: usize) -> Result<f64> {
    match weights {
        None => Ok(n as f64),
        Some(w) => {
            check_lengths(n, &[("weights", w.len())])?;
            check_column("weights", w, |v| !(v >= 0.0 && v.is_finite()), "weights count customers: finite and >= 0")?;
            let total: f64 = w.iter().sum();
            if total > 0.0 {
                Ok(total)
            } else {
                Err(KernelError::OutOfRange("the weights sum to 0: no customer to fit".into()))
            }
        }
    }
}

/// The distinct (a, b) pairs of two columns, in order of first occurrence (equal bits are
/// equal), and each row's pair index.
pub(crate) fn distinct_pairs(a: &[f64], b: &[f64]) -> (Vec<f64>, Vec<f64>, Vec<u32>) {
    let mut seen: hashbrown::HashMap<(u64, u64), u32, foldhash::fast::FixedState> = Default::default();
    let (mut da, mut db) = (Vec::new(), Vec::new());
    let codes = a
        .iter()
        .zip(b)
        .map(|(&u, &v)| {
            *seen.entry((u.to_bits(), v.to_bits())).or_insert_with(|| {
                da.push(u);
                db.push(v);
                (da.len() - 1) as u32
            })
        })
        .collect();
    (da, db, codes)
}

/// Distinct values of a column of whole numbers (sorted) and each row's index among them.
pub(crate) fn factorize_counts(values: &[f64]) -> (Vec<f64>, Vec<u32>) {
    let max = values.iter().fold(0.0f64, |m, &v| m.max(v));
    if max <= (4 * values.len()).max(1 << 16) as f64 {
        let mut seen = vec![u32::MAX; max as usize + 1];
        values.iter().for_each(|&v| seen[v as usize] = 0);
        let mut distinct = Vec::new();
        for (v, s) in seen.iter_mut().enumerate() {
            if *s == 0 {
                *s = distinct.len() as u32;
                distinct.push(v as f64);
            }
        }
        let codes = values.iter().map(|&v| seen[v as usize]).collect();
        (distinct, codes)
    } else {
        let mut distinct = values.to_vec();
        distinct.sort_by(f64::total_cmp);
        distinct.dedup();
        let codes = values.iter().map(|v| distinct.partition_point(|d| d < v) as u32).collect();
        (distinct, codes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discounted_purchases_sum_the_increments_of_every_horizon() {
        // customers on a grid of days (in weeks), many sharing (x, T) but not t_x
        let n = 3000;
        let x: Vec<f64> = (0..n).map(|i| ((i * 7) % 11) as f64 * ((i % 3 != 0) as u8 as f64)).collect();
        let age: Vec<f64> = (0..n).map(|i| (1 + (i * 13) % 300) as f64 / 7.0).collect();
        let tx: Vec<f64> =
            (0..n).map(|i| if x[i] == 0.0 { 0.0 } else { age[i] * ((i * 31) % 97) as f64 / 97.0 }).collect();
        let data = nbd::Histories { frequency: &x, recency: &tx, age: &age, weights: None };
        let horizons: Vec<f64> = (1..=12).map(|m| m as f64 * 4.345).collect();
        let weights: Vec<f64> = (1..=12).map(|m| 1.01f64.powi(-m)).collect();
        for (model, params) in [
            (CountModel::BetaGeo, vec![0.2426, 4.4136, 0.7929, 2.4259]),
            (CountModel::ModifiedBetaGeo, vec![0.5248, 6.1830, 0.8914, 1.6140]),
            (CountModel::ParetoNbd, vec![0.5533, 10.578, 0.6062, 11.67]),
        ] {
            let got = model.discounted_expected_purchases(&params, &horizons, &weights, &data).unwrap();
            let mut want = vec![0.0; n];
            let mut before = vec![0.0; n];
            for (&t, &w) in horizons.iter().zip(&weights) {
                let now = match model {
                    CountModel::ParetoNbd => {
                        pareto::conditional_expected_purchases(pareto::Params::new(&params).unwrap(), t, &data)
                    }
                    _ => nbd::conditional_expected_purchases(
                        model.variant(),
                        nbd::Params::new(&params).unwrap(),
                        t,
                        &data,
                    ),
                }
                .unwrap();
                (0..n).for_each(|i| want[i] += w * (now[i] - before[i]));
                before = now;
            }
            for i in 0..n {
                assert!(
                    (got[i] - want[i]).abs() <= 1e-12 * want[i].abs().max(1e-3),
                    "{model:?} row {i}: {} vs {}",
                    got[i],
                    want[i]
                );
            }
            // one horizon with weight 1 is the per-row formula (FHL 2005 eq. 10, note 009)
            let one = model.conditional_expected_purchases(&params, 52.0, &data).unwrap();
            let per_row = match model {
                CountModel::ParetoNbd => {
                    pareto::conditional_expected_purchases(pareto::Params::new(&params).unwrap(), 52.0, &data)
                }
                _ => nbd::conditional_expected_purchases(
                    model.variant(),
                    nbd::Params::new(&params).unwrap(),
                    52.0,
                    &data,
                ),
            };
            assert_eq!(one, per_row.unwrap());
        }
        let bad = |h: &[f64], w: &[f64]| CountModel::BetaGeo.discounted_expected_purchases(&[1.0; 4], h, w, &data);
        assert!(matches!(bad(&[2.0, 1.0], &[1.0, 1.0]), Err(KernelError::InvalidParameter(_))));
        assert!(matches!(bad(&[1.0], &[1.0, 1.0]), Err(KernelError::LengthMismatch(_))));
        assert!(matches!(bad(&[1.0], &[f64::NAN]), Err(KernelError::InvalidParameter(_))));
    }

    #[test]
    fn factorized_counts_index_their_distinct_values() {
        for values in [vec![3.0, 0.0, 3.0, 7.0], vec![1e9, 2.0, 1e9]] {
            let (distinct, codes) = factorize_counts(&values);
            let mut want = values.clone();
            want.sort_by(f64::total_cmp);
            want.dedup();
            assert_eq!(distinct, want);
            assert!(values.iter().zip(&codes).all(|(v, &c)| distinct[c as usize] == *v));
        }
    }

    #[test]
    fn row_sums_do_not_depend_on_the_thread_count() {
        let n = 3 * crate::CHUNK + 17;
        let row = |i: usize, g: &mut [f64; 2]| {
            let v = ((i * 7919) % 1000) as f64 / 7.0;
            g[0] += v.sqrt();
            g[1] += 1.0 / (1.0 + v);
            v.ln_1p()
        };
        let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap().install(|| sum_rows(n, row));
        let four = rayon::ThreadPoolBuilder::new().num_threads(4).build().unwrap().install(|| sum_rows(n, row));
        assert_eq!(one.0.to_bits(), four.0.to_bits());
        assert_eq!(one.1.map(f64::to_bits), four.1.map(f64::to_bits));
    }
}
