//! Contractual retention: the shifted-beta-geometric model (sBG; Fader & Hardie 2007, "How
//! to Project Customer Retention") and the beta-discrete-Weibull model (BdW; Fader,
//! Hardie, Liu, Davin & Steenburgh 2018, "How to Project Customer Retention Revisited:
//! The Role of Duration Dependence"), which reduces to sBG at c = 1.
//!
//! A customer renews at the end of each period until she churns. With churn probability
//! θ ~ Beta(α, β) and (BdW) a duration effect c, the survival function is
//!
//!   S(t) = P(T > t) = B(α, β + t^c) / B(α, β),  P(T = t) = S(t−1) − S(t),
//!
//! (sBG: S(t) = B(α, β + t)/B(α, β), P(T = t) = B(α+1, β+t−1)/B(α, β)). A cohort observed
//! over k periods gives n_0 >= n_1 >= ... >= n_k survivors; its log-likelihood is
//! Σ_{t=1}^{k} (n_{t−1} − n_t) ln P(T = t) + n_k ln S(k) (the survivors are right-censored).
//! Several cohorts observed over different spans (a cohort matrix) add their
//! log-likelihoods for a pooled fit (Fader & Hardie 2007, note 017).

use super::special::{digamma, digamma_rising, ln_gamma_ratio, ln_rising, log1m_exp};
use super::{check_params, Likelihood};
use crate::{KernelError, Result};

/// Survivor series of one or more cohorts, stored end to end: cohort i is
/// `survivors[offsets[i]..offsets[i + 1]]`, starting with its size n_0.
#[derive(Debug, Clone, Copy)]
pub struct Cohorts<'a> {
    pub survivors: &'a [f64],
    pub offsets: &'a [i64],
}

impl Cohorts<'_> {
    /// Checks the series and returns the number of customers they follow (Σ n_0).
    pub fn validate(&self) -> Result<f64> {
        let o = self.offsets;
        if o.len() < 2
            || o[0] != 0
            || *o.last().unwrap() as usize != self.survivors.len()
            || o.windows(2).any(|w| w[1] <= w[0])
        {
            return Err(KernelError::InvalidParameter(
                "offsets must start at 0, increase, and end at the number of survivor counts (one series per cohort)"
                    .into(),
            ));
        }
        let mut total = 0.0;
        let mut periods = 0;
        for (c, w) in o.windows(2).enumerate() {
            let s = &self.survivors[w[0] as usize..w[1] as usize];
            if let Some(t) = s.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
                return Err(KernelError::OutOfRange(format!(
                    "cohort {c}, period {t}: {} survivors; counts must be finite and >= 0",
                    s[t]
                )));
            }
            if let Some(t) = s.windows(2).position(|p| p[1] > p[0]) {
                return Err(KernelError::OutOfRange(format!(
                    "cohort {c}: {} survivors in period {} but {} in period {}: survivor counts cannot grow \
                     (pass customers still active at or after each period, e.g. retention with criterion=\"on_or_after\")",
                    s[t],
                    t,
                    s[t + 1],
                    t + 1
                )));
            }
            total += s[0];
            periods += s.len() - 1;
        }
        if periods == 0 || total <= 0.0 {
            return Err(KernelError::OutOfRange(
                "no period to fit: each series needs the cohort size and at least one later survivor count".into(),
            ));
        }
        Ok(total)
    }
}

/// Periods up to which sBG's ln S(t) is a sum of logarithms; beyond, the difference of two
/// log-gamma ratios (two rising factorials of ~t ln t each would cancel: ~10^−3 absolute
/// at t = 10^12).
const EXACT_STEPS: f64 = 48.0;

/// ln S(t) and its gradient in (α, β, c); c = 1 uses exact sums of logs (sBG) up to
/// [`EXACT_STEPS`] periods.
fn ln_survival(al: f64, be: f64, c: f64, t: f64) -> (f64, [f64; 3]) {
    if t == 0.0 {
        return (0.0, [0.0; 3]);
    }
    if c == 1.0 && t.fract() == 0.0 && t <= EXACT_STEPS {
        let (dab, db) = (digamma_rising(al + be, t), digamma_rising(be, t));
        return (ln_rising(be, t) - ln_rising(al + be, t), [-dab, db - dab, 0.0]);
    }
    let tc = t.powf(c);
    let (pb, pab) = (digamma(be + tc), digamma(al + be + tc));
    // ln B(α, β+u) − ln B(α, β) = [ln Γ(α+β) − ln Γ(β)] − [ln Γ(α+β+u) − ln Γ(β+u)]
    let v = ln_gamma_ratio(be, al) - ln_gamma_ratio(be + tc, al);
    let g = [digamma(al + be) - pab, pb - digamma(be) - pab + digamma(al + be), (pb - pab) * tc * t.ln()];
    (v, g)
}

