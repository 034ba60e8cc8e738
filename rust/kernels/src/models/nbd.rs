//! BG/NBD (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way") and MBG/NBD
//! (Batislam, Denizel & Filiztekin 2007): purchases follow a Poisson process with rate
//! λ ~ Gamma(r, α) while the customer is alive; after each purchase (BG/NBD: each repeat
//! purchase; MBG/NBD: also right after the first) the customer drops out with
//! probability p ~ Beta(a, b). Parameters (r, α, a, b).
//!
//! The data of a customer: x repeat purchases (frequency), the time t_x of the last one
//! (recency) and the time T since the first purchase (age), all measured from the first
//! purchase. The log-likelihood of one customer (FHL 2005 eq. 6, with the log-sum-exp of
//! its two terms):
//!
//! BG/NBD:  ℓ = ln Γ(r+x) − ln Γ(r) + r ln α + ln B(a, b+x) − ln B(a, b)
//!             + ln[ (α+T)^−(r+x) + 1{x>0} a/(b+x−1) (α+t_x)^−(r+x) ]
//! MBG/NBD: ℓ = ln Γ(r+x) − ln Γ(r) + r ln α + ln B(a, b+x+1) − ln B(a, b)
//!             + ln[ (α+T)^−(r+x) + a/(b+x) (α+t_x)^−(r+x) ]
//!
//! The terms that depend on x alone (log-gammas, digammas) are tabled once per evaluation
//! over the distinct frequencies, so a row costs two logarithms and one log-sum-exp.

use super::special::{
    digamma_rising, expit, ln_beta, ln_gamma, ln_rising, one_minus_scaled_hyp2f1, trigamma_rising, SeriesTable,
};
use super::{check_column, check_lengths, check_weights, factorize_counts, sum_rows, Likelihood, Rows};
use crate::{KernelError, Result};

/// Which of the two models.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// BG/NBD: dropout only after a repeat purchase.
    BetaGeo,
    /// MBG/NBD: dropout also possible right after the first purchase.
    Modified,
}

/// Per-customer histories (one row per customer, or per group of identical histories with
/// its `weights`).
#[derive(Debug, Clone, Copy)]
pub struct Histories<'a> {
    /// Repeat purchases x (whole numbers >= 0).
    pub frequency: &'a [f64],
    /// Time of the last repeat purchase since the first purchase, t_x (0 when x = 0).
    pub recency: &'a [f64],
    /// Time since the first purchase, T >= t_x.
    pub age: &'a [f64],
    /// Customers per row (None = one each).
    pub weights: Option<&'a [f64]>,
}

impl Histories<'_> {
    /// Checks the columns (the message names the first bad row and the fix) and returns
    /// the total weight.
    pub fn validate(&self) -> Result<f64> {
        let n = self.frequency.len();
        check_lengths(n, &[("recency", self.recency.len()), ("T", self.age.len())])?;
        check_column(
            "frequency",
            self.frequency,
            |v| !(v >= 0.0 && v.is_finite() && v.fract() == 0.0),
            "frequency counts repeat purchases: a whole number >= 0",
        )?;
        check_column("recency", self.recency, |v| !(v >= 0.0 && v.is_finite()), "recency must be finite and >= 0")?;
        check_column("T", self.age, |v| !(v >= 0.0 && v.is_finite()), "T must be finite and >= 0")?;
        for i in 0..n {
            if self.recency[i] > self.age[i] {
                return Err(KernelError::OutOfRange(format!(
                    "recency[{i}] = {} > T[{i}] = {}: the last purchase cannot be after the end of \
                     observation (recency and T must be in the same time unit, both from the first purchase)",
                    self.recency[i], self.age[i]
                )));
            }
            if self.frequency[i] == 0.0 && self.recency[i] != 0.0 {
                return Err(KernelError::OutOfRange(format!(
                    "recency[{i}] = {} with frequency 0: recency is the time of the last repeat purchase, \
                     so 0 for customers without one",
                    self.recency[i]
                )));
            }
        }
        check_weights(self.weights, n)
    }

    #[inline]
    pub(crate) fn weight(&self, i: usize) -> f64 {
        self.weights.map_or(1.0, |w| w[i])
    }
}

