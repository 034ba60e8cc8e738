"""The "CRM campaigns" section, when a contacts table is given: the overall campaign KPIs
(:func:`fidelite.campaigns`), the KPIs per channel and per campaign, and the commercial
pressure per period (chart and table, incomplete periods starred)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import metrics
from ..results.formatting import count, num
from .kpis import campaign_rows
from .model import Block, Figure, ReportInputs, Table, purchase_hint
from .sections import describe_table

#: Periods listed in the pressure table (the latest; the chart shows them all).
PERIOD_ROWS = 24


def result(inputs: ReportInputs) -> Any:
    """The campaign result of the report's contacts, log and period, computed once."""
    return inputs.cached(
        "campaigns",
        lambda: metrics.campaigns(
            inputs.contacts, events=inputs.log, period=inputs.period, **inputs.kw(purchases=True)
        ),
    )


#: The columns of the per-channel and per-campaign tables, the headline ones first (a
#: narrow terminal drops the last); the exports hold them all.
GROUP_COLUMNS = (
    "group",
    "contacts",
    "contacted_active",
    "net_reactivity",
    "reactivity",
    "unsubscribe_rate",
    "roi",
    "attributed_revenue",
    "converted_active",
    "opened",
    "clicked",
    "unsubscribed",
    "cost",
)


def groups_table(t: Any, level: str, key: str) -> Table:
    """The KPIs per channel or campaign (every column in the exports)."""
    shown = {k: t.columns[k] for k in GROUP_COLUMNS if k in t.columns}
    out = describe_table(shown, key=key, caption=f"by {level}", units=t.units)
    out.data = dict(t.columns)
    return out


def pressure_table(r: Any, period: str) -> Table:
    """Pressure and solicitation per period, the latest :data:`PERIOD_ROWS`, ``*`` on
    incomplete periods; every period in the exports."""
    p, s = r.pressure, r.solicitation
    n = len(p)
    first = max(0, n - PERIOD_ROWS)
    rows = [
        [
            str(p["label"][i]) + ("" if p["complete"][i] else "*"),
            count(p["contacts"][i]),
            count(p["contacts_to_active"][i]),
            count(p["active_customers"][i]),
            num(p["pressure"][i]),
            num(s["marginal_revenue"][i]),
            num(s["revenue_per_solicited"][i]),
            num(s["revenue_per_not_solicited"][i]),
        ]
        for i in range(first, n)
    ]
    caption = (f"latest {n - first} of {n} {period}s" if first else f"{n} {period}s") + " (* = incomplete at as_of)"
    data = {k: np.asarray(v) for k, v in p.columns.items()}
    data.update({k: np.asarray(v) for k, v in s.columns.items() if k not in data})
    columns = ["period", "contacts", "on active customers", "active customers", "pressure", "marginal revenue"]
    columns += ["revenue per solicited", "revenue per not solicited"]
    return Table(columns, rows, caption=caption, key="campaign-pressure", data=data)


def campaigns_section(inputs: ReportInputs) -> tuple[list[Block], list[str]]:
    inputs.need("contacts")
    r = result(inputs)
    by_channel, by_campaign = r.by("channel"), r.by("campaign")
    width = min(4 + 0.3 * len(r.pressure), 14)
    blocks: list[Block] = [
        Table(["KPI", "value", "detail"], campaign_rows("campaigns", r), caption="all contacts", key="campaign-kpis"),
        groups_table(by_channel, "channel", "campaign-channels"),
        groups_table(by_campaign, "campaign", "campaign-list"),
        Figure(
            "campaign-pressure", "Commercial pressure per period", lambda fig: r.plot(ax=fig.subplots()), (width, 4)
        ),
        pressure_table(r, inputs.period),
    ]
    m = r.meta
    notes = [
        f"A contact is on an active customer when the customer had an event in the {m['activity_window_days']:g} days "
        "before it. Net reactivity = contacted active customers who converted / contacted active customers.",
        f"Purchases are attributed last-touch to the customer's latest contact in the {m['attribution_window_days']:g} "
        "days before them; ROI = attributed revenue / cost.",
        "Pressure = contacts on active customers / active customers; marginal revenue = revenue per active customer "
        "solicited in the period - per active customer not solicited.",
    ]
    if r.report.n_rejected:
        reasons = ", ".join(f"{why}: {num(k)}" for why, k in r.report.rejected.items())
        notes.append(f"{num(r.report.n_rejected)} contact rows rejected ({reasons}).")
    if r.reason:
        notes.append(str(r.reason))
    return blocks, purchase_hint(notes)
