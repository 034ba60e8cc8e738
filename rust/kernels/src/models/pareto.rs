//! Pareto/NBD (Schmittlein, Morrison & Colombo 1987): purchases at rate λ ~ Gamma(r, α)
//! while alive, an exponential lifetime with rate μ ~ Gamma(s, β). Parameters (r, α, s, β).
//!
//! The likelihood of a customer with history (x, t_x, T) (Fader & Hardie 2005, "A Note on
//! Deriving the Pareto/NBD Model and Related Expressions", eq. 22):
//!
//!   L = Γ(r+x) α^r β^s / Γ(r) × [ G(T) + s/(r+s+x) (A(t_x) − A(T)) ],
//!   G(t) = (α+t)^−(r+x) (β+t)^−s,
//!
//! where s/(r+s+x) (A(t_x) − A(T)) = s ∫_{t_x}^{T} (α+τ)^−(r+x) (β+τ)^−(s+1) dτ is the
//! probability mass of a death between t_x and T. The note writes A with a Gauss
//! hypergeometric function whose argument is (α−β)/(α+t) when α >= β and, through the
//! transformation 2F1(a, b; c; z) = (1 − z)^−a 2F1(a, c − b; c; z/(z − 1)),
//! (β−α)/(β+t) when α < β, so that it lies in [0, 1) and the series converges. One more
//! Euler transformation, 2F1(a, b; c; z) = (1 − z)^(c−a−b) 2F1(c − a, c − b; c; z), takes
//! out the factor that grows as z → 1 and leaves a series of positive terms bounded by
//! 1 / (1 − z):
//!
//!   α >= β:  A(t) = G(t) 2F1(1, r+x; r+s+x+1; (α−β)/(α+t))
//!   α <  β:  A(t) = G(t) (α+t)/(β+t) 2F1(1, s+1; r+s+x+1; (β−α)/(β+t))
//!
//! ln L is then a signed log-sum-exp of three terms, and its gradient follows from the
//! partial derivatives of the series (see [`super::special::hyp2f1_series`]).
//!
//! G(t) and A(t) read only the pair (x, t): a pass evaluates them (the series, the costly
//! part) once for each distinct (x, t_x) and (x, T) pair of the rows, then each row adds
//! its three terms. Customers observed on a grid of days share few pairs (200,000
//! customers of the demo shop: 19,000 pairs for 223,000 series before).

use super::nbd::{check_horizon, Histories};
use super::special::{digamma_rising, ln_rising};
use super::{check_params, factorize_counts, sum_rows, Likelihood, Rows};
use crate::Result;

/// The Pareto/NBD likelihood of validated histories (or of every k-th of them).
#[derive(Clone)]
pub struct Model<'a> {
    data: Histories<'a>,
    total: f64,
    distinct: Vec<f64>,
    codes: Vec<u32>,
    /// The rows of a pass: customers without repeat purchase merged by age, then the others.
    rows: Vec<PairRow>,
    /// The distinct (x, t) pairs the rows read.
    pairs: Pairs,
    /// The distinct frequencies the rows in use have (a thinned copy has fewer, and a
    /// pass tables a series for each).
    used: Vec<bool>,
}

impl<'a> Model<'a> {
    pub fn new(data: Histories<'a>) -> Result<Self> {
        let total = data.validate()?;
        let (distinct, codes) = factorize_counts(data.frequency);
        Ok(Self::over(data, total, distinct, codes, &Rows::new(&data, 1)))
    }

    fn over(data: Histories<'a>, total: f64, distinct: Vec<f64>, codes: Vec<u32>, rows: &Rows) -> Self {
        // the code of x = 0 is the first (distinct frequencies are sorted)
        let zeros = rows.zeros.iter().map(|&(t, w)| (0, 0.0, t, w));
        let others = rows.others.iter().map(|&i| {
            let i = i as usize;
            (codes[i], data.recency[i], data.age[i], data.weight(i))
        });
        let (pairs, rows) = Pairs::index(zeros.chain(others));
        let mut used = vec![false; distinct.len()];
        rows.iter().for_each(|r| used[r.code as usize] = true);
        Model { data, total, distinct, codes, rows, pairs, used }
    }
}

/// A row of a pass (a customer, or the customers without repeat purchase of one age:
/// weight `w`): the code of her frequency and the indices of her (x, t_x) and (x, T)
/// pairs, `at_tx` = [`NO_DEATH`] when t_x = T (no time for a death after the last purchase).
#[derive(Clone, Copy)]
struct PairRow {
    code: u32,
    at_tx: u32,
    at_t: u32,
    w: f64,
}

const NO_DEATH: u32 = u32::MAX;

/// Distinct (frequency code, time) pairs, in order of first occurrence.
#[derive(Clone, Default)]
struct Pairs {
    code: Vec<u32>,
    t: Vec<f64>,
}

