//! BG/BB (Fader, Hardie & Shang 2010, "Customer-Base Analysis in a Discrete-Time
//! Noncontractual Setting"): at each of n discrete transaction opportunities an alive
//! customer buys with probability p ~ Beta(α, β), and after each opportunity drops out for
//! good with probability θ ~ Beta(γ, δ). Parameters (α, β, γ, δ).
//!
//! A customer's history is x purchases among the n opportunities, the last at t_x
//! (0 when x = 0). Its likelihood (FHS 2010 eq. 5):
//!
//!   L = B(α+x, β+n−x)/B(α, β) · B(γ, δ+n)/B(γ, δ)
//!     + Σ_{i=0}^{n−t_x−1} B(α+x, β+t_x−x+i)/B(α, β) · B(γ+1, δ+t_x+i)/B(γ, δ)
//!
//! summed in logs. Every argument is a parameter plus a whole number, so each evaluation
//! tables ln Γ(· + j) − ln Γ(·) and ψ(· + j) − ψ(·) for the six parameter combinations
//! once, by recurrence.

use super::special::{digamma_rising, ln_rising};
use super::{check_column, check_lengths, check_params, check_weights, map_rows, sum_rows, Likelihood};
use crate::{KernelError, Result};

/// Per-customer discrete histories (or groups of identical ones with their `weights`).
#[derive(Debug, Clone, Copy)]
pub struct Histories<'a> {
    /// Purchases x, 0 <= x <= t_x.
    pub frequency: &'a [f64],
    /// The opportunity of the last purchase, t_x (0 when x = 0), t_x <= n.
    pub recency: &'a [f64],
    /// Transaction opportunities observed, n.
    pub periods: &'a [f64],
    pub weights: Option<&'a [f64]>,
}

/// The longest history the tables accept.
const MAX_PERIODS: f64 = 1e7;

impl Histories<'_> {
    pub fn validate(&self) -> Result<f64> {
        let n = self.frequency.len();
        check_lengths(n, &[("recency", self.recency.len()), ("n_periods", self.periods.len())])?;
        let whole = |v: f64| !(v >= 0.0 && v.is_finite() && v.fract() == 0.0);
        check_column("frequency", self.frequency, whole, "frequency counts purchases: a whole number >= 0")?;
        check_column(
            "recency",
            self.recency,
            whole,
            "recency is the opportunity of the last purchase: a whole number >= 0",
        )?;
        check_column(
            "n_periods",
            self.periods,
            |v| whole(v) || v > MAX_PERIODS,
            "n_periods counts transaction opportunities: a whole number >= 0 (at most 10 million)",
        )?;
        for i in 0..n {
            let (x, tx, np) = (self.frequency[i], self.recency[i], self.periods[i]);
            if x > tx || tx > np || (x == 0.0) != (tx == 0.0) {
                return Err(KernelError::OutOfRange(format!(
                    "row {i}: frequency {x}, recency {tx}, n_periods {np}: a history needs \
                     frequency <= recency <= n_periods, and recency 0 exactly when frequency is 0"
                )));
            }
        }
        check_weights(self.weights, n)
    }
}

/// ln Γ(a + j) − ln Γ(a) and ψ(a + j) − ψ(a) for j = 0..=n, by recurrence.
struct Rising {
    ln: Vec<f64>,
    psi: Vec<f64>,
}

impl Rising {
    fn new(a: f64, n: usize) -> Self {
        let (mut ln, mut psi) = (Vec::with_capacity(n + 1), Vec::with_capacity(n + 1));
        let (mut l, mut p) = (0.0, 0.0);
        for j in 0..=n {
            ln.push(l);
            psi.push(p);
            l += (a + j as f64).ln();
            p += 1.0 / (a + j as f64);
        }
        Rising { ln, psi }
    }
}

/// The six tables of one evaluation.
struct Tables {
    a: Rising,
    b: Rising,
    ab: Rising,
    g: Rising,
    d: Rising,
    gd: Rising,
    inv_gamma: f64,
}

impl Tables {
    fn new(theta: &[f64], n: usize) -> Self {
        let (al, be, ga, de) = (theta[0], theta[1], theta[2], theta[3]);
        Tables {
            a: Rising::new(al, n + 1),
            b: Rising::new(be, n + 1),
            ab: Rising::new(al + be, n + 1),
            g: Rising::new(ga, 1),
            d: Rising::new(de, n + 1),
            gd: Rising::new(ga + de, n + 1),
            inv_gamma: 1.0 / ga,
        }
    }

