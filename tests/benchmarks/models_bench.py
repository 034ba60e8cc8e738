"""Model fits and predictions against lifetimes and PyMC-Marketing, on the same simulated
customer summaries (issue 13's speed section; phase B adds it to ``make bench``).

- BG/NBD fit on N customers (default 1,000,000): fidelite, lifetimes' BetaGeoFitter, and
  PyMC-Marketing's BetaGeoModel fitted by MAP with flat (HalfFlat) priors, i.e. maximum
  likelihood. Each peer's estimates must agree with ours (1e-3 relative) before its time
  counts.
- Pareto/NBD fit: fidelite and lifetimes' ParetoNBDFitter (Nelder-Mead), on
  ``--pareto-customers`` (default: N; lifetimes takes tens of minutes on a million).
- Predictions for every one of the N customers: P(alive) and expected purchases in the
  next 52 weeks (BG/NBD and Pareto/NBD), and 12-month CLV with Gamma-Gamma spend.

Summaries are simulated from the models (tests/model_simulation.py) with the CDNOW
estimates, customers acquired over 3 years on a grid of days, times in weeks. Peers that
are not installed are skipped (lifetimes: ``pip install lifetimes``; PyMC-Marketing is a
large install, kept out of the test extras).

    .venv/bin/python tests/benchmarks/models_bench.py --customers 1000000 --json out.json

With ``--headline``, the predict section of ``make bench`` alone, on the same headline log
(``demo_shop(N, seed)``, its purchases), Pareto/NBD on every customer unless
``--pareto-customers`` says fewer (``make bench`` fits it on 100,000: lifetimes takes about
half an hour on a million):

    .venv/bin/python tests/benchmarks/models_bench.py --headline --customers 1000000
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import model_simulation as sim

from fidelite.models import BetaGeo, GammaGamma, ParetoNBD, customer_lifetime_value

BG = (0.2426, 4.4136, 0.7929, 2.4259)
PARETO = (0.5533, 10.578, 0.6062, 11.67)
SPEND = (6.25, 3.74, 15.44)


def summaries(model: str, n: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    age = np.floor(rng.uniform(1, 3 * 365, n)) / 7.0
    if model == "bg":
        x, tx, T = sim.bg_nbd(rng, BG, age)
    else:
        x, tx, T = sim.pareto_nbd(rng, PARETO, age)
    tx = np.minimum(np.floor(tx * 7.0) / 7.0, T)  # purchases on days too
    spend = np.where(x > 0, sim.gamma_gamma(rng, SPEND, np.maximum(x, 1.0)), 0.0)
    return {"frequency": x, "recency": tx, "T": T, "monetary_value": spend}


def timed(f: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t)
    return best, out


def agree(ours: dict[str, float], theirs: list[float], rel: float) -> bool:
    return all(abs(a - b) <= rel * abs(a) for a, b in zip(ours.values(), theirs))


def same_optimum(fit: ParetoNBD, theirs: list[float], d: dict[str, np.ndarray]) -> bool:
    """The peer's Pareto/NBD estimates agree with ours (1e-3 relative), or, where the
    maximum lies at s, β -> ∞ (the demo shop's customers share one dropout rate: both fits
    stop somewhere far out on that ridge), ours reach at least the peer's log-likelihood
    (1e-7 relative) and the same r, α and dropout rate s/β (1e-2)."""
    if agree(fit.params, theirs, 1e-3):
        return True
    from fidelite import _core  # the likelihood at the peer's estimates (no public call)

    cols = [np.ascontiguousarray(d[k], dtype=float) for k in ("frequency", "recency", "T")]
    at_theirs = _core.counts_log_likelihood("pareto_nbd", list(theirs), *cols)[0]
    ours = fit.log_likelihood
    p = fit.params
    ridge = [p["r"], p["alpha"], p["s"] / p["beta"]]
    close = all(abs(a - b) <= 1e-2 * abs(a) for a, b in zip(ridge, [theirs[0], theirs[1], theirs[2] / theirs[3]]))
    print(
        f"  note: Pareto/NBD on a ridge to s, beta -> inf: log-likelihood ours {ours:.6f}, lifetimes' {at_theirs:.6f}"
    )
    return close and ours >= at_theirs - 1e-7 * abs(ours)


def lifetimes_fit(cls_name: str, d: dict[str, np.ndarray]) -> list[float] | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import lifetimes
    except ImportError:
        return None
    m = getattr(lifetimes, cls_name)().fit(d["frequency"], d["recency"], d["T"])
    return [float(v) for v in m.params_.values]


def pymc_fit(d: dict[str, np.ndarray]) -> list[float] | None:
    try:
        import pandas as pd
        from pymc_extras.prior import Prior
        from pymc_marketing.clv import BetaGeoModel
    except ImportError:
        return None
    df = pd.DataFrame(
        {"customer_id": np.arange(d["frequency"].size), **{k: d[k] for k in ("frequency", "recency", "T")}}
    )
    flat = {k: Prior("HalfFlat") for k in ("r", "alpha", "a", "b")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = BetaGeoModel(data=df, model_config=flat)
        m.fit(method="map")
    post = m.fit_result
    return [float(post[k].values.ravel()[0]) for k in ("r", "alpha", "a", "b")]


def lifetimes_summary_fit(df: Any) -> tuple[Any, list[float]] | None:
    """lifetimes' summary of the transactions (days in weeks) and its BG/NBD fit."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from lifetimes import BetaGeoFitter
            from lifetimes.utils import summary_data_from_transaction_data
    except ImportError:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = summary_data_from_transaction_data(df, "customer_id", "timestamp", freq="D", freq_multiplier=7)
        m = BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
    return s, [float(v) for v in m.params_.values]


