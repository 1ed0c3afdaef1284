"""Shared test helpers: where the shared draw vectors and the fixtures live."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
MINIMAL = REPO / "tests" / "fixtures" / "minimal"
SAMPLE = REPO / "data"


def draw_vectors() -> list[dict[str, Any]]:
    vectors: list[dict[str, Any]] = json.loads((SHARED / "draw-vectors.json").read_text(encoding="utf-8"))
    return vectors


@pytest.fixture
def minimal_copy(tmp_path: Path) -> Path:
    """A writable copy of the small valid data set."""
    target = tmp_path / "data"
    shutil.copytree(MINIMAL, target)
    return target


@pytest.fixture(autouse=True)
def _own_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test gets an empty user cache (ledger summaries, validation, site builds), never the
    developer's own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.delenv("SUNLIGHT_CACHE_DIR", raising=False)


_RECURSION_LIMIT = sys.getrecursionlimit()  # before any test module imports py_ecc


@pytest.fixture(autouse=True, scope="session")
def _default_recursion_limit() -> None:
    """py_ecc raises the recursion limit to 100,000 when imported, and test_drand imports it
    while the tests are collected; generator.draw.bls puts it back, and so does this, so that
    every test runs with the limit the commands run with (deep-JSON tests depend on it)."""
    sys.setrecursionlimit(_RECURSION_LIMIT)
