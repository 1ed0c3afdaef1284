"""Draw files' digests remembered between builds (generator.incremental.digests, which the open
data's keys use): a file is hashed again whenever it may have changed, even when its size and
modification time are kept."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest

from generator.incremental import digests as file_digests
from generator.incremental.digests import Digests


def _written_a_while_ago(*paths: Path) -> None:
    """A file written in the last two seconds is hashed on every run (digests.RACY_SECONDS)."""
    for path in paths:
        an_hour_ago = path.stat().st_mtime_ns - 3600 * 10**9
        os.utime(path, ns=(an_hour_ago, an_hour_ago))


@pytest.fixture
def hashed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files read to be hashed from now on."""
    names: list[str] = []
    original = hashlib.file_digest

    def counting(handle: Any, digest: str) -> Any:
        names.append(Path(handle.name).name)
        return original(handle, digest)

    monkeypatch.setattr(file_digests.hashlib, "file_digest", counting)
    return names


def test_an_unchanged_file_is_not_read_again_an_edited_one_is(tmp_path: Path, hashed: list[str]) -> None:
    kept, edited = tmp_path / "record.json", tmp_path / "frame.csv"
    kept.write_text("{}", encoding="utf-8")
    edited.write_text("a,b\n", encoding="utf-8")
    _written_a_while_ago(kept, edited)
    memo = tmp_path / "cache" / "digests.json"
    first = Digests.open(memo)
    assert first.sha256(edited) == hashlib.sha256(b"a,b\n").hexdigest()
    first.sha256(kept)
    first.save()
    stat = edited.stat()
    edited.write_text("a,c\n", encoding="utf-8")  # same size, and its modification time put back
    os.utime(edited, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    del hashed[:]
    again = Digests.open(memo)
    assert again.sha256(kept) == hashlib.sha256(b"{}").hexdigest()
    assert again.sha256(edited) == hashlib.sha256(b"a,c\n").hexdigest()
    assert hashed == ["frame.csv"]


def test_a_build_from_scratch_hashes_every_file(tmp_path: Path, hashed: list[str]) -> None:
    draw = tmp_path / "record.json"
    draw.write_text("{}", encoding="utf-8")
    _written_a_while_ago(draw)
    memo = tmp_path / "digests.json"
    first = Digests.open(memo)
    first.sha256(draw)
    first.save()
    Digests.open(memo, trusted=False).sha256(draw)
    assert hashed == ["record.json", "record.json"]