impl Pairs {
    /// The pairs of rows given as (code, t_x, T, weight), and each row's indices.
    fn index(rows: impl Iterator<Item = (u32, f64, f64, f64)>) -> (Pairs, Vec<PairRow>) {
        let mut seen: hashbrown::HashMap<(u32, u64), u32, foldhash::fast::FixedState> = Default::default();
        let mut pairs = Pairs::default();
        let mut at = |code: u32, t: f64| {
            let t = t + 0.0; // −0.0 and 0.0 are one time
            *seen.entry((code, t.to_bits())).or_insert_with(|| {
                pairs.code.push(code);
                pairs.t.push(t);
                (pairs.t.len() - 1) as u32
            })
        };
        let mut rows: Vec<PairRow> = rows
            .map(|(code, tx, t, w)| PairRow {
                code,
                at_t: at(code, t),
                at_tx: if tx < t { at(code, tx) } else { NO_DEATH },
                w,
            })
            .collect();
        // numbered by frequency, then time: the pairs of one series lie side by side
        // (evaluated [`LANES`] at a time), neighbours needing about as many terms
        let mut order: Vec<u32> = (0..pairs.t.len() as u32).collect();
        order.sort_unstable_by(|&i, &j| {
            let (i, j) = (i as usize, j as usize);
            pairs.code[i].cmp(&pairs.code[j]).then(pairs.t[i].total_cmp(&pairs.t[j]))
        });
        let mut renumber = vec![0u32; order.len()];
        order.iter().enumerate().for_each(|(k, &i)| renumber[i as usize] = k as u32);
        for row in rows.iter_mut() {
            row.at_t = renumber[row.at_t as usize];
            if row.at_tx != NO_DEATH {
                row.at_tx = renumber[row.at_tx as usize];
            }
        }
        let sorted = Pairs {
            code: order.iter().map(|&i| pairs.code[i as usize]).collect(),
            t: order.iter().map(|&i| pairs.t[i as usize]).collect(),
        };
        (sorted, rows)
    }
}

/// ln G(t) + r ln α + s ln β = −r ln(1 + t/α) − x ln(α+t) − s ln(1 + t/β), given
/// ln(α+t). Every term of a row's bracket carries the same r ln α + s ln β (so the row
/// adds ln Γ(r+x) − ln Γ(r) alone): written so, without the difference of s ln β and
/// s ln(β+t), which cancel to ~10^−10 absolute where the optimiser walks to large s and β
/// (and r and α), the log-likelihood stays smooth to its last digits there.
#[inline]
fn ln_g(p: &Params, x: f64, t: f64, ln_alpha_t: f64) -> f64 {
    -p.r * (t / p.alpha).ln_1p() - x * ln_alpha_t - p.s * (t / p.beta).ln_1p()
}

/// ln G(t) and ln A(t) of one (x, t) pair (both + r ln α + s ln β, see [`ln_g`]), with
/// their gradients (ln A: NaN without series).
#[derive(Clone, Copy, Default)]
struct PairTerms {
    lg: f64,
    gg: [f64; 4],
    la: f64,
    ga: [f64; 4],
}

/// The terms of every pair, in parallel; the series of pairs of one frequency are summed
/// [`LANES`] at a time (see [`Series::eval_lanes`]).
fn pair_terms(p: &Params, table: &[PerX], distinct: &[f64], pairs: &Pairs, grad: bool) -> Vec<PairTerms> {
    use rayon::prelude::*;
    let mut out = vec![PairTerms::default(); pairs.t.len()];
    out.par_chunks_mut(1024).enumerate().for_each(|(c, chunk)| {
        let start = c * 1024;
        let mut j = 0;
        while j < chunk.len() {
            let code = pairs.code[start + j] as usize;
            let run =
                (1..LANES.min(chunk.len() - j)).take_while(|&l| pairs.code[start + j + l] as usize == code).count() + 1;
            let x = distinct[code];
            let series = table[code].series.as_ref();
            let mut sums = [(0.0, 0.0, 0.0, 0.0); LANES];
            if let Some(series) = series {
                let mut z = [0.0; LANES];
                (0..run).for_each(|l| z[l] = series_argument(p, pairs.t[start + j + l]));
                sums = series.eval_lanes(z, run, grad);
            }
            for l in 0..run {
                let (o, t) = (&mut chunk[j + l], pairs.t[start + j + l]);
                let (la, lb) = ((p.alpha + t).ln(), (p.beta + t).ln());
                o.lg = ln_g(p, x, t, la);
                o.gg = [-la, -(p.r + x) / (p.alpha + t), -lb, -p.s / (p.beta + t)];
                (o.la, o.ga) = match series {
                    Some(_) => ln_a_from(p, x, t, sums[l], grad),
                    None => (f64::NAN, [f64::NAN; 4]),
                };
            }
            j += run;
        }
    });
    out
}

/// Pairs whose series are summed together.
const LANES: usize = 4;

