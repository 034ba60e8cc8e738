"""The explorer's "Programme" tab: members vs non-members (:func:`fidelite.programme_kpis`),
the programme's impact as a difference in differences (:func:`fidelite.programme_impact`),
points earned, redeemed and outstanding (:func:`fidelite.programme_points`) and the tier
migration matrix (:func:`fidelite.tier_migration`) and, given the tier thresholds
(``tiers=``), the members near their next tier (:func:`fidelite.near_next_tier`), each
rendered alone so that one failing part does not hide the others."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..metrics import near_next_tier, programme_impact, programme_kpis, programme_points, tier_migration
from ..results.formatting import html_table
from ._html import chart_html, parts_html

#: Periods of the points table shown (latest first).
POINTS_ROWS = 12


def kpis_html(log: Any, programme: Any, *, as_of: Any, tz: str) -> str:
    k = programme_kpis(log, programme=programme, as_of=as_of, tz=tz)
    return (
        f"<h4>Members vs non-members (last 365 days)</h4><div class='fidelite-programme-kpis' "
        f"data-members='{int(k['customers'][0])}'>"
        f"{chart_html('programme-kpis', k.plot, hooks={}, alt=k.title, size=(8.0, 3.0))}{k.to_html()}</div>"
    )


def impact_html(log: Any, programme: Any, *, as_of: Any, tz: str) -> str:
    r = programme_impact(log, programme=programme, as_of=as_of, tz=tz)
    return (
        f"<h4>Impact (difference in differences against matched non-members)</h4>"
        f"<div class='fidelite-programme-impact' data-effect='{r.value:.6f}' data-low='{r.ci_low:.6f}' "
        f"data-high='{r.ci_high:.6f}'>"
        f"{chart_html('programme-impact', r.plot, hooks={}, alt=r.headline, size=(7.0, 3.6))}{r.to_html()}</div>"
    )


def points_html(programme: Any, *, as_of: Any, tz: str, period: str) -> str:
    p = programme_points(programme, period=period, as_of=as_of, tz=tz)
    order = np.arange(len(p))[::-1][:POINTS_ROWS]
    shown = {k: p[k][order] for k in p.columns}
    title = f"points per {period}, latest first; redemption rate overall {p.value:.1f}%"
    return (
        f"<h4>Points</h4><div class='fidelite-programme-points' data-rate='{p.value:.6f}'>"
        f"{chart_html('programme-points', p.plot, hooks={'periods': len(p)}, alt=p.title)}"
        f"{html_table(shown, title=title)}</div>"
    )


def tiers_html(programme: Any, *, as_of: Any, tz: str, tiers: Mapping[str, float] | None = None) -> str:
    m = tier_migration(programme, tiers=tiers, as_of=as_of, tz=tz)
    return (
        f"<h4>Tier migration</h4><div class='fidelite-tier-migration' data-count='{int(m.counts.sum())}'>"
        f"{chart_html('tier-migration', m.plot, hooks={}, alt=m.title, size=(6.5, 4.0))}{m.to_html()}</div>"
    )


def near_html(programme: Any, *, as_of: Any, tz: str, tiers: Mapping[str, float] | None) -> str:
    if tiers is None:
        return (
            "<h4>Near the next tier</h4><div class='fidelite-near-next-tier' data-count=''>"
            "pass tiers={name: points threshold} to fidelite.explore() to list the members near their next tier</div>"
        )
    r = near_next_tier(programme, tiers=tiers, as_of=as_of, tz=tz)
    shown = {k: r[k][:POINTS_ROWS] for k in r.columns}
    title = (
        f"{len(r)} of {r.meta['members']} members within {r.meta['within']:g} points of their next tier (closest first)"
    )
    return (
        f"<h4>Near the next tier</h4><div class='fidelite-near-next-tier' data-count='{len(r)}'>"
        f"{chart_html('near-next-tier', r.plot, hooks={}, alt=r.title, size=(7.0, 3.0))}"
        f"{html_table(shown, title=title)}</div>"
    )


def programme_tab_html(
    log: Any, programme: Any, *, as_of: Any, tz: str, period: str, tiers: Mapping[str, float] | None = None
) -> str:
    """The tab's HTML; a part that fails shows its error in its place."""
    parts = [
        lambda: kpis_html(log, programme, as_of=as_of, tz=tz),
        lambda: impact_html(log, programme, as_of=as_of, tz=tz),
        lambda: points_html(programme, as_of=as_of, tz=tz, period=period),
        lambda: tiers_html(programme, as_of=as_of, tz=tz, tiers=tiers),
        lambda: near_html(programme, as_of=as_of, tz=tz, tiers=tiers),
    ]
    return parts_html(parts) or html.escape("no programme")
