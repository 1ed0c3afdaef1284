"""Content-addressed downloads: each file of a release gets a key, the digest of everything that
produces it (its rows and fields, the date it carries, the draw files it holds, the code and the
libraries that write it, the private values it was checked against). A rebuild links a file from
the previous release when its key is unchanged and the file still matches that release's
SHA256SUMS, so one changed result rewrites only the files that hold it, byte for byte what a full
build writes (tests/unit/test_opendata_reuse.py compares them).

Only the files that name the release (datapackage.json, the complete archive that holds it, the
changelog, SHA256SUMS) have no key: they are written for every release.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl

from generator.incremental.digests import Digests
from generator.opendata.tables import Resource
from generator.publish.reuse import Digest

# In Reuse.extra: {"version": the release, "files": {file name: key}, "sums": sums_digest of its SHA256SUMS}
ENTRY = "opendata"


def salt(code: str, secrets: Sequence[str]) -> str:
    """What every key holds: the generator's code and libraries (`reuse.code_digest`), the
    compressors' versions (another zlib may compress differently) and the private values the
    files were scanned for (a reused file passed the same scan)."""
    return Digest(code, zlib.ZLIB_RUNTIME_VERSION, sqlite3.sqlite_version, list(secrets)).hexdigest()


def meta(resource: Resource) -> list[Any]:
    """A table's description: what datapackage.json, the workbooks and the database say of it."""
    return [resource.name, resource.title, resource.description, resource.fields, resource.primary_key,
            resource.foreign_keys]


def table_key(base: str, resource: Resource) -> str:
    return Digest(base, "table", meta(resource), resource.frame).hexdigest()


def rows_key(frames: dict[str, pl.DataFrame]) -> str:
    """The rows of a year's files (see `year_frames`), table by table."""
    digest = Digest("rows")
    for name in sorted(frames):
        digest.add(name, frames[name])
    return digest.hexdigest()


def draws_key(base: str, year: int, draw_files: Sequence[tuple[str, Path | bytes]],
              digests: Digests | None = None) -> str:
    """The draw files a year's archive holds, by their SHA-256 (kept beside the files' keys as
    `DRAWS`: a rebuild copies them compressed from the last archive while it is unchanged);
    `digests`: those remembered from the last build (generator.incremental.digests)."""
    digests = digests or Digests(None)
    digest = Digest(base, "draws", year)
    for name, content in draw_files:
        digest.add(name, content if isinstance(content, bytes) else digests.sha256(content))
    return digest.hexdigest()


DRAWS = "{}.draws"  # the key name of the draw files in a year's archive


def year_key(base: str, kind: str, year: int, day: dt.date, resources: list[Resource], rows: str,
             draws: str = "") -> str:
    """A per-year file: every table's description (the workbook's dictionary names them all), that
    year's rows (`rows_key`), the date it carries and the draw files it holds (`draws_key`)."""
    return Digest(base, kind, year, day.isoformat(), [meta(r) for r in resources], rows, draws).hexdigest()


def file_key(base: str, name: str, *inputs: str) -> str:
    return Digest(base, "file", name, *inputs).hexdigest()


def sums_digest(sums: dict[str, str]) -> str:
    """One digest of a release's SHA256SUMS (file name -> SHA-256)."""
    return Digest(sorted(sums.items())).hexdigest()


def previous_keys(extra: dict[str, Any]) -> tuple[str, dict[str, str], str]:
    """The release the last build wrote, its files' keys and the digest of its SHA256SUMS, from
    the saved Reuse extra."""
    entry = extra.get(ENTRY)
    if not isinstance(entry, dict) or not isinstance(entry.get("files"), dict):
        return "", {}, ""
    files = {str(k): str(v) for k, v in entry["files"].items() if "/" not in str(k) and not str(k).startswith(".")}
    return str(entry.get("version") or ""), files, str(entry.get("sums") or "")
