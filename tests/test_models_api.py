"""fidelite.models as users meet it: inputs of every kind, errors that say how to fix them,
fit diagnostics, weights, determinism, and the docstring examples."""

from __future__ import annotations

import doctest
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import fidelite
from fidelite.exceptions import (
    ColumnNotFoundError,
    EmptyInputError,
    FideliteError,
    InputError,
    ParameterError,
)
from fidelite.models import (
    BetaDiscreteWeibull,
    BetaGeo,
    BetaGeoBetaBinom,
    GammaGamma,
    ModifiedBetaGeo,
    ParetoNBD,
    ShiftedBetaGeo,
    customer_lifetime_value,
)

DATA = Path(__file__).parent / "data"
CDNOW = pd.read_csv(DATA / "cdnow_customers_summary.csv")


def test_the_subpackage_is_exported():
    assert "models" in fidelite.__all__
    assert fidelite.models.BetaGeo is BetaGeo


@pytest.mark.parametrize("frame", ["pandas", "polars", "pyarrow", "dict", "arrays"])
def test_every_table_kind_gives_the_same_fit(frame):
    cols = {c: CDNOW[c].to_numpy() for c in ("frequency", "recency", "T")}
    want = BetaGeo().fit(CDNOW).params
    if frame == "arrays":
        m = BetaGeo().fit(frequency=cols["frequency"], recency=cols["recency"], T=cols["T"])
    else:
        data = {"pandas": CDNOW, "polars": pl.DataFrame(cols), "pyarrow": pa.table(cols), "dict": cols}[frame]
        m = BetaGeo().fit(data)
    assert m.params == want


def test_column_names_are_keywords():
    df = CDNOW.rename(columns={"frequency": "x", "recency": "t_x", "T": "age"})
    assert BetaGeo().fit(df, frequency="x", recency="t_x", T="age").params == BetaGeo().fit(CDNOW).params


@pytest.mark.parametrize(
    ("change", "error", "words"),
    [
        (lambda d: d.drop(columns="T"), ColumnNotFoundError, "no column 'T' for T (columns: ID, frequency, recency)"),
        (
            lambda d: d.assign(frequency=d.frequency.where(d.index != 5)),
            InputError,
            "frequency has 1 missing value(s) (first at row 5)",
        ),
        (lambda d: d.assign(frequency=d.frequency.where(d.index != 7, -1)), InputError, "frequency[7] = -1"),
        (lambda d: d.assign(frequency=d.frequency + 0.5), InputError, "whole number"),
        (lambda d: d.assign(recency=d.recency.where(d.index != 0, 99.0)), InputError, "recency[0] = 99 > T[0] = 38.86"),
        (lambda d: d.assign(recency=d.recency.where(d.index != 2, 1.0)), InputError, "with frequency 0"),
        (lambda d: d.iloc[:0], EmptyInputError, "no customers to fit"),
    ],
    ids=["missing-column", "nan", "negative", "fraction", "recency>T", "recency-without-repeat", "empty"],
)
@pytest.mark.parametrize("cls", [BetaGeo, ModifiedBetaGeo, ParetoNBD])
def test_bad_histories_get_an_error_saying_what_to_fix(cls, change, error, words):
    with pytest.raises(error) as info:
        cls().fit(change(CDNOW.copy()))
    assert words in str(info.value)
    assert isinstance(info.value, (FideliteError, ValueError))


def test_parameters_and_state_errors():
    with pytest.raises(ParameterError, match="takes the parameters r, alpha, a, b"):
        BetaGeo.from_params(r=1, alpha=1, a=1)
    with pytest.raises(ParameterError, match="positive"):
        BetaGeo.from_params(r=1, alpha=-1, a=1, b=1)
    with pytest.raises(ParameterError, match="call .fit"):
        _ = BetaGeo().params
    with pytest.raises(ParameterError, match="was not fitted"):
        _ = BetaGeo.from_params(r=1, alpha=1, a=1, b=1).log_likelihood
    with pytest.raises(ParameterError, match="not fitted on any"):
        BetaGeo.from_params(r=1, alpha=1, a=1, b=1).p_alive()
    with pytest.raises(ParameterError, match="penalizer_coef"):
        BetaGeo(penalizer_coef=-1)
    with pytest.raises(ParameterError, match="horizon t must be finite"):
        BetaGeo.from_params(r=1, alpha=1, a=1, b=1).expected_purchases([-1.0])
    with pytest.raises(ParameterError, match="starting point needs 4"):
        BetaGeo().fit(CDNOW, initial_params=[1.0, 2.0])