/// ln P(T = t) (t >= 1) and its gradient in (α, β, c).
fn ln_churn(al: f64, be: f64, c: f64, t: f64) -> (f64, [f64; 3]) {
    if c == 1.0 && t.fract() == 0.0 {
        // α (β)_{t−1} / (α+β)_t
        let dab = digamma_rising(al + be, t);
        let v = al.ln() + ln_rising(be, t - 1.0) - ln_rising(al + be, t);
        return (v, [1.0 / al - dab, digamma_rising(be, t - 1.0) - dab, 0.0]);
    }
    let (l0, g0) = ln_survival(al, be, c, t - 1.0);
    let (l1, g1) = ln_survival(al, be, c, t);
    let rho = (l1 - l0).exp();
    let v = l0 + log1m_exp(l1 - l0);
    let g = [0, 1, 2].map(|k| (g0[k] - rho * g1[k]) / (1.0 - rho));
    (v, g)
}

/// The sBG (`c` fixed at 1) or BdW likelihood of validated cohorts.
pub struct Model<'a> {
    data: Cohorts<'a>,
    total: f64,
    weibull: bool,
}

impl<'a> Model<'a> {
    /// sBG when `weibull` is false, BdW when true.
    pub fn new(data: Cohorts<'a>, weibull: bool) -> Result<Self> {
        let total = data.validate()?;
        Ok(Model { data, total, weibull })
    }
}

impl Likelihood for Model<'_> {
    fn names(&self) -> &'static [&'static str] {
        if self.weibull {
            &["alpha", "beta", "c"]
        } else {
            &["alpha", "beta"]
        }
    }

    fn total_weight(&self) -> f64 {
        self.total
    }

    fn log_lik(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        let (al, be) = (theta[0], theta[1]);
        let c = if self.weibull { theta[2] } else { 1.0 };
        let mut g = [0.0; 3];
        let mut ll = 0.0;
        for w in self.data.offsets.windows(2) {
            let s = &self.data.survivors[w[0] as usize..w[1] as usize];
            for t in 1..s.len() {
                let churned = s[t - 1] - s[t];
                if churned > 0.0 {
                    let (v, gv) = ln_churn(al, be, c, t as f64);
                    ll += churned * v;
                    (0..3).for_each(|k| g[k] += churned * gv[k]);
                }
            }
            let k = s.len() - 1;
            if k > 0 && s[k] > 0.0 {
                let (v, gv) = ln_survival(al, be, c, k as f64);
                ll += s[k] * v;
                (0..3).for_each(|j| g[j] += s[k] * gv[j]);
            }
        }
        let p = self.names().len();
        grad[..p].copy_from_slice(&g[..p]);
        ll
    }

    fn starts(&self) -> Vec<Vec<f64>> {
        let mut s = vec![vec![1.0, 1.0, 1.0], vec![0.5, 3.0, 0.8], vec![3.0, 10.0, 1.3]];
        if !self.weibull {
            s.iter_mut().for_each(|v| v.truncate(2));
        }
        s
    }

    fn rows(&self) -> usize {
        self.data.offsets.len() - 1
    }
}

/// sBG (α, β) or BdW (α, β, c) parameters.
#[derive(Debug, Clone, Copy)]
pub struct Params {
    pub alpha: f64,
    pub beta: f64,
    pub c: f64,
}

impl Params {
    /// Two values (sBG) or three (BdW).
    pub fn new(p: &[f64]) -> Result<Self> {
        match p.len() {
            2 => check_params(p, &["alpha", "beta"]).map(|_| Params { alpha: p[0], beta: p[1], c: 1.0 }),
            _ => check_params(p, &["alpha", "beta", "c"]).map(|_| Params { alpha: p[0], beta: p[1], c: p[2] }),
        }
    }

    /// ln S(t): [`ln_survival`]'s value, without its gradient (the same bits).
    fn ln_s(&self, t: f64) -> f64 {
        let (al, be, c) = (self.alpha, self.beta, self.c);
        if t == 0.0 {
            0.0
        } else if c == 1.0 && t.fract() == 0.0 && t <= EXACT_STEPS {
            ln_rising(be, t) - ln_rising(al + be, t)
        } else {
            let tc = t.powf(c);
            ln_gamma_ratio(be, al) - ln_gamma_ratio(be + tc, al)
        }
    }

