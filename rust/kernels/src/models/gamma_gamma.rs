//! The Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005, "RFM and CLV:
//! Using Iso-Value Curves for Customer Base Analysis"; Fader & Hardie 2013, "The Gamma-Gamma
//! Model of Monetary Value"): a customer's transaction values are Gamma(p, ν) with
//! ν ~ Gamma(q, γ) across customers. Parameters (p, q, γ).
//!
//! A repeat buyer with x > 0 transactions of mean value m contributes (lifetimes' form,
//! the density of the mean rather than of the individual values, which differs by a
//! constant):
//!
//!   ℓ = ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln γ + (px−1) ln m + px ln x − (px+q) ln(γ + m x)

use super::special::{digamma, ln_gamma};
use super::{
    check_column, check_lengths, check_params, check_weights, factorize_counts, map_rows, sum_rows, Likelihood,
};
use crate::{KernelError, Result};

/// Repeat buyers: transactions x and their mean value m (or groups with `weights`).
#[derive(Debug, Clone, Copy)]
pub struct Spend<'a> {
    /// Transactions x averaged in m: whole numbers >= 1.
    pub frequency: &'a [f64],
    /// Mean transaction value m > 0.
    pub monetary_value: &'a [f64],
    pub weights: Option<&'a [f64]>,
}

impl Spend<'_> {
    pub fn validate(&self) -> Result<f64> {
        let n = self.frequency.len();
        check_lengths(n, &[("monetary_value", self.monetary_value.len())])?;
        check_column(
            "frequency",
            self.frequency,
            |v| !(v >= 1.0 && v.is_finite() && v.fract() == 0.0),
            "the Gamma-Gamma model is fitted on repeat buyers: frequency must be a whole number >= 1 \
             (leave out the customers with frequency 0)",
        )?;
        check_column(
            "monetary_value",
            self.monetary_value,
            |v| !(v > 0.0 && v.is_finite()),
            "the mean transaction value must be finite and > 0 (leave out customers whose refunds cancel their spend)",
        )?;
        check_weights(self.weights, n)
    }
}

/// The Gamma-Gamma likelihood of validated repeat buyers (every `stride`-th row).
#[derive(Clone)]
pub struct Model<'a> {
    data: Spend<'a>,
    total: f64,
    stride: usize,
    distinct: Vec<f64>,
    codes: Vec<u32>,
    /// Σ w [(px − 1) ln m + px ln x] = p Σ w x (ln m + ln x) − Σ w ln m: the two sums.
    sum_x_log_mx: f64,
    sum_log_m: f64,
}

impl<'a> Model<'a> {
    pub fn new(data: Spend<'a>) -> Result<Self> {
        let total = data.validate()?;
        let (distinct, codes) = factorize_counts(data.frequency);
        let mut m = Model { data, total, stride: 1, distinct, codes, sum_x_log_mx: 0.0, sum_log_m: 0.0 };
        m.sum_logs();
        Ok(m)
    }

    /// The two data-only sums of ℓ, over the rows in use.
    fn sum_logs(&mut self) {
        let (mut sum_x_log_mx, mut sum_log_m, mut total) = (0.0, 0.0, 0.0);
        let d = &self.data;
        for i in (0..d.frequency.len()).step_by(self.stride) {
            let (w, x, m) = (d.weights.map_or(1.0, |w| w[i]), d.frequency[i], d.monetary_value[i]);
            sum_x_log_mx += w * x * (m * x).ln();
            sum_log_m += w * m.ln();
            total += w;
        }
        (self.sum_x_log_mx, self.sum_log_m, self.total) = (sum_x_log_mx, sum_log_m, total);
    }
}

impl Likelihood for Model<'_> {
    fn names(&self) -> &'static [&'static str] {
        &["p", "q", "gamma"]
    }

    fn total_weight(&self) -> f64 {
        self.total
    }

    fn log_lik(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        let (p, q, ga) = (theta[0], theta[1], theta[2]);
        // per distinct x: ln Γ(px+q) − ln Γ(px) and x [ψ(px+q) − ψ(px)], ψ(px+q)
        let table: Vec<[f64; 3]> = self
            .distinct
            .iter()
            .map(|&x| {
                let (a, b) = (p * x + q, p * x);
                [ln_gamma(a) - ln_gamma(b), x * (digamma(a) - digamma(b)), digamma(a)]
            })
            .collect();
        let (d, stride) = (&self.data, self.stride);
        let (ll, g) = sum_rows::<3>(d.frequency.len().div_ceil(stride), |j, g| {
            let i = j * stride;
            let (w, x, m) = (d.weights.map_or(1.0, |w| w[i]), d.frequency[i], d.monetary_value[i]);
            let c = &table[self.codes[i] as usize];
            let l = (ga + m * x).ln();
            g[0] += w * (c[1] - x * l);
            g[1] += w * (c[2] - l);
            g[2] += w * (-(p * x + q) / (ga + m * x));
            w * (c[0] - (p * x + q) * l)
        });
        let w = self.total;
        grad[0] = g[0] + self.sum_x_log_mx;
        grad[1] = g[1] + w * (ga.ln() - digamma(q));
        grad[2] = g[2] + w * q / ga;
        ll + w * (q * ga.ln() - ln_gamma(q)) + p * self.sum_x_log_mx - self.sum_log_m
    }

    fn starts(&self) -> Vec<Vec<f64>> {
        let mean = (0..self.data.frequency.len())
            .map(|i| self.data.weights.map_or(1.0, |w| w[i]) * self.data.monetary_value[i])
            .sum::<f64>()
            / self.total;
        // E[value] = pγ/(q − 1): start with q = 2 (or 4) and γ matching the mean
        vec![vec![1.0, 2.0, mean], vec![5.0, 4.0, 0.6 * mean], vec![0.5, 1.5, 0.25 * mean]]
    }

    fn rows(&self) -> usize {
        self.data.frequency.len().div_ceil(self.stride)
    }

    fn every(&self, stride: usize) -> Option<Self> {
        let mut m = Model { stride: self.stride * stride.max(1), ..self.clone() };
        m.sum_logs();
        Some(m)
    }
}