def pymc_summary_fit(df: Any) -> tuple[Any, list[float]] | None:
    """PyMC-Marketing's rfm_summary (days in weeks) and a BG/NBD MAP fit with flat priors."""
    try:
        from pymc_extras.prior import Prior
        from pymc_marketing.clv import BetaGeoModel
        from pymc_marketing.clv.utils import rfm_summary
    except ImportError:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = rfm_summary(df, "customer_id", "timestamp", time_unit="D", time_scaler=7)
        flat = {k: Prior("HalfFlat") for k in ("r", "alpha", "a", "b")}
        m = BetaGeoModel(data=s, model_config=flat)
        m.fit(method="map")
    post = m.fit_result
    return s, [float(post[k].values.ravel()[0]) for k in ("r", "alpha", "a", "b")]


def predict_section(
    data: dict[str, np.ndarray], repeat: int, peers: set[str], pareto_customers: int = 100_000
) -> dict[str, Any]:
    """``make bench``'s predict section, on the headline log (numpy columns customer_id,
    timestamp, amount, event): ``clv_summary`` plus a BG/NBD fit against lifetimes and
    PyMC-Marketing (summary and MAP fit, flat priors; summaries and estimates checked equal
    first), Pareto/NBD against lifetimes on ``pareto_customers`` customers of the summary,
    and the predictions of ``predicted_clv`` for every customer. Prints the table; returns
    the numbers. A peer that is not installed is skipped with a note."""
    import pandas as pd

    import fidelite

    purchases = data["event"] == "purchase" if "event" in data else np.ones(len(data["customer_id"]), bool)
    cols = {k: data[k][purchases] for k in ("customer_id", "timestamp", "amount")}
    log = fidelite.EventLog(cols)

    def ours() -> tuple[Any, BetaGeo]:
        s = fidelite.clv_summary(log, time_unit="D", time_scaler=7)
        return s, BetaGeo().fit(s)

    t_ours, (summary, fit) = timed(ours, repeat)
    n = len(summary)
    rows: list[tuple[str, int, str, float, float]] = []

    def add(name: str, size: int, who: str, t: float, ratio: float) -> None:
        rows.append((name, size, who, t, ratio))
        print(f"  measured: {name}, {size:,} customers, {who}: {t:.3f} s ({ratio:,.1f}x)", flush=True)

    add("clv_summary + BG/NBD fit", n, "fidelite", t_ours, 1.0)
    out: dict[str, Any] = {"customers": n, "summary_bg_nbd": {"fidelite": t_ours, "params": fit.params}}
    df = pd.DataFrame(cols)
    for peer, run in (("lifetimes", lambda: lifetimes_summary_fit(df)), ("pymc", lambda: pymc_summary_fit(df))):
        if peer not in peers:
            continue
        # PyMC-Marketing compiles its model on the first fit (about a minute here): its
        # time is the best of two, the second warm
        t, got = timed(run, 2 if peer == "pymc" and repeat > 1 else 1)
        if got is None:
            print(f"note: {peer} is not installed: skipped (pip install {peer.replace('pymc', 'pymc-marketing')})")
            out["summary_bg_nbd"][peer] = None
            continue
        theirs, params = got
        theirs = theirs.reset_index() if "customer_id" not in theirs.columns else theirs
        theirs = theirs.sort_values("customer_id")
        same = np.array_equal(theirs["frequency"].to_numpy(), summary["frequency"]) and np.allclose(
            theirs["T"].to_numpy(), summary["T"], rtol=1e-12
        )
        if not same or not agree(fit.params, params, 1e-3):
            raise AssertionError(f"MISMATCH {peer}: summary equal {same}, params {params} vs {fit.params}")
        add("clv_summary + BG/NBD fit", n, peer, t, t / t_ours)
        out["summary_bg_nbd"][peer] = t
    gg = GammaGamma().fit(summary)

    def predictions() -> None:
        fit.p_alive()
        fit.conditional_expected_purchases(12 * 30 / 7)
        gg.conditional_expected_spend(summary)
        customer_lifetime_value(fit, summary, spend_model=gg, time_unit=30 / 7)

    t_pred, _ = timed(predictions, repeat)
    add("predictions: P(alive), purchases, spend, 12-month CLV", n, "fidelite", t_pred, 1.0)
    out["predictions"] = {"seconds": t_pred, "target_met": t_pred < 1.0}
    m = min(pareto_customers, n)
    sub = {k: np.ascontiguousarray(summary[k][:m]) for k in ("frequency", "recency", "T")}
    t_p, pfit = timed(lambda: ParetoNBD().fit(sub), repeat)
    add("Pareto/NBD fit", m, "fidelite", t_p, 1.0)
    out["pareto_nbd"] = {"customers": m, "fidelite": t_p, "params": pfit.params}
    if "lifetimes" in peers:
        t, theirs_p = timed(lambda: lifetimes_fit("ParetoNBDFitter", sub), 1)
        if theirs_p is not None:
            if not same_optimum(pfit, theirs_p, sub):
                raise AssertionError(f"MISMATCH lifetimes Pareto/NBD: {theirs_p} vs {pfit.params}")
            add("Pareto/NBD fit", m, "lifetimes", t, t / t_p)
            out["pareto_nbd"]["lifetimes"] = t
    width = max(len(r[0]) for r in rows)
    print(f"\n{'predict':<{width}}  {'customers':>10}  {'who':<10} {'seconds':>9}  {'peer / fidelite':>15}")
    for name, size, who, t, ratio in rows:
        shown = f"{ratio:,.0f}x" if who != "fidelite" else ""
        print(f"{name:<{width}}  {size:>10,}  {who:<10} {t:>9.3f}  {shown:>15}")
    print(
        "targets: clv_summary + BG/NBD >= 50x the faster peer, Pareto/NBD >= 100x lifetimes, "
        f"predictions < 1 s ({'met' if t_pred < 1.0 else 'NOT met'})"
    )
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--pareto-customers", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--peers", default="lifetimes,pymc", help="comma-separated: lifetimes, pymc (or none)")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--headline", action="store_true", help="make bench's predict section on demo_shop(N)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    peers = set(args.peers.split(",")) - {"none", ""}
    n = args.customers
    if args.headline:
        from bench import event_data, machine

        load = machine()["load_average"]
        print(f"load average at the start: {' '.join(f'{x:.2f}' for x in load)}", flush=True)
        data = event_data(n, args.seed, {"customer_id", "timestamp", "amount", "event"})
        out = predict_section(data, args.repeat, peers, pareto_customers=args.pareto_customers or n)
        print(f"load average at the end: {' '.join(f'{x:.2f}' for x in machine()['load_average'])}")
        if args.json:
            args.json.write_text(json.dumps(out, indent=2, default=str))
        return 0
    report: dict[str, Any] = {"customers": n}
    rows = []

    bg = summaries("bg", n, 1)
    t_ours, fit = timed(lambda: BetaGeo().fit(bg), args.repeat)
    assert fit.converged, fit.fit_info
    rows.append(("BG/NBD fit", n, "fidelite", t_ours, 1.0))
    report["bg_nbd"] = {"fidelite": t_ours, "params": fit.params}
    for peer, run in (("lifetimes", lambda: lifetimes_fit("BetaGeoFitter", bg)), ("pymc", lambda: pymc_fit(bg))):
        if peer not in peers:
            continue
        t, theirs = timed(run, 1)
        if theirs is None:
            print(f"{peer}: not installed, skipped", file=sys.stderr)
            continue
        if not agree(fit.params, theirs, 1e-3):
            print(f"MISMATCH {peer} BG/NBD: {theirs} vs {fit.params}", file=sys.stderr)
            return 1
        rows.append(("BG/NBD fit", n, peer, t, t / t_ours))
        report["bg_nbd"][peer] = t

    m = args.pareto_customers or n
    pareto = summaries("pareto", m, 2)
    t_ours, pfit = timed(lambda: ParetoNBD().fit(pareto), args.repeat)
    assert pfit.converged, pfit.fit_info
    rows.append(("Pareto/NBD fit", m, "fidelite", t_ours, 1.0))
    report["pareto_nbd"] = {"customers": m, "fidelite": t_ours, "params": pfit.params}
    if "lifetimes" in peers:
        t, theirs = timed(lambda: lifetimes_fit("ParetoNBDFitter", pareto), 1)
        if theirs is not None:
            # Nelder-Mead stops at xtol 1e-6 of its own scale: agreement to 1e-3
            if not agree(pfit.params, theirs, 1e-3):
                print(f"MISMATCH lifetimes Pareto/NBD: {theirs} vs {pfit.params}", file=sys.stderr)
                return 1
            rows.append(("Pareto/NBD fit", m, "lifetimes", t, t / t_ours))
            report["pareto_nbd"]["lifetimes"] = t

    gg = GammaGamma().fit(bg)
    predictions = {
        "BG/NBD P(alive)": lambda: fit.p_alive(),
        "BG/NBD expected purchases, 52 weeks": lambda: fit.conditional_expected_purchases(52.0),
        "Pareto/NBD P(alive)": lambda: pfit.p_alive(pareto),
        "Pareto/NBD expected purchases, 52 weeks": lambda: pfit.conditional_expected_purchases(52.0, pareto),
        "CLV, 12 months (BG/NBD + Gamma-Gamma)": lambda: customer_lifetime_value(
            fit, bg, spend_model=gg, time_unit="W"
        ),
    }
    report["predictions"] = {}
    for name, f in predictions.items():
        t, out = timed(f, args.repeat)
        assert np.all(np.isfinite(out)), name
        rows.append((name, n if "Pareto" not in name else m, "fidelite", t, 1.0))
        report["predictions"][name] = t

    width = max(len(r[0]) for r in rows)
    print(f"{'query':<{width}}  {'customers':>10}  {'who':<10} {'seconds':>9}  {'peer / fidelite':>15}")
    for name, size, who, t, ratio in rows:
        shown = f"{ratio:,.0f}x" if who != "fidelite" else ""
        print(f"{name:<{width}}  {size:>10,}  {who:<10} {t:>9.3f}  {shown:>15}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
