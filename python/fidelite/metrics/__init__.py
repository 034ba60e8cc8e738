"""The metrics, one module per family; no metric module imports another (what they
share lives in :mod:`fidelite.query`). docs/metrics.md defines every one of them.

Registering a metric is one line here: import it and list it in ``__all__``; the package
then exports it (``fidelite.<name>``) and the API reference documents it.
"""

from __future__ import annotations

from ..scale.hook import partitioned_input
from .activity import active_customers, period_kpis, rolling_active
from .crm import campaigns
from .customers import activation, churn_reasons, completeness
from .engagement import engagement
from .lifecycle import lifecycle
from .purchases import clv, repeat_rate, upsell_rate
from .retention import retention
from .states import at_risk, best_customers, retention_patterns, rfm
from .stickiness import stickiness
from .subscriptions import revenue_retention
from .summary import customer_summary
from .surveys import loyalty_index, nps

__all__ = [
    "activation",
    "active_customers",
    "at_risk",
    "best_customers",
    "campaigns",
    "churn_reasons",
    "clv",
    "completeness",
    "customer_summary",
    "engagement",
    "lifecycle",
    "loyalty_index",
    "nps",
    "period_kpis",
    "repeat_rate",
    "retention",
    "retention_patterns",
    "revenue_retention",
    "rfm",
    "rolling_active",
    "stickiness",
    "upsell_rate",
]

# Every public metric also takes a Dask DataFrame or a Parquet dataset as its data (the one
# hook of fidelite.scale; dask is imported only when given one).
globals().update({_name: partitioned_input(globals()[_name]) for _name in __all__})
