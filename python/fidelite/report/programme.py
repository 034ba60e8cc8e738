"""The "loyalty programme" section: members vs non-members (:func:`fidelite.programme_kpis`),
the programme's impact as a difference in differences against matched non-members
(:func:`fidelite.programme_impact`), points earned, redeemed and outstanding
(:func:`fidelite.programme_points`), the tier migration matrix
(:func:`fidelite.tier_migration`) and, given the tier thresholds (``tiers=``), the members
near their next tier (:func:`fidelite.near_next_tier`). Shown when the programme table is
given."""

from __future__ import annotations

from functools import partial

from .. import metrics
from ..results.formatting import num, pct
from .model import Block, Figure, ReportInputs, Skip, Table, build_parts
from .sections import describe_table


def _kpis(inputs: ReportInputs) -> list[Block]:
    k = metrics.programme_kpis(inputs.log, programme=inputs.programme, **inputs.kw(purchases=True))
    names = ("customers", "repeat_rate", "revenue_per_customer", "purchase_frequency", "retention")
    caption = (
        "over the last 365 days; members = joined by the end; the difference mixes the programme's effect with who "
        "joins it (the impact below separates them)"
    )
    return [
        describe_table({"group": k["group"], **{n: k[n] for n in names}}, key="programme-kpis", caption=caption),
        Figure.of("programme-kpis", "Members as % of non-members", k, (7.0, 3.2)),
    ]


def _impact(inputs: ReportInputs) -> list[Block]:
    r = metrics.programme_impact(inputs.log, programme=inputs.programme, **inputs.kw(purchases=True))
    rows = [
        [str(r["group"][i]), num(int(r["customers"][i])), num(r["before"][i]), num(r["after"][i]), num(r["change"][i])]
        for i in range(len(r))
    ]
    left = ", ".join(f"{k}: {v}" for k, v in r.meta["excluded"].items() if v)
    caption = (
        f"difference in differences: {r.headline}; each member against her {r.meta['matches']} nearest non-members "
        "by pre-join recency, frequency, monetary value and tenure, same calendar windows; bootstrap "
        f"({r.meta['n_boot']} resamples, seed {r.meta['seed']})" + (f"; left out: {left}" if left else "")
    )
    return [
        Table(["group", "customers", "before", "after", "change"], rows, caption=caption, key="programme-impact"),
        Figure.of("programme-impact", "Before and after joining", r, (6.5, 4.0)),
    ]


def _points(inputs: ReportInputs) -> list[Block]:
    p = metrics.programme_points(inputs.programme, **inputs.kw(period=True))
    caption = f"points per {inputs.period}; redemption rate over the whole history {pct(p.value)}"
    shown = {k: p[k][::-1] for k in ("period", "members", "earned", "redeemed", "outstanding", "redemption_rate")}
    return [
        describe_table(shown, key="programme-points", caption=caption + " (latest first)", max_rows=12),
        Figure.of(
            "programme-points",
            f"Points earned, redeemed and outstanding per {inputs.period}",
            p,
            (min(4 + 0.3 * len(p), 12), 3.8),
        ),
    ]


def _tiers(inputs: ReportInputs) -> list[Block]:
    m = metrics.tier_migration(inputs.programme, tiers=inputs.tiers, **inputs.kw())
    rows = [[m.labels[i], *(num(int(c)) for c in m.counts[i])] for i in range(len(m.labels))]
    caption = f"members' state at consecutive quarter ends (rows: before, columns: after); {pct(m.value)} of tiered moves go up"
    return [
        Table(["from \\ to", *m.labels], rows, caption=caption, key="tier-migration"),
        Figure.of("tier-migration", "Tier migration (% of the row)", m, (6.5, 4.5)),
    ]


def _near(inputs: ReportInputs) -> list[Block]:
    if inputs.tiers is None:  # not asked for: programme_section adds this part only with tiers
        return []
    r = metrics.near_next_tier(inputs.programme, tiers=inputs.tiers, **inputs.kw())
    members = r.meta["members"]
    caption = (
        f"{num(len(r))} of {num(members)} members are within {r.meta['within']:g} points of their next tier "
        "(points earned over the last 365 days; closest first)"
    )
    shown = {k: r[k] for k in ("customer_id", "tier", "points", "next_tier", "points_to_next")}
    return [
        describe_table(shown, key="near-next-tier", caption=caption, max_rows=12),
        Figure.of("near-next-tier", "Members near their next tier", r, (7.0, 3.2)),
    ]


def programme_section(inputs: ReportInputs) -> tuple[list[Block], list[str]]:
    """Members vs non-members, impact, points, tiers and the members near their next tier."""
    if inputs.programme is None:
        raise Skip("needs the programme table (join / earn / redeem / tier rows)")
    parts = [("members", _kpis), ("impact", _impact), ("points", _points), ("tiers", _tiers)]
    if inputs.tiers is not None:
        parts.append(("near the next tier", _near))
    blocks, notes = build_parts((label, partial(build, inputs)) for label, build in parts)
    if inputs.tiers is None:
        notes.append("members near their next tier: pass tiers= (tier name -> points threshold) to show them")
    return blocks, notes