/// ln of G(T) + c A(t_x) − c A(T) of one row (c = s / (r+s+x)) and its gradient, from
/// the terms of its pairs.
#[inline]
fn row_bracket(p: &Params, x: f64, row: PairRow, terms: &[PairTerms], times: &[f64], grad: bool) -> (f64, [f64; 4]) {
    let at_t = &terms[row.at_t as usize];
    if row.at_tx == NO_DEATH {
        return (at_t.lg, at_t.gg);
    }
    let at_tx = &terms[row.at_tx as usize];
    let mut g = [0.0; 4];
    let v = if at_t.la.is_nan() {
        let (tx, t) = (times[row.at_tx as usize], times[row.at_t as usize]);
        quadrature_sum(p, x, tx, t, (at_t.lg, at_t.gg), grad.then_some(&mut g))
    } else {
        signed_sum(p, x, (at_t.lg, at_t.gg), (at_tx.la, at_tx.ga), (at_t.la, at_t.ga), grad.then_some(&mut g))
    };
    (v, g)
}

/// Model parameters (r, α, s, β).
#[derive(Debug, Clone, Copy)]
pub struct Params {
    pub r: f64,
    pub alpha: f64,
    pub s: f64,
    pub beta: f64,
}

impl Params {
    pub fn new(p: &[f64]) -> Result<Self> {
        check_params(p, &["r", "alpha", "s", "beta"])?;
        Ok(Params { r: p[0], alpha: p[1], s: p[2], beta: p[3] })
    }
}

/// The series 2F1(1, B; C; z) = Σ_n c_n z^n of one frequency, tabled for every z up to the
/// largest a pass meets: c_n = (B)_n / (C)_n (B < C, so the c_n decrease), and the
/// coefficients of its derivatives in B and C, c_n Σ_{k<n} 1/(B+k) and c_n Σ_{k<n} 1/(C+k).
/// A row then sums a polynomial, without a division.
struct Series {
    c: Vec<f64>,
    cb: Vec<f64>,
    cc: Vec<f64>,
}

impl Series {
    fn new(b: f64, c: f64, z_max: f64, grad: bool) -> Series {
        let (mut cs, mut cbs, mut ccs) = (Vec::new(), Vec::new(), Vec::new());
        let (mut coef, mut hb, mut hc, mut zp) = (1.0, 0.0, 0.0, 1.0);
        for n in 0..8192 {
            cs.push(coef);
            if grad {
                cbs.push(coef * hb);
                ccs.push(coef * hc);
            }
            // the z-derivative's terms n c_n z^(n−1) bound every tail
            if coef * zp * (n as f64 + 1.0) <= 1e-19 || zp == 0.0 {
                break;
            }
            let nf = n as f64;
            let (ib, ic) = (1.0 / (b + nf), 1.0 / (c + nf));
            coef *= (b + nf) * ic;
            hb += ib;
            hc += ic;
            zp *= z_max;
        }
        Series { c: cs, cb: cbs, cc: ccs }
    }

    /// F, ∂F/∂B, ∂F/∂C, ∂F/∂z at z (at most the z_max of the table).
    #[cfg(test)]
    fn eval(&self, z: f64, grad: bool) -> (f64, f64, f64, f64) {
        self.eval_lanes([z; LANES], 1, grad)[0]
    }

    /// [`Self::eval`] at the first `used` arguments of `z` at once: one pass over the
    /// coefficients with independent sums (four chains of multiply-adds in flight instead
    /// of one), each lane stopping where it would alone, so that its value is the same bits.
    #[inline]
    fn eval_lanes(&self, z: [f64; LANES], used: usize, grad: bool) -> [(f64, f64, f64, f64); LANES] {
        let c0 = self.c[0];
        let (mut f, mut fb, mut fc, mut fz) = ([c0; LANES], [0.0; LANES], [0.0; LANES], [0.0; LANES]);
        let mut zp = [1.0; LANES]; // z^(n−1)
        let mut live = [false; LANES];
        live[..used].iter_mut().for_each(|v| *v = true);
        let mut left = used;
        for n in 1..self.c.len() {
            let (cn, nf) = (self.c[n], n as f64);
            for l in 0..LANES {
                if !live[l] {
                    continue;
                }
                let t = cn * zp[l];
                if grad {
                    fz[l] += nf * t;
                    fb[l] += self.cb[n] * zp[l] * z[l];
                    fc[l] += self.cc[n] * zp[l] * z[l];
                }
                zp[l] *= z[l];
                f[l] += cn * zp[l];
                if t * (nf + 1.0) <= 1e-19 * f[l] {
                    live[l] = false;
                    left -= 1;
                }
            }
            if left == 0 {
                break;
            }
        }
        std::array::from_fn(|l| (f[l], fb[l], -fc[l], fz[l]))
    }
}

/// What one pass needs per distinct frequency: ln Γ(r+x) − ln Γ(r), ψ(r+x) − ψ(r), and the
/// series of A (None where α and β are too far apart for it).
struct PerX {
    ln_r: f64,
    psi_r: f64,
    series: Option<Series>,
}

