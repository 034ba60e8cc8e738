"""Rejected rows of a CSV file are named by the line where they stand in the file, whatever
pyarrow skips or joins on the way: empty lines (before the header too, ``\\n``,
``\\r\\n`` or a lone ``\\r``), and quoted cells holding line breaks (issue 11, small items)."""

from __future__ import annotations

import gzip

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fidelite import EventLog
from fidelite.exceptions import RejectedRowsError
from fidelite.io.keyed import KeyedTable
from fidelite.io.tables import CsvLines

HEADER = "customer_id,timestamp,amount,note"


def write(path, pieces: list[tuple[str, bool]], newline: str = "\n") -> list[int]:
    """Writes the physical lines of ``pieces`` (text, is a bad row) after a header and
    returns the 1-based line where each bad row starts, counted here while writing."""
    lines, bad = [HEADER], []
    for text, is_bad in pieces:
        if is_bad:
            bad.append(len(lines) + 1)
        lines.extend(text.split("\n"))
    path.write_bytes(newline.join(lines).encode() + newline.encode())
    return bad


def row(i: int, *, bad: bool = False, multiline: bool = False) -> tuple[str, bool]:
    note = '"two\nlines"' if multiline else "x"
    amount = "abc" if bad else f"{i}.5"
    return f"{i},2024-01-{1 + i % 28:02d},{amount},{note}", bad


BLANK = ("", False)


def test_lines_after_blank_lines_quoted_breaks_and_every_line_ending(tmp_path):
    pieces = [
        row(1),
        BLANK,
        row(2, bad=True),  # line 4, after one blank line
        row(3, multiline=True),
        BLANK,
        BLANK,
        row(4, bad=True),  # after a cell with a line break and two blank lines
        row(5),
        row(6, bad=True, multiline=True),
        row(7, bad=True),
    ]
    for newline in ("\n", "\r\n", "\r"):
        path = tmp_path / "events.csv"
        expected = write(path, pieces, newline)
        assert expected == [4, 9, 11, 13]
        r = EventLog(path).report
        assert r.where == "line"
        assert r.examples == {"unparseable amount (not a number)": expected[:3]}
        assert r.rejected == {"unparseable amount (not a number)": 4}
        with pytest.raises(RejectedRowsError, match=r"the first is line 4\b"):
            EventLog(path, strict=True)


def test_blank_lines_before_the_header_and_gzip(tmp_path):
    text = "\n\n" + HEADER + "\n" + "\n".join(row(i, bad=i == 3)[0] for i in range(1, 5)) + "\n\n"
    plain = tmp_path / "events.csv"
    plain.write_text(text)
    packed = tmp_path / "events.csv.gz"
    packed.write_bytes(gzip.compress(text.encode()))
    for path in (plain, packed):
        assert EventLog(path).report.examples == {"unparseable amount (not a number)": [6]}


def test_a_file_without_a_final_line_break(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(HEADER + "\n\n" + row(1)[0] + "\n" + row(2, bad=True)[0])
    assert EventLog(path).report.examples == {"unparseable amount (not a number)": [4]}


def test_side_tables_count_lines_the_same_way(tmp_path):
    customers = tmp_path / "customers.csv"
    customers.write_text("customer_id,signup\n\n1,2023-12-01\n\n\n2,2023-12-02\n")
    table = KeyedTable(str(customers), what="customers table")
    assert table.accounting.lines is not None
    assert [table.accounting.place(i) for i in range(2)] == [3, 6]


pieces_strategy = st.lists(
    st.one_of(
        st.just(BLANK),
        st.tuples(st.booleans(), st.booleans()),  # (bad, multiline)
    ),
    max_size=30,
)


@settings(max_examples=60, deadline=None)
@given(pieces_strategy, st.sampled_from(["\n", "\r\n", "\r"]), st.sampled_from([1, 3, 64, 1 << 20]))
def test_row_lines_match_where_the_rows_were_written(tmp_path_factory, layout, newline, chunk):
    """Every row's line, against the line counted while writing the file, for any mix of
    blank lines, line breaks in quoted cells and the three line endings, whatever the size of
    the pieces the file is scanned in."""
    from fidelite.io import tables

    pieces, starts = [], []
    for k, item in enumerate(layout):
        pieces.append(BLANK if item == BLANK else row(k, bad=True, multiline=item[1]))
    path = tmp_path_factory.mktemp("lines") / "events.csv"
    starts = write(path, [(text, text != "") for text, _ in pieces], newline)
    found = tables._record_lines(str(path), chunk)
    assert found.tolist() == [1, *starts]
    lines = CsvLines(str(path), len(starts))
    assert [lines(i) for i in range(len(starts))] == starts


def test_mixed_line_endings_and_a_final_lone_cr(tmp_path):
    """A file mixing the three line endings (an export edited on several systems), with
    blank lines of each kind and a lone \\r last: each row's line, counted by hand."""
    path = tmp_path / "events.csv"
    text = HEADER + "\r" + row(1)[0] + "\r\n\r" + row(2, bad=True)[0] + "\n\r\n" + row(3, bad=True)[0] + "\r"
    path.write_bytes(text.encode())
    # lines: 1 header, 2 row 1, 3 blank (lone \r), 4 row 2, 5 blank (\r\n), 6 row 3
    assert EventLog(path).report.examples == {"unparseable amount (not a number)": [4, 6]}
    for chunk in (1, 2, 5, 1 << 20):
        from fidelite.io import tables

        assert tables._record_lines(str(path), chunk).tolist() == [1, 2, 4, 6]


def test_a_file_the_scan_cannot_follow_falls_back_to_one_line_per_row(tmp_path):
    """A lone quote inside an unquoted cell (pyarrow reads it as text) must not shift the
    lines of every later row into nonsense: one line per row after the header."""
    path = tmp_path / "events.csv"
    path.write_text('id,note\n1,5" screen\n2,b\n')
    lines = CsvLines(str(path), 2)
    assert [lines(0), lines(1)] == [2, 3]


def test_the_command_line_prints_where_the_rejected_rows_are(tmp_path):
    """The report's accounting section lists them (its "first rejected rows" table)."""
    import contextlib
    import io

    from fidelite.cli import main

    path = tmp_path / "events.csv"
    expected = write(path, [row(i, bad=i in (3, 9)) if i % 4 else BLANK for i in range(1, 40)])
    buf = io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(buf):
        mp.setenv("COLUMNS", "160")
        assert main(["report", str(path)]) == 0
    text = " ".join(buf.getvalue().split())
    assert "first rejected rows (their line in the file, the header being line 1)" in text
    assert f"unparseable amount (not a number) lines {expected[0]}, {expected[1]}" in text
    assert expected == [4, 10]