/// The BG/NBD or MBG/NBD likelihood of validated histories (or of every k-th of them).
#[derive(Clone)]
pub struct Model<'a> {
    variant: Variant,
    data: Histories<'a>,
    total: f64,
    /// Distinct frequencies and each row's index among them.
    distinct: Vec<f64>,
    codes: Vec<u32>,
    rows: Rows,
    times: Option<Times>,
}

/// The distinct times (T and t_x) of the rows with repeat purchases, and each such row's
/// indices among them: a pass takes ln(α + t) and 1/(α + t) once per distinct time, not
/// twice per row (customers observed on a grid of days share a few thousand times).
#[derive(Clone)]
struct Times {
    values: Vec<f64>,
    /// (index of T, index of t_x), one per row of `Rows::others`
    at: Vec<(u32, u32)>,
}

impl Times {
    /// `None` when more than one time in four is new (then a row takes its own logarithms).
    fn new(data: &Histories, rows: &Rows) -> Option<Times> {
        let limit = rows.others.len() / 2;
        let mut seen: hashbrown::HashMap<u64, u32, foldhash::fast::FixedState> = Default::default();
        let mut values = Vec::new();
        let mut at = Vec::with_capacity(rows.others.len());
        for &i in rows.others.iter() {
            let mut code = |t: f64| {
                let t = t + 0.0; // −0.0 and 0.0 are one time
                *seen.entry(t.to_bits()).or_insert_with(|| {
                    values.push(t);
                    (values.len() - 1) as u32
                })
            };
            let i = i as usize;
            at.push((code(data.age[i]), code(data.recency[i])));
            if values.len() > limit {
                return None;
            }
        }
        Some(Times { values, at })
    }
}

impl<'a> Model<'a> {
    pub fn new(variant: Variant, data: Histories<'a>) -> Result<Self> {
        let total = data.validate()?;
        let (distinct, codes) = factorize_counts(data.frequency);
        let rows = Rows::new(&data, 1);
        let times = Times::new(&data, &rows);
        Ok(Model { variant, data, total, distinct, codes, rows, times })
    }

    /// One pass: Σ w ℓ, its gradient (slots 0..4) and, with `hess`, the ten entries of its
    /// Hessian's upper triangle (slots 4..14, row by row).
    fn pass<const HESS: bool>(&self, theta: &[f64]) -> (f64, [f64; 14]) {
        let hess = HESS;
        let (r, alpha, a, b) = (theta[0], theta[1], theta[2], theta[3]);
        let k = if self.variant == Variant::Modified { 1.0 } else { 0.0 };
        let table: Vec<XTerms> = self
            .distinct
            .iter()
            .map(|&x| {
                let (dab, db) = (digamma_rising(a + b, x + k), digamma_rising(b, x + k));
                let drop = self.variant == Variant::Modified || x > 0.0;
                let tab = if hess { trigamma_rising(a + b, x + k) } else { 0.0 };
                XTerms {
                    constant: ln_rising(r, x) + ln_rising(b, x + k) - ln_rising(a + b, x + k),
                    d_r: digamma_rising(r, x),
                    d_a: -dab,
                    d_b: db - dab,
                    log_drop: if drop { a.ln() - (b + x - 1.0 + k).ln() } else { f64::NEG_INFINITY },
                    inv_bx: if drop { 1.0 / (b + x - 1.0 + k) } else { 0.0 },
                    h_rr: if hess { -trigamma_rising(r, x) } else { 0.0 },
                    h_ab: tab,
                    h_bb: if hess { tab - trigamma_rising(b, x + k) } else { 0.0 },
                }
            })
            .collect();
        let (ln_alpha, d) = (alpha.ln(), &self.data);
        let ev = Row::<HESS> { r, alpha, a, ln_alpha };
        // x = 0 and t_x = 0 for the merged customers (the code of x = 0 is the first)
        let (zeros, others) = (&self.rows.zeros, &self.rows.others);
        let (l0, i0) = (alpha.ln(), 1.0 / alpha);
        let (mut ll, mut g) = sum_rows::<14>(zeros.len(), |j, g| {
            let (t, w) = zeros[j];
            ev.add(0.0, &table[0], ((alpha + t).ln(), l0, 1.0 / (alpha + t), i0), w, g)
        });
        let (ll2, g2) = match &self.times {
            Some(times) => {
                let logs = super::map_rows(times.values.len(), |k| (alpha + times.values[k]).ln());
                let inverses = super::map_rows(times.values.len(), |k| 1.0 / (alpha + times.values[k]));
                sum_rows::<14>(others.len(), |j, g| {
                    let i = others[j] as usize;
                    let (t, tx) = (times.at[j].0 as usize, times.at[j].1 as usize);
                    let row_logs = (logs[t], logs[tx], inverses[t], inverses[tx]);
                    ev.add(d.frequency[i], &table[self.codes[i] as usize], row_logs, d.weight(i), g)
                })
            }
            None => sum_rows::<14>(others.len(), |j, g| {
                let i = others[j] as usize;
                let (t, tx) = (d.age[i], d.recency[i]);
                let logs = ((alpha + t).ln(), (alpha + tx).ln(), 1.0 / (alpha + t), 1.0 / (alpha + tx));
                ev.add(d.frequency[i], &table[self.codes[i] as usize], logs, d.weight(i), g)
            }),
        };
        ll += ll2;
        (0..14).for_each(|k| g[k] += g2[k]);
        (ll, g)
    }
}

