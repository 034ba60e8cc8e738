"""The report sections plugins register (``fidelite_register_sections``): one
:class:`SectionBuilder` each, run like the built-in sections.

A plugin section computes with the report's tables and calendar (``period``, ``tz``,
``as_of``) under the indices' time budget; text parts become paragraphs, numbers a line,
tables and results a table (with the result's own HTML, e.g. a retention matrix). A
section whose inputs are absent is skipped ("needs the surveys table"); one that fails
shows its error, naming the plugin, and the report goes on.

>>> from fidelite.report import SECTIONS
>>> keys = [b.key for b in with_plugins(SECTIONS)]  # the installed plugins' sections, then the methods
>>> keys[-1], keys[: len(SECTIONS) - 1] == [b.key for b in SECTIONS[:-1]]
('methods', True)
"""

from __future__ import annotations

from collections.abc import Sequence

from .. import plugins
from ..exceptions import PluginError
from ..results import ValueResult
from .model import Block, ReportInputs, SectionBuilder, Skip, Text, needs_table, skip_reason
from .sections import describe_table

#: Rows of a plugin's table shown (the JSON and CSV exports have them all).
MAX_ROWS = 20


def _builder(info: plugins.SectionInfo, taken: set[str]) -> SectionBuilder:
    def build(inputs: ReportInputs) -> tuple[list[Block], list[str]]:
        if info.name in taken:
            raise PluginError(
                f"section {info.name!r} from plugin {info.plugin!r}: the report has a built-in section of that "
                "name; rename it"
            )
        given = inputs.tables()
        missing = [t for t in info.inputs if t not in given]
        if missing:
            raise Skip(needs_table(*missing))
        try:
            parts = plugins.build_section(
                info.name,
                **{t: given[t] for t in info.inputs},
                period=inputs.period,
                tz=inputs.tz,
                as_of=inputs.as_of,
                timeout=inputs.index_timeout,
            )
        except Exception as e:
            why = skip_reason(e)
            if why is not None:
                raise Skip(why) from e
            raise
        blocks: list[Block] = [Text(info.description)] if info.description else []
        tables = 0
        for part in parts:
            if isinstance(part, str):
                blocks.append(Text(part))
            elif isinstance(part, ValueResult):
                blocks.append(Text(repr(part)))
            else:
                tables += 1
                table = describe_table(
                    part.to_dict(),
                    key=info.name if tables == 1 else f"{info.name}-{tables}",
                    caption=part.title,
                    max_rows=MAX_ROWS,
                    units=part.units,
                    tz=part.tz,
                )
                table.html = part.to_html()
                blocks.append(table)
        origin = f"{info.package} {info.version}".strip()
        return blocks, [f"from plugin {info.plugin!r}" + (f" ({origin})" if origin else "")]

    return SectionBuilder(info.name, info.title, build)


def with_plugins(builders: Sequence[SectionBuilder]) -> list[SectionBuilder]:
    """``builders`` with a builder per plugin section, placed before the trailing
    HTML-only sections (the methods)."""
    end = len(builders)
    while end > 0 and builders[end - 1].html_only:
        end -= 1
    taken = {b.key for b in builders}
    extra = [_builder(info, taken) for info in plugins.sections()]
    return [*builders[:end], *extra, *builders[end:]]