    /// ln[B(α+x, β+m)/B(α, β) · B(γ+e, δ+k)/B(γ, δ)] and its gradient.
    #[inline]
    fn term(&self, x: usize, m: usize, e: usize, k: usize) -> (f64, [f64; 4]) {
        let v = self.a.ln[x] + self.b.ln[m] - self.ab.ln[x + m] + self.g.ln[e] + self.d.ln[k] - self.gd.ln[e + k];
        let g = [
            self.a.psi[x] - self.ab.psi[x + m],
            self.b.psi[m] - self.ab.psi[x + m],
            if e == 1 { self.inv_gamma } else { 0.0 } - self.gd.psi[e + k],
            self.d.psi[k] - self.gd.psi[e + k],
        ];
        (v, g)
    }

    /// ln L of one history and its gradient (an online log-sum-exp of its terms).
    fn row(&self, x: usize, tx: usize, n: usize, grad: Option<&mut [f64; 4]>) -> f64 {
        let (first, g0) = self.term(x, n - x, 0, n);
        let (mut m, mut sum, mut acc) = (first, 1.0, g0);
        for i in 0..n - tx {
            let (u, g) = self.term(x, tx - x + i, 1, tx + i);
            if u > m {
                let scale = (m - u).exp();
                sum = sum * scale + 1.0;
                for k in 0..4 {
                    acc[k] = acc[k] * scale + g[k];
                }
                m = u;
            } else {
                let e = (u - m).exp();
                sum += e;
                for k in 0..4 {
                    acc[k] += e * g[k];
                }
            }
        }
        if let Some(grad) = grad {
            for k in 0..4 {
                grad[k] = acc[k] / sum;
            }
        }
        m + sum.ln()
    }
}

/// The BG/BB likelihood of validated histories (every `stride`-th row).
#[derive(Clone)]
pub struct Model<'a> {
    data: Histories<'a>,
    total: f64,
    stride: usize,
    max_n: usize,
}

impl<'a> Model<'a> {
    pub fn new(data: Histories<'a>) -> Result<Self> {
        let total = data.validate()?;
        let max_n = data.periods.iter().fold(0.0f64, |m, &v| m.max(v)) as usize;
        Ok(Model { data, total, stride: 1, max_n })
    }
}

impl Likelihood for Model<'_> {
    fn names(&self) -> &'static [&'static str] {
        &["alpha", "beta", "gamma", "delta"]
    }

    fn total_weight(&self) -> f64 {
        self.total
    }

    fn log_lik(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        let t = Tables::new(theta, self.max_n);
        let (d, stride) = (&self.data, self.stride);
        let (ll, g) = sum_rows::<4>(d.frequency.len().div_ceil(stride), |j, g| {
            let i = j * stride;
            let w = d.weights.map_or(1.0, |w| w[i]);
            let mut gr = [0.0; 4];
            let v = t.row(d.frequency[i] as usize, d.recency[i] as usize, d.periods[i] as usize, Some(&mut gr));
            for k in 0..4 {
                g[k] += w * gr[k];
            }
            w * v
        });
        grad[..4].copy_from_slice(&g);
        ll
    }

    fn starts(&self) -> Vec<Vec<f64>> {
        vec![vec![1.0, 1.0, 1.0, 1.0], vec![0.5, 0.5, 0.5, 3.0], vec![2.0, 1.0, 0.3, 2.0]]
    }

    fn rows(&self) -> usize {
        self.data.frequency.len().div_ceil(self.stride)
    }

    fn every(&self, stride: usize) -> Option<Self> {
        let stride = self.stride * stride.max(1);
        let total =
            (0..self.data.frequency.len()).step_by(stride).map(|i| self.data.weights.map_or(1.0, |w| w[i])).sum();
        Some(Model { stride, total, ..self.clone() })
    }
}

/// Model parameters (α, β, γ, δ).
#[derive(Debug, Clone, Copy)]
pub struct Params {
    pub alpha: f64,
    pub beta: f64,
    pub gamma: f64,
    pub delta: f64,
}

impl Params {
    pub fn new(p: &[f64]) -> Result<Self> {
        check_params(p, &["alpha", "beta", "gamma", "delta"])?;
        Ok(Params { alpha: p[0], beta: p[1], gamma: p[2], delta: p[3] })
    }

    fn theta(&self) -> [f64; 4] {
        [self.alpha, self.beta, self.gamma, self.delta]
    }
}

/// (1 − e^l) / (γ − 1), continuous at γ = 1 where l vanishes: there it is −∂l/∂γ = −`dl`.
fn ratio_over_gamma_minus_one(l: f64, gamma: f64, dl: f64) -> f64 {
    if (gamma - 1.0).abs() < 1e-9 {
        -dl
    } else {
        -l.exp_m1() / (gamma - 1.0)
    }
}

