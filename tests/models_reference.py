"""Slow, independent references of the models, in mpmath (30 digits), never the code under
test. They follow the papers' formulas directly, and where fidelite uses a series or a
transformation they take another road: the Pareto/NBD likelihood in the note's
untransformed form with mpmath's own 2F1 (itself checked against integration over the
death time), its predictions and purchase probabilities by quadrature, BG/BB as the plain
double sum, DERL by its series or its 2F1 closed form. Two of them run in double precision
for speed (``make test-long`` calls each 10,000 times or more): the DERL series and the
Pareto/NBD purchase pmf, each checked against its 30-digit version (``derl_nsum``,
``pareto_pmf_mp``) in tests/test_references.py.
"""

from __future__ import annotations

import functools
import math

import mpmath as mp
import numpy as np

mp.mp.dps = 30


def _f(v):
    return mp.mpf(float(v))


# ---- BG/NBD and MBG/NBD (Fader, Hardie & Lee 2005; Batislam et al. 2007) ----


def bgnbd_loglik(params, x, tx, T, modified=False):
    r, al, a, b = map(_f, params)
    x, tx, T = _f(x), _f(tx), _f(T)
    k = 1 if modified else 0
    head = mp.loggamma(r + x) - mp.loggamma(r) + r * mp.log(al) + mp.log(mp.beta(a, b + x + k) / mp.beta(a, b))
    alive = (al + T) ** (-(r + x))
    drop = a / (b + x - 1 + k) * (al + tx) ** (-(r + x)) if (modified or x > 0) else 0
    return float(head + mp.log(alive + drop))


def bgnbd_p_alive(params, x, tx, T, modified=False):
    r, al, a, b = map(_f, params)
    x, tx, T = _f(x), _f(tx), _f(T)
    if not modified and x == 0:
        return 1.0
    k = 1 if modified else 0
    return float(1 / (1 + a / (b + x - 1 + k) * ((al + T) / (al + tx)) ** (r + x)))


def bgnbd_conditional_expected(params, t, x, tx, T, modified=False):
    r, al, a, b = map(_f, params)
    t, x, tx, T = _f(t), _f(x), _f(tx), _f(T)
    k = 1 if modified else 0
    hyp = mp.hyp2f1(r + x, b + x + k, a + b + x - 1 + k, t / (al + T + t))
    num = (a + b + x - 1 + k) / (a - 1) * (1 - ((al + T) / (al + T + t)) ** (r + x) * hyp)
    return float(num * bgnbd_p_alive(params, x, tx, T, modified))


def bgnbd_expected(params, t, modified=False):
    r, al, a, b = map(_f, params)
    t = _f(t)
    if modified:
        return float(b / (a - 1) * (1 - mp.hyp2f1(r, b + 1, a + b, t / (al + t)) * (al / (al + t)) ** r))
    return float((a + b - 1) / (a - 1) * (1 - mp.hyp2f1(r, b, a + b - 1, t / (al + t)) * (al / (al + t)) ** r))


def bgnbd_pmf(params, n, t, modified=False):
    """FHL 2005 eq. 8 with its finite sum written out (MBG/NBD: Batislam et al.)."""
    r, al, a, b = map(_f, params)
    t = _f(t)
    k = 1 if modified else 0
    nb = lambda j: mp.gamma(r + j) / (mp.gamma(r) * mp.factorial(j)) * (al / (al + t)) ** r * (t / (al + t)) ** j
    first = mp.beta(a, b + n + k) / mp.beta(a, b) * nb(n)
    second = 0
    if n + k > 0:
        second = mp.beta(a + 1, b + n - 1 + k) / mp.beta(a, b) * (1 - mp.fsum(nb(j) for j in range(n)))
    return float(first + second)


# ---- Pareto/NBD (Schmittlein, Morrison & Colombo 1987) ----


@functools.lru_cache(maxsize=256)
def _pareto_parts_cached(params, x, tx, T):
    return _pareto_parts_of(params, x, tx, T)


def _pareto_parts(params, x, tx, T):
    """:func:`_pareto_parts_of`, remembered: the likelihood, P(alive) and the conditional
    expectation of one history share them (each costs two 2F1 at 30 digits)."""
    return _pareto_parts_cached(tuple(map(float, params)), float(x), float(tx), float(T))


def _pareto_parts_of(params, x, tx, T):
    """The likelihood's parts in the note's own form (Fader & Hardie 2005, eq. 22): A_0 with
    mpmath's 2F1 at argument |α − β| / (max(α, β) + t), untransformed."""
    r, al, s, be = map(_f, params)
    x, tx, T = _f(x), _f(tx), _f(T)
    head = mp.gamma(r + x) * al**r * be**s / mp.gamma(r)
    alive = (al + T) ** (-(r + x)) * (be + T) ** (-s)
    rsx = r + s + x
    big, b = (al, s + 1) if al >= be else (be, r + x)

    def term(t):
        return mp.hyp2f1(rsx, b, rsx + 1, abs(al - be) / (big + t)) / (big + t) ** rsx

    dead = s / rsx * (term(tx) - term(T))
    return head, alive, dead


