"""Draw files' digests remembered between builds (generator/opendata/file_digests.py): a file is
hashed again whenever it may have changed, even when its size and modification time are kept."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest

from generator.opendata import file_digests
from generator.opendata.file_digests import FileDigests


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
    memo = tmp_path / "cache" / "digests.json"
    first = FileDigests(memo)
    assert first.sha256(edited) == hashlib.sha256(b"a,b\n").hexdigest()
    first.sha256(kept)
    first.save()
    stat = edited.stat()
    edited.write_text("a,c\n", encoding="utf-8")  # same size, and its modification time put back
    os.utime(edited, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    del hashed[:]
    again = FileDigests(memo)
    assert again.sha256(kept) == hashlib.sha256(b"{}").hexdigest()
    assert again.sha256(edited) == hashlib.sha256(b"a,c\n").hexdigest()
    assert hashed == ["frame.csv"]


def test_a_build_from_scratch_hashes_every_file(tmp_path: Path, hashed: list[str]) -> None:
    draw = tmp_path / "record.json"
    draw.write_text("{}", encoding="utf-8")
    memo = tmp_path / "digests.json"
    first = FileDigests(memo)
    first.sha256(draw)
    first.save()
    FileDigests(memo, trusted=False).sha256(draw)
    assert hashed == ["record.json", "record.json"]
