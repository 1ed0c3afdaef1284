"""Fast paths that must not change a result: cached draw verification, canonical and indented JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

import generator.draw.verify as verify_module
from generator.draw.canonical import canonical_json
from generator.draw.verified import VerifiedDraws
from generator.draw.verify import verify_ledger


def _run(root: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], list[str]]:
    """(draws recomputed, fields of differences) for one cached verification."""
    recomputed: list[str] = []
    original = verify_module.verify_one

    def counting(published: verify_module.PublishedDraw, *args: object) -> verify_module.DrawReport:
        recomputed.append(published.task_id)
        return original(published, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(verify_module, "verify_one", counting)
    reports = verify_ledger(root, verified=VerifiedDraws(cache))
    return recomputed, [d.field for r in reports for d in r.differences]


def test_second_run_recomputes_nothing_and_edits_are_still_caught(
        minimal_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache" / "verified.json"
    first, problems = _run(minimal_copy, cache, monkeypatch)
    assert len(first) == 32 and problems == []
    assert _run(minimal_copy, cache, monkeypatch) == ([], [])

    path = minimal_copy / "draws" / "2026" / "ZB-2026-013" / "record.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    record["selected"][0]["ticket"] = "0" * 64
    path.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
    recomputed, problems = _run(minimal_copy, cache, monkeypatch)
    # The edited record and every later one (their yearly cap depends on it) are recomputed.
    assert recomputed[0] == "ZB-2026-013" and len(recomputed) == 3
    assert problems == ["selected[0].ticket"]
    assert verify_ledger(minimal_copy)[0].ok  # `sunlight verify` recomputes regardless


def test_unreadable_cache_only_costs_time(minimal_copy: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "verified.json"
    cache.write_text("{not json", encoding="utf-8")
    recomputed, problems = _run(minimal_copy, cache, monkeypatch)
    assert len(recomputed) == 32 and problems == []


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**60), 2**60) | st.text(max_size=8)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_canonical_json_is_rfc8785(value: object) -> None:
    try:
        expected = bytes(rfc8785.dumps(value))
    except Exception:  # values the reference refuses are out of scope
        return
    assert canonical_json(value) == expected


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_fast_indented_json_is_the_standard_text(value: object) -> None:
    from generator.draw.jsontext import dumps_indented

    assert dumps_indented(value) == json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True)


def test_ledger_summaries_come_from_the_cache_only_for_unchanged_records(
        minimal_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import generator.draw.ledger_cache as ledger_cache
    from generator.draw.ledger import chain_order, head_of
    from generator.draw.verify import find_draws

    full = {p.task_id: p.record for p in find_draws(minimal_copy) if p.record is not None}
    first = ledger_cache.ledger_records(minimal_copy)
    assert list(first) == list(full) and head_of(first) == head_of(full)
    assert chain_order(first) == chain_order(full)
    parsed: list[Path] = []
    original = ledger_cache.read_json_object

    def counting(path: Path) -> tuple[dict[str, object] | None, str | None]:
        parsed.append(path)
        return original(path)

    monkeypatch.setattr(ledger_cache, "read_json_object", counting)
    assert ledger_cache.ledger_records(minimal_copy) == first and parsed == []
    path = minimal_copy / "draws" / "2026" / "ZB-2026-015" / "record.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    record["selected"] = record["selected"][:1]
    path.write_text(json.dumps(record), encoding="utf-8")
    again = ledger_cache.ledger_records(minimal_copy)
    assert parsed == [path] and again["ZB-2026-015"]["selected"] == [
        {"object_id": record["selected"][0]["object_id"]}]


VALID_CELL = st.from_regex(r"[0-9A-Za-z][0-9A-Za-z._-]{0,5}", fullmatch=True)
CELLS = st.one_of(VALID_CELL, VALID_CELL, VALID_CELL, st.text(alphabet="aZ9._-,é ", max_size=4),
                  st.integers(62, 66).map(lambda n: "A" * n))  # the longest identifiers allowed, and longer
LINES = st.lists(CELLS, min_size=2, max_size=2) | st.lists(CELLS, min_size=1, max_size=3)


@settings(max_examples=400, deadline=None)
@given(st.lists(LINES, max_size=5), st.booleans())
def test_canonical_csv_check_is_the_line_by_line_rule(lines: list[list[str]], final_newline: bool) -> None:
    """The one-regex check of a whole file accepts exactly what checking each line accepts."""
    from generator.draw.canonical import IDENTIFIER, parse_canonical_csv

    text = "object_id,stratum\n" + "\n".join(",".join(cells) for cells in lines) + ("\n" if final_newline else "")
    rows = parse_canonical_csv(text, "object_id,stratum")
    by_line: list[tuple[str, str]] | None = [] if text.endswith("\n") else None
    for line in text[:-1].split("\n")[1:] if by_line is not None else []:
        cells = line.split(",")
        if len(cells) != 2 or not all(IDENTIFIER.fullmatch(c) for c in cells):
            by_line = None
            break
        by_line.append((cells[0], cells[1]))
    assert (rows if isinstance(rows, list) else None) == by_line
