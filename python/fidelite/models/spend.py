"""Spend per transaction (Gamma-Gamma) and customer lifetime value.

>>> from fidelite.models import GammaGamma
>>> gg = GammaGamma.from_params(p=6.25, q=3.74, gamma=15.44)
>>> gg.conditional_expected_spend({"frequency": [0, 2], "monetary_value": [0.0, 22.35]}).round(2).tolist()
[35.22, 24.66]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .base import (
    InputError,
    Model,
    ParameterError,
    column,
    core,
    fit_options,
    optional_weights,
    require_rows,
)
from .counts import CountModel

__all__ = ["UNITS_PER_MONTH", "GammaGamma", "customer_lifetime_value"]

UNITS_PER_MONTH = {"D": 30.0, "W": 4.345, "M": 1.0, "H": 720.0}
"""Time units of a purchase model per month, as lifetimes and PyMC-Marketing count them
(a month is 30 days, 4.345 weeks or 720 hours)."""


class GammaGamma(Model):
    """The Gamma-Gamma model of spend (Fader, Hardie & Lee 2005, "RFM and CLV: Using
    Iso-Value Curves for Customer Base Analysis"; Fader & Hardie 2013).

    A customer's transaction values are Gamma(p, ν), with ν ~ Gamma(q, gamma) across
    customers; spend is assumed independent of the purchase process. Parameters
    ``p, q, gamma``. Fitted on repeat buyers: the mean value of their repeat purchases.
    """

    param_names = ("p", "q", "gamma")

    def fit(
        self,
        data: Any = None,
        *,
        frequency: Any = "frequency",
        monetary_value: Any = "monetary_value",
        weights: Any = None,
        initial_params: Mapping[str, float] | Sequence[float] | None = None,
        max_iter: int = 500,
        tol: float = 1e-9,
    ) -> GammaGamma:
        """Maximum likelihood on the repeat buyers of a customer table.

        Rows with ``frequency`` 0 (no repeat purchase, so no mean spend) and rows whose
        mean value is not positive (refunds cancelling the spend) are left out, and
        counted in :attr:`report`; every other row is used.
        """
        x = column(data, frequency, "frequency")
        m = column(data, monetary_value, "monetary_value")
        if x.size != m.size:
            raise InputError(f"frequency has {x.size} values but monetary_value has {m.size}")
        require_rows(x.size, "customers")
        w = optional_weights(data, weights, x.size)
        no_repeat = x == 0
        not_positive = ~no_repeat & (m <= 0)
        keep = ~(no_repeat | not_positive)
        self.report = {
            "rows": int(x.size),
            "used": int(keep.sum()),
            "left_out": {
                "no repeat purchase (frequency 0)": int(no_repeat.sum()),
                "mean value <= 0": int(not_positive.sum()),
            },
        }
        if not keep.any():
            raise InputError("no repeat buyer with a positive mean value: the Gamma-Gamma model has nothing to fit")
        xs, ms = np.ascontiguousarray(x[keep]), np.ascontiguousarray(m[keep])
        ws = None if w is None else np.ascontiguousarray(w[keep])
        self.record_fit(core.fit_gamma_gamma(xs, ms, weights=ws, **fit_options(self, initial_params, max_iter, tol)))
        self.data = {"frequency": xs, "monetary_value": ms}
        self.weights = ws
        return self

    def conditional_expected_spend(
        self, data: Any = None, *, frequency: Any = "frequency", monetary_value: Any = "monetary_value"
    ) -> np.ndarray:
        """Expected mean transaction value of each customer, p(γ + m x)/(px + q − 1): a
        weighted average of the population mean pγ/(q − 1) and her own mean m (customers
        without repeat purchase get the population mean). lifetimes calls it
        ``conditional_expected_average_profit``."""
        if data is None and isinstance(frequency, str) and isinstance(monetary_value, str):
            fitted = getattr(self, "data", None)
            if fitted is None:
                raise ParameterError("pass the customers (data=...): this model was not fitted on any")
            x, m = fitted["frequency"], fitted["monetary_value"]
        else:
            x, m = column(data, frequency, "frequency"), column(data, monetary_value, "monetary_value")
        return core.gamma_gamma_spend(self.param_vector(), x, m)

    def customer_lifetime_value(self, purchase_model: CountModel, data: Any, **options: Any) -> np.ndarray:
        """Same as :func:`customer_lifetime_value` with this spend model."""
        return customer_lifetime_value(purchase_model, data, spend_model=self, **options)


def customer_lifetime_value(
    purchase_model: CountModel,
    data: Any,
    *,
    spend_model: GammaGamma,
    horizon: int = 12,
    discount_rate: float = 0.01,
    margin: float = 1.0,
    time_unit: str | float = "D",
    frequency: Any = "frequency",
    recency: Any = "recency",
    T: Any = "T",
    monetary_value: Any = "monetary_value",
) -> np.ndarray:
    """Discounted value of each customer's purchases over the next ``horizon`` months.

    CLV = Σ_{i=1}^{horizon} margin · E[spend] · (E[Y(i·u)] − E[Y((i−1)·u)]) / (1 + d)^i,
    with E[Y(t)] the purchase model's conditional expected purchases in the next t time
    units, E[spend] the Gamma-Gamma conditional expected spend, d the monthly
    ``discount_rate`` and u the time units per month: ``time_unit`` "D" (30), "W"
    (4.345), "M" (1), "H" (720) as lifetimes and PyMC-Marketing count them, or a number.
    ``time_unit`` must be the unit of the purchase model's recency and T (CDNOW: weeks).
    With ``margin=1`` and the same arguments this is lifetimes'
    ``GammaGammaFitter.customer_lifetime_value``.
    """
    if isinstance(time_unit, str):
        if time_unit not in UNITS_PER_MONTH:
            raise ParameterError(
                f"time_unit must be one of {', '.join(UNITS_PER_MONTH)} or a number of units per month, not {time_unit!r}"
            )
        u = UNITS_PER_MONTH[time_unit]
    else:
        u = float(time_unit)
    if not (u > 0 and math.isfinite(u)):
        raise ParameterError(f"time units per month must be a positive number, not {time_unit!r}")
    if int(horizon) != horizon or horizon < 1:
        raise ParameterError(f"horizon is a whole number of months >= 1, not {horizon!r}")
    if not (discount_rate > -1 and math.isfinite(discount_rate)):
        raise ParameterError(f"discount_rate is a monthly rate > -1, not {discount_rate!r}")
    x = column(data, frequency, "frequency")
    tx = column(data, recency, "recency")
    age = column(data, T, "T")
    spend = spend_model.conditional_expected_spend(data, frequency=x, monetary_value=monetary_value)
    p = purchase_model.param_vector()
    months = np.arange(1, int(horizon) + 1, dtype=float)
    value = core.counts_discounted_expected(
        purchase_model.kind, p, months * u, (1.0 + discount_rate) ** -months, x, tx, age
    )
    return margin * spend * value
