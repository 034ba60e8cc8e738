"""The explorer's tabs of plugin sections (``fidelite_register_sections``): one tab per
registered section, after the built-in ones, built when opened and again when the period
or the as-of date changes while it is open.

Each tab shows the section's parts (text, numbers, tables and results in their own HTML)
in a ``div.fidelite-plugin-section`` with ``data-section`` (its name) and ``data-status``
(``ok``, ``skipped`` when an input is absent, ``error``): one failing section shows its
error, naming the plugin, in its own tab only.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import ipywidgets as W

from .. import plugins
from ..exceptions import MissingColumnError, MissingTableError
from ._state import ExplorerState


def section_html(info: plugins.SectionInfo, state: ExplorerState, error: Callable[[BaseException], str]) -> str:
    """The tab's HTML for the state's current period and as-of date."""
    tables = {"events": state.log} | {t: v for t, v in state.tables.items() if v is not None}
    missing = [t for t in info.inputs if t not in tables]
    status, body = "ok", ""
    if missing:
        status = "skipped"
        body = (
            f"<i class='fidelite-skipped'>skipped: needs the {' and '.join(missing)} table "
            f"(pass {missing[0]}=... to fidelite.explore)</i>"
        )
    else:
        try:
            parts = plugins.build_section(
                info.name,
                **{t: tables[t] for t in info.inputs},
                period=state.params["period"],
                tz=state.tz,
                as_of=state.as_of,
                timeout=plugins.DEFAULT_TIMEOUT,
            )
        except Exception as exc:  # the tab shows it: the other tabs are not concerned
            status = "skipped" if isinstance(exc, (MissingTableError, MissingColumnError)) else "error"
            body = error(exc)
        else:
            body = "".join(
                f"<p>{html.escape(p)}</p>" if isinstance(p, str) else f"<div style='overflow:auto'>{p.to_html()}</div>"
                for p in parts
            )
    about = f"<p class='fidelite-plugin-about'>{html.escape(info.description)}</p>" if info.description else ""
    return (
        f"<div class='fidelite-plugin-section' data-section='{html.escape(info.name)}' data-status='{status}'>"
        f"{about}{body}<p class='fidelite-plugin-origin'>from plugin {html.escape(info.plugin)}</p></div>"
    )


def add_plugin_tabs(
    tabs: W.Tab, state: ExplorerState, controls: dict[str, Any], error: Callable[[BaseException], str]
) -> list[W.HTML]:
    """Append a tab per plugin section to ``tabs`` (an error box above the section's
    HTML); returns the tabs' error boxes, where the view shows a control's error."""
    infos = plugins.sections()
    errors = [W.HTML() for _ in infos]
    boxes = [W.HTML() for _ in infos]
    for err, box in zip(errors, boxes):
        err.add_class("fidelite-errors")
        box.add_class("fidelite-plugin-tab")
    first = len(tabs.children)
    titles = list(tabs.titles)
    tabs.children = [*tabs.children, *(W.VBox([e, b]) for e, b in zip(errors, boxes))]
    tabs.titles = [*titles, *(info.title for info in infos)]

    def draw(_: Any = None) -> None:
        k = (tabs.selected_index or 0) - first
        if 0 <= k < len(infos):
            info = infos[k]
            key = ("plugin-section", info.name, state.params["period"], state.as_of_us)
            boxes[k].value = state.cached(key, lambda: section_html(info, state, error))

    if infos:
        tabs.observe(draw, names="selected_index")
        for name in ("period", "as_of"):
            if name in controls:
                controls[name].observe(draw, names="value")
    return errors