    /// The local exponent κ of S(t) ≈ S(m) (t/m)^−κ at t = m, from S(m/2) and S(m).
    fn tail_exponent(&self, m: f64) -> f64 {
        (self.ln_s(0.5 * m) - self.ln_s(m)) / std::f64::consts::LN_2
    }
}

fn check_times(t: &[f64], least: f64) -> Result<()> {
    match t.iter().position(|v| !(v.is_finite() && *v >= least)) {
        Some(i) => {
            Err(KernelError::InvalidParameter(format!("t[{i}] = {}: periods must be finite and >= {least}", t[i])))
        }
        None => Ok(()),
    }
}

/// S(t) = P(T > t): the share of a cohort still there after t periods.
pub fn survival(p: Params, t: &[f64]) -> Result<Vec<f64>> {
    check_times(t, 0.0)?;
    Ok(t.iter().map(|&t| p.ln_s(t).exp()).collect())
}

/// r(t) = S(t) / S(t−1): the share of the customers present in period t−1 who renew at t
/// (sBG: (β + t − 1)/(α + β + t − 1), rising with t: the sorting effect of heterogeneity).
pub fn retention_rate(p: Params, t: &[f64]) -> Result<Vec<f64>> {
    check_times(t, 1.0)?;
    Ok(t.iter().map(|&t| (p.ln_s(t) - p.ln_s(t - 1.0)).exp()).collect())
}

/// Expected lifetime in periods, E[T] = Σ_{t>=0} S(t) (periods started, counting the first),
/// or E[min(T, h)] = Σ_{t<h} S(t) over a horizon h. The full mean is finite only when
/// αc > 1 (sBG: (α+β−1)/(α−1) for α > 1), and infinite otherwise.
pub fn expected_lifetime(p: Params, horizon: Option<f64>) -> Result<f64> {
    if let Some(h) = horizon {
        if !(h >= 0.0 && h.is_finite() && h.fract() == 0.0) {
            return Err(KernelError::InvalidParameter(format!(
                "the horizon must be a whole number of periods >= 0, not {h}"
            )));
        }
        // past HEAD periods: sBG in closed form, BdW's tail by Euler–Maclaurin on the local
        // power law (as below, within ~1e-5):
        // Σ_{m<=t<h} S(t) ≈ S(m) [∫_m^h (t/m)^−κ dt + (1 − (h/m)^−κ) / 2]
        let head: f64 = (0..(h as u64).min(HEAD)).map(|t| p.ln_s(t as f64).exp()).sum();
        if h <= HEAD as f64 {
            return Ok(head);
        }
        if p.c == 1.0 && p.alpha != 1.0 {
            // sBG: Σ_{t>=h} S(t) = S(h) (α+β+h−1)/(α−1) (the posterior after h renewals is
            // Beta(α, β+h)), so Σ_{t<h} S(t) = [(α+β−1) − S(h)(α+β+h−1)] / (α−1)
            let (al, be) = (p.alpha, p.beta);
            let rest = if h.is_finite() { p.ln_s(h).exp() * (al + be + h - 1.0) } else { 0.0 };
            return Ok(((al + be - 1.0) - rest) / (al - 1.0));
        }
        let m = HEAD as f64;
        let (kappa, ratio) = (p.tail_exponent(m), h / m);
        let integral = if (1.0 - kappa).abs() < 1e-12 {
            m * ratio.ln()
        } else {
            m * ((1.0 - kappa) * ratio.ln()).exp_m1() / (1.0 - kappa)
        };
        return Ok(head + p.ln_s(m).exp() * (integral + 0.5 * (1.0 - ratio.powf(-kappa))));
    }
    if p.alpha * p.c <= 1.0 {
        return Ok(f64::INFINITY);
    }
    if p.c == 1.0 {
        return Ok((p.alpha + p.beta - 1.0) / (p.alpha - 1.0));
    }
    // S(t) falls like t^−αc: sum the first terms, then the tail by Euler–Maclaurin with the
    // local exponent
    let n = HEAD;
    let head: f64 = (0..n).map(|t| p.ln_s(t as f64).exp()).sum();
    let (s_n, s_half) = (p.ln_s(n as f64).exp(), p.ln_s((n / 2) as f64).exp());
    let kappa = (s_half / s_n).ln() / std::f64::consts::LN_2;
    Ok(head + s_n * (n as f64 / (kappa - 1.0) + 0.5))
}

/// Periods summed term by term in a lifetime or a DERL; beyond them, the tail from the local
/// power law of S (a horizon of over a million periods, or a discount rate below ~4e-5).
const HEAD: u64 = 1 << 20;

