"""Per-year archives (that year's rows of every table, reference tables whole, and the year's draw
files) and one complete archive (every table, datapackage.json and every draw file): unzip the
complete one and `sunlight verify --all --data <folder>` re-runs every draw."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

from generator.model import Draw
from generator.opendata.stamp import add_bytes, add_file
from generator.publish.draws import PUBLISHED


def write_archive(path: Path, members: list[tuple[str, Path | bytes]], draws: list[Draw], day: dt.date) -> int:
    """Members (name, file or bytes) then each draw's published files under draws/<year>/<task>/."""
    entries: list[tuple[str, Path | bytes]] = list(members)
    for draw in draws:
        if draw.manifest is None:
            continue
        for name in PUBLISHED:
            source = draw.directory / name
            if source.is_file():
                entries.append((f"draws/{draw.year}/{draw.task_id}/{name}", source))
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in sorted(entries, key=lambda e: e[0]):
            if isinstance(content, bytes):
                add_bytes(archive, name, content, day)
            else:
                add_file(archive, name, content, day)
    return len(entries)
