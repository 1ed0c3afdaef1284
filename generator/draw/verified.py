"""Which locked draws `validate` has already recomputed in full, so it need not again.

A locked draw never changes, yet recomputing every draw of a city (millions of tickets)
takes minutes. `validate` therefore remembers a key for each draw that recomputed without
a difference: the SHA-256 of every file in its folder, chained with the key of the draw
before it in the ledger, so a draw counts as verified only while it *and every earlier
record* (whose selections decide the yearly cap) are byte for byte what was verified.
Anything else is recomputed. `sunlight verify` never uses this: it recomputes everything.

The keys live in the user's cache directory ($XDG_CACHE_HOME/sunlight, else
~/.cache/sunlight), never beside the data; a missing or unwritable cache only costs time.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

# Change this whenever verification could judge the same files differently.
ENGINE = "sunlight-draw/1 verify 1"
LIMIT = 200_000  # keys kept; a city has a few thousand draws a year


def cache_file() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sunlight" / "verified-draws.json"


def draw_key(previous_key: str, directory: Path) -> str:
    """Key of a draw folder's exact bytes, following the key of the draw before it."""
    digest = hashlib.sha256(f"{ENGINE}\n{previous_key}\n".encode())
    for path in sorted(directory.iterdir()):
        if path.is_file():
            digest.update(f"{path.name}\n{hashlib.sha256(path.read_bytes()).hexdigest()}\n".encode())
    return digest.hexdigest()


class VerifiedDraws:
    """The set of keys of draws that verified, read once and written back once."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or cache_file()
        self.keys: dict[str, None] = {}  # insertion-ordered, so the oldest are dropped first
        try:
            stored = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(stored, dict) and stored.get("engine") == ENGINE:
                self.keys = dict.fromkeys(str(k) for k in stored.get("keys", []))
        except (OSError, ValueError):
            pass
        self.changed = False

    def __contains__(self, key: str) -> bool:
        return key in self.keys

    def add(self, key: str) -> None:
        if key not in self.keys:
            self.keys[key] = None
            self.changed = True

    def save(self) -> None:
        if not self.changed:
            return
        keys = list(self.keys)[-LIMIT:]
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            temporary.write_text(json.dumps({"engine": ENGINE, "keys": keys}), encoding="utf-8")
            os.replace(temporary, self.path)
        except OSError:
            pass