def pareto_loglik(params, x, tx, T):
    head, alive, dead = _pareto_parts(params, x, tx, T)
    return float(mp.log(head * (alive + dead)))


def pareto_loglik_by_quadrature(params, x, tx, T):
    """The same by integrating over the death time in (t_x, T] (checks the reference on fixed
    cases): Gauss-Legendre on 100 panels at 40 digits, as a heavy buyer's integrand is a
    steep power that fools quad's error estimate on one panel."""
    with mp.workdps(40):
        r, al, s, be = map(_f, params)
        x, tx, T = _f(x), _f(tx), _f(T)
        head = mp.gamma(r + x) * al**r * be**s / mp.gamma(r)
        alive = (al + T) ** (-(r + x)) * (be + T) ** (-s)
        dead = 0
        if T > tx:
            f = lambda u: (al + u) ** (-(r + x)) * (be + u) ** (-(s + 1))
            dead = s * mp.quad(f, mp.linspace(tx, T, 100), method="gauss-legendre")
        return float(mp.log(head * (alive + dead)))


def pareto_p_alive(params, x, tx, T):
    _, alive, dead = _pareto_parts(params, x, tx, T)
    return float(alive / (alive + dead))


def pareto_conditional_expected(params, t, x, tx, T):
    """E[Y(t)] = P(alive) E[λ | ...] E[(1 − e^{−μt})/μ | ...] (λ and μ independent Gammas
    given an alive customer's history), the last as ∫_0^t E[e^{−μu}] du numerically."""
    r, al, s, be = map(_f, params)
    t, x, T = _f(t), _f(x), _f(T)
    lam = (r + x) / (al + T)
    rate = be + T
    mean_alive_time = mp.quad(lambda u: (rate / (rate + u)) ** s, mp.linspace(0, t, 20), method="gauss-legendre")
    return float(pareto_p_alive(params, x, tx, T) * lam * mean_alive_time)


def pareto_expected(params, t):
    r, al, s, be = map(_f, params)
    t = _f(t)
    return float(r * be / (al * (s - 1)) * (1 - (be / (be + t)) ** (s - 1)))


def pareto_pmf(params, n, t):
    """P(X(t) = n) = E over μ of [e^{−μt} NB(n; t) + ∫_0^t μ e^{−μτ} NB(n; τ) dτ], the
    integral by 64-point Gauss–Legendre in double precision on panels that halve toward 0
    (the integrand's singularities, τ = −α and τ = −β, lie off [0, t] by at least half a
    panel's length). 100x cheaper than :func:`pareto_pmf_mp`, which it matches to 1e-12
    on fixed cases (tests/test_references.py)."""
    r, al, s, be = map(float, params)
    x, w = _legendre()
    edges = np.concatenate([[0.0], float(t) * 2.0 ** -np.arange(40.0, -1.0, -1.0)])
    half = np.diff(edges)[:, None] / 2
    u = (edges[:-1, None] + half * (x[None, :] + 1)).ravel()
    ln_head = math.lgamma(r + n) - math.lgamma(r) - math.lgamma(n + 1)

    def ln_nb(v):  # ln NB(n; v)
        out = ln_head + r * np.log(al / (al + v))
        return out + n * np.log(v / (al + v)) if n else out

    alive = math.exp(ln_nb(np.float64(t)) + s * math.log(be / (be + t)))
    dead = np.exp(ln_nb(u) + math.log(s) + s * math.log(be) - (s + 1) * np.log(be + u))
    return alive + math.fsum((dead.reshape(half.shape[0], -1) * half * w[None, :]).ravel())


@functools.cache
def _legendre():
    return np.polynomial.legendre.leggauss(64)


def pareto_pmf_mp(params, n, t):
    """:func:`pareto_pmf` at 30 digits with mpmath's adaptive quadrature on the same
    panels (~0.1 s a call; on 20 equal panels, as before, it missed 2.5e-11 where β is
    small and s large: the integrand falls by e^-20 in its first panel)."""
    r, al, s, be = map(_f, params)
    t = _f(t)
    head = mp.gamma(r + n) / (mp.gamma(r) * mp.factorial(n))  # (constants out of the integrand)
    nb = lambda u: head * (al / (al + u)) ** r * (u / (al + u)) ** n
    alive = nb(t) * (be / (be + t)) ** s
    sb = s * be**s
    panels = [0] + [t * mp.mpf(2) ** -k for k in range(40, -1, -1)]
    dead = mp.quad(lambda u: nb(u) * sb * (be + u) ** (-(s + 1)), panels, method="gauss-legendre")
    return float(alive + dead)