/// The parameters one row's terms need (HESS: with the Hessian).
struct Row<const HESS: bool> {
    r: f64,
    alpha: f64,
    a: f64,
    ln_alpha: f64,
}

impl<const HESS: bool> Row<HESS> {
    /// Adds one customer (or a group of identical ones: weight w) with frequency x, given
    /// the logs and inverses of α + T and α + t_x: returns w ℓ, adds w ∇ℓ (and the Hessian's
    /// upper triangle) into `g`.
    #[inline(always)]
    fn add(&self, x: f64, c: &XTerms, (l3, l4, i3, i4): (f64, f64, f64, f64), w: f64, g: &mut [f64; 14]) -> f64 {
        let (r, alpha, a, ln_alpha) = (self.r, self.alpha, self.a, self.ln_alpha);
        let rx = r + x;
        // ℓ's last term: ln[e^A3 + e^A4], A3 = −(r+x) ln(α+T),
        // A4 = ln a − ln(b+x−1+k) − (r+x) ln(α+t_x); p3, p4 their shares
        let a3 = -rx * l3;
        let a4 = c.log_drop - rx * l4;
        let (lse, p4) = if a4 == f64::NEG_INFINITY {
            (a3, 0.0)
        } else {
            // e <= 1: ln(1 + e) is exact to an ulp of the result without log1p, at a
            // third of its cost
            let e = (-(a3 - a4).abs()).exp();
            let s = 1.0 + e;
            let small = e / s;
            (a3.max(a4) + s.ln(), if a4 > a3 { 1.0 - small } else { small })
        };
        let p3 = 1.0 - p4;
        g[0] += w * (c.d_r + ln_alpha - p3 * l3 - p4 * l4);
        g[1] += w * (r / alpha - rx * (p3 * i3 + p4 * i4));
        g[2] += w * (c.d_a + p4 / a);
        g[3] += w * (c.d_b - p4 * c.inv_bx);
        if HESS {
            // p3 H(A3) + p4 H(A4) + p3 p4 (∇A3 − ∇A4)(∇A3 − ∇A4)ᵀ, plus the x-only terms
            let q = w * p3 * p4;
            let dd = [l4 - l3, rx * (i4 - i3), -1.0 / a, c.inv_bx];
            g[4] += w * c.h_rr + q * dd[0] * dd[0];
            g[5] += w * (1.0 / alpha - p3 * i3 - p4 * i4) + q * dd[0] * dd[1];
            g[6] += q * dd[0] * dd[2];
            g[7] += q * dd[0] * dd[3];
            g[8] += w * (-r / (alpha * alpha) + rx * (p3 * i3 * i3 + p4 * i4 * i4)) + q * dd[1] * dd[1];
            g[9] += q * dd[1] * dd[2];
            g[10] += q * dd[1] * dd[3];
            g[11] += w * (c.h_ab - p4 / (a * a)) + q * dd[2] * dd[2];
            g[12] += w * c.h_ab + q * dd[2] * dd[3];
            g[13] += w * (c.h_bb + p4 * c.inv_bx * c.inv_bx) + q * dd[3] * dd[3];
        }
        w * (c.constant + r * ln_alpha + lse)
    }
}