def test_summary_and_diagnostics():
    m = BetaGeo().fit(CDNOW)
    t = m.summary()
    assert list(t) == ["parameter", "estimate", "std_error", "lower", "upper"]
    assert t["parameter"].tolist() == ["r", "alpha", "a", "b"]
    assert np.all(t["lower"] > 0) and np.all(t["lower"] < t["estimate"]) and np.all(t["estimate"] < t["upper"])
    np.testing.assert_allclose(t["std_error"], list(m.standard_errors.values()))
    info = m.fit_info
    assert info["starts"] == 3 and info["starts_at_optimum"] == 3 and info["gradient_norm"] < 1e-9
    assert "log-likelihood -9582.43, converged" in repr(m)
    assert m.covariance.shape == (4, 4) and np.allclose(m.covariance, m.covariance.T)
    assert isinstance(m.summary().to_pandas(), pd.DataFrame)


def test_compressed_rows_with_weights_are_the_same_fit():
    """Fader & Hardie fit the distinct (x, t_x, T) combinations with their counts."""
    grouped = CDNOW.groupby(["frequency", "recency", "T"], as_index=False).size()
    assert len(grouped) < len(CDNOW)
    for cls in (BetaGeo, ParetoNBD):
        full = cls().fit(CDNOW)
        packed = cls().fit(grouped, weights="size")
        np.testing.assert_allclose(list(packed.params.values()), list(full.params.values()), rtol=1e-8)
        np.testing.assert_allclose(
            list(packed.standard_errors.values()), list(full.standard_errors.values()), rtol=1e-6
        )
        assert packed.log_likelihood == pytest.approx(full.log_likelihood, rel=1e-12)


def test_penalizer_shrinks_the_parameters():
    free = BetaGeo().fit(CDNOW).params
    shrunk = BetaGeo(penalizer_coef=0.1).fit(CDNOW)
    assert shrunk.converged
    assert sum(v * v for v in shrunk.params.values()) < sum(v * v for v in free.values())


def test_unidentified_parameters_are_reported_not_raised():
    # nobody came back: a and b do not enter the likelihood at all
    data = {"frequency": np.zeros(500), "recency": np.zeros(500), "T": np.linspace(1, 50, 500)}
    m = BetaGeo().fit(data)
    assert not m.converged
    assert (
        m.fit_info["message"]
        in {
            "the Hessian at the optimum is not positive definite: standard errors are undefined",
        }
        or "bound of the search" in m.fit_info["message"]
    )
    assert np.isnan(m.standard_errors["a"]) or not np.isfinite(m.covariance).all()


def test_predictions_on_the_fitted_customers_and_new_ones():
    m = BetaGeo().fit(CDNOW)
    alive = m.p_alive()
    assert alive.shape == (2357,) and np.all((alive > 0) & (alive <= 1))
    assert np.all(alive[CDNOW.frequency.to_numpy() == 0] == 1.0)  # BG/NBD: no repeat, no dropout yet
    table = m.predict(52.0)
    assert list(table) == ["frequency", "recency", "T", "p_alive", "expected_purchases"]
    np.testing.assert_array_equal(table["expected_purchases"], m.conditional_expected_purchases(52.0))
    some = CDNOW.iloc[:5]
    np.testing.assert_array_equal(m.p_alive(some), alive[:5])
    assert m.probability_of_purchases(np.arange(3)[:, None], [10.0, 20.0]).shape == (3, 2)
    # expected purchases grow with the horizon
    e = m.expected_purchases([1.0, 10.0, 100.0])
    assert np.all(np.diff(e) > 0)


def test_gamma_gamma_accounts_for_every_row():
    df = pd.read_csv(DATA / "cdnow_customers_summary_with_transactions.csv")
    df.loc[3, ["x", "zbar"]] = [2, 0.0]  # a repeat buyer whose refunds cancel her spend
    m = GammaGamma().fit(df, frequency="x", monetary_value="zbar")
    assert m.report == {
        "rows": 2357,
        "used": 946,
        "left_out": {"no repeat purchase (frequency 0)": 1410, "mean value <= 0": 1},
    }
    with pytest.raises(InputError, match="nothing to fit"):
        GammaGamma().fit({"frequency": [0, 0], "monetary_value": [0.0, 0.0]})


