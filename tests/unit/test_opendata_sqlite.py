"""The SQLite writer alone: rows that reach the database through Arrow (ADBC) come out exactly as
when the sqlite3 module bound them one by one (same values, same storage classes, same bytes of
the file), whatever the text, whatever the column's declared type."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from generator.opendata import sqlite as writer
from generator.opendata.tables import Resource

KINDS = ["string", "integer", "date", "boolean"]
DTYPES = {"string": pl.String, "integer": pl.Int64, "date": pl.Date, "boolean": pl.Boolean}
# Text SQLite or a JSON or CSV transport could get wrong: quotes, NUL and other control
# characters, line ends, numbers written as text (an INTEGER column turns "12" into 12).
TEXT = st.lists(st.one_of(st.sampled_from(["'", '"', "\\", "\x00", "\r\n", "\n", "12", "-0", "1e3", " 7 ", "0x1f",
                                           "true", "null", "é", "😀", "\u2028"]),
                          st.characters(blacklist_categories=("Cs",))), max_size=6).map("".join)
VALUES = {"string": TEXT, "integer": st.integers(-2**63, 2**63 - 1),
          "date": st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)), "boolean": st.booleans()}


def _executemany(path: Path, resources: list[Resource]) -> None:
    """The writer as it was: every value bound by the sqlite3 module, rows in slices (one
    transaction a table, then one for the views, as the writer commits)."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA page_size=4096;")
    for resource in resources:
        connection.execute("BEGIN")
        connection.execute(writer._create(resource))
        rows = writer._rows(resource.frame)
        marks = ", ".join("?" for _ in resource.fields)
        for start in range(0, len(rows), 3):  # slices, as the writer went
            values = [column.to_list() for column in rows.slice(start, 3).iter_columns()]
            connection.executemany(f"INSERT INTO {writer._quote(resource.name)} VALUES ({marks})",
                                   zip(*values, strict=True))
        for fk in resource.foreign_keys:
            if fk["fields"] != resource.primary_key[:len(fk["fields"])]:
                index = f"{resource.name}_by_{'_'.join(fk['fields'])}"
                connection.execute(f"CREATE INDEX {writer._quote(index)} ON {writer._quote(resource.name)} "
                                   f"({', '.join(map(writer._quote, fk['fields']))})")
        connection.execute("COMMIT")
    connection.execute("BEGIN")
    for name, sql in writer.VIEWS.items():
        connection.execute(f"CREATE VIEW {writer._quote(name)} AS {sql.strip()}")
    connection.execute("COMMIT")
    connection.close()


def _contents(path: Path, resources: list[Resource]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table with each value's storage class (typeof)."""
    with sqlite3.connect(path) as connection:
        out = {}
        for r in resources:
            columns = ", ".join(f"{writer._quote(f['name'])}, typeof({writer._quote(f['name'])})" for f in r.fields)
            out[r.name] = connection.execute(f"SELECT {columns} FROM {writer._quote(r.name)}").fetchall()
        return out


def _same_both_ways(tmp_path: Path, resources: list[Resource]) -> None:
    old, new = tmp_path / "old.sqlite", tmp_path / "new.sqlite"
    old.unlink(missing_ok=True)
    _executemany(old, resources)
    writer.write_sqlite(new, resources)
    assert _contents(new, resources) == _contents(old, resources)
    assert hashlib.sha256(new.read_bytes()).hexdigest() == hashlib.sha256(old.read_bytes()).hexdigest()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.sqlite", "old.sqlite"]  # no scratch file left


def _table(name: str, declared: list[str], columns: list[list[Any]], dtypes: list[str]) -> Resource:
    """Table `name` with an `id` key and columns `c<i>` of polars type `dtypes[i]` that the schema
    declares as `declared[i]` (they differ in some examples: the affinity must act alike)."""
    data: dict[str, pl.Series] = {"id": pl.Series("id", range(len(columns[0]) if columns else 0), pl.Int64)}
    for i, (values, dtype) in enumerate(zip(columns, dtypes, strict=True)):
        data[f"c{i}"] = pl.Series(f"c{i}", values, DTYPES[dtype] if dtype != "null" else pl.Null)
    fields = [{"name": "id", "type": "integer"}, *({"name": f"c{i}", "type": kind} for i, kind in enumerate(declared))]
    return Resource(name, name, "", fields, ["id"], pl.DataFrame(data))


@st.composite
def tables(draw: st.DrawFn) -> list[Resource]:
    out = []
    for number in range(draw(st.integers(1, 3))):
        rows = draw(st.integers(0, 7))
        dtypes = draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=4))
        declared = [draw(st.sampled_from([kind, *KINDS])) for kind in dtypes]  # mostly its own kind
        columns = [draw(st.lists(st.none() | VALUES[kind], min_size=rows, max_size=rows)) for kind in dtypes]
        out.append(_table(f"t{number}", declared, columns, dtypes))
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tables())
@example([_table("t0", ["string", "integer", "string"],
                 [["a\x00b", "", None, "12", "1e3", "'; DROP TABLE t0; --", "😀\r\n"],
                  [2**63 - 1, -2**63, 0, None, 1, 2, 3], ["x"] * 7], ["string", "integer", "string"])])
def test_rows_through_arrow_are_the_rows_bound_one_by_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          resources: list[Resource]) -> None:
    monkeypatch.setattr(writer, "SLICE_ROWS", 2)  # several slices a table, as a city's tables are
    _same_both_ways(tmp_path, resources)


def test_declared_types_dates_yes_no_and_nulls(tmp_path: Path) -> None:
    """What a user sees in the database: ISO dates as text, yes/no as 0/1, an empty text as '', a
    missing value as NULL, text that looks like a number in an INTEGER column as the number."""
    resource = _table("t", ["date", "boolean", "string", "integer", "string"],
                      [[dt.date(2026, 11, 20), None], [True, False], ["", None], ["12", "x"], [None, None]],
                      ["date", "boolean", "string", "string", "null"])
    _same_both_ways(tmp_path, [resource])
    assert _contents(tmp_path / "new.sqlite", [resource])["t"] == [
        (0, "integer", "2026-11-20", "text", 1, "integer", "", "text", 12, "integer", None, "null"),
        (1, "integer", None, "null", 0, "integer", None, "null", "x", "text", None, "null")]
