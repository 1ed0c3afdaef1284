"""`draw_teams` (truncated rankings, min() fast path, worker processes) picks what section 4 says.

The reference below is the spec's wording turned into code, slot by slot, with no shortcut:
rank the eligible candidates by (inspector ticket, id) and take the first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import generator.draw.engine as engine
from generator.draw.engine import Selected, draw_teams, inspector_ticket

SEED, TASK = "5e" * 32, "ZB-2026-001"
DEPARTMENTS = ("scjg", "yjgl", "xfjy")


def reference_teams(objects: Sequence[str], roster: Sequence[tuple[str, str]],
                    exclusions: Sequence[tuple[str, str]], team: dict[str, Any]) -> list[dict[str, Any]]:
    limit = team.get("max_per_inspector")
    barred = set(exclusions)
    load: Counter[str] = Counter()
    teams = []
    for o in objects:
        members: list[dict[str, str | None]] = []
        on_team: set[str] = set()
        for slot in team["departments"]:
            for _ in range(slot["size"]):
                candidates = [i for i, d in roster if d == slot["id"] and (o, i) not in barred
                              and i not in on_team and (limit is None or load[i] < limit)]
                if not candidates:
                    members.append({"department": slot["id"], "inspector_id": None})
                    continue
                chosen = min(candidates, key=lambda i: (inspector_ticket(SEED, TASK, o, i), i.encode()))
                on_team.add(chosen)
                load[chosen] += 1
                members.append({"department": slot["id"], "inspector_id": chosen})
        teams.append({"object_id": o, "members": members})
    return teams


def _selection(objects: Sequence[str]) -> list[Selected]:
    return [Selected(o, "general", "0" * 64) for o in objects]


@st.composite
def cases(draw_: st.DrawFn) -> tuple[list[str], list[tuple[str, str]], list[tuple[str, str]], dict[str, Any]]:
    objects = draw_(st.lists(st.from_regex(r"OBJ[0-9]{1,3}", fullmatch=True), min_size=1, max_size=25, unique=True))
    people = [f"ZF-{n:03d}" for n in range(draw_(st.integers(1, 12)))]
    # Mostly one department each; sometimes someone is listed in two (the walk must skip them).
    roster = sorted({(p, draw_(st.sampled_from(DEPARTMENTS))) for p in people
                     for _ in range(draw_(st.sampled_from((1, 1, 1, 2))))})
    exclusions = draw_(st.lists(st.tuples(st.sampled_from(objects), st.sampled_from(people)), max_size=30))
    departments = draw_(st.lists(st.sampled_from(DEPARTMENTS), min_size=1, max_size=3, unique=True))
    team: dict[str, Any] = {"departments": [{"id": d, "size": draw_(st.integers(1, 3))} for d in departments]}
    limit = draw_(st.none() | st.integers(1, 6))
    if limit is not None:
        team["max_per_inspector"] = limit
    return objects, roster, sorted(set(exclusions)), team


@settings(max_examples=300, deadline=None)
@given(cases())
def test_teams_equal_the_spec_wording(case: tuple[list[str], list[tuple[str, str]], list[tuple[str, str]],
                                                  dict[str, Any]]) -> None:
    objects, roster, exclusions, team = case
    expected = reference_teams(objects, roster, exclusions, team)
    # No slack: with a load limit, walks run past the kept positions and rank the roster whole.
    for slack in (0, 1, engine.LIMIT_SLACK):
        with patch.object(engine, "LIMIT_SLACK", slack):
            assert draw_teams(SEED, TASK, _selection(objects), roster, exclusions, team) == expected


@pytest.mark.parametrize("limit", [None, 2])
def test_teams_from_worker_processes_equal_the_spec_wording(limit: int | None,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "PARALLEL_ABOVE", 50)  # a pool for a few hundred hashes
    objects = [f"OBJ{n:03d}" for n in range(40)]
    roster = sorted((f"ZF-{d}-{n:02d}", d) for d in DEPARTMENTS for n in range(6))
    exclusions = sorted({(o, f"ZF-scjg-{n % 6:02d}") for n, o in enumerate(objects) if n % 3 == 0})
    team: dict[str, Any] = {"departments": [{"id": "scjg", "size": 2}, {"id": "xfjy", "size": 1}]}
    if limit is not None:
        team["max_per_inspector"] = limit
    assert draw_teams(SEED, TASK, _selection(objects), roster, exclusions, team) == \
        reference_teams(objects, roster, exclusions, team)


def test_equal_digests_are_ordered_by_id() -> None:
    """A SHA-256 tie never happens in practice, but the rule for it is the spec's: lower id first."""
    same, other = b"\x07" * 32, b"\x09" * 32
    assert engine._lowest(1, [other, same, same], ["C", "B", "A"]) == [2]
    assert engine._lowest(2, [same, other, same], ["B", "Z", "A"]) == [2, 0]
    assert engine._lowest(1, [other, same], ["A", "B"]) == [1]
