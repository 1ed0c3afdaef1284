"""Properties of the draw that hold for every input (hypothesis)."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.draw.engine import draw, select_objects, stratum_size, ticket

IDS = st.from_regex(r"[0-9A-Z][0-9A-Za-z._-]{0,12}", fullmatch=True)
STRATA = ("high", "watch", "general")


@st.composite
def frames(draw_: st.DrawFn) -> list[tuple[str, str]]:
    ids = draw_(st.lists(IDS, min_size=1, max_size=60, unique=True))
    return [(i, draw_(st.sampled_from(STRATA))) for i in ids]


@st.composite
def strata(draw_: st.DrawFn) -> list[dict[str, Any]]:
    out = []
    for name in STRATA:
        if draw_(st.booleans()):
            out.append({"id": name, "ratio_bp": draw_(st.integers(1, 10000))})
        else:
            out.append({"id": name, "count": draw_(st.integers(1, 30))})
    return out


def _manifest(strata_: list[dict[str, Any]], team: dict[str, Any] | None = None) -> dict[str, Any]:
    manifest: dict[str, Any] = {"spec": "sunlight-draw/1", "task_id": "ZB-2026-001", "year": 2026,
                                "cap_per_year": 2, "strata": strata_, "previous": "0" * 64}
    if team:
        manifest["team"] = team
    return manifest


@settings(max_examples=60, deadline=None)
@given(frames(), strata(), st.randoms(use_true_random=False))
def test_input_order_does_not_change_the_result(frame: list[tuple[str, str]],
                                                strata_: list[dict[str, Any]], rnd: random.Random) -> None:
    shuffled = list(frame)
    rnd.shuffle(shuffled)
    manifest = _manifest(strata_)
    assert draw(manifest, "123456", frame, []).as_json() == draw(manifest, "123456", shuffled, []).as_json()


@settings(max_examples=60, deadline=None)
@given(frames(), strata())
def test_each_stratum_selects_exactly_its_count(frame: list[tuple[str, str]],
                                                strata_: list[dict[str, Any]]) -> None:
    chosen = select_objects("seed", "ZB-2026-001", frame, strata_, set())
    per_stratum = Counter(s.stratum for s in chosen)
    sizes = Counter(stratum for _, stratum in frame)
    for spec in strata_:
        assert per_stratum[spec["id"]] == stratum_size(sizes[spec["id"]], spec)


@settings(max_examples=60, deadline=None)
@given(frames(), st.lists(IDS, max_size=80))
def test_cap_is_never_exceeded(frame: list[tuple[str, str]], extra_prior: list[str]) -> None:
    ids = [o for o, _ in frame]
    prior = ids[: len(ids) // 2] * 2 + ids[: len(ids) // 3] + extra_prior
    outcome = draw(_manifest([{"id": s, "ratio_bp": 10000} for s in STRATA]), "42", frame, prior)
    counts = Counter(prior)
    assert all(counts[s.object_id] + 1 <= 2 for s in outcome.selected)
    assert outcome.excluded_by_cap == sorted({o for o in ids if counts[o] >= 2}, key=str.encode)


@settings(max_examples=60, deadline=None)
@given(frames(), IDS)
def test_one_object_more_or_less_changes_no_other_ticket(frame: list[tuple[str, str]], extra: str) -> None:
    tickets = {o: ticket("seed", "ZB-2026-001", o) for o, _ in frame}
    grown = [*frame, (extra, "general")] if extra not in tickets else frame[1:]
    strata_ = [{"id": s, "ratio_bp": 10000} for s in STRATA]
    outcome = select_objects("seed", "ZB-2026-001", grown, strata_, set())
    for chosen in outcome:
        if chosen.object_id in tickets:
            assert chosen.ticket == tickets[chosen.object_id]


@settings(max_examples=40, deadline=None)
@given(frames(), st.integers(1, 4), st.integers(1, 3), st.data())
def test_teams_have_no_excluded_pair_and_no_duplicate(frame: list[tuple[str, str]], per_department: int,
                                                      size: int, data: st.DataObject) -> None:
    roster = [(f"ZF-{d.upper()}-{i:04d}", d) for d in ("scjg", "xfjy") for i in range(per_department * 2)]
    object_ids = [o for o, _ in frame]
    exclusions = data.draw(st.lists(st.tuples(st.sampled_from(object_ids),
                                              st.sampled_from([r[0] for r in roster])), max_size=20))
    team = {"departments": [{"id": "scjg", "size": size}, {"id": "xfjy", "size": 1}],
            "max_per_inspector": data.draw(st.integers(1, 5))}
    outcome = draw(_manifest([{"id": s, "ratio_bp": 10000} for s in STRATA], team), "7", frame, [], roster,
                   exclusions)
    barred = set(exclusions)
    load: Counter[str] = Counter()
    for entry in outcome.teams:
        members = [m["inspector_id"] for m in entry["members"] if m["inspector_id"]]
        assert len(members) == len(set(members))
        assert not any((entry["object_id"], m) in barred for m in members)
        assert len(entry["members"]) == size + 1
        load.update(members)
    assert all(n <= team["max_per_inspector"] for n in load.values())
