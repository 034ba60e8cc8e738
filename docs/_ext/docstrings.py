"""A Griffe extension for the API reference: fidelite's docstrings are reST-flavoured
prose with doctest examples; this turns them into what mkdocstrings renders well.

- the doctest lines of a docstring become an "Examples" section (numpy style);
- reST roles (:class:`~fidelite.X`, :func:`x`...) become code spans.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:class|func|meth|mod|data|attr|exc|obj):`(~?)([^`]+)`")
SECTION = re.compile(r"^\s*(Parameters|Attributes|Returns|Raises|Examples|Notes)\s*$")


def _role(m: re.Match[str]) -> str:
    target = m.group(2)
    return f"`{target.rsplit('.', 1)[-1] if m.group(1) else target}`"


def rewrite(text: str) -> str:
    """The docstring with an Examples header before its first doctest line (unless one
    is there) and its reST roles as code spans."""
    lines = ROLE.sub(_role, text).split("\n")
    for i, line in enumerate(lines):
        if line.lstrip().startswith(">>>"):
            above = [x for x in lines[:i] if SECTION.match(x)]
            if not above or above[-1].strip() != "Examples":
                indent = line[: len(line) - len(line.lstrip())]
                lines[i:i] = [f"{indent}Examples", f"{indent}--------"]
            break
    return "\n".join(lines)


class Docstrings(griffe.Extension):
    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = rewrite(obj.docstring.value)
