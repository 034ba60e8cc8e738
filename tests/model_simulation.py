"""Simulators of the models' data-generating processes (numpy), for the recovery tests.

Each draws customers' latent traits from the mixing distributions, then their behaviour,
and returns what the model reads: (frequency, recency, T) summaries, BG/BB histories,
spend, or cohort survivor counts.
"""

from __future__ import annotations

import numpy as np


def _last_of_poisson(rng, n, horizon):
    """Time of the last of n Poisson events in (0, horizon] (0 when n = 0): the maximum of
    n uniforms is horizon * U^(1/n)."""
    out = np.zeros(n.shape)
    some = n > 0
    out[some] = horizon[some] * rng.random(some.sum()) ** (1.0 / n[some])
    return out


def bg_nbd(rng, params, T, modified=False):
    """BG/NBD: purchases at rate λ ~ Gamma(r, α) until the dropout that follows each repeat
    purchase with probability p ~ Beta(a, b) (MBG/NBD: also right after the first)."""
    r, alpha, a, b = params
    n = T.size
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    # repeat purchases made before dropping out: J >= 1 (BG) or J >= 0 (MBG), geometric
    j = rng.geometric(p) - (1 if modified else 0)
    # the Poisson process on (0, T]: count, and the j-th event time given the count
    count = rng.poisson(lam * T)
    x = np.minimum(count, j)
    # the x-th of `count` uniform event times: T * Beta(x, count - x + 1)
    tx = np.zeros(n)
    some = x > 0
    tx[some] = T[some] * rng.beta(x[some], count[some] - x[some] + 1)
    return x.astype(float), tx, T.astype(float)


def pareto_nbd(rng, params, T):
    """Pareto/NBD: rate λ ~ Gamma(r, α) while alive, lifetime ~ Exp(μ), μ ~ Gamma(s, β)."""
    r, alpha, s, beta = params
    n = T.size
    lam = rng.gamma(r, 1.0 / alpha, n)
    mu = rng.gamma(s, 1.0 / beta, n)
    alive_until = np.minimum(rng.exponential(1.0 / mu), T)
    x = rng.poisson(lam * alive_until)
    return x.astype(float), _last_of_poisson(rng, x, alive_until), T.astype(float)


def bg_bb(rng, params, n_customers, n_periods):
    """BG/BB: at each of n opportunities an alive customer buys with probability p ~
    Beta(α, β), then dies before the next with probability θ ~ Beta(γ, δ)."""
    al, be, ga, de = params
    p = rng.beta(al, be, n_customers)
    theta = rng.beta(ga, de, n_customers)
    alive = rng.random(n_customers) >= theta  # alive at the first opportunity
    x = np.zeros(n_customers)
    tx = np.zeros(n_customers)
    for t in range(1, n_periods + 1):
        buy = alive & (rng.random(n_customers) < p)
        x += buy
        tx[buy] = t
        alive &= rng.random(n_customers) >= theta
    return x, tx, np.full(n_customers, float(n_periods))


def gamma_gamma(rng, params, x):
    """Gamma-Gamma: transaction values ~ Gamma(p, ν), ν ~ Gamma(q, γ); returns the mean of
    each customer's x values (a Gamma(px, xν) draw)."""
    p, q, g = params
    nu = rng.gamma(q, 1.0 / g, x.size)
    return rng.gamma(p * x, 1.0 / (nu * x))


def survivors(rng, params, size, periods):
    """sBG (two parameters) or BdW (three): churn probability θ ~ Beta(α, β) per customer,
    P(T > t | θ) = (1 − θ)^(t^c); returns the survivors at the start of periods 0..periods."""
    al, be = params[:2]
    c = params[2] if len(params) > 2 else 1.0
    theta = rng.beta(al, be, size)
    u = rng.random(size)
    # T > t  <=>  ln U / ln(1 − θ) > t^c
    with np.errstate(divide="ignore"):
        life = np.ceil((np.log(u) / np.log1p(-theta)) ** (1.0 / c))
    return np.array([(life > t).sum() for t in range(periods + 1)], dtype=float)
