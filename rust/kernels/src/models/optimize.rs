//! A small bounded quasi-Newton minimiser (projected BFGS with a backtracking Armijo line
//! search) and the dense linear algebra of standard errors.
//!
//! The models have two to five parameters, optimised on their logarithms inside a box:
//! a dense inverse-Hessian update costs nothing next to one pass over the customers, and
//! the projection keeps every iterate feasible. argmin has no bounded quasi-Newton method
//! (its L-BFGS is unconstrained, and an unbounded log-parameter runs off to infinity when
//! the data cannot identify it, e.g. no dropout at all), so this is the compact method of
//! Bertsekas (1982) on a dense matrix: the variables at a bound whose gradient points
//! outwards are held, BFGS steps on the others.

/// Stopping rules of [`minimize`].
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Most iterations.
    pub max_iter: usize,
    /// Converged when the largest projected gradient component is at most this.
    pub gtol: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { max_iter: 500, gtol: 1e-9 }
    }
}

/// Where [`minimize`] stopped.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub x: Vec<f64>,
    pub f: f64,
    pub grad: Vec<f64>,
    pub iterations: usize,
    pub evaluations: usize,
    pub converged: bool,
    pub message: &'static str,
}

/// Largest gradient component not held by a bound.
pub fn projected_gradient_norm(x: &[f64], g: &[f64], lo: &[f64], hi: &[f64]) -> f64 {
    (0..x.len()).filter(|&i| !held(x[i], g[i], lo[i], hi[i])).map(|i| g[i].abs()).fold(0.0, f64::max)
}

