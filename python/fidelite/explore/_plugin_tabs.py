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


def plugin_pages(error: Callable[[BaseException], str]) -> list[tuple[str, str, Callable[[ExplorerState], str]]]:
    """A page per plugin section, as ``(title, key, render)``: the explorer shows each
    after its own tabs and draws it like them (when opened, and again on a change of
    period or as-of date while it is open)."""

    def page(info: plugins.SectionInfo) -> Callable[[ExplorerState], str]:
        return lambda state: section_html(info, state, error)

    return [(info.title, f"plugin-{info.name}", page(info)) for info in plugins.sections()]