/// Σ_{i>=0} (1 + i/t0)^−κ e^−δi (the tail of a DERL after S(t0), by the power law of S
/// there): the integral, by quadrature over y = ln(1 + u/t0), plus the Euler–Maclaurin
/// terms g(0)/2 − g'(0)/12. Infinite when nothing makes it converge (κ <= 1, δ ~ 0).
fn discounted_power_sum(kappa: f64, t0: f64, delta: f64) -> f64 {
    let reach = 50.0 / delta; // e^−50: nothing left beyond
    if !reach.is_finite() {
        return if kappa > 1.0 { t0 / (kappa - 1.0) + 0.5 + (kappa / t0) / 12.0 } else { f64::INFINITY };
    }
    let y_max = (reach / t0).ln_1p();
    let integral =
        super::special::integrate(|y| t0 * ((1.0 - kappa) * y - delta * t0 * y.exp_m1()).exp(), 0.0, y_max, 1e-12);
    if !integral.is_finite() {
        return f64::INFINITY;
    }
    integral + 0.5 + (kappa / t0 + delta) / 12.0
}

/// Discounted expected residual lifetime of a customer who has renewed `renewals` times
/// (Fader & Hardie 2010, "Customer-Base Valuation in a Contractual Setting", with
/// n − 1 = renewals): Σ_{t>=n} S(t)/S(n−1) / (1+d)^(t−n), in payments of one period, the
/// coming renewal's undiscounted. sBG closed form: (β+n−1)/(α+β+n−1) 2F1(1, β+n; α+β+n; 1/(1+d)).
pub fn derl(p: Params, discount_rate: f64, renewals: &[f64]) -> Result<Vec<f64>> {
    if !(discount_rate > 0.0 && discount_rate.is_finite()) {
        return Err(KernelError::InvalidParameter(format!(
            "the discount rate must be > 0 (per period, e.g. 0.1), not {discount_rate}"
        )));
    }
    check_times(renewals, 0.0)?;
    if let Some(i) = renewals.iter().position(|v| v.fract() != 0.0) {
        return Err(KernelError::InvalidParameter(format!("renewals[{i}] = {} is not a whole number", renewals[i])));
    }
    let ln_disc = -discount_rate.ln_1p();
    Ok(renewals
        .iter()
        .map(|&k| {
            let n = k + 1.0;
            let base = p.ln_s(n - 1.0);
            let mut sum = 0.0;
            for j in 0..HEAD {
                let t = n + j as f64;
                let term = (p.ln_s(t) - base + j as f64 * ln_disc).exp();
                sum += term;
                // terms fall at least geometrically by 1/(1+d)
                if term <= 1e-17 * sum * -ln_disc.exp_m1() {
                    return sum;
                }
            }
            // a discount rate so small that the terms fall slower than S: the rest from the
            // power law of S at t0 = n + HEAD
            let t0 = n + HEAD as f64;
            let first = (p.ln_s(t0) - base + HEAD as f64 * ln_disc).exp();
            if first == 0.0 {
                return sum;
            }
            sum + first * discounted_power_sum(p.tail_exponent(t0), t0, -ln_disc)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::super::{fit, FitOptions};
    use super::*;

    const REGULAR: [f64; 8] = [1000.0, 631.0, 468.0, 382.0, 326.0, 289.0, 262.0, 241.0];
    const HIGH_END: [f64; 8] = [1000.0, 869.0, 743.0, 653.0, 593.0, 551.0, 517.0, 491.0];

    fn fit_one(s: &[f64], weibull: bool) -> super::super::Fit {
        let offsets = [0, s.len() as i64];
        let m = Model::new(Cohorts { survivors: s, offsets: &offsets }, weibull).unwrap();
        fit(&m, &FitOptions::default()).unwrap()
    }

    #[test]
    fn fader_hardie_2007_estimates() {
        let f = fit_one(&REGULAR, false);
        assert!(f.converged, "{f:?}");
        assert!((f.params[0] - 0.704).abs() < 5e-4 && (f.params[1] - 1.182).abs() < 5e-4, "{f:?}");
        assert!((f.log_likelihood - -1680.27).abs() < 5e-3, "{f:?}");
        let f = fit_one(&HIGH_END, false);
        assert!((f.params[0] - 0.668).abs() < 5e-4 && (f.params[1] - 3.806).abs() < 5e-4, "{f:?}");
        assert!((f.log_likelihood - -1611.16).abs() < 5e-3, "{f:?}");
    }

    #[test]
    fn gradients_match_finite_differences() {
        let s = [1000.0, 869.0, 743.0, 653.0, 593.0];
        let offsets = [0, 5];
        for (weibull, theta) in [(false, vec![0.7, 3.8]), (true, vec![0.7, 3.8, 0.8]), (true, vec![1.4, 2.0, 1.3])] {
            let m = Model::new(Cohorts { survivors: &s, offsets: &offsets }, weibull).unwrap();
            let mut g = vec![0.0; theta.len()];
            m.log_lik(&theta, &mut g);
            for k in 0..theta.len() {
                let h = 1e-6 * theta[k];
                let (mut up, mut dn) = (theta.clone(), theta.clone());
                up[k] += h;
                dn[k] -= h;
                let mut sc = vec![0.0; theta.len()];
                let fd = (m.log_lik(&up, &mut sc) - m.log_lik(&dn, &mut sc)) / (2.0 * h);
                assert!((g[k] - fd).abs() <= 1e-6 * fd.abs().max(1.0), "{weibull} k={k}: {} vs {fd}", g[k]);
            }
        }
    }

    #[test]
    fn bdw_at_c_one_is_sbg() {
        let p = Params { alpha: 0.668, beta: 3.806, c: 1.0 };
        let q = Params { c: 1.0 + 1e-13, ..p };
        let t: Vec<f64> = (0..13).map(|v| v as f64).collect();
        let (a, b) = (survival(p, &t).unwrap(), survival(q, &t).unwrap());
        assert!(a.iter().zip(&b).all(|(x, y)| (x - y).abs() < 1e-11));
        // the sBG retention rate in closed form
        let r = retention_rate(p, &[1.0, 8.0]).unwrap();
        assert!((r[1] - (3.806 + 7.0) / (0.668 + 3.806 + 7.0)).abs() < 1e-14);
    }

    #[test]
    fn huge_horizons_renewals_and_tiny_discounts_take_bounded_work() {
        // (these looped for 1e8 terms, or for ever where n + 1 == n, under the fuzzer)
        let p = Params { alpha: 3.0, beta: 4.0, c: 1.0 };
        // d -> 0: the expected residual lifetime Σ_{t>=1} S(t) = β / (α − 1) = 2, less O(d)
        let d = derl(p, 1e-9, &[0.0]).unwrap()[0];
        assert!((d - 2.0).abs() < 1e-7, "{d}");
        // after 1e20 renewals nobody leaves: Σ (1+d)^−j = (1+d)/d
        let d = derl(p, 0.1, &[1e20]).unwrap()[0];
        assert!((d - 11.0).abs() < 1e-9, "{d}");
        // Σ_{t<h} S(t) = [(α+β−1) − S(h)(α+β+h−1)] / (α−1) (sBG, any α != 1)
        for (al, be, h) in [(3.0, 4.0, 1e300), (0.5, 2.0, 1e12), (1.5, 0.7, 3e6), (0.9, 1.1, 2e5)] {
            let p = Params { alpha: al, beta: be, c: 1.0 };
            let s_h = if h > 1e100 { 0.0 } else { p.ln_s(h).exp() };
            let want = ((al + be - 1.0) - s_h * (al + be + h - 1.0)) / (al - 1.0);
            let got = expected_lifetime(p, Some(h)).unwrap();
            assert!((got - want).abs() <= 1e-9 * want, "{al} {be} {h}: {got} vs {want}");
        }
        // BdW past a million periods: the power-law tail, against sBG's closed form at c -> 1
        let (q, h) = (Params { alpha: 0.5, beta: 2.0, c: 1.0 + 1e-13 }, 1e12);
        let want = expected_lifetime(Params { c: 1.0, ..q }, Some(h)).unwrap();
        let got = expected_lifetime(q, Some(h)).unwrap();
        assert!((got - want).abs() <= 1e-4 * want, "{got} vs {want}");
    }

    #[test]
    fn rejects_growing_or_empty_series() {
        let e = Model::new(Cohorts { survivors: &[100.0, 80.0, 90.0], offsets: &[0, 3] }, false).err().unwrap();
        assert!(e.to_string().contains("cannot grow"), "{e}");
        let e = Model::new(Cohorts { survivors: &[100.0], offsets: &[0, 1] }, false).err().unwrap();
        assert!(e.to_string().contains("no period"), "{e}");
        let e = Model::new(Cohorts { survivors: &[100.0, f64::NAN], offsets: &[0, 2] }, false).err().unwrap();
        assert!(e.to_string().contains("finite"), "{e}");
    }
}