/// P(alive at opportunity n + m | x, t_x, n) (FHS 2010 eq. A10 with m periods ahead):
/// B(α+x, β+n−x)/B(α, β) · B(γ, δ+n+m)/B(γ, δ) / L.
pub fn p_alive(p: Params, m: f64, data: &Histories) -> Result<Vec<f64>> {
    data.validate()?;
    check_future(m)?;
    let max_n = data.periods.iter().fold(0.0f64, |a, &v| a.max(v)) as usize;
    let t = Tables::new(&p.theta(), max_n);
    Ok(map_rows(data.frequency.len(), |i| {
        let (x, tx, n) = (data.frequency[i] as usize, data.recency[i] as usize, data.periods[i] as usize);
        let (u, _) = t.term(x, n - x, 0, n);
        let future = ln_rising(p.delta + n as f64, m) - ln_rising(p.gamma + p.delta + n as f64, m);
        (u + future - t.row(x, tx, n, None)).exp().min(1.0)
    }))
}

/// Expected purchases in the next m opportunities given each history (FHS 2010 eq. 13):
/// B(α+x+1, β+n−x)/B(α, β) · δ/(γ−1) · Γ(γ+δ)/Γ(1+δ) · [Γ(1+δ+n)/Γ(γ+δ+n) −
/// Γ(1+δ+n+m)/Γ(γ+δ+n+m)] / L.
pub fn conditional_expected_purchases(p: Params, m: f64, data: &Histories) -> Result<Vec<f64>> {
    data.validate()?;
    check_future(m)?;
    let max_n = data.periods.iter().fold(0.0f64, |a, &v| a.max(v)) as usize;
    let t = Tables::new(&p.theta(), max_n);
    let (al, be, ga, de) = (p.alpha, p.beta, p.gamma, p.delta);
    Ok(map_rows(data.frequency.len(), |i| {
        let (x, tx, n) = (data.frequency[i], data.recency[i], data.periods[i]);
        let ln_l = t.row(x as usize, tx as usize, n as usize, None);
        // B(α+x+1, β+n−x)/B(α, β) = (α+x)/(α+β+n) · B(α+x, β+n−x)/B(α, β)
        let (u, _) = t.term(x as usize, (n - x) as usize, 0, 0);
        let purchase = u + ((al + x) / (al + be + n)).ln();
        // Γ(γ+δ)/Γ(1+δ) · Γ(1+δ+n)/Γ(γ+δ+n) = exp(k_n), and the bracket = exp(k_n) (1 − exp(k_{n+m} − k_n))
        let k_n = ln_rising(1.0 + de, n) - ln_rising(ga + de, n);
        let step = ln_rising(1.0 + de + n, m) - ln_rising(ga + de + n, m);
        let d_step = -digamma_rising(1.0 + de + n, m); // ∂step/∂γ at γ = 1
        (purchase + k_n - ln_l).exp() * de * ratio_over_gamma_minus_one(step, ga, d_step)
    }))
}

/// E[X(n)]: expected purchases in the first n opportunities of a customer drawn from the
/// population (FHS 2010 eq. 8): α/(α+β) · δ/(γ−1) · [1 − Γ(γ+δ)Γ(1+δ+n)/(Γ(γ+δ+n)Γ(1+δ))].
pub fn expected_purchases(p: Params, n: &[f64]) -> Result<Vec<f64>> {
    check_column("n", n, |v| !(v >= 0.0 && v.is_finite() && v.fract() == 0.0), "n must be a whole number >= 0")?;
    let (al, be, ga, de) = (p.alpha, p.beta, p.gamma, p.delta);
    Ok(n.iter()
        .map(|&n| {
            let l = ln_rising(1.0 + de, n) - ln_rising(ga + de, n);
            al / (al + be) * de * ratio_over_gamma_minus_one(l, ga, -digamma_rising(1.0 + de, n))
        })
        .collect())
}

