"""What each part of a data directory holds, as a digest of its files' contents.

A part is what one loader reads: one table, one YAML record, or a folder (plans, results, draws,
every file in it at any depth the loaders look). Its fingerprint is the SHA-256 of the sorted list
of (relative path, what the path is, the file's SHA-256), so it changes exactly when the files
change, however they were changed (an edit, a branch switch, a fresh clone).

Hashing a city's 600 MB on every run would cost a second, so each file's digest is remembered
with its stat signature (size, modification and change times in nanoseconds, inode, device), as
git's index does; a file whose signature differs is hashed again. The change time is set by the
system on every write and every change of the other times, so no tool can set it back. A file
modified in the last two seconds is never remembered: another write in the same clock tick could
keep its signature (git's "racily clean" entries).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from generator.layout import Layout

# A part's files: (name, the path the loader reads, how deep it looks below a folder).
FILES = ("departments", "checklist", "objects", "inspectors", "recusals", "replacements", "corrections",
         "scenarios", "snapshot", "holidays")
FOLDERS = {"plans": ("plans_dir", 1), "results": ("results_dir", 2), "draws": ("draws_dir", 3)}
RACY_SECONDS = 2.0
SIGNATURE = 5  # size, modification and change times, inode, device
LIMIT = 200_000  # digests remembered: a city's data directory has 35,000 files


def _signature(st: os.stat_result) -> list[int]:
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]


def _sha256(path: str) -> str:
    with open(path, "rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


@dataclass
class Digests:
    """File digests remembered by stat signature, kept in `memo` between runs."""

    memo: Path | None
    known: dict[str, list[object]] = field(default_factory=dict)  # path -> [*signature, digest]
    changed: bool = False

    @classmethod
    def open(cls, memo: Path | None, *, trusted: bool = True) -> Digests:
        """The digests remembered in `memo` (None: none, and none kept); `trusted` False: none
        is taken from it (a build from scratch hashes every file), but this run's are kept."""
        digests = cls(memo)
        if memo is not None and trusted:
            try:
                saved = json.loads(memo.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                saved = {}
            if isinstance(saved, dict):
                digests.known = {k: v for k, v in saved.items() if isinstance(v, list) and len(v) == SIGNATURE + 1}
        return digests

    def describe(self, path: str) -> str:
        """What `path` (absolute) is: a file's digest, or what stands there instead (nothing, a folder, a
        link and where it points); links are followed as the loaders follow them."""
        try:
            st = os.lstat(path)
        except OSError:
            return "absent"
        prefix = ""
        if stat.S_ISLNK(st.st_mode):
            try:
                prefix, st = f"link:{os.readlink(path)}:", os.stat(path)
            except OSError:
                return f"{prefix or 'link'}:dangling"
        if stat.S_ISDIR(st.st_mode):
            return prefix + "folder"
        if not stat.S_ISREG(st.st_mode):
            return prefix + "special"
        signature = _signature(st)
        entry = self.known.pop(path, None)
        if entry is not None and entry[:SIGNATURE] == signature:
            self.known[path] = entry  # moved to the end: the most recently seen are kept (save)
            return prefix + str(entry[SIGNATURE])
        try:
            digest = _sha256(path)
        except OSError:
            return prefix + "unreadable"
        if time.time_ns() - st.st_mtime_ns > RACY_SECONDS * 1e9:
            self.known[path] = [*signature, digest]
            self.changed = True
        return prefix + digest

    def sha256(self, path: str | os.PathLike[str]) -> str:
        """The SHA-256 of the file at `path` (any path: made absolute here), or what
        `describe` says stands there instead."""
        return self.describe(os.path.abspath(path))

    def remembers(self, path: str) -> bool:
        """Whether `path`'s digest is remembered for the file as it is now."""
        entry = self.known.get(path)
        try:
            return entry is not None and entry[:SIGNATURE] == _signature(os.stat(path))
        except OSError:
            return False

    def save(self) -> None:
        if self.memo is None or not self.changed:
            return
        self.known = dict(list(self.known.items())[-LIMIT:])  # files of other checkouts, seen longest ago, go
        try:
            self.memo.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.memo.with_name(f".{self.memo.name}.{os.getpid()}.tmp")
            temporary.write_text(json.dumps(self.known, separators=(",", ":")), encoding="utf-8")
            os.replace(temporary, self.memo)
        except OSError:
            pass  # a cache that cannot be written costs time, never correctness


def _walk(folder: str, prefix: str, depth: int) -> Iterator[tuple[str, str]]:
    """(name relative to the part's folder, path) of everything below `folder` down to `depth`
    levels, folders followed when linked (as the loaders' globs follow them); sorted, so the
    fingerprint does not depend on the file system. Strings, not pathlib: a city has 35,000."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        name = prefix + entry.name
        yield name, entry.path
        if depth > 1 and entry.is_dir():
            yield from _walk(entry.path, name + "/", depth - 1)


def fingerprints(layout: Layout, digests: Digests) -> dict[str, str]:
    """Part name -> the digest of everything the part's loader can read."""
    root = os.path.abspath(layout.root)
    parts: dict[str, str] = {}
    for name in FILES:
        relative = os.path.relpath(getattr(layout, name), layout.root)
        parts[name] = hashlib.sha256(f"{relative}\0{digests.describe(os.path.join(root, relative))}\0".encode()
                                     ).hexdigest()
    for name, (attribute, depth) in FOLDERS.items():
        relative = os.path.relpath(getattr(layout, attribute), layout.root)
        folder = os.path.join(root, relative)
        whole = hashlib.sha256(f"{relative}\0{digests.describe(folder)}\0".encode())
        # Each entry of the folder (a plan file, a year of results) also gets its own
        # fingerprint, "<part>/<name>", for the loaders that keep it separately.
        for entry, path in _walk(folder, "", 1):
            h = hashlib.sha256(f"{entry}\0{digests.describe(path)}\0".encode())
            described = [(inside, digests.describe(below)) for inside, below in _walk(path, "", depth - 1)
                         ] if depth > 1 else []
            for inside, description in described:
                h.update(f"{inside}\0{description}\0".encode())
            parts[f"{name}/{entry}"] = h.hexdigest()
            whole.update(f"{entry}\0{parts[f'{name}/{entry}']}\0".encode())
            if name == "results":
                parts.update(_chunk_parts(f"{name}/{entry}", described))
        parts[name] = whole.hexdigest()
    return parts


# A year of results is kept in runs of about this many files, so that a changed file makes
# about this many be checked again, not the year's thousand.
CHUNK_EVERY = 128


def chunks(names: list[str]) -> list[list[str]]:
    """Sorted file names cut into consecutive runs, after each name whose CRC-32 is divisible by
    CHUNK_EVERY: a file added or removed changes only its own run (content-defined chunking, as
    rsync and backup tools cut files), where runs of fixed length would all shift."""
    runs: list[list[str]] = [[]]
    for name in names:
        runs[-1].append(name)
        if zlib.crc32(name.encode()) % CHUNK_EVERY == 0:
            runs.append([])
    return [run for run in runs if run]


def _chunk_parts(prefix: str, described: list[tuple[str, str]]) -> dict[str, str]:
    """"<prefix>/<first name>" -> the fingerprint of each run (`chunks`) of the `*.csv` files
    directly in the folder, the files the results loader reads."""
    files = dict(item for item in described if "/" not in item[0] and item[0].endswith(".csv"))
    parts = {}
    for run in chunks(sorted(files)):
        h = hashlib.sha256()
        for name in run:
            h.update(f"{name}\0{files[name]}\0".encode())
        parts[f"{prefix}/{run[0]}"] = h.hexdigest()
    return parts