#[inline]
fn held(x: f64, g: f64, lo: f64, hi: f64) -> bool {
    (x <= lo && g > 0.0) || (x >= hi && g < 0.0)
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Minimises `f` (which returns the value and writes the gradient; a non-finite value marks
/// an infeasible point, which the line search backs away from) over the box [lo, hi],
/// from `x0` (clamped into the box).
pub fn minimize(
    mut f: impl FnMut(&[f64], &mut [f64]) -> f64,
    x0: &[f64],
    lo: &[f64],
    hi: &[f64],
    settings: Settings,
) -> Outcome {
    let p = x0.len();
    let mut x: Vec<f64> = (0..p).map(|i| x0[i].clamp(lo[i], hi[i])).collect();
    let mut g = vec![0.0; p];
    let mut fx = f(&x, &mut g);
    let mut evaluations = 1;
    let out = |x: Vec<f64>, f: f64, grad: Vec<f64>, it, evals, converged, message| Outcome {
        x,
        f,
        grad,
        iterations: it,
        evaluations: evals,
        converged,
        message,
    };
    if !fx.is_finite() || g.iter().any(|v| !v.is_finite()) {
        return out(x, fx, g, 0, evaluations, false, "the log-likelihood is not finite at the starting point");
    }
    let mut hinv = identity(p);
    let mut fresh = true; // hinv is the identity: scale it after the first step
    let (mut xn, mut gn, mut d) = (vec![0.0; p], vec![0.0; p], vec![0.0; p]);
    for it in 0..settings.max_iter {
        if projected_gradient_norm(&x, &g, lo, hi) <= settings.gtol {
            return out(x, fx, g, it, evaluations, true, "converged: gradient below tolerance");
        }
        let free: Vec<bool> = (0..p).map(|i| !held(x[i], g[i], lo[i], hi[i])).collect();
        for i in 0..p {
            d[i] =
                if free[i] { -(0..p).filter(|&j| free[j]).map(|j| hinv[i * p + j] * g[j]).sum::<f64>() } else { 0.0 };
        }
        if dot(&g, &d) >= 0.0 {
            // not a descent direction: forget the curvature
            hinv = identity(p);
            fresh = true;
            for i in 0..p {
                d[i] = if free[i] { -g[i] } else { 0.0 };
            }
        }
        // at most a factor e^2 per parameter and step
        let longest = d.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        if longest > 2.0 {
            d.iter_mut().for_each(|v| *v *= 2.0 / longest);
        }
        let mut t = 1.0;
        let mut fnew;
        loop {
            for i in 0..p {
                xn[i] = (x[i] + t * d[i]).clamp(lo[i], hi[i]);
            }
            fnew = f(&xn, &mut gn);
            evaluations += 1;
            let decrease: f64 = (0..p).map(|i| g[i] * (xn[i] - x[i])).sum();
            if fnew.is_finite() && gn.iter().all(|v| v.is_finite()) && fnew <= fx + 1e-4 * decrease {
                break;
            }
            t *= if fnew.is_finite() { 0.5 } else { 0.1 };
            if t < 1e-14 {
                let g_norm = projected_gradient_norm(&x, &g, lo, hi);
                // no decrease left at floating-point resolution: as good as it gets
                let ok = g_norm <= 1e3 * settings.gtol;
                return out(x, fx, g, it, evaluations, ok, "stopped: the line search found no lower value");
            }
        }
        let s: Vec<f64> = (0..p).map(|i| xn[i] - x[i]).collect();
        let y: Vec<f64> = (0..p).map(|i| gn[i] - g[i]).collect();
        let sy = dot(&s, &y);
        if sy > 1e-12 * dot(&s, &s).sqrt() * dot(&y, &y).sqrt() && sy > 0.0 {
            if fresh {
                let scale = sy / dot(&y, &y);
                hinv.iter_mut().for_each(|v| *v *= scale);
                fresh = false;
            }
            bfgs_update(&mut hinv, &s, &y, sy);
        }
        let small_change = (fx - fnew).abs() <= 1e-15 * fx.abs().max(1.0) && s.iter().all(|v| v.abs() <= 1e-12);
        std::mem::swap(&mut x, &mut xn);
        std::mem::swap(&mut g, &mut gn);
        fx = fnew;
        if small_change {
            let ok = projected_gradient_norm(&x, &g, lo, hi) <= 1e3 * settings.gtol;
            return out(x, fx, g, it + 1, evaluations, ok, "stopped: no further progress");
        }
    }
    let ok = projected_gradient_norm(&x, &g, lo, hi) <= settings.gtol;
    out(x, fx, g, settings.max_iter, evaluations, ok, "stopped: iteration limit reached")
}

fn identity(p: usize) -> Vec<f64> {
    let mut m = vec![0.0; p * p];
    (0..p).for_each(|i| m[i * p + i] = 1.0);
    m
}

/// H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ with ρ = 1 / (yᵀ s).
fn bfgs_update(h: &mut [f64], s: &[f64], y: &[f64], sy: f64) {
    let p = s.len();
    let rho = 1.0 / sy;
    let hy: Vec<f64> = (0..p).map(|i| (0..p).map(|j| h[i * p + j] * y[j]).sum()).collect();
    let yhy = dot(y, &hy);
    for i in 0..p {
        for j in 0..p {
            h[i * p + j] += -rho * (hy[i] * s[j] + s[i] * hy[j]) + (rho * rho * yhy + rho) * s[i] * s[j];
        }
    }
}

/// BFGS update of a Hessian approximation B with step s and gradient change y:
/// B ← B − B s sᵀ B / (sᵀ B s) + y yᵀ / (yᵀ s); skipped when the curvature yᵀ s is not
/// positive (the update would lose positive definiteness).
pub fn bfgs_update_hessian(b: &mut [f64], s: &[f64], y: &[f64]) {
    let p = s.len();
    let bs: Vec<f64> = (0..p).map(|i| (0..p).map(|j| b[i * p + j] * s[j]).sum()).collect();
    let (sbs, ys) = (dot(s, &bs), dot(y, s));
    if !(sbs > 0.0 && ys > 1e-12 * dot(y, y).sqrt() * dot(s, s).sqrt()) {
        return;
    }
    for i in 0..p {
        for j in 0..p {
            b[i * p + j] += -bs[i] * bs[j] / sbs + y[i] * y[j] / ys;
        }
    }
}

/// The Hessian of `f` at `x` by central differences of its analytic gradient (step `h`
/// in each coordinate), symmetrised. `None` when a gradient is not finite.
pub fn hessian(mut grad: impl FnMut(&[f64], &mut [f64]), x: &[f64], h: f64) -> Option<Vec<f64>> {
    let p = x.len();
    let mut m = vec![0.0; p * p];
    let (mut gp, mut gm, mut xs) = (vec![0.0; p], vec![0.0; p], x.to_vec());
    for j in 0..p {
        xs[j] = x[j] + h;
        grad(&xs, &mut gp);
        xs[j] = x[j] - h;
        grad(&xs, &mut gm);
        xs[j] = x[j];
        for i in 0..p {
            m[i * p + j] = (gp[i] - gm[i]) / (2.0 * h);
        }
    }
    for i in 0..p {
        for j in 0..i {
            let v = 0.5 * (m[i * p + j] + m[j * p + i]);
            m[i * p + j] = v;
            m[j * p + i] = v;
        }
    }
    m.iter().all(|v| v.is_finite()).then_some(m)
}

/// Cholesky factor L (lower, row-major) of a symmetric positive definite matrix, or `None`.
pub fn cholesky(a: &[f64], p: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; p * p];
    for i in 0..p {
        for j in 0..=i {
            let s: f64 = a[i * p + j] - (0..j).map(|k| l[i * p + k] * l[j * p + k]).sum::<f64>();
            if i == j {
                if s.is_nan() || s <= 0.0 {
                    return None;
                }
                l[i * p + i] = s.sqrt();
            } else {
                l[i * p + j] = s / l[j * p + j];
            }
        }
    }
    Some(l)
}

/// Solves A x = b given the Cholesky factor of A.
pub fn cholesky_solve(l: &[f64], b: &[f64]) -> Vec<f64> {
    let p = b.len();
    let mut y = vec![0.0; p];
    for i in 0..p {
        y[i] = (b[i] - (0..i).map(|k| l[i * p + k] * y[k]).sum::<f64>()) / l[i * p + i];
    }
    let mut x = vec![0.0; p];
    for i in (0..p).rev() {
        x[i] = (y[i] - (i + 1..p).map(|k| l[k * p + i] * x[k]).sum::<f64>()) / l[i * p + i];
    }
    x
}

/// The inverse of a symmetric positive definite matrix, or `None` when it is not one.
pub fn spd_inverse(a: &[f64], p: usize) -> Option<Vec<f64>> {
    let l = cholesky(a, p)?;
    let mut inv = vec![0.0; p * p];
    let mut e = vec![0.0; p];
    for j in 0..p {
        e.iter_mut().for_each(|v| *v = 0.0);
        e[j] = 1.0;
        let col = cholesky_solve(&l, &e);
        for i in 0..p {
            inv[i * p + j] = col[i];
        }
    }
    Some(inv)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rosenbrock(x: &[f64], g: &mut [f64]) -> f64 {
        let (a, b) = (x[0], x[1]);
        g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
        g[1] = 200.0 * (b - a * a);
        (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
    }

    #[test]
    fn finds_the_minimum_of_rosenbrock() {
        let o = minimize(rosenbrock, &[-1.2, 1.0], &[-5.0; 2], &[5.0; 2], Settings::default());
        assert!(o.converged, "{o:?}");
        assert!((o.x[0] - 1.0).abs() < 1e-7 && (o.x[1] - 1.0).abs() < 1e-7, "{o:?}");
    }

    #[test]
    fn stops_on_an_active_bound() {
        // minimum at (1, 1) outside the box: the answer is the corner of the box nearest it
        let o = minimize(rosenbrock, &[-1.2, 0.5], &[-5.0, -5.0], &[0.5, 0.2], Settings::default());
        assert!(o.converged, "{o:?}");
        assert!(o.x[1] == 0.2, "{o:?}");
        // on y = 0.2, d/dx [(1 − x)² + 100 (0.2 − x²)²] = 0 at x = 0.45388973478456424 (scipy brentq)
        assert!((o.x[0] - 0.45388973478456424).abs() < 1e-8, "{o:?}");
    }

    #[test]
    fn backs_away_from_infeasible_points() {
        // ln is undefined below 0: f = x − 2 ln x has its minimum at 2
        let f = |x: &[f64], g: &mut [f64]| {
            g[0] = 1.0 - 2.0 / x[0];
            if x[0] > 0.0 {
                x[0] - 2.0 * x[0].ln()
            } else {
                f64::NAN
            }
        };
        let o = minimize(f, &[30.0], &[-100.0], &[100.0], Settings::default());
        assert!(o.converged && (o.x[0] - 2.0).abs() < 1e-8, "{o:?}");
    }

    #[test]
    fn bfgs_update_satisfies_the_secant_equation() {
        let mut b = vec![2.0, 0.0, 0.0, 1.0];
        let (s, y) = ([0.3, -0.1], [1.0, 0.2]);
        bfgs_update_hessian(&mut b, &s, &y);
        let bs = [b[0] * s[0] + b[1] * s[1], b[2] * s[0] + b[3] * s[1]];
        assert!((bs[0] - y[0]).abs() < 1e-14 && (bs[1] - y[1]).abs() < 1e-14, "{b:?}");
        assert!((b[1] - b[2]).abs() < 1e-15);
    }

    #[test]
    fn hessian_and_inverse_of_a_quadratic() {
        // f = ½ xᵀ A x with A = [[4, 1], [1, 3]]
        let grad = |x: &[f64], g: &mut [f64]| {
            g[0] = 4.0 * x[0] + x[1];
            g[1] = x[0] + 3.0 * x[1];
        };
        let h = hessian(grad, &[0.3, -0.2], 1e-4).unwrap();
        let want = [4.0, 1.0, 1.0, 3.0];
        assert!(h.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-9), "{h:?}");
        let inv = spd_inverse(&h, 2).unwrap();
        let want = [3.0 / 11.0, -1.0 / 11.0, -1.0 / 11.0, 4.0 / 11.0];
        assert!(inv.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-9), "{inv:?}");
        assert!(spd_inverse(&[1.0, 2.0, 2.0, 1.0], 2).is_none());
    }
}
