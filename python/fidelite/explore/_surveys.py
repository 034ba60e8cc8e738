"""The explorer's "Surveys" tab: the NPS per period with its interval
(:func:`fidelite.nps_over_time`), what promoters, passives and detractors do after
answering (:func:`fidelite.nps_behaviour`) and the transitions between a customer's
consecutive answers (:func:`fidelite.nps_transitions`), each rendered alone so that one
failing part does not hide the others."""

from __future__ import annotations

import html
from typing import Any

import numpy as np

from ..metrics import loyalty_index_over_time, nps_behaviour, nps_over_time, nps_transitions
from ..results.formatting import html_table
from ._html import chart_html, parts_html

#: Days after an answer that the behaviour table looks at.
BEHAVIOUR_DAYS = 90


def nps_trend_html(surveys: Any, *, as_of: Any, tz: str, period: str) -> str:
    r = nps_over_time(surveys, by=period, as_of=as_of, tz=tz)
    order = np.arange(len(r))[::-1]  # latest first
    shown = {k: r[k][order] for k in ("period", "responses", "nps", "ci_low", "ci_high", "complete")}
    title = f"NPS per {period} with its 95% interval (adjusted Wald), latest first"
    return (
        f"<h4>NPS over time</h4><div class='fidelite-nps-trend' data-periods='{len(r)}' "
        f"data-latest='{r.value:.6f}'>{chart_html('nps-trend', r.plot, hooks={'periods': len(r)}, alt=r.title)}"
        f"{html_table(shown, title=title, units=r.units)}</div>"
    )


def loyalty_html(surveys: Any, *, as_of: Any, tz: str, period: str) -> str:
    r = loyalty_index_over_time(surveys, by=period, as_of=as_of, tz=tz)
    return (
        f"<h4>Customer loyalty index over time</h4><div class='fidelite-loyalty-trend' data-periods='{len(r)}' "
        f"data-latest='{r.value:.6f}'>{chart_html('loyalty-trend', r.plot, hooks={'periods': len(r)}, alt=r.title)}</div>"
    )


def behaviour_html(log: Any, surveys: Any, *, as_of: Any, tz: str) -> str:
    b = nps_behaviour(log, surveys=surveys, days=BEHAVIOUR_DAYS, as_of=as_of, tz=tz)
    return (
        f"<h4>Behaviour after answering</h4><div class='fidelite-nps-behaviour' "
        f"data-answers='{int(b['answers'][-1])}'>"
        f"{chart_html('nps-behaviour', b.plot, hooks={}, alt=b.title, size=(8.0, 3.0))}{b.to_html()}</div>"
    )


def transitions_html(surveys: Any, *, tz: str) -> str:
    t = nps_transitions(surveys, tz=tz)
    return (
        f"<h4>Transitions between consecutive answers</h4><div class='fidelite-nps-transitions' "
        f"data-count='{int(t.counts.sum())}'>"
        f"{chart_html('nps-transitions', t.plot, hooks={}, alt=t.title, size=(6.0, 3.6))}{t.to_html()}</div>"
    )


def surveys_tab_html(log: Any, surveys: Any, *, as_of: Any, tz: str, period: str) -> str:
    """The tab's HTML; a part that fails shows its error in its place (a surveys table
    without ids still trends)."""
    parts = [
        lambda: nps_trend_html(surveys, as_of=as_of, tz=tz, period=period),
        lambda: loyalty_html(surveys, as_of=as_of, tz=tz, period=period),
        lambda: behaviour_html(log, surveys, as_of=as_of, tz=tz),
        lambda: transitions_html(surveys, tz=tz),
    ]
    return parts_html(parts) or html.escape("no surveys")
