"""Whatever a clerk types into an editable cell, the import answers with a value or a message."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from generator.results_sheet.cells import CellProblem, parse
from generator.results_sheet.layout import EDITABLE, FOLLOW_UPS, Column

LABELS = {"R01": "未发现问题", "R02": "发现问题已责令改正"}
CELL = st.one_of(st.text(max_size=30), st.integers(), st.floats(allow_nan=True), st.booleans(),
                 st.dates().map(lambda d: d.isoformat()), st.sampled_from(["R01", "R01 未发现问题", "实地检查"]))


@given(column=st.sampled_from(EDITABLE), value=CELL)
def test_any_cell_value_is_parsed_or_explained(column: Column, value: object) -> None:
    try:
        parse(column, value, LABELS)
    except CellProblem as problem:
        assert str(problem)
        assert problem.rule.startswith("sheet/")


@given(day=st.dates(min_value=dt.date(1900, 1, 1)))
def test_a_date_reads_the_same_typed_or_as_text(day: dt.date) -> None:
    column = next(c for c in EDITABLE if c.field == "inspected_from")
    typed = parse(column, dt.datetime.combine(day, dt.time()), LABELS)
    assert typed == parse(column, day.isoformat(), LABELS) == parse(column, day, LABELS) == day


@given(measures=st.lists(st.sampled_from(FOLLOW_UPS), min_size=1, max_size=3), chinese=st.booleans())
def test_follow_up_accepts_chinese_semicolons(measures: list[str], chinese: bool) -> None:
    column = next(c for c in EDITABLE if c.field == "follow_up")
    typed = ("；" if chinese else " ; ").join(measures)
    assert parse(column, typed, LABELS) == ";".join(measures)


@given(column=st.sampled_from(EDITABLE), value=st.text(min_size=61, max_size=5000))
def test_a_message_quotes_a_long_or_multiline_cell_on_one_short_line(column: Column, value: str) -> None:
    """A cell may hold 32,767 characters (a crafted file: millions), with line breaks and tabs."""
    try:
        parse(column, "\n" + value, LABELS)
    except CellProblem as problem:
        message = str(problem)
        assert len(message) < 260
        assert not any(c < " " or c == "\x7f" for c in message)
