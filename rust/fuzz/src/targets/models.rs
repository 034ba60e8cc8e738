//! The model kernels: BG/NBD, MBG/NBD, Pareto/NBD, BG/BB, Gamma-Gamma, sBG / BdW survival
//! (likelihoods, predictions and, in `fit`, short fits).
use arbitrary::{Result, Unstructured};
use fidelite_kernels::models::{self, bgbb, gamma_gamma, nbd, survival, CountModel, FitOptions};

use crate::gen::float;

const COUNT_MODELS: [&str; 4] = ["bg_nbd", "mbg_nbd", "pareto_nbd", "nope"];

/// A value that is mostly a plausible history entry, sometimes any float.
fn value(u: &mut Unstructured, plausible: f64) -> Result<f64> {
    Ok(if u.ratio(1, 8)? { float(u)? } else { plausible })
}

/// [`value`] around a whole number in `lo..=hi` divided by `scale`.
fn scaled(u: &mut Unstructured, lo: i64, hi: i64, scale: f64) -> Result<f64> {
    let plausible = u.int_in_range(lo..=hi)? as f64 / scale;
    value(u, plausible)
}

/// Customer histories: frequency, recency, age (or periods) and optional weights; mostly
/// consistent (x = 0 with t_x = 0, t_x <= T), sometimes not.
struct Data {
    x: Vec<f64>,
    tx: Vec<f64>,
    t: Vec<f64>,
    w: Vec<f64>,
    weights: bool,
}

fn histories(u: &mut Unstructured, whole: bool, max_rows: usize) -> Result<Data> {
    let n = u.int_in_range(0..=max_rows)?;
    let mut d = Data { x: vec![], tx: vec![], t: vec![], w: vec![], weights: u.arbitrary()? };
    for _ in 0..n {
        let age = if whole { u.int_in_range(0..=60)? as f64 } else { u.int_in_range(0..=4000)? as f64 / 8.0 };
        let x = u.int_in_range(0..=30)? as f64;
        let rec = if x == 0.0 {
            0.0
        } else if whole {
            u.int_in_range(x as i64..=age.max(x) as i64)? as f64
        } else {
            age * u.int_in_range(0..=100)? as f64 / 100.0
        };
        d.x.push(value(u, if whole { x.min(rec) } else { x })?);
        d.tx.push(value(u, rec)?);
        d.t.push(value(u, age)?);
        d.w.push(scaled(u, 1, 5, 1.0)?);
    }
    Ok(d)
}

fn params(u: &mut Unstructured, k: usize) -> Result<Vec<f64>> {
    let k = if u.ratio(1, 16)? { u.int_in_range(0..=5)? } else { k };
    (0..k).map(|_| scaled(u, 1, 400, 40.0)).collect()
}

fn times(u: &mut Unstructured) -> Result<Vec<f64>> {
    let n = u.int_in_range(0..=8)?;
    (0..n).map(|_| scaled(u, 0, 100, 1.0)).collect()
}

/// Every prediction and likelihood of every model at random parameters on random data.
pub fn models(data: &[u8]) {
    let _ = models_at(&mut Unstructured::new(data));
}

fn models_at(u: &mut Unstructured) -> Result<()> {
    let d = histories(u, false, 40)?;
    let w = d.weights.then_some(d.w.as_slice());
    let h = nbd::Histories { frequency: &d.x, recency: &d.tx, age: &d.t, weights: w };
    let m = CountModel::parse(u.choose(&COUNT_MODELS)?);
    let (p, t, horizon) = (params(u, 4)?, times(u)?, value(u, 30.0)?);
    if let Ok(m) = m {
        let _ = m.log_likelihood(&p, h);
        let _ = m.p_alive(&p, &h);
        let _ = m.conditional_expected_purchases(&p, horizon, &h);
        let mut hs = times(u)?;
        hs.sort_by(f64::total_cmp);
        let ws: Vec<f64> = hs.iter().map(|_| value(u, 0.9)).collect::<Result<_>>()?;
        let _ = m.discounted_expected_purchases(&p, &hs, &ws, &h);
        let _ = m.expected_purchases(&p, &t);
        let _ = m.probability_of_purchases(&p, &times(u)?, &t);
    }
    let d = histories(u, true, 40)?;
    let h = bgbb::Histories { frequency: &d.x, recency: &d.tx, periods: &d.t, weights: d.weights.then_some(&d.w) };
    let p = params(u, 4)?;
    if let Ok(model) = bgbb::Model::new(h) {
        let _ = models::log_likelihood_at(&model, &p);
    }
    if let Ok(bp) = bgbb::Params::new(&p) {
        let _ = bgbb::p_alive(bp, horizon, &h);
        let _ = bgbb::conditional_expected_purchases(bp, horizon, &h);
        let _ = bgbb::expected_purchases(bp, &t);
        let _ = bgbb::probability_of_purchases(bp, &times(u)?, &t);
    }
    let spend: Vec<f64> = d.x.iter().map(|_| scaled(u, 1, 4000, 16.0)).collect::<Result<_>>()?;
    let freq: Vec<f64> = d.x.iter().map(|x| x + 1.0).collect();
    let s = gamma_gamma::Spend { frequency: &freq, monetary_value: &spend, weights: d.weights.then_some(&d.w) };
    let p = params(u, 3)?;
    if let Ok(model) = gamma_gamma::Model::new(s) {
        let _ = models::log_likelihood_at(&model, &p);
    }
    if let Ok(gp) = gamma_gamma::Params::new(&p) {
        let _ = gamma_gamma::conditional_expected_spend(gp, &freq, &spend);
    }
    let (survivors, offsets) = cohorts(u)?;
    let weibull = u.arbitrary()?;
    let p = params(u, if weibull { 3 } else { 2 })?;
    if let Ok(model) = survival::Model::new(survival::Cohorts { survivors: &survivors, offsets: &offsets }, weibull) {
        let _ = models::log_likelihood_at(&model, &p);
    }
    if let Ok(sp) = survival::Params::new(&p) {
        let _ = survival::survival(sp, &t);
        let _ = survival::retention_rate(sp, &t);
        let _ = survival::expected_lifetime(sp, if u.arbitrary()? { Some(value(u, 24.0)?) } else { None });
        let _ = survival::derl(sp, value(u, 0.1)?, &times(u)?);
    }
    Ok(())
}