/// The table of each distinct frequency (with `used`, only of those; the others empty).
fn per_x(p: &Params, distinct: &[f64], used: Option<&[bool]>, grad: bool) -> Vec<PerX> {
    let z_max = (p.alpha - p.beta).abs() / p.alpha.max(p.beta);
    distinct
        .iter()
        .enumerate()
        .map(|(k, &x)| {
            if used.is_some_and(|u| !u[k]) {
                return PerX { ln_r: 0.0, psi_r: 0.0, series: None };
            }
            let (b, c) =
                if p.alpha >= p.beta { (p.r + x, p.r + p.s + x + 1.0) } else { (p.s + 1.0, p.r + p.s + x + 1.0) };
            PerX {
                ln_r: ln_rising(p.r, x),
                psi_r: digamma_rising(p.r, x),
                series: (z_max <= SERIES_LIMIT).then(|| Series::new(b, c, z_max, grad)),
            }
        })
        .collect()
}

/// The argument of the series of A(t): (α−β)/(α+t) when α >= β, else (β−α)/(β+t).
#[inline]
fn series_argument(p: &Params, t: f64) -> f64 {
    if p.alpha >= p.beta {
        (p.alpha - p.beta) / (p.alpha + t)
    } else {
        (p.beta - p.alpha) / (p.beta + t)
    }
}

/// ln A(t) and its gradient in (r, α, s, β).
#[cfg(test)]
fn ln_a(p: &Params, x: f64, t: f64, series: &Series, grad: bool) -> (f64, [f64; 4]) {
    ln_a_from(p, x, t, series.eval(series_argument(p, t), grad), grad)
}

/// ln A(t) + r ln α + s ln β (see [`ln_g`]) and the gradient of ln A(t) in (r, α, s, β),
/// given the series and its partial derivatives at [`series_argument`] (as [`Series::eval`]
/// returns them).
#[inline]
fn ln_a_from(p: &Params, x: f64, t: f64, (f, fb, fc, fz): (f64, f64, f64, f64), grad: bool) -> (f64, [f64; 4]) {
    let (r, al, s, be) = (p.r, p.alpha, p.s, p.beta);
    let rx = r + x;
    let (la, lb) = ((al + t).ln(), (be + t).ln());
    let mut value = ln_g(p, x, t, la);
    let mut g = [-la, -rx / (al + t), -lb, -s / (be + t)];
    if al >= be {
        value += f.ln();
        if grad {
            let (db, dc, dz) = (fb / f, fc / f, fz / f);
            g[0] += db + dc;
            g[1] += dz * (be + t) / ((al + t) * (al + t));
            g[2] += dc;
            g[3] -= dz / (al + t);
        }
    } else {
        value += la - lb + f.ln();
        if grad {
            let (db, dc, dz) = (fb / f, fc / f, fz / f);
            g[0] += dc;
            g[1] += 1.0 / (al + t) - dz / (be + t);
            g[2] += db + dc;
            g[3] += -1.0 / (be + t) + dz * (al + t) / ((be + t) * (be + t));
        }
    }
    (value, g)
}

/// Largest argument of the series: beyond it (α and β more than ~30 times apart) the terms
/// fall too slowly (over a thousand per customer) and the death term is integrated instead.
const SERIES_LIMIT: f64 = 0.97;

/// ln of s ∫_{t_x}^{T} (α+τ)^−(r+x) (β+τ)^−(s+1) dτ (the probability of a death between
/// the last purchase and T, up to the common factor), + r ln α + s ln β as every term of
/// the bracket (see [`ln_g`]), and the gradient of the former, by adaptive
/// Gauss–Kronrod quadrature with the derivatives under the integral sign. The integrand
/// is scaled by its value at t_x, its largest, and its logarithm is taken relative to
/// t_x, −(r+x) ln(1 + (τ−t_x)/(α+t_x)) − (s+1) ln(1 + (τ−t_x)/(β+t_x)): where the
/// optimiser walks to large s and β (a dropout rate s/β nearly the same for everyone),
/// the difference of the logs themselves (each ~10^5 there) would leave a relative noise
/// of ~10^−11 in the integrand, which the quadrature, asked for 10^−13, would bisect to
/// its limit for every row.
fn ln_death_by_quadrature(p: &Params, x: f64, tx: f64, t: f64) -> (f64, [f64; 4]) {
    let (r, al, s, be) = (p.r, p.alpha, p.s, p.beta);
    let (a0, b0) = (al + tx, be + tx);
    let g0 = ln_g(p, x, tx, a0.ln()) - b0.ln();
    let v = super::special::integrate_vec::<5>(
        |tau, out| {
            let (la, lb) = (((tau - tx) / a0).ln_1p(), ((tau - tx) / b0).ln_1p());
            let f = (-(r + x) * la - (s + 1.0) * lb).exp();
            *out = [f, -la * f, -(r + x) / (al + tau) * f, -lb * f, -(s + 1.0) / (be + tau) * f];
        },
        tx,
        t,
        1e-13,
    );
    let grad = [-a0.ln() + v[1] / v[0], v[2] / v[0], 1.0 / s - b0.ln() + v[3] / v[0], v[4] / v[0]];
    (s.ln() + g0 + v[0].ln(), grad)
}

