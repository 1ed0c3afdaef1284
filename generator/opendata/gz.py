"""Deterministic gzip: no file name and a zero time stamp in the header, so the same bytes in give
the same bytes out on any machine (`gzip -n` does the same)."""

from __future__ import annotations

import gzip
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

# zlib level 1, as the archives: about three times faster than gzip's default 6 (656 MB of city JSON:
# about 7 s of CPU instead of 20) for a few percent more bytes; zlib releases the GIL, so this runs
# beside the other writers' threads.
LEVEL = 1
CHUNK = 1 << 20


def write_gz(path: Path, chunks: Iterable[bytes], level: int = LEVEL) -> None:
    """Compress `chunks` into `path` (through a temporary file: never half-written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0,
                                                     compresslevel=level) as out:
        for chunk in chunks:
            out.write(chunk)
    os.replace(temporary, path)


def gzip_file(source: Path, path: Path, level: int = LEVEL) -> None:
    """`source` compressed into `path`; `source` is removed."""
    def chunks() -> Iterable[bytes]:
        with source.open("rb") as reader:
            while block := reader.read(CHUNK):
                yield block

    write_gz(path, chunks(), level)
    source.unlink()


def gunzip(path: Path, target: Path) -> None:
    with gzip.open(path, "rb") as reader, target.open("wb") as writer:
        shutil.copyfileobj(reader, writer, CHUNK)
