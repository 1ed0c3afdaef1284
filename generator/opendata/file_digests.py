"""The SHA-256 of the draw files, remembered between builds: the per-year archives' keys hash each
of them (keys.draws_key), and at city scale reading 30,000 files took seconds of every rebuild.

A digest is taken again unless the file's size, modification time, change time and inode (and
device) are what they were. The change time is set by the system on every write and on every
change of the other times, and no tool can set it back, so a file edited in place, even with
its modification time restored, is hashed again.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any


def _stamp(stat: os.stat_result) -> list[int]:
    return [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, stat.st_dev]


class FileDigests:
    """Digests by file path, kept in the JSON file `path` (None: nothing kept); `trusted`: False
    for a build from scratch, which hashes every file (and keeps the digests for the next)."""

    def __init__(self, path: Path | None = None, trusted: bool = True) -> None:
        self.path = path
        self.known: dict[str, list[Any]] = {}
        if path is not None and trusted:
            try:
                saved = json.loads(path.read_text(encoding="utf-8"))
                self.known = {str(k): v for k, v in saved.items() if isinstance(v, list) and len(v) == 6}
            except (OSError, ValueError, AttributeError):
                self.known = {}
        self.now: dict[str, list[Any]] = {}

    def sha256(self, file: Path) -> str:
        name = os.path.abspath(file)  # not resolve(): that looks up every folder of 30,000 paths
        entry = self.known.get(name)
        if entry is None or entry[:5] != _stamp(os.stat(name)):
            # The stamp of the file that is read (fstat: no second look-up of the path when
            # nothing is known, as in a build from scratch).
            with open(name, "rb") as handle:
                entry = [*_stamp(os.fstat(handle.fileno())), hashlib.file_digest(handle, "sha256").hexdigest()]
        self.now[name] = entry
        return str(entry[5])

    def save(self) -> None:
        """The digests taken in this build (files no longer used are dropped)."""
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(self.path.name + ".tmp")
        temporary.write_text(json.dumps(self.now), encoding="utf-8")
        os.replace(temporary, self.path)
