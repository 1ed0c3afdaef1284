"""Fast paths that must not change a result: integrity-only draw checks, canonical and indented JSON."""

from __future__ import annotations

import datetime as dt
import enum
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from hypothesis import example, given, settings
from hypothesis import strategies as st

import generator.draw.verify as verify_module
from generator.draw.canonical import canonical_json
from generator.draw.ledger import record_sha256
from generator.draw.verify import verify_ledger


def _run(root: Path, monkeypatch: pytest.MonkeyPatch, recompute: frozenset[str] = frozenset()
         ) -> tuple[list[str], list[tuple[str, str]]]:
    """(draws recomputed, (task, field) of each difference) for one validate-style verification."""
    recomputed: list[str] = []
    original = verify_module.verify_one

    def counting(published: verify_module.PublishedDraw, *args: Any, **kwargs: Any) -> verify_module.DrawReport:
        if kwargs.get("recompute", True):
            recomputed.append(published.task_id)
        return original(published, *args, **kwargs)

    monkeypatch.setattr(verify_module, "verify_one", counting)
    reports = verify_ledger(root, recompute=recompute.__contains__)
    return recomputed, [(r.task_id, d.field) for r in reports for d in r.differences]


def _edit_record(root: Path, task: str, rehash: bool) -> None:
    path = root / "draws" / "2026" / task / "record.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    record["selected"][0]["ticket"] = "0" * 64
    if rehash:
        record["record_sha256"] = record_sha256(record)
    path.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")


def test_integrity_only_recomputes_nothing_on_a_sound_ledger(minimal_copy: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    assert _run(minimal_copy, monkeypatch) == ([], [])
    recomputed, problems = _run(minimal_copy, monkeypatch, frozenset({"ZB-2026-013"}))
    assert (recomputed, problems) == (["ZB-2026-013"], [])


def test_an_edited_record_fails_integrity_and_is_recomputed_to_name_the_difference(
        minimal_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _edit_record(minimal_copy, "ZB-2026-013", rehash=False)
    recomputed, problems = _run(minimal_copy, monkeypatch)
    assert recomputed == ["ZB-2026-013"]
    assert problems == [("ZB-2026-013", "selected[0].ticket")]


def test_a_rehashed_forgery_at_the_head_of_the_ledger_needs_recomputation(
        minimal_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the integrity check cannot see: a record edited and re-hashed with nothing after
    it. `validate --against` refuses the edit of a committed record, and recomputes a new
    one; `sunlight verify` recomputes every draw."""
    head = _head(minimal_copy)
    _edit_record(minimal_copy, head, rehash=True)
    assert _run(minimal_copy, monkeypatch) == ([], [])
    assert _run(minimal_copy, monkeypatch, frozenset({head}))[1] == [(head, "selected[0].ticket")]
    assert [(r.task_id, d.field) for r in verify_ledger(minimal_copy) for d in r.differences] == [
        (head, "selected[0].ticket")]


def _head(root: Path) -> str:
    reports = verify_ledger(root)
    return reports[-1].task_id


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**60), 2**60) | st.text(max_size=8)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(JSON)
@example(2**53 - 1)
@example({"big": [2**53, -(2**53), 2**63, 2**64 + 1]})
@example({"\ue000": 1, "\uffff": 2, "\U0001f600": 3, "z": 4})
@example({"a": "\x00\x1f\x7f\u2028\u2029/\\\"", "b": "中文 ☃"})
@example([1.0, 0.5, 1e21, 1e-7, -0.0])
@example({"x": [{"y": 5.0}]})
def test_canonical_json_is_rfc8785(value: object) -> None:
    try:
        expected = bytes(rfc8785.dumps(value))
    except Exception as refused:
        with pytest.raises(type(refused)):
            canonical_json(value)
        return
    assert canonical_json(value) == expected


def test_canonical_json_refuses_what_is_not_json_as_the_reference_does() -> None:
    class Number(enum.Enum):
        HALF = 1.5

    looped: list[object] = []
    looped.append(looped)
    for value in (Number.HALF, uuid.UUID(int=1), dt.date(2026, 1, 1), {1: "a"}, looped):
        with pytest.raises(Exception) as ours:
            canonical_json(value)
        with pytest.raises(ours.type):
            rfc8785.dumps(value)


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


@settings(max_examples=300, deadline=None)
@given(JSON | st.floats() | st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=3))
def test_plain_json_is_told_at_parse_time_and_hashes_as_rfc8785(value: object) -> None:
    """`loads_json` says a text is plain exactly when it holds no float, NaN or Infinity; the
    hash of a plain value then skips the type walk and is still the RFC 8785 one."""
    from generator.draw.canonical import loads_json

    text = json.dumps(value, ensure_ascii=False)
    parsed, plain = loads_json(text)
    assert plain == _no_float(parsed)
    try:
        expected = bytes(rfc8785.dumps(parsed))
    except Exception as refused:
        with pytest.raises(type(refused)):
            canonical_json(parsed, plain=plain)
        return
    assert canonical_json(parsed, plain=plain) == expected


def _no_float(value: object) -> bool:
    if isinstance(value, float):
        return False
    if isinstance(value, dict):
        return all(_no_float(v) for v in value.values())
    if isinstance(value, list):
        return all(_no_float(v) for v in value)
    return True


def test_nan_in_a_record_is_not_plain_and_is_refused() -> None:
    from generator.draw.canonical import loads_json

    parsed, plain = loads_json('{"a": NaN, "b": [1, 2]}')
    assert plain is False
    with pytest.raises(Exception) as ours:
        canonical_json(parsed, plain=plain)
    with pytest.raises(ours.type):
        rfc8785.dumps(parsed)
