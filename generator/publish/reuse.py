"""Incremental rebuilds: an output file of the previous build is reused when the digest of
everything that produced it is what it was then.

MkDocs has no incremental build, and at city scale a whole render takes minutes, most of it
spent on outputs that one changed result does not touch (5,000 task pages, the lookup shards,
the results files). So every such output is given a *key*: a digest of its complete input
(a task page's inputs, task_keys.py; other outputs' rows; the template sources, the theme's
frame, the generator's own code, the library versions; see `Digest`). After a successful build the keys are saved in
`$XDG_CACHE_HOME/sunlight/` with each file's size, inode and modification time in the
published site. The next build into the same output hard-links (or copies) a file from the
published site instead of rendering it when its key is unchanged and the file on disk is
still the one the manifest describes; anything else is rendered as in a full build.

The result is byte-identical to a clean build (tests/unit/test_site_incremental.py compares
them file by file). The published site is never written to: reused files are linked into the
new build's temporary directory, which replaces the site only when the whole build passed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import polars as pl

from generator.incremental import cache_root

MANIFEST_VERSION = 1
CODE = Path(__file__).resolve().parents[1]  # generator/: the code that renders
LIBRARIES = ("mkdocs", "mkdocs-material", "jinja2", "markdown", "polars", "pymdown-extensions", "pagefind",
             "pagefind-bin", "pagefind-bin-extended")
def _plain(name: object) -> bool:
    return isinstance(name, str) and not name.startswith("/") and all(
        part not in ("", ".", "..") for part in name.split("/"))


class Digest:
    """SHA-256 over a sequence of tagged parts (a part's length is hashed with it, so that
    ("ab", "c") and ("a", "bc") differ)."""

    def __init__(self, *parts: Any) -> None:
        self._h = hashlib.sha256()
        self.add(*parts)

    def add(self, *parts: Any) -> Digest:
        update = self._h.update
        for part in parts:
            # Text first: most parts are (a rebuild hashes some 25,000), and the type checks below
            # cost more than hashing them.
            if type(part) is str:
                data = part.encode("utf-8")
                update(len(data).to_bytes(8, "little"))
                update(data)
                continue
            if isinstance(part, list | tuple):
                # Element by element: a frame inside a list must be hashed as a frame, not by its
                # repr, which polars abridges (a few rows and columns).
                self.add(f"{type(part).__name__}[{len(part)}]", *part)
                continue
            if isinstance(part, pl.Series):
                part = part.to_frame()
            if isinstance(part, pl.DataFrame):
                data = self.frame_bytes(part)
            elif isinstance(part, bytes):
                data = part
            elif isinstance(part, str):
                data = part.encode("utf-8")
            else:
                # repr, not json: several times faster on view models, and as faithful for the
                # values they hold (str, numbers, bool, None, dates, lists, dicts in build order).
                # A frame's repr is abridged: frames must come as parts or inside lists.
                data = repr(part).encode("utf-8")
            self._h.update(len(data).to_bytes(8, "little"))
            self._h.update(data)
        return self

    @staticmethod
    def frame_bytes(frame: pl.DataFrame) -> bytes:
        """The frame's schema and a 64-bit hash of every row, in order (stable within one
        polars version, which is part of every key)."""
        schema = json.dumps([[name, str(dtype)] for name, dtype in frame.schema.items()]).encode()
        return schema + frame.hash_rows(seed=0).to_numpy().tobytes()

    def hexdigest(self) -> str:
        return self._h.hexdigest()


def code_digest(*folders: Path) -> str:
    """The generator's code, the site's templates, content and configuration, and the versions of
    the libraries that render: any change to these makes every key new."""
    digest = Digest(MANIFEST_VERSION, sys.version)
    for name in LIBRARIES:
        try:
            digest.add(name, metadata.version(name))
        except metadata.PackageNotFoundError:
            digest.add(name, "")
    for folder in (CODE, *folders):
        paths = [folder] if folder.is_file() else sorted(p for p in folder.rglob("*") if p.is_file()
                                                         and "__pycache__" not in p.parts)
        for path in paths:
            digest.add(path.name if path == folder else path.relative_to(folder).as_posix(), path.read_bytes())
    return digest.hexdigest()


@dataclass
class Reuse:
    """The previous build's keys, and this build's."""

    previous: Path  # the published site
    manifest: Path  # where the keys are kept
    salt: str  # code_digest(): part of every key
    old: dict[str, list[Any]] = field(default_factory=dict)  # path -> [key, size, inode, mtime_ns]
    old_extra: dict[str, Any] = field(default_factory=dict)
    new: dict[str, str] = field(default_factory=dict)  # path -> key
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. the privacy scan's secrets digest
    reused: set[str] = field(default_factory=set)
    enabled: bool = True
    # Folders of the new site known to exist: a rebuild links 10,000 files into a few thousand
    # folders, and a mkdir call per file cost most of a second.
    _folders: set[str] = field(default_factory=set, repr=False)

    @classmethod
    def open(cls, output: Path, salt: str, enabled: bool = True) -> Reuse:
        name = hashlib.sha256(str(output.resolve()).encode("utf-8")).hexdigest()[:24]
        manifest = cache_root() / "site" / f"{name}.json"
        reuse = cls(output, manifest, salt, enabled=enabled)
        if enabled and output.is_dir() and manifest.is_file():
            try:
                saved = json.loads(manifest.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                saved = {}
            if isinstance(saved, dict) and saved.get("version") == MANIFEST_VERSION and saved.get("salt") == salt \
                    and saved.get("output") == str(output.resolve()):
                # Only plain relative names: a damaged or edited cache must not link files from
                # outside the published site.
                reuse.old = {name: entry for name, entry in dict(saved.get("files") or {}).items()
                             if _plain(name) and isinstance(entry, list) and len(entry) == 4}
                reuse.old_extra = dict(saved.get("extra") or {})
        return reuse

    def key(self, *parts: Any) -> str:
        return Digest(self.salt, *parts).hexdigest()

    def unchanged(self, relative: str, key: str) -> bool:
        """Whether `relative` can be taken from the published site for `key` (without taking it)."""
        entry = self.old.get(relative)
        if not self.enabled or entry is None or entry[0] != key:
            return False
        try:
            # os.path on text, not pathlib: called for each of the site's 10,000 files.
            st = os.stat(os.path.join(self.previous, relative))
        except OSError:
            return False
        return [st.st_size, st.st_ino, st.st_mtime_ns] == entry[1:]

    def take(self, relative: str, key: str, site: Path) -> bool:
        """Record `key` for `relative`; if the published site holds that output, link it into
        `site` and return True (the caller then does not render it)."""
        self.new[relative] = key
        if not self.unchanged(relative, key):
            return False
        # Paths as text (os.path): pathlib's parsing cost more than the links themselves.
        target = os.path.join(site, relative)
        folder = os.path.dirname(target)
        if folder not in self._folders:
            os.makedirs(folder, exist_ok=True)
            self._folders.add(folder)
        source = os.path.join(self.previous, relative)
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)
        self.reused.add(relative)
        return True

    def made(self, relative: str, key: str) -> None:
        """Record the key of an output rendered by this build."""
        self.new[relative] = key

    def take_all(self, relatives: Iterable[str], key: str, site: Path) -> bool:
        """A group of outputs made together (e.g. the search index): all reused or none."""
        names = sorted(relatives)
        if not names or not all(self.unchanged(r, key) for r in names):
            return False
        for name in names:
            self.take(name, key, site)
        return True

    def save(self) -> None:
        """After publication: keep this build's keys with each file's identity in the site (also
        after a full build, which reads no keys but leaves them for the next one)."""
        files: dict[str, list[Any]] = {}
        for relative, key in sorted(self.new.items()):
            try:
                st = os.stat(os.path.join(self.previous, relative))
            except OSError:
                continue
            files[relative] = [key, st.st_size, st.st_ino, st.st_mtime_ns]
        self.manifest.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.manifest.with_suffix(".tmp")
        temporary.write_text(json.dumps({"version": MANIFEST_VERSION, "salt": self.salt,
                                         "output": str(self.previous.resolve()), "extra": self.extra,
                                         "files": files}, ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, self.manifest)
