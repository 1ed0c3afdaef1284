"""Every past release stays available: releases are carried over from earlier outputs byte for
byte (after checking their SHA256SUMS), listed in `data/releases.json` (what a deploy job reads to
fetch past releases from the live site) and announced in the Atom feed `data/releases.xml`."""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from generator.errors import BuildFailed
from generator.opendata.changelog import summary
from generator.opendata.checksums import NAME, verify_sums

VERSION = re.compile(r"(\d{4}-\d{2}-\d{2})(?:\.(\d+))?")
INDEX = "releases.json"
FEED = "releases.xml"
FORMATS = {".csv": "CSV", ".json": "JSON", ".xlsx": "XLSX", ".sqlite": "SQLite", ".zip": "ZIP", "": "文本"}


@dataclass(frozen=True)
class ReleaseFile:
    path: str
    bytes: int
    sha256: str

    @property
    def format(self) -> str:
        return FORMATS.get(Path(self.path).suffix, Path(self.path).suffix.lstrip(".").upper())


@dataclass(frozen=True)
class Release:
    version: str
    date: str
    files: list[ReleaseFile]
    changelog: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {"version": self.version, "date": self.date, "path": f"{self.version}/",
                "files": [{"path": f.path, "format": f.format, "bytes": f.bytes, "sha256": f.sha256}
                          for f in self.files],
                "changelog": self.changelog}


def version_key(version: str) -> tuple[str, int]:
    match = VERSION.fullmatch(version)
    return (match.group(1), int(match.group(2) or 1)) if match else ("", 0)


def is_version(name: str) -> bool:
    return VERSION.fullmatch(name) is not None


def describe(directory: Path, sums: dict[str, str]) -> Release:
    version = directory.name
    files = [ReleaseFile(name, (directory / name).stat().st_size, digest) for name, digest in sorted(sums.items())]
    change_path = directory / "changelog.json"
    change = json.loads(change_path.read_text(encoding="utf-8")) if change_path.is_file() else {}
    return Release(version, version_key(version)[0], files, change)


def find_releases(sources: list[Path]) -> dict[str, Path]:
    """Published releases in earlier outputs' data folders (the first source naming a version wins)."""
    found: dict[str, Path] = {}
    for source in sources:
        if not source.is_dir():
            continue
        for directory in sorted(source.iterdir()):
            if directory.is_dir() and is_version(directory.name) and (directory / NAME).is_file():
                found.setdefault(directory.name, directory)
    return found


def place(source: Path, target: Path) -> None:
    """A hard link where possible (no extra disk for big files), else a copy."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def carry(source: Path, target: Path) -> Release:
    """Copy a published release after checking every file against its SHA256SUMS."""
    sums = verify_sums(source)
    for name in [*sums, NAME]:
        place(source / name, target / name)
    return describe(target, sums)


def mirror(source: Path, target: Path, sums: dict[str, str]) -> None:
    for name in [*sums, NAME]:
        place(source / name, target / name)


def write_index(data: Path, releases: list[Release], latest: str) -> None:
    ordered = sorted(releases, key=lambda r: version_key(r.version), reverse=True)
    index = {"latest": latest, "latest_path": "latest/", "releases": [r.as_json() for r in ordered]}
    (data / INDEX).write_text(json.dumps(index, ensure_ascii=False, indent=1) + "\n", encoding="utf-8", newline="\n")


def write_feed(data: Path, releases: list[Release], title: str, repo_url: str) -> None:
    ordered = sorted(releases, key=lambda r: version_key(r.version), reverse=True)
    if not ordered:
        raise BuildFailed("没有可列出的数据版本")
    lines = ['<?xml version="1.0" encoding="utf-8"?>',
             '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-CN">',
             f"<title>{escape(title)}：数据下载的新版本</title>",
             f"<id>urn:sunlight:{escape(repo_url)}:data-releases</id>",
             f"<updated>{ordered[0].date}T00:00:00+08:00</updated>",
             f'<link rel="self" href="{FEED}"/>', '<link rel="alternate" href="../downloads/changes/"/>',
             "<author><name>淄博市“双随机、一公开”监管工作联席会议办公室</name></author>"]
    for release in ordered:
        text = "".join(summary(release.changelog))
        lines += ["<entry>", f"<title>数据版本 {escape(release.version)}</title>",
                  f"<id>urn:sunlight:data:{escape(release.version)}</id>",
                  f"<updated>{release.date}T00:00:00+08:00</updated>",
                  f'<link rel="alternate" href="{escape(release.version)}/datapackage.json"/>',
                  f"<summary>{escape(text)}</summary>", "</entry>"]
    lines.append("</feed>")
    (data / FEED).write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")
