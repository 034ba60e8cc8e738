"""Writes lifetimes_reference.json: lifetimes' predictions and fits on the shipped data.

lifetimes is archived and does not import cleanly on the numpy / pandas of the test
environment (it warns on import under pandas 3), so the tests read these values instead
of importing it. Regenerate in a separate virtualenv:

    python -m venv /tmp/lt && /tmp/lt/bin/pip install lifetimes==0.11.3 pandas numpy scipy
    /tmp/lt/bin/python tests/data/make_lifetimes_reference.py

Predictions are taken at fixed parameters (the published estimates), so they compare the
formulas and not the optimisers.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

warnings.simplefilter("ignore")
import lifetimes  # noqa: E402
from lifetimes import (  # noqa: E402
    BetaGeoBetaBinomFitter,
    BetaGeoFitter,
    GammaGammaFitter,
    ModifiedBetaGeoFitter,
    ParetoNBDFitter,
)

HERE = Path(__file__).parent
cdnow = pd.read_csv(HERE / "cdnow_customers_summary.csv")
spend = pd.read_csv(HERE / "cdnow_customers_summary_with_transactions.csv")
donations = pd.read_csv(HERE / "donations.csv")

# every 10th CDNOW customer, and histories at the edges
rows = cdnow.iloc[::10][["frequency", "recency", "T"]]
edges = pd.DataFrame(
    {
        "frequency": [0, 1, 40, 120, 3, 0],
        "recency": [0.0, 0.01, 38.0, 38.8, 0.5, 0.0],
        "T": [0.0, 38.86, 38.86, 38.86, 60.0, 120.0],
    }
)
customers = pd.concat([rows, edges], ignore_index=True)
x, tx, T = (customers[c].to_numpy(float) for c in ("frequency", "recency", "T"))
horizons = [0.5, 1.0, 10.0, 39.0, 52.0, 100.0]
pmf_cases = [(t, n) for t in (1.0, 39.0, 78.0) for n in (0, 1, 2, 5, 20)]
out: dict = {
    "lifetimes": lifetimes.__version__,
    "customers": customers.to_dict(orient="list"),
    "horizons": horizons,
    "pmf_cases": pmf_cases,
}


def model(fitter, names, params):
    fitter.params_ = pd.Series(dict(zip(names, params)))
    return fitter


def fitted(fitter, names):
    return {
        "params": [float(fitter.params_[k]) for k in names],
        "standard_errors": [
            float(v) for v in getattr(fitter, "standard_errors_", pd.Series(np.nan, index=names))[list(names)]
        ],
    }


# BG/NBD and MBG/NBD
for key, cls, params in [
    ("bg_nbd", BetaGeoFitter, [0.2426, 4.4136, 0.7929, 2.4259]),
    ("mbg_nbd", ModifiedBetaGeoFitter, [0.5248, 6.1830, 0.8914, 1.6140]),
]:
    names = ("r", "alpha", "a", "b")
    m = model(cls(), names, params)
    logp = np.log(params)
    w = np.ones(len(cdnow))
    f, r, t = (cdnow[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    out[key] = {
        "params": params,
        "p_alive": np.asarray(m.conditional_probability_alive(x, tx, T), float).tolist(),
        "conditional_expected": {
            str(h): np.asarray(m.conditional_expected_number_of_purchases_up_to_time(h, x, tx, T), float).tolist()
            for h in (1.0, 10.0, 52.0)
        },
        "expected": [float(m.expected_number_of_purchases_up_to_time(h)) for h in horizons],
        "pmf": [float(m.probability_of_n_purchases_up_to_time(t_, n)) for t_, n in pmf_cases],
        # mean negative log-likelihood of all of CDNOW, with and without penalty
        "objective": {str(pen): float(cls._negative_log_likelihood(logp, f, r, t, w, pen)) for pen in (0.0, 0.1)},
        "fit": fitted(cls().fit(f, r, t), names),
    }

# Pareto/NBD
names = ("r", "alpha", "s", "beta")
params = [0.5533, 10.578, 0.6062, 11.67]
m = model(ParetoNBDFitter(), names, params)
f, r, t = (cdnow[c].to_numpy(float) for c in ("frequency", "recency", "T"))
out["pareto_nbd"] = {
    "params": params,
    "p_alive": np.asarray(m.conditional_probability_alive(x, tx, T), float).tolist(),
    "conditional_expected": {
        str(h): np.asarray(m.conditional_expected_number_of_purchases_up_to_time(h, x, tx, T), float).tolist()
        for h in (1.0, 10.0, 52.0)
    },
    "expected": [float(m.expected_number_of_purchases_up_to_time(h)) for h in horizons],
    "log_likelihood": float(ParetoNBDFitter._conditional_log_likelihood(params, f, r, t).sum()),
    "fit": {"params": [float(v) for v in ParetoNBDFitter().fit(f, r, t).params_[list(names)]]},
}

# BG/BB on the donations
names = ("alpha", "beta", "gamma", "delta")
params = [1.2035, 0.7497, 0.6567, 2.7834]
m = model(BetaGeoBetaBinomFitter(), names, params)
bf, br, bn, bw = (donations[c].to_numpy(float) for c in ("frequency", "recency", "periods", "weights"))
fit = BetaGeoBetaBinomFitter().fit(
    donations["frequency"], donations["recency"], donations["periods"], donations["weights"]
)
m.data = fit.data
out["bgbb"] = {
    "params": params,
    "p_alive": {str(k): np.asarray(m.conditional_probability_alive(k, bf, br, bn), float).tolist() for k in (0, 5)},
    "conditional_expected": {
        str(k): np.asarray(m.conditional_expected_number_of_purchases_up_to_time(k, bf, br, bn), float).tolist()
        for k in (1, 10)
    },
    # expected numbers of donors with each x in the first n = 6 and 11 opportunities
    "expected_counts": {
        str(n): m.expected_number_of_transactions_in_first_n_periods(n)["model"].tolist() for n in (6, 11)
    },
    "log_likelihood": float((BetaGeoBetaBinomFitter._loglikelihood(params, bf, br, bn) * bw).sum()),
    "fit": fitted(fit, names),
}

# Gamma-Gamma and CLV
names = ("p", "q", "v")
params = [6.2488, 3.7446, 15.4477]
m = model(GammaGammaFitter(), names, params)
repeat = spend[spend.x > 0]
bg = model(BetaGeoFitter(), ("r", "alpha", "a", "b"), out["bg_nbd"]["params"])
bg.predict = bg.conditional_expected_number_of_purchases_up_to_time  # what fit() sets
sf, sr, sT, sm = (spend[c].to_numpy(float) for c in ("x", "t_x", "T", "zbar"))
out["gamma_gamma"] = {
    "params": params,
    "spend": np.asarray(m.conditional_expected_average_profit(pd.Series(sf), pd.Series(sm)), float).tolist(),
    "clv": {
        str(d): np.asarray(
            m.customer_lifetime_value(
                bg, pd.Series(sf), pd.Series(sr), pd.Series(sT), pd.Series(sm), time=12, discount_rate=d, freq="W"
            ),
            float,
        ).tolist()
        for d in (0.01, 0.0)
    },
    "fit": fitted(GammaGammaFitter().fit(repeat["x"], repeat["zbar"]), names),
}

(HERE / "lifetimes_reference.json").write_text(json.dumps(out))
print("wrote", HERE / "lifetimes_reference.json")