/// Per distinct frequency: the terms of ℓ and of its derivatives that depend on x only.
struct XTerms {
    /// ln Γ(r+x) − ln Γ(r) + ln B(a, b+x+k) − ln B(a, b) (k = 0 BG/NBD, 1 MBG/NBD)
    constant: f64,
    /// ψ(r+x) − ψ(r)
    d_r: f64,
    /// ∂/∂a and ∂/∂b of the beta ratio
    d_a: f64,
    d_b: f64,
    /// ln a − ln(b + x − 1 + k), the log-weight of the dropout term (−∞ when BG/NBD and x = 0)
    log_drop: f64,
    /// 1 / (b + x − 1 + k)
    inv_bx: f64,
    /// second derivatives of the x-only terms: ∂²/∂r², ∂²/∂a² = ∂²/∂a∂b, ∂²/∂b²
    h_rr: f64,
    h_ab: f64,
    h_bb: f64,
}

impl Likelihood for Model<'_> {
    fn names(&self) -> &'static [&'static str] {
        &["r", "alpha", "a", "b"]
    }

    fn total_weight(&self) -> f64 {
        self.total
    }

    fn log_lik(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        let (ll, g) = self.pass::<false>(theta);
        grad[..4].copy_from_slice(&g[..4]);
        ll
    }

    fn log_lik_hessian(&self, theta: &[f64], grad: &mut [f64], hess: &mut [f64]) -> Option<f64> {
        let (ll, g) = self.pass::<true>(theta);
        grad[..4].copy_from_slice(&g[..4]);
        let mut slot = 4;
        for i in 0..4 {
            for j in i..4 {
                hess[i * 4 + j] = g[slot];
                hess[j * 4 + i] = g[slot];
                slot += 1;
            }
        }
        Some(ll)
    }

    fn starts(&self) -> Vec<Vec<f64>> {
        // λ ~ Gamma(r, α) has mean r / α ≈ purchases per unit of time
        let (mut sx, mut st) = (0.0, 0.0);
        for i in 0..self.data.frequency.len() {
            sx += self.data.weight(i) * self.data.frequency[i];
            st += self.data.weight(i) * self.data.age[i];
        }
        let rate = if sx > 0.0 && st > 0.0 { sx / st } else { 1.0 };
        vec![vec![1.0, 1.0 / rate, 1.0, 1.0], vec![0.3, 0.3 / rate, 0.8, 2.5], vec![3.0, 3.0 / rate, 2.0, 8.0]]
    }

    fn rows(&self) -> usize {
        self.rows.len()
    }

    /// Every `stride`-th customer of the data (of a model over all of it).
    fn every(&self, stride: usize) -> Option<Self> {
        let stride = stride.max(1);
        let total = (0..self.data.frequency.len()).step_by(stride).map(|i| self.data.weight(i)).sum();
        let rows = Rows::new(&self.data, stride);
        let times = Times::new(&self.data, &rows);
        let (distinct, codes) = (self.distinct.clone(), self.codes.clone());
        Some(Model { variant: self.variant, data: self.data, total, distinct, codes, rows, times })
    }
}

/// Model parameters (r, α, a, b), checked positive and finite.
#[derive(Debug, Clone, Copy)]
pub struct Params {
    pub r: f64,
    pub alpha: f64,
    pub a: f64,
    pub b: f64,
}

impl Params {
    pub fn new(p: &[f64]) -> Result<Self> {
        super::check_params(p, &["r", "alpha", "a", "b"])?;
        Ok(Params { r: p[0], alpha: p[1], a: p[2], b: p[3] })
    }
}

/// P(alive at T | x, t_x, T) for each customer (FHL 2005 note 021; Batislam et al. 2007).
pub fn p_alive(variant: Variant, p: Params, data: &Histories) -> Result<Vec<f64>> {
    data.validate()?;
    Ok(per_row(data, |x, tx, t| expit(-log_odds_dead(variant, p, x, tx, t))))
}

/// ln of a/(b+x−1+k) ((α+T)/(α+t_x))^(r+x): the odds that the customer is no longer alive.
fn log_odds_dead(variant: Variant, p: Params, x: f64, tx: f64, t: f64) -> f64 {
    match variant {
        Variant::BetaGeo if x == 0.0 => f64::NEG_INFINITY,
        Variant::BetaGeo => (p.a / (p.b + x - 1.0)).ln() + (p.r + x) * ((p.alpha + t) / (p.alpha + tx)).ln(),
        Variant::Modified => (p.a / (p.b + x)).ln() + (p.r + x) * ((p.alpha + t) / (p.alpha + tx)).ln(),
    }
}