/// Model parameters (p, q, γ).
#[derive(Debug, Clone, Copy)]
pub struct Params {
    pub p: f64,
    pub q: f64,
    pub gamma: f64,
}

impl Params {
    pub fn new(p: &[f64]) -> Result<Self> {
        check_params(p, &["p", "q", "gamma"])?;
        Ok(Params { p: p[0], q: p[1], gamma: p[2] })
    }
}

/// E[mean transaction value | x, m] = p(γ + m x)/(px + q − 1), a weighted average of the
/// population mean pγ/(q − 1) and the customer's own m (FHL 2005 "RFM and CLV" eq. 5).
/// A customer without repeat purchases (x = 0, m ignored) gets the population mean;
/// infinite when px + q <= 1 (the mean does not exist).
pub fn conditional_expected_spend(p: Params, frequency: &[f64], monetary_value: &[f64]) -> Result<Vec<f64>> {
    if frequency.len() != monetary_value.len() {
        return Err(KernelError::LengthMismatch(format!(
            "frequency has {} values but monetary_value has {}",
            frequency.len(),
            monetary_value.len()
        )));
    }
    check_column("frequency", frequency, |v| !(v >= 0.0 && v.is_finite()), "frequency must be finite and >= 0")?;
    check_column(
        "monetary_value",
        monetary_value,
        |v| v.is_nan() || v.is_infinite(),
        "monetary_value must be finite (any value where frequency is 0)",
    )?;
    Ok(map_rows(frequency.len(), |i| {
        let x = frequency[i];
        let m = if x > 0.0 { monetary_value[i] } else { 0.0 };
        let den = p.p * x + p.q - 1.0;
        if den <= 0.0 {
            f64::INFINITY
        } else {
            p.p * (p.gamma + m * x) / den
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::super::{fit, FitOptions};
    use super::*;

    fn cdnow_spend() -> (Vec<f64>, Vec<f64>) {
        let text = include_str!("../../../../tests/data/cdnow_customers_summary_with_transactions.csv");
        let rows: Vec<Vec<f64>> =
            text.lines().skip(1).map(|l| l.split(',').skip(1).map(|v| v.parse().unwrap()).collect()).collect();
        let repeat: Vec<&Vec<f64>> = rows.iter().filter(|r| r[0] > 0.0).collect();
        (repeat.iter().map(|r| r[0]).collect(), repeat.iter().map(|r| r[3]).collect())
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let (x, m) = cdnow_spend();
        let w: Vec<f64> = (0..x.len()).map(|i| 1.0 + (i % 3) as f64).collect();
        let model = Model::new(Spend { frequency: &x, monetary_value: &m, weights: Some(&w) }).unwrap();
        let theta = [6.0, 3.7, 15.0];
        let mut g = [0.0; 3];
        let v = model.log_lik(&theta, &mut g);
        // the closed form row by row, without tables or pre-summed logs
        let want: f64 = (0..x.len())
            .map(|i| {
                let (p, q, ga, x, m) = (theta[0], theta[1], theta[2], x[i], m[i]);
                w[i] * (ln_gamma(p * x + q) - ln_gamma(p * x) - ln_gamma(q)
                    + q * ga.ln()
                    + (p * x - 1.0) * m.ln()
                    + p * x * x.ln()
                    - (p * x + q) * (ga + m * x).ln())
            })
            .sum();
        assert!((v - want).abs() < 1e-9 * want.abs(), "{v} vs {want}");
        for k in 0..3 {
            let h = 1e-6 * theta[k];
            let (mut up, mut dn) = (theta, theta);
            up[k] += h;
            dn[k] -= h;
            let mut s = [0.0; 3];
            let fd = (model.log_lik(&up, &mut s) - model.log_lik(&dn, &mut s)) / (2.0 * h);
            assert!((g[k] - fd).abs() <= 1e-6 * fd.abs().max(1.0), "k={k}: {} vs {fd}", g[k]);
        }
    }

    #[test]
    fn cdnow_estimates_of_fader_hardie_lee() {
        let (x, m) = cdnow_spend();
        assert_eq!(x.len(), 946);
        let model = Model::new(Spend { frequency: &x, monetary_value: &m, weights: None }).unwrap();
        let f = fit(&model, &FitOptions::default()).unwrap();
        assert!(f.converged, "{f:?}");
        let want = [6.2488, 3.7446, 15.4477];
        for k in 0..3 {
            assert!((f.params[k] - want[k]).abs() <= 1e-4 * want[k], "{f:?}");
        }
    }
}