/// The log of the bracket of L / (Γ(r+x) α^r β^s / Γ(r)), G(T) + s/(r+s+x) (A(t_x) −
/// A(T)), plus r ln α + s ln β (see [`ln_g`]), and the gradient of the former, for one
/// history: the per-row form of what a pass computes from its pair tables (kept for the
/// tests).
#[cfg(test)]
fn ln_bracket(p: &Params, (x, tx, t): (f64, f64, f64), series: Option<&Series>, grad: Option<&mut [f64; 4]>) -> f64 {
    let want = grad.is_some();
    let (r, al, s, be) = (p.r, p.alpha, p.s, p.beta);
    let (la, lb) = ((al + t).ln(), (be + t).ln());
    let u1 = ln_g(p, x, t, la);
    let g1 = [-la, -(r + x) / (al + t), -lb, -s / (be + t)];
    if tx == t {
        // no time for a death after the last purchase
        if let Some(g) = grad {
            *g = g1;
        }
        return u1;
    }
    match series {
        // α and β more than ~30 times apart: the series would need thousands of terms,
        // integrate over the death time instead
        None => quadrature_sum(p, x, tx, t, (u1, g1), grad),
        Some(series) => signed_sum(p, x, (u1, g1), ln_a(p, x, tx, series, want), ln_a(p, x, t, series, want), grad),
    }
}

/// ln G(T) and the log of the death term by quadrature, added, with the gradient.
fn quadrature_sum(p: &Params, x: f64, tx: f64, t: f64, (u1, g1): (f64, [f64; 4]), grad: Option<&mut [f64; 4]>) -> f64 {
    let (ld, gd) = ln_death_by_quadrature(p, x, tx, t);
    let m = u1.max(ld);
    let (e1, e2) = ((u1 - m).exp(), (ld - m).exp());
    if let Some(g) = grad {
        for k in 0..4 {
            g[k] = (e1 * g1[k] + e2 * gd[k]) / (e1 + e2);
        }
    }
    m + (e1 + e2).ln()
}

/// The three terms in logs with their gradients, ln G(T), ln c + ln A(t_x) and
/// ln c + ln A(T) (c = s / (r+s+x)), added with their signs: the log of
/// G(T) + c A(t_x) − c A(T), and its gradient into `grad`.
fn signed_sum(
    p: &Params,
    x: f64,
    (u1, g1): (f64, [f64; 4]),
    (lx, gx): (f64, [f64; 4]),
    (lt, gt): (f64, [f64; 4]),
    grad: Option<&mut [f64; 4]>,
) -> f64 {
    let rsx = p.r + p.s + x;
    let lc = p.s.ln() - rsx.ln();
    let (u2, u3) = (lc + lx, lc + lt);
    let m = u1.max(u2);
    let (e1, e2, e3) = ((u1 - m).exp(), (u2 - m).exp(), (u3 - m).exp());
    let q = e1 + (e2 - e3);
    if let Some(g) = grad {
        let gc = [-1.0 / rsx, 0.0, 1.0 / p.s - 1.0 / rsx, 0.0];
        for k in 0..4 {
            g[k] = (e1 * g1[k] + e2 * (gc[k] + gx[k]) - e3 * (gc[k] + gt[k])) / q;
        }
    }
    m + q.ln()
}

impl Likelihood for Model<'_> {
    fn names(&self) -> &'static [&'static str] {
        &["r", "alpha", "s", "beta"]
    }

    fn total_weight(&self) -> f64 {
        self.total
    }

    fn log_lik(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        let p = Params { r: theta[0], alpha: theta[1], s: theta[2], beta: theta[3] };
        let table = per_x(&p, &self.distinct, Some(&self.used), true);
        let terms = pair_terms(&p, &table, &self.distinct, &self.pairs, true);
        let (ln_alpha, ln_beta) = (p.alpha.ln(), p.beta.ln());
        // the terms carry r ln α + s ln β already (see [`ln_g`])
        let (ll, g) = sum_rows::<4>(self.rows.len(), |j, g| {
            let row = self.rows[j];
            let (k, w) = (&table[row.code as usize], row.w);
            let (b, gb) = row_bracket(&p, self.distinct[row.code as usize], row, &terms, &self.pairs.t, true);
            g[0] += w * (k.psi_r + ln_alpha + gb[0]);
            g[1] += w * (p.r / p.alpha + gb[1]);
            g[2] += w * (ln_beta + gb[2]);
            g[3] += w * (p.s / p.beta + gb[3]);
            w * (k.ln_r + b)
        });
        grad[..4].copy_from_slice(&g);
        ll
    }

    fn starts(&self) -> Vec<Vec<f64>> {
        let (mut sx, mut st) = (0.0, 0.0);
        for i in 0..self.data.frequency.len() {
            let w = self.data.weights.map_or(1.0, |w| w[i]);
            sx += w * self.data.frequency[i];
            st += w * self.data.age[i];
        }
        let scale = if sx > 0.0 && st > 0.0 { st / sx } else { 1.0 };
        let tbar = (st / self.total).max(1e-3);
        vec![
            vec![1.0, scale, 1.0, tbar],
            vec![0.5, 0.5 * scale, 0.5, 0.5 * tbar],
            vec![2.0, 2.0 * scale, 2.0, 4.0 * tbar],
        ]
    }

    fn ridges(&self) -> &'static [(usize, usize)] {
        &[(0, 1), (2, 3)]
    }

    fn rows(&self) -> usize {
        self.rows.len()
    }

    /// Every `stride`-th customer of the data (of a model over all of it).
    fn every(&self, stride: usize) -> Option<Self> {
        let stride = stride.max(1);
        let total = (0..self.data.frequency.len()).step_by(stride).map(|i| self.data.weight(i)).sum();
        let rows = Rows::new(&self.data, stride);
        Some(Self::over(self.data, total, self.distinct.clone(), self.codes.clone(), &rows))
    }
}

