"""Our fast table validation reports exactly what `frictionless validate` reports.

The Table Schemas are the single source of truth; the fast path must not drift from the
reference implementation on any kind of bad row.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from frictionless import Resource, Schema, validate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.io.tabular import validate_csv_text
from generator.schemas import table_schema

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "tabular"


def frictionless_errors(path: Path, schema: str) -> list[tuple[int, str, str, str]]:
    resource = Resource(path=path.name, basepath=str(path.parent), encoding="utf-8",
                        schema=Schema.from_descriptor(table_schema(schema)))
    report = validate(resource)
    found = []
    for error in report.tasks[0].errors:
        note = error.note.split('"')[1] if error.type == "constraint-error" else ""
        found.append((error.row_number, getattr(error, "field_name", "") or "", error.type, note))
    return sorted(found)


def our_errors(path: Path, schema: str) -> list[tuple[int, str, str, str]]:
    result = validate_csv_text(path.read_text(encoding="utf-8"), table_schema(schema), path.name)
    return sorted((e.row, e.field, e.type, e.note) for e in result.errors)


@pytest.mark.parametrize("name", ["objects", "results"])
def test_corpus_of_bad_rows_matches_frictionless(name: str) -> None:
    path = CORPUS / f"{name}.csv"
    expected = frictionless_errors(path, name)
    assert expected, "the corpus must contain bad rows"
    assert our_errors(path, name) == expected


CELL = st.one_of(
    st.sampled_from(["", " ", "true", "TRUE", "yes", "1", "0", "-1", "1.0", " 7", "1_000", "１２", "2026-02-30",
                     "2026-1-1", "2026-01-01", "R01", "R1", "scjg", "SCJG", "实地检查", "存续", "在营",
                     "ZB-2026-001", "SCJG-001", "370302", "6210", "a,b", 'q"uote', "责令整改;线索移交"]),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(CELL, min_size=11, max_size=11), min_size=1, max_size=8))
def test_random_results_rows_match_frictionless(tmp_path: Path, rows: list[list[str]]) -> None:
    import csv
    import io

    header = [f["name"] for f in table_schema("results")["fields"]]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path = tmp_path / "results.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    assert our_errors(path, "results") == frictionless_errors(path, "results")


def _results_text(rows: list[list[str]]) -> str:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([f["name"] for f in table_schema("results")["fields"]])
    writer.writerows(rows)
    return buffer.getvalue()


GOOD_ROW = ["ZB-2026-001", "913703020002GAATD6", "SCJG-001", "scjg", "2026-03-01", "2026-03-02", "实地检查",
            "R01", "", "2026-03-03", "2026-03-04"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.one_of(st.just(GOOD_ROW), st.lists(CELL, min_size=11, max_size=11)), max_size=6),
                min_size=1, max_size=5))
def test_results_checked_together_match_each_file_alone(tmp_path: Path, files: list[list[list[str]]]) -> None:
    """`validate_csv_texts` (all results files as one table) = each file through the checked path."""
    import polars as pl

    from generator.io.bulk import validate_csv_texts

    texts: list[tuple[str | None, str]] = [(_results_text(rows), f"results/{n}.csv") for n, rows in enumerate(files)]
    texts.append((None, "results/unreadable.csv"))
    frame, findings = validate_csv_texts(texts, table_schema("results"))
    alone = [validate_csv_text(text, table_schema("results"), display) for text, display in texts[:-1]]
    assert findings == [result.findings for result in alone] + [[]]
    expected = pl.concat([r.frame.with_columns(pl.lit(d).alias("_file"))
                          for r, (_, d) in zip(alone, texts, strict=False) if r.frame is not None])
    assert frame.equals(expected)


def test_duplicate_keys_across_results_files_are_not_errors() -> None:
    from generator.io.bulk import validate_csv_texts

    one = _results_text([GOOD_ROW, GOOD_ROW])
    frame, findings = validate_csv_texts([(one, "a.csv"), (one, "b.csv")], table_schema("results"))
    assert [[(f.file, f.row, f.rule) for f in each] for each in findings] == [
        [("a.csv", 3, "primary-key")], [("b.csv", 3, "primary-key")]]
    assert frame["_row"].to_list() == [2, 3, 2, 3]


# Raw lines (not csv.writer output), with or without a final newline: what the one-go read
# of a plain file takes. (Ragged rows make frictionless guess the header elsewhere; they
# and blank rows are in the corpus and below.)
RAW_CELL = st.sampled_from(["", "ZB-2026-001", "913703020002GAATD6", "SCJG-001", "scjg", "2026-03-01", "实地检查",
                            "R01", "x", "1", "存续", "市场主体", "true", "370302", "-1"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(RAW_CELL, min_size=11, max_size=11).map(",".join).filter(lambda x: x.strip(",")),
                max_size=6),
       st.booleans(), st.booleans())
def test_plain_lines_match_frictionless(tmp_path: Path, lines: list[str], final_newline: bool,
                                        objects: bool) -> None:
    name = "objects" if objects else "results"
    header = ",".join(f["name"] for f in table_schema(name)["fields"])
    path = tmp_path / f"{name}.csv"
    path.write_text("\n".join([header, *lines]) + ("\n" if final_newline else ""), encoding="utf-8")
    assert our_errors(path, name) == frictionless_errors(path, name)


def test_plain_file_is_read_in_one_go_and_others_line_by_line() -> None:
    """The fast path must only take files it can read exactly (a guard on `_plain`)."""
    from generator.io.tabular import _plain

    header = ",".join(f["name"] for f in table_schema("results")["fields"]).encode()
    good = b",".join(g.encode() for g in GOOD_ROW)
    assert _plain(header + b"\n" + good + b"\n", 11)
    assert _plain(header + b"\n" + good, 11)  # no final newline
    assert _plain(header + b"\n", 11)
    assert not _plain(header + b"\n" + good + b"\n" + b"," * 10 + b"\n", 11)  # blank row
    assert not _plain(header + b"\n" + good + b"\n" + b"," * 10, 11)  # blank last row, no newline
    # A long and a short row pass the comma count; the strict read then sends the file line by line.
    ragged = header + b"\n" + good + b",\n" + good[: good.rindex(b",")] + b"\n"
    assert _plain(ragged, 11)
    result = validate_csv_text(ragged.decode(), table_schema("results"), "r.csv")
    found = [(e.row, e.type) for e in result.errors]
    assert (2, "extra-cell") in found and (3, "missing-cell") in found  # (and row 3 repeats row 2's key)
    assert not _plain(header + b"\r\n" + good + b"\r\n", 11)
    assert not _plain(header + b'\n"a",' + good[good.index(b",") + 1:] + b"\n", 11)