/// P(X(n) = x) for a customer drawn from the population (FHS 2010 eq. 7), for each
/// (x, n) pair: C(n, x) B(α+x, β+n−x)/B(α,β) B(γ, δ+n)/B(γ,δ)
/// + Σ_{i=x}^{n−1} C(i, x) B(α+x, β+i−x)/B(α,β) B(γ+1, δ+i)/B(γ,δ).
pub fn probability_of_purchases(p: Params, x: &[f64], n: &[f64]) -> Result<Vec<f64>> {
    if x.len() != n.len() {
        return Err(KernelError::LengthMismatch(format!("{} counts but {} horizons", x.len(), n.len())));
    }
    let whole = |v: f64| !(v >= 0.0 && v.is_finite() && v.fract() == 0.0 && v <= MAX_PERIODS);
    check_column("x", x, whole, "x must be a whole number >= 0")?;
    check_column("n", n, whole, "n must be a whole number >= 0 (at most 10 million)")?;
    let max_n = n.iter().fold(0.0f64, |a, &v| a.max(v)) as usize;
    let t = Tables::new(&p.theta(), max_n);
    let ln_choose = |n: usize, k: usize| {
        let lg = super::special::ln_gamma;
        lg(n as f64 + 1.0) - lg(k as f64 + 1.0) - lg((n - k) as f64 + 1.0)
    };
    Ok(x.iter()
        .zip(n)
        .map(|(&x, &n)| {
            let (x, n) = (x as usize, n as usize);
            if x > n {
                return 0.0;
            }
            let mut total = (ln_choose(n, x) + t.term(x, n - x, 0, n).0).exp();
            for i in x..n {
                total += (ln_choose(i, x) + t.term(x, i - x, 1, i).0).exp();
            }
            total
        })
        .collect())
}

fn check_future(m: f64) -> Result<()> {
    if m >= 0.0 && m.is_finite() && m.fract() == 0.0 {
        Ok(())
    } else {
        Err(KernelError::InvalidParameter(format!(
            "the number of future opportunities must be a whole number >= 0, not {m}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::super::{fit, FitOptions};
    use super::*;

    pub(crate) fn donations() -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) {
        let text = include_str!("../../../../tests/data/donations.csv");
        let rows: Vec<Vec<f64>> =
            text.lines().skip(1).map(|l| l.split(',').map(|v| v.parse().unwrap()).collect()).collect();
        let col = |k: usize| rows.iter().map(|r| r[k]).collect();
        (col(0), col(1), col(2), col(3))
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let (x, tx, n, w) = donations();
        let m = Model::new(Histories { frequency: &x, recency: &tx, periods: &n, weights: Some(&w) }).unwrap();
        let theta = [1.2, 0.75, 0.66, 2.8];
        let mut g = [0.0; 4];
        m.log_lik(&theta, &mut g);
        for k in 0..4 {
            let h = 1e-5 * theta[k]; // the total is ~3e4: a smaller step drowns in rounding
            let (mut up, mut dn) = (theta, theta);
            up[k] += h;
            dn[k] -= h;
            let mut s = [0.0; 4];
            let fd = (m.log_lik(&up, &mut s) - m.log_lik(&dn, &mut s)) / (2.0 * h);
            assert!((g[k] - fd).abs() <= 1e-6 * fd.abs().max(1.0), "k={k}: {} vs {fd}", g[k]);
        }
    }

    #[test]
    fn probabilities_of_every_count_sum_to_one() {
        let p = Params { alpha: 1.2, beta: 0.75, gamma: 0.66, delta: 2.8 };
        let x: Vec<f64> = (0..=6).map(|v| v as f64).collect();
        let pr = probability_of_purchases(p, &x, &[6.0; 7]).unwrap();
        assert!((pr.iter().sum::<f64>() - 1.0).abs() < 1e-13, "{pr:?}");
        let mean: f64 = pr.iter().zip(&x).map(|(p, x)| p * x).sum();
        assert!((mean - expected_purchases(p, &[6.0]).unwrap()[0]).abs() < 1e-12);
    }

    #[test]
    fn donations_estimates_of_fader_hardie_shang() {
        let (x, tx, n, w) = donations();
        let m = Model::new(Histories { frequency: &x, recency: &tx, periods: &n, weights: Some(&w) }).unwrap();
        let f = fit(&m, &FitOptions::default()).unwrap();
        assert!(f.converged, "{f:?}");
        let want = [1.2035, 0.7497, 0.6567, 2.7834];
        for k in 0..4 {
            assert!((f.params[k] - want[k]).abs() <= 1e-4 * want[k], "{f:?}");
        }
    }

    #[test]
    fn rejects_impossible_histories() {
        let bad = |x: f64, tx: f64, n: f64| {
            Model::new(Histories { frequency: &[x], recency: &[tx], periods: &[n], weights: None })
                .err()
                .unwrap()
                .to_string()
        };
        assert!(bad(2.0, 1.0, 6.0).contains("frequency <= recency"));
        assert!(bad(1.0, 7.0, 6.0).contains("recency <= n_periods"));
        assert!(bad(0.0, 2.0, 6.0).contains("recency 0 exactly"));
        assert!(bad(0.5, 2.0, 6.0).contains("whole number"));
    }
}