# ---- BG/BB (Fader, Hardie & Shang 2010) ----


def bgbb_loglik(params, x, tx, n):
    al, be, ga, de = map(_f, params)
    x, tx, n = int(x), int(tx), int(n)
    B = mp.beta
    total = B(al + x, be + n - x) / B(al, be) * B(ga, de + n) / B(ga, de)
    for i in range(n - tx):
        total += B(al + x, be + tx - x + i) / B(al, be) * B(ga + 1, de + tx + i) / B(ga, de)
    return float(mp.log(total))


def bgbb_p_alive(params, m, x, tx, n):
    al, be, ga, de = map(_f, params)
    B = mp.beta
    num = B(al + x, be + n - x) / B(al, be) * B(ga, de + n + m) / B(ga, de)
    return float(num / mp.exp(bgbb_loglik(params, x, tx, n)))


def bgbb_conditional_expected(params, m, x, tx, n):
    """FHS 2010 eq. 13, each Γ ratio in mpmath."""
    al, be, ga, de = map(_f, params)
    G, B = mp.gamma, mp.beta
    a = B(al + x + 1, be + n - x) / B(al, be)
    c = de / (ga - 1) * G(ga + de) / G(1 + de)
    d = G(1 + de + n) / G(ga + de + n) - G(1 + de + n + m) / G(ga + de + n + m)
    return float(a * c * d / mp.exp(bgbb_loglik(params, x, tx, n)))


def bgbb_pmf(params, x, n):
    al, be, ga, de = map(_f, params)
    B = mp.beta
    total = mp.binomial(n, x) * B(al + x, be + n - x) / B(al, be) * B(ga, de + n) / B(ga, de)
    for i in range(x, n):
        total += mp.binomial(i, x) * B(al + x, be + i - x) / B(al, be) * B(ga + 1, de + i) / B(ga, de)
    return float(total)


# ---- Gamma-Gamma ----


def gamma_gamma_loglik(params, x, m):
    p, q, g = map(_f, params)
    x, m = _f(x), _f(m)
    return float(
        mp.loggamma(p * x + q)
        - mp.loggamma(p * x)
        - mp.loggamma(q)
        + q * mp.log(g)
        + (p * x - 1) * mp.log(m)
        + p * x * mp.log(x)
        - (p * x + q) * mp.log(g + m * x)
    )


# ---- sBG and BdW ----


def survival(params, t):
    al, be = _f(params[0]), _f(params[1])
    c = _f(params[2]) if len(params) > 2 else 1
    return mp.beta(al, be + _f(t) ** c) / mp.beta(al, be)


def survival_loglik(params, series):
    total = 0
    for t in range(1, len(series)):
        churned = series[t - 1] - series[t]
        if churned:
            total += churned * mp.log(survival(params, t - 1) - survival(params, t))
    return float(total + series[-1] * mp.log(survival(params, len(series) - 1)))


def derl_series(params, d, renewals):
    """DERL after ``renewals`` renewals, Σ_{t>=n} S(t) / S(n−1) (1+d)^−(t−n) with
    n = renewals + 1, summed term by term in double precision (ln S from math.lgamma) until
    what is left, at most the last term times q / (1 − q) with q = 1 / (1 + d) (S falls),
    is below 1e-17 of the sum. ~400x cheaper than mpmath's nsum at 30 digits
    (:func:`derl_nsum`), which it matches to 1e-11 on fixed cases
    (tests/test_references.py)."""
    al, be = float(params[0]), float(params[1])
    c = float(params[2]) if len(params) > 2 else 1.0
    n = renewals + 1

    def ln_s(t):
        u = float(t) ** c
        return math.lgamma(be + u) - math.lgamma(al + be + u)

    base, q = ln_s(n - 1), 1 / (1 + float(d))
    terms, total, j = [], 0.0, 0
    while True:
        terms.append(math.exp(ln_s(n + j) - base + j * math.log(q)))
        total += terms[-1]
        if terms[-1] * q / (1 - q) <= 1e-17 * total:
            return math.fsum(terms)
        j += 1


def derl_nsum(params, d, renewals):
    """:func:`derl_series` by mpmath's nsum of the 30-digit S (slow: ~0.1 s a call)."""
    n = renewals + 1
    base = survival(params, n - 1)
    return float(mp.nsum(lambda t: survival(params, t) / base / (1 + _f(d)) ** (t - n), [n, mp.inf]))


def sbg_derl_closed_form(params, d, renewals):
    """Fader & Hardie 2010: (β+n−1)/(α+β+n−1) 2F1(1, β+n; α+β+n; 1/(1+d)), n − 1 renewals."""
    al, be = map(_f, params)
    n = renewals + 1
    return float((be + n - 1) / (al + be + n - 1) * mp.hyp2f1(1, be + n, al + be + n, 1 / (1 + _f(d))))