/// Expected repeat purchases in (T, T + t] given each customer's history (FHL 2005 eq. 10;
/// for MBG/NBD, Batislam et al. 2007 / Wagner & Hoppe 2008).
pub fn conditional_expected_purchases(variant: Variant, p: Params, t: f64, data: &Histories) -> Result<Vec<f64>> {
    data.validate()?;
    check_horizon(t)?;
    let mut out = expected_if_alive(variant, p, t, data.frequency, data.age);
    let alive = per_row(data, |x, tx, age| expit(-log_odds_dead(variant, p, x, tx, age)));
    out.iter_mut().zip(&alive).for_each(|(o, a)| *o *= a);
    Ok(out)
}

/// Expected repeat purchases in (T, T + t] of a customer with `x` repeat purchases at age
/// `T`, given that she is alive at T (FHL 2005 eq. 10 without its P(alive) factor, which
/// alone reads t_x), for each (x, T) pair of `frequency` and `age` (checked by the caller).
pub(crate) fn expected_if_alive(variant: Variant, p: Params, t: f64, frequency: &[f64], age: &[f64]) -> Vec<f64> {
    if t == 0.0 {
        return vec![0.0; frequency.len()];
    }
    let k = if variant == Variant::Modified { 1.0 } else { 0.0 };
    // 2F1(r+x, b+x+k; a+b+x−1+k; z), z = t/(α+T+t), per distinct frequency: through Euler's
    // transformation when it grows towards z = 1 (see `hyp2f1_scaled`), tabled up to the
    // largest z (the youngest customer)
    let (distinct, codes) = factorize_counts(frequency);
    let youngest = age.iter().fold(f64::INFINITY, |m, &v| m.min(v));
    let z_max = t / (p.alpha + youngest + t);
    let series: Vec<Option<(f64, SeriesTable)>> = distinct
        .iter()
        .map(|&x| {
            let (a, b, c) = (p.r + x, p.b + x + k, p.a + p.b + x - 1.0 + k);
            let e = c - a - b;
            if e < 0.0 {
                SeriesTable::new(c - a, c - b, c, z_max).map(|s| (e, s))
            } else {
                SeriesTable::new(a, b, c, z_max).map(|s| (0.0, s))
            }
        })
        .collect();
    super::map_rows(frequency.len(), |i| {
        let (x, age) = (frequency[i], age[i]);
        let z = t / (p.alpha + age + t);
        let ln_q = (p.r + x) * ((p.alpha + age) / (p.alpha + age + t)).ln();
        let inner = match &series[codes[i] as usize] {
            Some((e, s)) => {
                let (ln_k, v) = (e * (-z).ln_1p(), s.eval(z));
                if v > 0.0 {
                    -(ln_q + ln_k + v.ln()).exp_m1()
                } else {
                    1.0 - (ln_q + ln_k).exp() * v
                }
            }
            None => one_minus_scaled_hyp2f1(ln_q, p.r + x, p.b + x + k, p.a + p.b + x - 1.0 + k, z),
        };
        (p.a + p.b + x - 1.0 + k) / (p.a - 1.0) * inner
    })
}

/// Expected repeat purchases in (0, t] of a customer drawn from the population, E[X(t)]
/// (FHL 2005 eq. 9), for each t.
pub fn expected_purchases(variant: Variant, p: Params, t: &[f64]) -> Result<Vec<f64>> {
    t.iter().try_for_each(|&t| check_horizon(t))?;
    let k = if variant == Variant::Modified { 1.0 } else { 0.0 };
    Ok(t.iter()
        .map(|&t| {
            if t == 0.0 {
                return 0.0;
            }
            let ln_q = p.r * (p.alpha / (p.alpha + t)).ln();
            // (a+b−1)/(a−1) for BG/NBD, b/(a−1) for MBG/NBD
            let scale = if variant == Variant::Modified { p.b } else { p.a + p.b - 1.0 } / (p.a - 1.0);
            scale * one_minus_scaled_hyp2f1(ln_q, p.r, p.b + k, p.a + p.b - 1.0 + k, t / (p.alpha + t))
        })
        .collect())
}