/// P(alive at T | x, t_x, T) = G(T) / [G(T) + s/(r+s+x) (A(t_x) − A(T))] (note 009 eq. 37).
pub fn p_alive(p: Params, data: &Histories) -> Result<Vec<f64>> {
    data.validate()?;
    let (distinct, codes) = factorize_counts(data.frequency);
    let table = per_x(&p, &distinct, None, false);
    let customers = (0..codes.len()).map(|i| (codes[i], data.recency[i], data.age[i], 1.0));
    let (pairs, rows) = Pairs::index(customers);
    let terms = pair_terms(&p, &table, &distinct, &pairs, false);
    Ok(super::map_rows(rows.len(), |i| {
        let row = rows[i];
        let (b, _) = row_bracket(&p, distinct[row.code as usize], row, &terms, &pairs.t, false);
        (terms[row.at_t as usize].lg - b).exp().min(1.0)
    }))
}

/// (1 − q^(s−1)) / (s − 1), continuous at s = 1 where it is −ln q.
fn survival_integral(q: f64, s: f64) -> f64 {
    let e = s - 1.0;
    let lq = q.ln();
    if (e * lq).abs() < 1e-300 {
        -lq
    } else {
        -(e * lq).exp_m1() / e
    }
}

/// Expected purchases in (T, T + t] given each history (note 009 eq. 41):
/// (r+x)(β+T) / ((α+T)(s−1)) [1 − ((β+T)/(β+T+t))^(s−1)] P(alive).
pub fn conditional_expected_purchases(p: Params, t: f64, data: &Histories) -> Result<Vec<f64>> {
    let alive = p_alive(p, data)?;
    check_horizon(t)?;
    let mut out = expected_if_alive(p, t, data.frequency, data.age);
    out.iter_mut().zip(&alive).for_each(|(o, a)| *o *= a);
    Ok(out)
}

/// Expected purchases in (T, T + t] of a customer with `x` repeat purchases at age `T`,
/// given that she is alive at T, for each (x, T) pair of `frequency` and `age`.
pub(crate) fn expected_if_alive(p: Params, t: f64, frequency: &[f64], age: &[f64]) -> Vec<f64> {
    super::map_rows(frequency.len(), |i| {
        let (x, age) = (frequency[i], age[i]);
        let q = (p.beta + age) / (p.beta + age + t);
        (p.r + x) * (p.beta + age) / (p.alpha + age) * survival_integral(q, p.s)
    })
}

/// E[X(t)] of a customer drawn from the population (note 009 eq. 27):
/// rβ / (α(s−1)) [1 − (β/(β+t))^(s−1)].
pub fn expected_purchases(p: Params, t: &[f64]) -> Result<Vec<f64>> {
    t.iter().try_for_each(|&t| check_horizon(t))?;
    Ok(t.iter().map(|&t| p.r * p.beta / p.alpha * survival_integral(p.beta / (p.beta + t), p.s)).collect())
}

