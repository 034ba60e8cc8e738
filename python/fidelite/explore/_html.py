"""HTML pieces every explorer tab shares, without widgets: charts as inline images in the
shared style, errors shown inline (or "skipped: needs ..."), and a tab made of parts that
fail alone. The tab modules (``_campaigns``, ``_revenue``, ...) build on these."""

from __future__ import annotations

import base64
import hashlib
import html
import io
from collections.abc import Callable, Sequence
from typing import Any

from ..exceptions import MissingColumnError, MissingTableError
from ..results import style


def chart_html(
    name: str, draw: Callable[[Any], None], *, hooks: dict[str, Any], alt: str, size: tuple[float, float] = (9.0, 3.4)
) -> str:
    """An ``<img>`` (inline PNG) of what ``draw(ax)`` plots on a figure of the shared style
    (:mod:`fidelite.results.style`), with ``data-chart=name``, a ``data-digest`` of the
    image bytes and ``data-<key>`` for each hook."""
    fig = style.figure(size)
    draw(fig.subplots())
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    png = buf.getvalue()
    attrs = "".join(f" data-{k}='{html.escape(str(v), quote=True)}'" for k, v in hooks.items())
    return (
        f"<img class='fidelite-chart' data-chart='{name}' data-digest='{hashlib.sha1(png).hexdigest()[:16]}'{attrs} "
        f"alt='{html.escape(alt, quote=True)}' src='data:image/png;base64,{base64.b64encode(png).decode()}'>"
    )


def skip_text(exc: BaseException) -> str | None:
    """``skipped: needs a product column (pass product=...)`` when ``exc`` says an input is
    absent, else None."""
    if isinstance(exc, MissingColumnError) and exc.column:
        article = "an" if exc.column[:1] in "aeiou" else "a"
        return f"skipped: needs {article} {exc.column} column (pass {exc.column}=...)"
    if isinstance(exc, MissingTableError):
        return f"skipped: {str(exc).splitlines()[0]}"
    return None


def error_html(exc: BaseException) -> str:
    """An error shown inline: its type and message, or why it was skipped."""
    skipped = skip_text(exc)
    if skipped is not None:
        return f"<div class='fidelite-skipped'>{html.escape(skipped)}</div>"
    notes = "".join(f"\n{n}" for n in getattr(exc, "__notes__", []))
    return f"<div class='fidelite-error'>{html.escape(type(exc).__name__)}: {html.escape(str(exc) + notes)}</div>"


#: What the status line shows while a tab computes.
COMPUTING = "<span class='fidelite-computing'>computing…</span>"


def parts_html(parts: Sequence[Callable[[], str]]) -> str:
    """The HTML of each part in turn; a part that raises shows its error (or what it
    needs) in its place, and the others still render."""
    out = []
    for part in parts:
        try:
            out.append(part())
        except Exception as exc:  # one failing part must not hide the others
            out.append(f"<div class='fidelite-part-error'>{error_html(exc)}</div>")
    return "".join(out)


def block(title: str, css: str, body: str, **hooks: Any) -> str:
    """``<h4>title</h4>`` and ``body`` in a ``<div class=css>`` with ``data-<key>`` hooks
    (underscores in keys become dashes)."""
    attrs = "".join(f" data-{k.replace('_', '-')}='{html.escape(str(v), quote=True)}'" for k, v in hooks.items())
    return f"<h4>{html.escape(title)}</h4><div class='{css}'{attrs}>{body}</div>"
