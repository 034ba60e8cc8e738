"""Predictive customer-base models, fitted by maximum likelihood in the Rust core.

Non-contractual (customers can leave unannounced):

- :class:`BetaGeo` (BG/NBD), :class:`ModifiedBetaGeo` (MBG/NBD), :class:`ParetoNBD`:
  repeat purchases in continuous time, from one row per customer (frequency, recency, T);
- :class:`BetaGeoBetaBinom` (BG/BB): purchases at discrete opportunities;
- :class:`GammaGamma`: spend per transaction, and :func:`customer_lifetime_value`.

Contractual (churn is observed): :class:`ShiftedBetaGeo` (sBG) and
:class:`BetaDiscreteWeibull` (BdW), fitted to cohort survivor counts.

Every model has ``.fit(...)``, ``.params``, ``.log_likelihood``, ``.standard_errors``,
``.covariance``, ``.converged``, ``.fit_info``, ``.summary()`` and ``from_params(...)``.
docs/metrics.md ("Predictive models") gives each likelihood and prediction with the papers.

>>> import fidelite
>>> m = fidelite.models.ShiftedBetaGeo().fit([1000, 631, 468, 382, 326, 289, 262, 241])
>>> m.converged, round(m.log_likelihood, 2)
(True, -1680.27)
"""

from __future__ import annotations

from ..results.forecast import SURVIVAL_MODELS
from .base import Model
from .bgbb import BetaGeoBetaBinom
from .counts import BetaGeo, CountModel, ModifiedBetaGeo, ParetoNBD
from .spend import UNITS_PER_MONTH, GammaGamma, customer_lifetime_value
from .survival import (
    BetaDiscreteWeibull,
    ShiftedBetaGeo,
    SurvivalModel,
    survivor_series,
)

# the survival models RetentionMatrix.forecast reads by name (results sit a layer below)
SURVIVAL_MODELS.update(sbg=ShiftedBetaGeo, bdw=BetaDiscreteWeibull)

__all__ = [
    "UNITS_PER_MONTH",
    "BetaDiscreteWeibull",
    "BetaGeo",
    "BetaGeoBetaBinom",
    "CountModel",
    "GammaGamma",
    "Model",
    "ModifiedBetaGeo",
    "ParetoNBD",
    "ShiftedBetaGeo",
    "SurvivalModel",
    "customer_lifetime_value",
    "survivor_series",
]
