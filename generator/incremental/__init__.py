"""Incremental validation: what an earlier run worked out from the same inputs is not worked out again.

At city scale `sunlight validate` reads 600 MB and runs for about ten seconds, most of it on files
a change did not touch: a clerk's pull request changes one results file or adds one draw. So:

- each part of the data directory (a table, the plans, the results, the draws) is fingerprinted
  by its files' contents (`digests.py`);
- a loader's output (a table's typed frame with its findings, a run of about 128 results files, a plan file's
  tasks) is kept under a key made of the code's fingerprint and its part's (`store.py`);
- each rule declares the dataset fields it reads (`READS` in its module); its findings are kept
  under the fingerprints of those fields' parts, the day it judges by and the code's fingerprint
  (`generator.rules`), and tests check every rule reads only what it declares.

Keys are digests of contents, never of names or times, so a stale entry cannot be found: an
edited file, another branch or a new version of Sunlight makes new keys. The cache lives in the
user's cache folder (`$SUNLIGHT_CACHE_DIR`, else `$XDG_CACHE_HOME/sunlight`, else
`~/.cache/sunlight`); deleting it, or `--no-cache`, only costs time.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import polars as pl

from generator.findings import Finding
from generator.incremental.digests import Digests, fingerprints
from generator.incremental.store import Store
from generator.layout import Layout

VERSION = 1
CACHE_ENV = "SUNLIGHT_CACHE_DIR"  # overrides $XDG_CACHE_HOME/sunlight (tests, CI)
CODE = Path(__file__).resolve().parents[1]  # generator/: the code that validates
LIBRARIES = ("polars", "pyyaml", "python-stdnum", "chinesecalendar", "frictionless", "orjson", "rfc8785",
             "py_ecc")


def cache_root() -> Path:
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sunlight"


def code_fingerprint() -> str:
    """Python, the libraries that read and judge the data, and every file of the generator."""
    h = hashlib.sha256(f"{VERSION}\0{sys.version}\0".encode())
    for name in LIBRARIES:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = ""
        h.update(f"{name}\0{version}\0".encode())
    for path in sorted(p for p in CODE.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        data = path.read_bytes()
        h.update(f"{path.relative_to(CODE).as_posix()}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()


@dataclass
class ValidationCache:
    """The cache for one data directory in one run."""

    store: Store
    digests: Digests
    salt: str  # the code, and where the data directory is and how it is shown
    parts: dict[str, str] = field(default_factory=dict)  # part -> fingerprint (`digests.fingerprints`)
    # What was loaded before the fingerprints were known (`settle`): (part, frame or None, value).
    pending: list[tuple[str, pl.DataFrame | None, Any]] = field(default_factory=list)

    @classmethod
    def open(cls, layout: Layout, *, reading: bool = True) -> ValidationCache:
        """The cache in the user's cache folder; with `reading` False nothing is taken from it,
        but this run's work is kept (a full build)."""
        folder = cache_root() / "validate"
        # Findings name files as they are shown from the working folder, and a file linked from
        # outside the data by where the link leads from there: both go into every key.
        where = f"{layout.display(layout.root)}\0{os.path.abspath(layout.root)}"
        salt = hashlib.sha256(f"{code_fingerprint()}\0{where}".encode()).hexdigest()
        return cls(Store(folder, reading=reading), Digests.open(folder / "digests.json"), salt)

    def warm(self, layout: Layout) -> bool:
        """Whether to fingerprint before loading: when the files' digests are remembered (then it
        costs a stat per file; judged by the largest file, the object directory), or when some
        earlier run kept a directory table (a fresh clone with a restored cache, as in CI: then
        hashing every file first lets the loaders take what was kept for the same contents)."""
        return self.digests.remembers(os.path.abspath(layout.objects)) or self.store.holds("objects")

    def fingerprint(self, layout: Layout) -> None:
        self.parts = fingerprints(layout, self.digests)

    def settle(self, parts: dict[str, str]) -> None:
        """Fingerprints computed elsewhere (beside the loading, when no digest was remembered):
        what was loaded meanwhile is kept under them now."""
        self.parts = parts
        for part, frame, value in self.pending:
            key = self.key(part, [part])
            if key is None:
                continue
            if frame is not None:
                self.store.put_frame(part, key, frame)
            self.store.put(part, key, value)
        self.pending.clear()

    def key(self, slot: str, parts: Sequence[str], *values: Any) -> str | None:
        """The key of `slot`'s entry for the named parts' fingerprints and `values` (by repr);
        None if a part has no fingerprint (then nothing is kept)."""
        if any(part not in self.parts for part in parts):
            return None
        h = hashlib.sha256(f"{self.salt}\0{slot}".encode())
        for text in [*(self.parts[part] for part in parts), *map(repr, values)]:
            h.update(f"\0{len(text)}\0{text}".encode())
        return h.hexdigest()

    def frame(self, part: str, compute: Callable[[], tuple[pl.DataFrame, list[Finding]]]
              ) -> tuple[pl.DataFrame, list[Finding]]:
        """A loader's frame and findings for `part`: kept, or computed and kept."""
        key = self.key(part, [part])
        if key is not None:
            frame, findings = self.store.get_frame(part, key), self.store.get(part, key)
            if frame is not None and isinstance(findings, list):
                return frame, findings
        frame, findings = compute()
        if key is not None:
            self.store.put_frame(part, key, frame)
            self.store.put(part, key, findings)
        elif not self.parts:
            self.pending.append((part, frame, findings))
        return frame, findings

    def known_value(self, part: str) -> Any | None:
        """What `keep_value` kept for `part`'s files, or None."""
        key = self.key(part, [part])
        found = self.store.get(part, key) if key is not None else None
        return found[0] if isinstance(found, tuple) and len(found) == 1 else None

    def keep_value(self, part: str, value: Any) -> None:
        key = self.key(part, [part])
        if key is not None:
            self.store.put(part, key, (value,))
        elif not self.parts:
            self.pending.append((part, None, (value,)))

    def close(self) -> None:
        self.digests.save()
        self.store.prune()
