"""The normative vectors of sunlight-draw/1 reproduce byte for byte."""

from __future__ import annotations

from typing import Any

import pytest

from generator.draw.canonical import exclusions_text, frame_text, json_sha256, roster_text, sha256_hex
from generator.draw.engine import draw
from tests.conftest import draw_vectors

VECTORS = draw_vectors()


def _pairs(rows: list[list[str]]) -> list[tuple[str, str]]:
    return [(a, b) for a, b in rows]


@pytest.mark.parametrize("vector", VECTORS, ids=[v["manifest"]["task_id"] for v in VECTORS])
def test_vector_outcome_is_identical(vector: dict[str, Any]) -> None:
    outcome = draw(vector["manifest"], vector["beacon_value"], _pairs(vector["frame"]), vector["prior"],
                   _pairs(vector["inspectors"]), _pairs(vector["exclusions"]))
    assert outcome.as_json() == vector["expected"]


@pytest.mark.parametrize("vector", VECTORS, ids=[v["manifest"]["task_id"] for v in VECTORS])
def test_vector_canonical_files_hash_to_the_manifest(vector: dict[str, Any]) -> None:
    manifest = vector["manifest"]
    assert json_sha256(manifest) == vector["expected"]["manifest_sha256"]
    frame = frame_text(_pairs(vector["frame"])).encode()
    assert sha256_hex(frame) == manifest["frame"]["sha256"]
    if "inspectors" in manifest:
        assert sha256_hex(roster_text(_pairs(vector["inspectors"])).encode()) == manifest["inspectors"]["sha256"]
        assert sha256_hex(exclusions_text(_pairs(vector["exclusions"])).encode()) == manifest["exclusions"]["sha256"]