/// P(X(t) = n) for a customer drawn from the population (FHL 2005 eq. 8; for MBG/NBD the
/// customers who drop out at once add to every n through the same second term), for
/// each (n, t) pair.
pub fn probability_of_purchases(variant: Variant, p: Params, n: &[f64], t: &[f64]) -> Result<Vec<f64>> {
    if n.len() != t.len() {
        return Err(KernelError::LengthMismatch(format!("{} counts but {} horizons", n.len(), t.len())));
    }
    check_column("n", n, |v| !(v >= 0.0 && v.is_finite() && v.fract() == 0.0), "n must be a whole number >= 0")?;
    t.iter().try_for_each(|&t| check_horizon(t))?;
    let k = if variant == Variant::Modified { 1.0 } else { 0.0 };
    let lb = ln_beta(p.a, p.b);
    Ok(n.iter()
        .zip(t)
        .map(|(&n, &t)| {
            let (lq, lp) = ((p.alpha / (p.alpha + t)).ln(), (t / (p.alpha + t)).ln());
            // alive throughout: NBD(r, α) count, weight B(a, b+n+k) / B(a, b)
            let nbd = ln_rising(p.r, n) - ln_gamma(n + 1.0) + p.r * lq + if n > 0.0 { n * lp } else { 0.0 };
            let first = (ln_beta(p.a, p.b + n + k) - lb + nbd).exp();
            // dropped out after the n-th purchase (MBG/NBD: or at once when n = 0):
            // B(a+1, b+n−1+k)/B(a, b) P(NBD count >= n)
            let second = if n + k > 0.0 {
                let tail = if n == 0.0 { 1.0 } else { statrs::function::beta::beta_reg(n, p.r, t / (p.alpha + t)) };
                (ln_beta(p.a + 1.0, p.b + n - 1.0 + k) - lb).exp() * tail
            } else {
                0.0
            };
            first + second
        })
        .collect())
}

pub(crate) fn check_horizon(t: f64) -> Result<()> {
    if t >= 0.0 && t.is_finite() {
        Ok(())
    } else {
        Err(KernelError::InvalidParameter(format!("the horizon t must be finite and >= 0, not {t}")))
    }
}