/// Survivor series of 1-3 cohorts (non-increasing, mostly) and their offsets.
fn cohorts(u: &mut Unstructured) -> Result<(Vec<f64>, Vec<i64>)> {
    let mut survivors = Vec::new();
    let mut offsets = vec![0i64];
    for _ in 0..u.int_in_range(1..=3)? {
        let mut n = u.int_in_range(1..=1000)? as f64;
        for _ in 0..u.int_in_range(1..=10)? {
            survivors.push(value(u, n)?);
            n = (n - u.int_in_range(0..=200)? as f64).max(0.0);
        }
        offsets.push(survivors.len() as i64);
    }
    if u.ratio(1, 10)? {
        offsets = (0..u.int_in_range(0..=4)?)
            .map(|_| u.int_in_range(-1..=survivors.len() as i64 + 1))
            .collect::<Result<_>>()?;
    }
    Ok((survivors, offsets))
}

/// A short fit (a few iterations, a few customers) of a random model: the fit must end
/// with parameters or an error, whatever the data and the starts.
pub fn fit(data: &[u8]) {
    let _ = fit_at(&mut Unstructured::new(data));
}

fn fit_at(u: &mut Unstructured) -> Result<()> {
    let starts = if u.arbitrary()? {
        (0..u.int_in_range(1..=2)?).map(|_| params(u, 4)).collect::<Result<_>>()?
    } else {
        Vec::new()
    };
    let opts = FitOptions {
        penalizer: if u.arbitrary()? { 0.0 } else { value(u, 0.1)? },
        starts,
        max_iter: u.int_in_range(0..=25)?,
        tol: if u.arbitrary()? { 1e-9 } else { value(u, 1e-6)? },
    };
    match u.int_in_range(0..=3)? {
        0 => {
            let d = histories(u, false, 12)?;
            let h = nbd::Histories { frequency: &d.x, recency: &d.tx, age: &d.t, weights: d.weights.then_some(&d.w) };
            if let Ok(m) = CountModel::parse(u.choose(&COUNT_MODELS)?) {
                let _ = m.fit(h, &opts);
            }
        }
        1 => {
            let d = histories(u, true, 12)?;
            let h =
                bgbb::Histories { frequency: &d.x, recency: &d.tx, periods: &d.t, weights: d.weights.then_some(&d.w) };
            if let Ok(m) = bgbb::Model::new(h) {
                let _ = models::fit(&m, &opts);
            }
        }
        2 => {
            let d = histories(u, false, 12)?;
            let freq: Vec<f64> = d.x.iter().map(|x| x + 1.0).collect();
            let s = gamma_gamma::Spend { frequency: &freq, monetary_value: &d.t, weights: d.weights.then_some(&d.w) };
            if let Ok(m) = gamma_gamma::Model::new(s) {
                let _ = models::fit(&m, &opts);
            }
        }
        _ => {
            let (survivors, offsets) = cohorts(u)?;
            let c = survival::Cohorts { survivors: &survivors, offsets: &offsets };
            if let Ok(m) = survival::Model::new(c, u.arbitrary()?) {
                let _ = models::fit(&m, &opts);
            }
        }
    }
    Ok(())
}