def test_customer_lifetime_value_options():
    df = pd.read_csv(DATA / "cdnow_customers_summary_with_transactions.csv")
    cols = {"frequency": "x", "recency": "t_x", "T": "T", "monetary_value": "zbar"}
    bg = BetaGeo().fit(df, frequency="x", recency="t_x", T="T")
    gg = GammaGamma().fit(df, frequency="x", monetary_value="zbar")
    base = gg.customer_lifetime_value(bg, df, time_unit="W", **cols)
    assert base.shape == (2357,) and np.all(base > 0)
    np.testing.assert_allclose(gg.customer_lifetime_value(bg, df, time_unit="W", margin=0.3, **cols), 0.3 * base)
    longer = customer_lifetime_value(bg, df, spend_model=gg, horizon=24, time_unit="W", **cols)
    assert np.all(longer > base)
    # a month is 4.345 weeks: the same as passing that number
    np.testing.assert_array_equal(gg.customer_lifetime_value(bg, df, time_unit=4.345, **cols), base)
    with pytest.raises(ParameterError, match="time_unit must be one of D, W, M, H"):
        gg.customer_lifetime_value(bg, df, time_unit="fortnight", **cols)
    with pytest.raises(ParameterError, match="whole number of months"):
        gg.customer_lifetime_value(bg, df, horizon=0, time_unit="W", **cols)


def test_bg_bb_inputs_and_errors():
    df = pd.read_csv(DATA / "donations.csv")
    with pytest.raises(ColumnNotFoundError, match="n_periods="):
        BetaGeoBetaBinom().fit(df)
    with pytest.raises(InputError, match="frequency <= recency <= n_periods"):
        BetaGeoBetaBinom().fit({"frequency": [3], "recency": [2], "n_periods": [6]})
    m = BetaGeoBetaBinom().fit(df, n_periods="periods", weights="weights")
    t = m.predict(5)
    assert list(t) == ["frequency", "recency", "n_periods", "p_alive", "expected_purchases"]
    # the expected number of donors with each x in the 6 years: the observed total
    pmf = m.probability_of_purchases(np.arange(7), 6)
    assert pmf.sum() == pytest.approx(1.0, rel=1e-12)


def test_survivor_series_in_every_shape():
    regular = [1000, 631, 468, 382, 326, 289, 262, 241]
    high = [1000, 869, 743, 653, 593, 551, 517, 491]
    one = ShiftedBetaGeo().fit(regular)
    assert one.params == ShiftedBetaGeo().fit(np.array(regular, float)).params
    # a cohort matrix: later cohorts observed over fewer periods (NaN), pooled
    matrix = np.array([high, high[:6] + [np.nan] * 2, high[:4] + [np.nan] * 4], dtype=float)
    pooled = ShiftedBetaGeo().fit(matrix)
    assert pooled.params == ShiftedBetaGeo().fit([high, high[:6], high[:4]]).params
    each = ShiftedBetaGeo.fit_each([regular, high])
    assert [round(m.params["alpha"], 3) for m in each] == [0.704, 0.668]
    with pytest.raises(InputError, match="before observed ones"):
        ShiftedBetaGeo().fit([1000, np.nan, 500])
    with pytest.raises(InputError, match="cannot grow"):
        ShiftedBetaGeo().fit([1000, 800, 900])
    with pytest.raises(InputError, match="no period to fit"):
        ShiftedBetaGeo().fit([1000])


def test_survival_intervals():
    high = [1000, 869, 743, 653, 593, 551, 517, 491]
    m = ShiftedBetaGeo().fit(high)
    t = m.survival_table(np.arange(0, 13), ci=0.9)
    assert t["survival"][0] == 1.0 and np.isnan(t["retention_rate"][0])
    inside = (t["survival_lower"][1:] < t["survival"][1:]) & (t["survival"][1:] < t["survival_upper"][1:])
    assert inside.all() and np.all(t["survival_upper"] <= 1)
    # ten times the customers: intervals about sqrt(10) narrower
    big = ShiftedBetaGeo().fit(np.array(high) * 10).survival_table([12], ci=0.9)
    width = lambda tab: float(tab["survival_upper"][-1] - tab["survival_lower"][-1])
    assert width(big) == pytest.approx(width(t) / np.sqrt(10), rel=0.05)
    bdw = BetaDiscreteWeibull().fit(high)
    assert bdw.converged and bdw.log_likelihood >= m.log_likelihood - 1e-9  # it nests sBG


def test_fits_are_the_same_bits_on_any_thread_count():
    path = str(DATA / "cdnow_customers_summary.csv")
    code = (
        "import json, pandas as pd; from fidelite.models import BetaGeo, ParetoNBD;"
        f"d = pd.read_csv({path!r});"
        "print(json.dumps([float(v).hex() for c in (BetaGeo, ParetoNBD) for v in c().fit(d).params.values()]))"
    )
    runs = []
    for threads in ("1", "2", "3"):
        env = {**os.environ, "RAYON_NUM_THREADS": threads}
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        runs.append(json.loads(out.stdout))
    assert runs[0] == runs[1] == runs[2]


@pytest.mark.parametrize("module", ["base", "counts", "bgbb", "spend", "survival", "__init__"])
def test_docstring_examples(module):
    import importlib

    mod = importlib.import_module("fidelite.models" if module == "__init__" else f"fidelite.models.{module}")
    failures, _ = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert failures == 0
