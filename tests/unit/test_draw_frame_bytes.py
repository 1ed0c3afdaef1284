"""The frame read as bytes (`FrameBytes`, what `lock` uses) draws exactly what its rows draw."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import generator.draw.engine as engine
from generator.draw.canonical import FRAME_HEADER, frame_text, parse_canonical_csv
from generator.draw.engine import draw, select_from_bytes
from generator.draw.frame_bytes import FrameBytes, lowest

BEACON = "315426314652143625314256"
STRATA_IDS = ("high", "watch", "general", "g")

# Ids of several lengths (their length is hashed), a few shared so that duplicates and cap
# exclusions happen.
ids = st.from_regex(r"[0-9A-Z]{1,3}|91370300[0-9A-Z]{10}|[a-z][0-9a-z._-]{0,5}", fullmatch=True)
strata_specs = st.lists(st.sampled_from(STRATA_IDS), min_size=1, max_size=4, unique=True).flatmap(
    lambda names: st.tuples(*[st.one_of(st.builds(lambda n, bp: {"id": n, "ratio_bp": bp}, st.just(n),
                                                  st.integers(0, 10000)),
                                        st.builds(lambda n, c: {"id": n, "count": c}, st.just(n),
                                                  st.integers(0, 40)))
                              for n in names]).map(list))


@st.composite
def cases(draw_: st.DrawFn) -> tuple[dict[str, Any], list[tuple[str, str]], Counter[str]]:
    strata = draw_(strata_specs)
    names = [s["id"] for s in strata]
    rows = draw_(st.lists(st.tuples(ids, st.sampled_from(names)), max_size=60))
    if not draw_(st.booleans()):  # usually one stratum per object; sometimes a duplicated id
        rows = list(dict(rows).items())
    cap = draw_(st.integers(1, 2))
    prior = Counter(draw_(st.lists(st.sampled_from([o for o, _ in rows] or ["X"]), max_size=20)))
    manifest = {"spec": "sunlight-draw/1", "task_id": "ZB-2026-001", "year": 2026, "cap_per_year": cap,
                "strata": strata}
    return manifest, sorted(rows), prior


def _bytes(rows: list[tuple[str, str]]) -> FrameBytes:
    frame = FrameBytes.of(frame_text(rows).encode("utf-8"))
    assert frame is not None
    return frame


@settings(max_examples=400, deadline=None)
@given(cases())
def test_bytes_frame_draws_what_its_rows_draw(case: tuple[dict[str, Any], list[tuple[str, str]], Counter[str]]
                                              ) -> None:
    manifest, rows, prior = case
    frame = _bytes(rows)
    assert frame.rows() == rows
    assert draw(manifest, BEACON, frame, prior).as_json() == draw(manifest, BEACON, rows, prior).as_json()
    assert select_from_bytes("ab" * 32, "T", frame, manifest["strata"], set()) is not None


@settings(max_examples=25, deadline=None)
@given(cases())
def test_bytes_frame_split_over_processes_draws_what_its_rows_draw(
        case: tuple[dict[str, Any], list[tuple[str, str]], Counter[str]]) -> None:
    manifest, rows, prior = case
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine, "PARALLEL_ABOVE", 0)  # every frame split: this process and a worker
        patch.setattr(engine, "_workers", lambda: 3)
        fast = draw(manifest, BEACON, _bytes(rows), prior).as_json()
    assert fast == draw(manifest, BEACON, rows, prior).as_json()


def test_a_stratum_missing_from_the_manifest_takes_the_row_path() -> None:
    rows = [("A1", "high"), ("B2", "other")]
    strata = [{"id": "high", "ratio_bp": 5000}]
    assert select_from_bytes("ab" * 32, "T", _bytes(rows), strata, set()) is None
    with pytest.raises(KeyError):  # as on the rows: the engine is not the place that reports it
        draw({"task_id": "T", "cap_per_year": 2, "strata": strata}, BEACON, _bytes(rows), [])
    doubled = [{"id": "high", "count": 1}, {"id": "high", "count": 1}]
    assert select_from_bytes("ab" * 32, "T", _bytes([("A1", "high")]), doubled, set()) is None
    numbered = [{"id": 1, "count": 1}]  # a manifest edited by hand
    assert select_from_bytes("ab" * 32, "T", _bytes([("A1", "1")]), numbered, set()) is None


@given(st.lists(st.tuples(ids, st.sampled_from(STRATA_IDS)), max_size=40), st.integers(1, 6))
def test_spans_cover_the_lines_once_in_order(rows: list[tuple[str, str]], parts: int) -> None:
    frame = _bytes(sorted(rows))
    spans = frame.spans(parts)
    assert b"".join(frame.body[a:b] for a, b in spans) == frame.body
    assert all(frame.body[a:b].endswith(b"\n") for a, b in spans if b > a)
    assert len(spans) <= max(parts, 1)


texts = st.lists(st.sampled_from(["A1", "b.2", "-x", "", "é", "9" * 64, "9" * 65, ",", "\n", "\r\n", "high",
                                  " "]), max_size=12).map("".join)


@settings(max_examples=400)
@given(st.booleans(), texts)
def test_bytes_check_accepts_exactly_the_canonical_files(with_header: bool, body: str) -> None:
    text = (FRAME_HEADER + "\n" if with_header else "") + body
    parsed = parse_canonical_csv(text, FRAME_HEADER)
    fast = FrameBytes.of(text.encode("utf-8"))
    if fast is None:
        assert isinstance(parsed, str)
    else:
        assert fast.rows() == parsed


@settings(max_examples=300)
@given(st.lists(st.binary(min_size=1, max_size=40), max_size=400), st.integers(0, 420),
       st.sampled_from([b"", b"\x00", b"\xff\xff"]))
def test_lowest_keys_are_the_first_of_the_sorted_keys(keys: list[bytes], count: int, skew: bytes) -> None:
    # A common first byte (skew) puts every key above or below the bound: both branches run.
    keys = [skew + key for key in keys]
    assert lowest(count, keys) == sorted(keys)[:count]


@settings(max_examples=200)
@given(st.lists(st.binary(min_size=8, max_size=12), min_size=80, max_size=300), st.integers(1, 12),
       st.sampled_from([b"", b"\xff\xff"]))
def test_lowest_of_many_keys_by_the_bound_or_by_ranking_all(keys: list[bytes], count: int, skew: bytes) -> None:
    keys = [skew + key for key in keys]  # b"\xff\xff": none under the bound, so all are ranked
    assert lowest(count, keys) == sorted(keys)[:count]


@given(st.lists(st.tuples(ids, st.sampled_from(STRATA_IDS)), max_size=40), st.booleans())
def test_lines_are_sorted_exactly_when_the_rows_are_in_the_specs_order(rows: list[tuple[str, str]],
                                                                      sort: bool) -> None:
    rows = sorted(rows, key=lambda r: (r[0].encode(), r[1].encode())) if sort else rows
    expected = rows == sorted(rows, key=lambda r: (r[0].encode(), r[1].encode()))
    frame = FrameBytes.of("".join(f"{line}\n" for line in [FRAME_HEADER, *map(",".join, rows)]).encode())
    assert frame is not None and frame.is_sorted() is expected


def test_an_id_no_frame_line_can_hold_is_left_out_of_the_capped_set() -> None:
    """A hand-edited earlier record may hold any string (here a lone surrogate): it caps nothing."""
    rows = [("A1", "high"), ("B2", "high")]
    strata = [{"id": "high", "count": 1}]
    assert select_from_bytes("ab" * 32, "T", _bytes(rows), strata, {"\ud800"}) == \
        select_from_bytes("ab" * 32, "T", _bytes(rows), strata, set())