/// P(X(t) = n) for a customer drawn from the population: alive throughout (an NBD count
/// times (β/(β+t))^s), or dead at τ < t after n purchases in (0, τ]. With
/// K = Γ(r+n)α^r / (Γ(r) n!), it is K t^n (α+t)^−(r+n) (β/(β+t))^s plus
/// K s β^s ∫_0^t τ^n (α+τ)^−(r+n) (β+τ)^−(s+1) dτ, the integral by adaptive Gauss–Kronrod
/// quadrature (relative 1e-12).
pub fn probability_of_purchases(p: Params, n: &[f64], t: &[f64]) -> Result<Vec<f64>> {
    if n.len() != t.len() {
        return Err(crate::KernelError::LengthMismatch(format!("{} counts but {} horizons", n.len(), t.len())));
    }
    super::check_column("n", n, |v| !(v >= 0.0 && v.is_finite() && v.fract() == 0.0), "n must be a whole number >= 0")?;
    t.iter().try_for_each(|&t| check_horizon(t))?;
    let (r, al, s, be) = (p.r, p.alpha, p.s, p.beta);
    Ok(super::map_rows(n.len(), |i| {
        let (n, t) = (n[i], t[i]);
        if t == 0.0 {
            return if n == 0.0 { 1.0 } else { 0.0 };
        }
        let k = ln_rising(r, n) - super::special::ln_gamma(n + 1.0) + r * al.ln();
        let pow = |tau: f64| if n == 0.0 { 0.0 } else { n * tau.ln() };
        let alive = (k + pow(t) - (r + n) * (al + t).ln() + s * (be / (be + t)).ln()).exp();
        let dead = super::special::integrate(
            |tau| (k + s.ln() + pow(tau) - (r + n) * (al + tau).ln() + s * be.ln() - (s + 1.0) * (be + tau).ln()).exp(),
            0.0,
            t,
            1e-12,
        );
        alive + dead
    }))
}

#[cfg(test)]
mod tests {
    use super::super::nbd::tests::cdnow;
    use super::super::{fit, FitOptions};
    use super::*;

    #[test]
    fn gradient_matches_finite_differences_on_both_branches() {
        let (x, tx, t) = cdnow();
        let (x, tx, t) = (&x[..300], &tx[..300], &t[..300]);
        let m = Model::new(Histories { frequency: x, recency: tx, age: t, weights: None }).unwrap();
        for theta in [
            [0.55, 10.6, 0.61, 11.7],
            [0.55, 12.0, 0.61, 3.0],
            [1.3, 2.0, 2.5, 2.0],
            [2.0, 0.01, 3.0, 900.0],
            [0.55, 500.0, 0.61, 0.01],
        ] {
            let mut g = [0.0; 4];
            m.log_lik(&theta, &mut g);
            for k in 0..4 {
                let h = 1e-6 * theta[k];
                let (mut up, mut dn) = (theta, theta);
                up[k] += h;
                dn[k] -= h;
                let mut scratch = [0.0; 4];
                let fd = (m.log_lik(&up, &mut scratch) - m.log_lik(&dn, &mut scratch)) / (2.0 * h);
                assert!((g[k] - fd).abs() <= 1e-6 * fd.abs().max(1.0), "θ={theta:?} k={k}: {} vs {fd}", g[k]);
            }
        }
    }

    #[test]
    fn series_and_quadrature_agree_below_the_switch() {
        // α/β = 25: z = 0.96 at t_x = 0, still summed; the quadrature gives the same
        let p = Params { r: 0.7, alpha: 25.0, s: 0.9, beta: 1.0 };
        for (x, tx, t) in [(0.0, 0.0, 30.0), (3.0, 0.0, 30.0), (12.0, 2.5, 40.0)] {
            let (mut gs, mut gq) = ([0.0; 4], [0.0; 4]);
            let k = &per_x(&p, &[x], None, true)[0];
            let series = ln_bracket(&p, (x, tx, t), k.series.as_ref(), Some(&mut gs));
            let (ld, gd) = ln_death_by_quadrature(&p, x, tx, t);
            let la = ln_g(&p, x, t, (p.alpha + t).ln());
            let g1 = [-(p.alpha + t).ln(), -(p.r + x) / (p.alpha + t), -(p.beta + t).ln(), -p.s / (p.beta + t)];
            let quad = super::super::special::log_add_exp(la, ld);
            let (w1, w2) = ((la - quad).exp(), (ld - quad).exp());
            (0..4).for_each(|k| gq[k] = w1 * g1[k] + w2 * gd[k]);
            assert!((series - quad).abs() < 1e-12, "{series} {quad}");
            assert!((0..4).all(|k| (gs[k] - gq[k]).abs() < 1e-9 * gs[k].abs().max(1.0)), "{gs:?} {gq:?}");
        }
    }

    #[test]
    fn series_summed_in_lanes_are_the_bits_of_one_at_a_time() {
        // lanes that stop after very different numbers of terms, and a partial group
        let series = Series::new(1.6, 13.2, 0.95, true);
        let z = [0.95, 0.01, 0.5, 0.0];
        for used in 1..=LANES {
            for grad in [false, true] {
                let lanes = series.eval_lanes(z, used, grad);
                for l in 0..used {
                    let one = series.eval_lanes([z[l]; LANES], 1, grad)[0];
                    let bits = |v: (f64, f64, f64, f64)| [v.0, v.1, v.2, v.3].map(f64::to_bits);
                    assert_eq!(bits(lanes[l]), bits(one), "lane {l} of {used}, grad {grad}");
                    let want = super::super::special::hyp2f1_series(1.0, 1.6, 13.2, z[l], false).unwrap().value;
                    assert!((one.0 - want).abs() <= 1e-14 * want, "{} vs {want}", one.0);
                }
            }
        }
    }