/// Applies `f(x, t_x, T)` to every row, in parallel.
pub(crate) fn per_row(data: &Histories, f: impl Fn(f64, f64, f64) -> f64 + Sync + Send) -> Vec<f64> {
    super::map_rows(data.frequency.len(), |i| f(data.frequency[i], data.recency[i], data.age[i]))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::{fit, FitOptions};
    use super::*;

    /// A small data set with every kind of row.
    fn sample() -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let x = vec![0.0, 1.0, 2.0, 0.0, 5.0, 1.0, 3.0, 0.0, 7.0, 2.0];
        let tx = vec![0.0, 3.5, 20.0, 0.0, 30.1, 1.0, 12.0, 0.0, 38.0, 4.0];
        let t = vec![38.0, 38.0, 35.0, 10.0, 39.0, 30.0, 25.0, 5.0, 38.5, 36.0];
        (x, tx, t)
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let (x, tx, t) = sample();
        let w: Vec<f64> = (0..x.len()).map(|i| 1.0 + i as f64 * 0.5).collect();
        for variant in [Variant::BetaGeo, Variant::Modified] {
            let m = Model::new(variant, Histories { frequency: &x, recency: &tx, age: &t, weights: Some(&w) }).unwrap();
            let theta = [0.7, 5.0, 0.6, 2.2];
            let mut g = [0.0; 4];
            m.log_lik(&theta, &mut g);
            for k in 0..4 {
                let h = 1e-6 * theta[k];
                let (mut up, mut dn) = (theta, theta);
                up[k] += h;
                dn[k] -= h;
                let mut scratch = [0.0; 4];
                let fd = (m.log_lik(&up, &mut scratch) - m.log_lik(&dn, &mut scratch)) / (2.0 * h);
                assert!((g[k] - fd).abs() <= 1e-6 * fd.abs().max(1.0), "{variant:?} k={k}: {} vs {fd}", g[k]);
            }
        }
    }

    #[test]
    fn hessian_matches_differences_of_the_gradient() {
        let (x, tx, t) = sample();
        let w: Vec<f64> = (0..x.len()).map(|i| 1.0 + i as f64 * 0.5).collect();
        for variant in [Variant::BetaGeo, Variant::Modified] {
            let m = Model::new(variant, Histories { frequency: &x, recency: &tx, age: &t, weights: Some(&w) }).unwrap();
            let theta = [0.7, 5.0, 0.6, 2.2];
            let (mut g, mut h) = ([0.0; 4], [0.0; 16]);
            let v = m.log_lik_hessian(&theta, &mut g, &mut h).unwrap();
            let mut g1 = [0.0; 4];
            assert_eq!(v, m.log_lik(&theta, &mut g1));
            assert_eq!(g, g1);
            for j in 0..4 {
                let step = 1e-6 * theta[j];
                let (mut up, mut dn) = (theta, theta);
                up[j] += step;
                dn[j] -= step;
                let (mut gu, mut gd) = ([0.0; 4], [0.0; 4]);
                m.log_lik(&up, &mut gu);
                m.log_lik(&dn, &mut gd);
                for i in 0..4 {
                    let fd = (gu[i] - gd[i]) / (2.0 * step);
                    assert!(
                        (h[i * 4 + j] - fd).abs() <= 1e-5 * fd.abs().max(1.0),
                        "{variant:?} ({i},{j}): {} vs {fd}",
                        h[i * 4 + j]
                    );
                }
            }
        }
    }

    #[test]
    fn thinned_rows_are_every_kth() {
        let (x, tx, t) = sample();
        let m =
            Model::new(Variant::BetaGeo, Histories { frequency: &x, recency: &tx, age: &t, weights: None }).unwrap();
        let thin = m.every(3).unwrap();
        assert_eq!(thin.rows(), 4);
        assert_eq!(thin.total_weight(), 4.0);
        let (xs, txs, ts): (Vec<f64>, Vec<f64>, Vec<f64>) = (
            (0..10).step_by(3).map(|i| x[i]).collect(),
            (0..10).step_by(3).map(|i| tx[i]).collect(),
            (0..10).step_by(3).map(|i| t[i]).collect(),
        );
        let direct =
            Model::new(Variant::BetaGeo, Histories { frequency: &xs, recency: &txs, age: &ts, weights: None }).unwrap();
        let theta = [0.7, 5.0, 0.6, 2.2];
        assert_eq!(thin.log_lik(&theta, &mut [0.0; 4]), direct.log_lik(&theta, &mut [0.0; 4]));
    }

    #[test]
    fn likelihood_matches_the_formula_row_by_row() {
        // ℓ written out with log-gammas, no tables
        let (x, tx, t) = sample();
        let (r, al, a, b): (f64, f64, f64, f64) = (0.24, 4.4, 0.79, 2.4);
        let lg = super::super::special::ln_gamma;
        let want: f64 = (0..x.len())
            .map(|i| {
                let (x, tx, t) = (x[i], tx[i], t[i]);
                let a1 = lg(r + x) - lg(r) + r * al.ln();
                let a2 = lg(a + b) + lg(b + x) - lg(b) - lg(a + b + x);
                let a3 = -(r + x) * (al + t).ln();
                let a4 =
                    if x > 0.0 { a.ln() - (b + x - 1.0).ln() - (r + x) * (al + tx).ln() } else { f64::NEG_INFINITY };
                a1 + a2 + (a3.exp() + a4.exp()).ln()
            })
            .sum();
        let m =
            Model::new(Variant::BetaGeo, Histories { frequency: &x, recency: &tx, age: &t, weights: None }).unwrap();
        let got = m.log_lik(&[r, al, a, b], &mut [0.0; 4]);
        assert!((got - want).abs() < 1e-11 * want.abs(), "{got} vs {want}");
    }

    #[test]
    fn purchase_probabilities_sum_to_one_and_to_the_mean() {
        let p = Params { r: 0.52, alpha: 6.18, a: 0.89, b: 1.61 };
        let n: Vec<f64> = (0..600).map(|v| v as f64).collect();
        for variant in [Variant::BetaGeo, Variant::Modified] {
            let pr = probability_of_purchases(variant, p, &n, &[52.0; 600]).unwrap();
            assert!((pr.iter().sum::<f64>() - 1.0).abs() < 1e-12, "{variant:?}");
            let mean: f64 = pr.iter().zip(&n).map(|(p, n)| p * n).sum();
            let want = expected_purchases(variant, p, &[52.0]).unwrap()[0];
            assert!((mean - want).abs() < 1e-10 * want, "{variant:?} {mean} {want}");
        }
    }

    #[test]
    fn rejects_impossible_histories() {
        let bad = |x: f64, tx: f64, t: f64| {
            let (x, tx, t) = ([x], [tx], [t]);
            Model::new(Variant::BetaGeo, Histories { frequency: &x, recency: &tx, age: &t, weights: None })
                .err()
                .unwrap()
        };
        assert!(bad(-1.0, 0.0, 1.0).to_string().contains("frequency[0] = -1"));
        assert!(bad(1.5, 1.0, 2.0).to_string().contains("whole number"));
        assert!(bad(1.0, 3.0, 2.0).to_string().contains("recency[0] = 3 > T[0] = 2"));
        assert!(bad(0.0, 1.0, 2.0).to_string().contains("with frequency 0"));
        assert!(bad(1.0, f64::NAN, 2.0).to_string().contains("recency"));
        let empty: [f64; 0] = [];
        let e =
            Model::new(Variant::BetaGeo, Histories { frequency: &empty, recency: &empty, age: &empty, weights: None });
        assert!(e.err().unwrap().to_string().contains("empty"));
    }

    #[test]
    fn fit_recovers_the_optimum_from_every_start() {
        let (x, tx, t) = sample();
        let m =
            Model::new(Variant::BetaGeo, Histories { frequency: &x, recency: &tx, age: &t, weights: None }).unwrap();
        let f = fit(&m, &FitOptions { penalizer: 0.01, ..FitOptions::default() }).unwrap();
        assert!(f.converged, "{f:?}");
        assert_eq!(f.starts_at_optimum, f.starts, "{f:?}");
        assert!(f.gradient_norm < 1e-9);
    }

    /// The CDNOW summary shipped by lifetimes (2,357 customers, weeks).
    pub(crate) fn cdnow() -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let text = include_str!("../../../../tests/data/cdnow_customers_summary.csv");
        let rows: Vec<Vec<f64>> =
            text.lines().skip(1).map(|l| l.split(',').skip(1).map(|v| v.parse().unwrap()).collect()).collect();
        (rows.iter().map(|r| r[0]).collect(), rows.iter().map(|r| r[1]).collect(), rows.iter().map(|r| r[2]).collect())
    }

    #[test]
    fn tabled_times_give_the_per_row_pass() {
        let (x, tx, t) = cdnow();
        let data = Histories { frequency: &x, recency: &tx, age: &t, weights: None };
        for variant in [Variant::BetaGeo, Variant::Modified] {
            let tabled = Model::new(variant, data).unwrap();
            assert!(tabled.times.as_ref().is_some_and(|tm| tm.values.len() < tabled.rows.others.len()));
            let per_row = Model { times: None, ..tabled.clone() };
            let theta = [0.2426, 4.4136, 0.7929, 2.4259];
            let (a, b) = (tabled.pass::<true>(&theta), per_row.pass::<true>(&theta));
            assert_eq!(a.0.to_bits(), b.0.to_bits());
            assert_eq!(a.1.map(f64::to_bits), b.1.map(f64::to_bits));
        }
        // times mostly distinct: no table
        let t2: Vec<f64> = (0..x.len()).map(|i| t[i] + i as f64 * 1e-3).collect();
        let tx2: Vec<f64> = (0..x.len()).map(|i| if x[i] > 0.0 { tx[i] + i as f64 * 1e-3 } else { 0.0 }).collect();
        let data = Histories { frequency: &x, recency: &tx2, age: &t2, weights: None };
        assert!(Model::new(Variant::BetaGeo, data).unwrap().times.is_none());
    }

    #[test]
    fn cdnow_estimates_of_fader_hardie_lee() {
        let (x, tx, t) = cdnow();
        assert_eq!(x.len(), 2357);
        let m =
            Model::new(Variant::BetaGeo, Histories { frequency: &x, recency: &tx, age: &t, weights: None }).unwrap();
        let f = fit(&m, &FitOptions::default()).unwrap();
        assert!(f.converged, "{f:?}");
        // FHL 2005: r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, LL = -9582.4
        let want = [0.2426, 4.4136, 0.7929, 2.4259];
        for k in 0..4 {
            assert!((f.params[k] - want[k]).abs() <= 1e-4 * want[k], "{f:?}");
        }
        assert!((f.log_likelihood - -9582.43).abs() < 0.005, "{f:?}");
        let m =
            Model::new(Variant::Modified, Histories { frequency: &x, recency: &tx, age: &t, weights: None }).unwrap();
        let f = fit(&m, &FitOptions::default()).unwrap();
        eprintln!("{f:?}");
    }
}
