"""The parallel ticketing path (frames above `PARALLEL_ABOVE`) selects what the spec says."""

from __future__ import annotations

import hashlib

from generator.draw.canonical import enc
from generator.draw.engine import PARALLEL_ABOVE, select_objects, stratum_size


def test_large_frame_selection_equals_sorting_every_ticket() -> None:
    size = PARALLEL_ABOVE + 1_234
    frame = [(f"OBJ{n:07d}", ("high", "watch", "general")[n % 7 % 3]) for n in range(size)]
    strata = [{"id": "high", "ratio_bp": 2000}, {"id": "watch", "count": 50}, {"id": "general", "ratio_bp": 100}]
    excluded = {f"OBJ{n:07d}" for n in range(0, size, 11)}
    seed, task = "ab" * 32, "ZB-2026-001"
    expected = []
    for stratum in strata:
        tickets = sorted((hashlib.sha256(enc("sunlight/object/v1", seed, task, o)).hexdigest(), o)
                         for o, s in frame if s == stratum["id"] and o not in excluded)
        expected += [(t, o, stratum["id"]) for t, o in tickets[:stratum_size(len(tickets), stratum)]]
    selected = select_objects(seed, task, frame, strata, excluded)
    assert [(s.ticket, s.object_id, s.stratum) for s in selected] == sorted(expected)
