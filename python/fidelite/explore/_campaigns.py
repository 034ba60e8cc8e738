"""The explorer's "Campaigns" tab: :func:`fidelite.campaigns` of the contacts table
against the log. The overall KPIs, the KPIs per channel and per campaign, and the
commercial pressure and the marginal revenue of solicitation per period (chart and table,
incomplete periods marked), each part failing alone."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..results.formatting import count, html_table, num, pct
from ._html import block, chart_html, parts_html
from ._state import ExplorerState

#: Periods listed in the per-period table (latest first); the chart shows them all.
PERIOD_ROWS = 24


def overall_html(r: Any) -> str:
    """The overall KPIs, each with what it counts."""
    k = r.kpis
    rows = {
        "KPI": np.array(
            [
                "net reactivity rate",
                "reactivity rate (clicked / opened)",
                "unsubscribe rate",
                "revenue per contacted active customer",
                "CRM ROI (attributed revenue / cost)",
                "commercial pressure",
                "marginal revenue of solicitation",
            ],
            dtype=object,
        ),
        "value": np.array(
            [
                pct(k["net_reactivity"]),
                pct(k["reactivity"]),
                pct(k["unsubscribe_rate"]),
                num(k["revenue_per_contacted_active"]),
                pct(k["roi"], 0),
                num(k["pressure"]),
                num(k["marginal_revenue"]),
            ],
            dtype=object,
        ),
        "what it counts": np.array(
            [
                f"{count(k['converted_active'])} of {count(k['contacted_active'])} contacted active customers converted",
                f"{count(k['clicked'])} clicks, {count(k['opened'])} opens",
                f"{count(k['unsubscribed'])} of {count(k['contacts'])} contacts",
                f"attributed revenue {num(k['attributed_revenue'])}",
                f"cost {num(k['cost'])}",
                "contacts on active customers per active customer",
                f"per active customer: solicited {num(k['revenue_per_solicited'])}, "
                f"not solicited {num(k['revenue_per_not_solicited'])}",
            ],
            dtype=object,
        ),
    }
    rejected = r.report.n_rejected
    title = f"{count(k['contacts'])} contacts" + (f"; {rejected:,} contact rows rejected" if rejected else "")
    body = html_table(rows, title=title, css="fidelite-table fidelite-index-table")
    return block(
        "Campaigns: overall",
        "fidelite-campaigns-overall",
        body,
        net_reactivity=f"{k['net_reactivity']!r}",
        contacts=int(k["contacts"]),
        rejected=rejected,
    )


def groups_html(r: Any, level: str) -> str:
    """The KPIs per channel or per campaign."""
    t = r.by(level)
    return block(
        f"By {level}",
        f"fidelite-campaigns-by-{level}",
        html_table(t.columns, units=t.units, max_rows=30),
        rows=len(t),
    )


def pressure_html(r: Any, period: str) -> str:
    """The pressure chart and the per-period table of pressure and solicitation."""
    p, s = r.pressure, r.solicitation
    chart = chart_html(
        "campaign-pressure",
        lambda ax: r.plot(ax=ax),
        hooks={"period": period, "periods": len(p), "incomplete": int((~np.asarray(p["complete"], bool)).sum())},
        alt="commercial pressure per period",
    )
    order = np.arange(len(p))[::-1]
    table = {
        "period": np.array([str(v) + ("" if c else "*") for v, c in zip(p["label"], p["complete"])], dtype=object),
        "contacts": p["contacts"],
        "contacts_to_active": p["contacts_to_active"],
        "active_customers": p["active_customers"],
        "pressure": p["pressure"],
        "revenue_per_solicited": s["revenue_per_solicited"],
        "revenue_per_not_solicited": s["revenue_per_not_solicited"],
        "marginal_revenue": s["marginal_revenue"],
    }
    table = {k: np.asarray(v)[order] for k, v in table.items()}
    title = f"per {period}, latest first (* = incomplete at as-of)"
    return block(
        f"Pressure and solicitation per {period}",
        "fidelite-campaign-periods",
        chart + html_table(table, title=title, max_rows=PERIOD_ROWS),
        periods=len(p),
    )


def campaigns_tab_html(state: ExplorerState) -> str:
    """The tab's HTML (raises :class:`~fidelite.exceptions.MissingTableError` without a
    contacts table: the tab then says what it needs)."""
    r = state.campaigns()
    period = state.params["period"]
    return parts_html(
        [
            lambda: overall_html(r),
            lambda: groups_html(r, "channel"),
            lambda: groups_html(r, "campaign"),
            lambda: pressure_html(r, period),
        ]
    )