    #[test]
    fn the_two_branches_agree_where_alpha_equals_beta() {
        let p = Params { r: 0.7, alpha: 5.0, s: 0.9, beta: 5.0 };
        let q = Params { beta: 5.0 * (1.0 + 1e-12), ..p };
        for (x, tx, t) in [(0.0, 0.0, 30.0), (3.0, 12.5, 30.0), (10.0, 29.0, 30.0)] {
            let (sp, sq) = (&per_x(&p, &[x], None, false)[0], &per_x(&q, &[x], None, false)[0]);
            let (a, b) = (
                ln_bracket(&p, (x, tx, t), sp.series.as_ref(), None),
                ln_bracket(&q, (x, tx, t), sq.series.as_ref(), None),
            );
            assert!((a - b).abs() < 1e-10, "{a} {b}");
        }
    }

    #[test]
    fn purchase_probabilities_sum_to_one_and_to_the_mean() {
        let p = Params { r: 0.55, alpha: 10.58, s: 0.61, beta: 11.67 };
        let n: Vec<f64> = (0..400).map(|v| v as f64).collect();
        let pr = probability_of_purchases(p, &n, &[39.0; 400]).unwrap();
        assert!((pr.iter().sum::<f64>() - 1.0).abs() < 1e-10, "{}", pr.iter().sum::<f64>());
        let mean: f64 = pr.iter().zip(&n).map(|(p, n)| p * n).sum();
        assert!((mean - expected_purchases(p, &[39.0]).unwrap()[0]).abs() < 1e-9);
    }

    #[test]
    fn pair_tables_give_the_per_row_likelihood_and_p_alive() {
        // CDNOW with weights, and on a grid of days so that customers share pairs
        let (x, tx, t) = cdnow();
        let w: Vec<f64> = (0..x.len()).map(|i| 1.0 + (i % 4) as f64).collect();
        let data = Histories { frequency: &x, recency: &tx, age: &t, weights: Some(&w) };
        let m = Model::new(data).unwrap();
        assert!(m.pairs.t.len() < 2 * x.len());
        // α > β, α < β, and α/β = 100 (the quadrature)
        for theta in [[0.55, 10.6, 0.61, 3.0], [0.55, 10.6, 0.61, 11.7], [0.9, 0.5, 1.2, 50.0]] {
            let p = Params { r: theta[0], alpha: theta[1], s: theta[2], beta: theta[3] };
            let mut g = [0.0; 4];
            let got = m.log_lik(&theta, &mut g);
            let (mut want, mut gw) = (0.0, [0.0; 4]);
            let (mut alive, mut alive_want) = (Vec::new(), Vec::new());
            for i in 0..x.len() {
                let k = &per_x(&p, &[x[i]], None, true)[0];
                let mut gb = [0.0; 4];
                let b = ln_bracket(&p, (x[i], tx[i], t[i]), k.series.as_ref(), Some(&mut gb));
                want += w[i] * (k.ln_r + b);
                gw[0] += w[i] * (k.psi_r + p.alpha.ln() + gb[0]);
                gw[1] += w[i] * (p.r / p.alpha + gb[1]);
                gw[2] += w[i] * (p.beta.ln() + gb[2]);
                gw[3] += w[i] * (p.s / p.beta + gb[3]);
                let u1 = ln_g(&p, x[i], t[i], (p.alpha + t[i]).ln());
                alive_want.push((u1 - b).exp().min(1.0));
            }
            alive.extend(p_alive(p, &data).unwrap());
            assert!((got - want).abs() <= 1e-11 * want.abs(), "{theta:?}: {got} vs {want}");
            assert!((0..4).all(|k| (g[k] - gw[k]).abs() <= 1e-9 * gw[k].abs().max(1.0)), "{g:?} vs {gw:?}");
            assert!(alive.iter().zip(&alive_want).all(|(a, b)| (a - b).abs() <= 1e-13), "{theta:?}");
        }
    }

    #[test]
    fn cdnow_estimates() {
        let (x, tx, t) = cdnow();
        let m = Model::new(Histories { frequency: &x, recency: &tx, age: &t, weights: None }).unwrap();
        let f = fit(&m, &FitOptions::default()).unwrap();
        assert!(f.converged, "{f:?}");
        // Fader & Hardie: r = 0.5533, alpha = 10.578, s = 0.6062, beta = 11.67, LL = -9594.98
        let want = [0.5533, 10.578, 0.6062, 11.67];
        for k in 0..4 {
            assert!((f.params[k] - want[k]).abs() <= 2e-4 * want[k], "{f:?}");
        }
        // −9594.974 on this file, whose recency and T are rounded to 1/100 week (lifetimes
        // gives the same at these parameters); the published −9594.98 is on unrounded data
        assert!((f.log_likelihood - -9594.98).abs() < 0.01, "{f:?}");
    }
}
