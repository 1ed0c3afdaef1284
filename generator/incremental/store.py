"""The validation cache's files: one folder per slot (a table, a run of results files, a plan file, a
rule), one file per key in it, the few most recently used kept.

Values are written to a temporary file and moved into place, so a reader sees a whole entry or
none; an entry that cannot be read is a miss. Frames are kept as Arrow IPC files, everything else
(findings, parsed plans) pickled: the cache lives in the user's own cache folder, as Python's
bytecode caches do, and holds only what this program wrote there.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import re
from pathlib import Path
from typing import Any

import polars as pl

KEEP = 3  # entries per slot: the current data and a branch or two switched from


def _slot_folder(slot: str) -> str:
    plain = re.sub(r"[^A-Za-z0-9_.-]", "_", slot)[:60]
    return f"{plain}-{hashlib.sha256(slot.encode()).hexdigest()[:12]}"


class Store:
    def __init__(self, folder: Path, *, reading: bool = True) -> None:
        self.folder = folder
        self.reading = reading  # False: everything is worked out afresh, and kept for next time
        self.touched: set[Path] = set()

    def _path(self, slot: str, key: str, suffix: str) -> Path:
        return self.folder / _slot_folder(slot) / f"{key}{suffix}"

    def _hit(self, path: Path) -> None:
        self.touched.add(path.parent)
        with contextlib.suppress(OSError):
            os.utime(path)  # most recently used: kept by `prune`

    def holds(self, slot: str) -> bool:
        """Whether any entry of `slot` is kept (and would be read)."""
        folder = self.folder / _slot_folder(slot)
        try:
            return self.reading and any(not path.name.startswith(".") for path in folder.iterdir())
        except OSError:
            return False

    def get(self, slot: str, key: str) -> Any | None:
        path = self._path(slot, key, ".pickle")
        if not self.reading:
            return None
        try:
            with open(path, "rb") as stream:
                value = pickle.load(stream)
        except Exception:  # absent, cut short, or written by other code: a miss, never a crash
            return None
        self._hit(path)
        return value

    def get_frame(self, slot: str, key: str) -> pl.DataFrame | None:
        path = self._path(slot, key, ".arrow")
        if not self.reading:
            return None
        try:
            frame = pl.read_ipc(path)
        except (OSError, pl.exceptions.PolarsError):
            return None
        self._hit(path)
        return frame

    def put(self, slot: str, key: str, value: Any) -> None:
        self._write(self._path(slot, key, ".pickle"),
                    lambda target: target.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)))

    def put_frame(self, slot: str, key: str, frame: pl.DataFrame) -> None:
        self._write(self._path(slot, key, ".arrow"), frame.write_ipc)

    def _write(self, path: Path, write: Any) -> None:
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write(temporary)
            os.replace(temporary, path)
        except (OSError, pl.exceptions.PolarsError, pickle.PicklingError):
            with contextlib.suppress(OSError):  # a cache that cannot be written costs time, never correctness
                temporary.unlink()
            return
        self.touched.add(path.parent)

    def prune(self) -> None:
        """Keep the KEEP most recently used entries of each slot used in this run."""
        for folder in self.touched:
            used: dict[str, int] = {}  # key -> its files' latest use
            files: dict[str, list[Path]] = {}
            try:
                for path in folder.iterdir():
                    if path.name.startswith("."):
                        continue  # another run's file being written
                    key = path.name.split(".")[0]
                    used[key] = max(used.get(key, 0), path.stat().st_mtime_ns)
                    files.setdefault(key, []).append(path)
            except OSError:
                continue
            for stale in sorted(used, key=used.__getitem__, reverse=True)[KEEP:]:
                for path in files[stale]:
                    path.unlink(missing_ok=True)
