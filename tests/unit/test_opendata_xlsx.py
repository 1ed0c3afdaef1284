"""The XLSX writer alone: any text reads back as the same text (never a formula), and a table longer
than a sheet continues on the next sheet."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from generator.opendata import xlsx
from generator.opendata.tables import Resource

FIELDS = [{"name": "text", "title": "文本", "type": "string"}, {"name": "n", "title": "数", "type": "integer"},
          {"name": "day", "title": "日期", "type": "date"}, {"name": "flag", "title": "是否", "type": "boolean"}]
# XML 1.0 cannot carry most control characters; the writer drops them (documented), so they are left out here.
# Characters that matter to XML and to spreadsheets come up often; the rest of Unicode too.
TEXT = st.text(st.one_of(st.sampled_from('<>&"\'=+-@ \t\r\n'), st.characters(
    blacklist_categories=("Cs",),
    blacklist_characters=[*(chr(c) for c in range(32) if chr(c) not in "\t\n\r"), "\ufffe", "\uffff"])))


def resource(frame: pl.DataFrame) -> Resource:
    return Resource("t", "表", "", FIELDS, ["n"], frame)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(TEXT, st.integers(-2**53, 2**53), st.dates(dt.date(1900, 3, 1), dt.date(2999, 12, 31)),
                          st.booleans()), min_size=1, max_size=8))
@example(rows=[('=HYPERLINK("http://x","y")', 1, dt.date(2026, 11, 20), True), (" <b>&amp;\r\n ", 2,
                                                                                 dt.date(2026, 1, 1), False)])
def test_any_text_reads_back_as_text(tmp_path: Path, rows: list[tuple[str, int, dt.date, bool]]) -> None:
    frame = pl.DataFrame(rows, schema={"text": pl.String, "n": pl.Int64, "day": pl.Date, "flag": pl.Boolean},
                         orient="row")
    path = tmp_path / "x.xlsx"
    xlsx.write_workbook(path, list(xlsx.split(resource(frame), frame)), dt.date(2026, 11, 20), "测试")
    sheet = openpyxl.load_workbook(path)["表"]
    read = [(c[0].value, c[0].data_type, c[1].value, c[2].value, c[3].value) for c in sheet.iter_rows(min_row=3)]
    assert [(r[0] if r[0] is not None else "", r[2], r[3].date(), r[4]) for r in read] == rows
    assert all(r[1] in ("s", "n") and (r[0] is None or r[1] == "s") for r in read)


def test_a_long_table_continues_on_the_next_sheet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx, "MAX_ROWS", 7)  # 5 data rows a sheet after the two header rows
    frame = pl.DataFrame({"text": [f"=A{i}" for i in range(12)], "n": list(range(12)),
                          "day": [dt.date(2026, 1, 1)] * 12, "flag": [True] * 12})
    path = tmp_path / "x.xlsx"
    xlsx.write_workbook(path, list(xlsx.split(resource(frame), frame)), dt.date(2026, 11, 20), "测试")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["表", "表2", "表3"]
    counts = [book[name].max_row - 2 for name in book.sheetnames]
    assert counts == [5, 5, 2]
    assert [c.value for name in book.sheetnames for (c,) in book[name].iter_rows(min_row=3, max_col=1)] == [
        f"=A{i}" for i in range(12)]


def test_characters_xml_cannot_carry_are_dropped(tmp_path: Path) -> None:
    frame = pl.DataFrame({"text": ["甲\x01乙\uffff丙"], "n": [1], "day": [dt.date(2026, 1, 1)], "flag": [False]})
    path = tmp_path / "x.xlsx"
    xlsx.write_workbook(path, list(xlsx.split(resource(frame), frame)), dt.date(2026, 11, 20), "测试")
    assert openpyxl.load_workbook(path)["表"]["A3"].value == "甲乙丙"


@pytest.mark.parametrize("odd", ["a\x01b", "a\ufffeb", "a&b", "a<b", "a>b", "a\rb"])
def test_one_value_to_escape_among_plain_ones(tmp_path: Path, odd: str) -> None:
    """A column is escaped as a whole only if some value needs it (most never do): one such value
    among plain ones is still escaped, and characters XML cannot carry are dropped."""
    frame = pl.DataFrame({"text": ["plain", odd, "plain"], "n": [1, 2, 3], "day": [dt.date(2026, 1, 1)] * 3,
                          "flag": [True, False, True]})
    path = tmp_path / "x.xlsx"
    xlsx.write_workbook(path, list(xlsx.split(resource(frame), frame)), dt.date(2026, 11, 20), "测试")
    sheet = openpyxl.load_workbook(path)["表"]
    assert [c.value for (c,) in sheet.iter_rows(min_row=3, max_col=1)] == [
        "plain", odd.replace("\x01", "").replace("\ufffe", ""), "plain"]
