"""Shared test helpers: where the shared draw vectors and the fixtures live."""

from __future__ import annotations

import json
import shutil
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
    """Each test gets an empty user cache (ledger summaries), never the developer's own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
