"""Every past release stays available where it was published: a release in the site is carried
over from earlier outputs byte for byte (after checking its SHA256SUMS); a release served from
separate storage (generator.opendata.storage) stays there, and the site carries only its
SHA256SUMS and its entry of `data/releases.json`. That index (what a deploy job reads to fetch past
releases from the live site) lists every release with the URL of its files; `data/latest.json`
points at the newest, and the Atom feed `data/releases.xml` announces them."""

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
from generator.opendata.checksums import NAME, read_sums, verify_sums

VERSION = re.compile(r"(\d{4}-\d{2}-\d{2})(?:\.(\d+))?")
INDEX = "releases.json"
LATEST = "latest.json"
FEED = "releases.xml"
FORMATS = {".csv": "CSV", ".json": "JSON", ".xlsx": "XLSX", ".sqlite": "SQLite", ".zip": "ZIP", "": "文本"}
COMPRESSED = {".gz": "gzip"}


@dataclass(frozen=True)
class ReleaseFile:
    path: str
    bytes: int
    sha256: str

    @property
    def compression(self) -> str:
        return COMPRESSED.get(Path(self.path).suffix, "")

    @property
    def format(self) -> str:
        suffix = Path(self.path.removesuffix(".gz") if self.compression else self.path).suffix
        return FORMATS.get(suffix, suffix.lstrip(".").upper())

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "format": self.format, "bytes": self.bytes, "sha256": self.sha256}
        if self.compression:
            out["compression"] = self.compression
        return out


@dataclass(frozen=True)
class Release:
    version: str
    date: str
    files: list[ReleaseFile]
    changelog: dict[str, Any]
    url: str = ""  # where its files are: absolute when served elsewhere, else `<version>/` (in the site)

    @property
    def base(self) -> str:
        return self.url or f"{self.version}/"

    @property
    def external(self) -> bool:
        return is_absolute(self.base)

    def as_json(self) -> dict[str, Any]:
        return {"version": self.version, "date": self.date, "path": f"{self.version}/", "url": self.base,
                "files": [f.as_json() for f in self.files], "changelog": self.changelog}


def is_absolute(url: str) -> bool:
    return url.startswith(("https://", "http://"))


def version_key(version: str) -> tuple[str, int]:
    match = VERSION.fullmatch(version)
    return (match.group(1), int(match.group(2) or 1)) if match else ("", 0)


def is_version(name: str) -> bool:
    return VERSION.fullmatch(name) is not None


def describe(directory: Path, sums: dict[str, str], url: str = "", version: str = "") -> Release:
    version = version or directory.name
    files = [ReleaseFile(name, (directory / name).stat().st_size, digest) for name, digest in sorted(sums.items())]
    change_path = directory / "changelog.json"
    change = json.loads(change_path.read_text(encoding="utf-8")) if change_path.is_file() else {}
    return Release(version, version_key(version)[0], files, change, url)


def read_records(sources: list[Path]) -> dict[str, dict[str, Any]]:
    """Each version's entry in the releases indexes of earlier outputs (the first source naming it wins)."""
    records: dict[str, dict[str, Any]] = {}
    for source in sources:
        path = source / INDEX
        if not path.is_file():
            continue
        try:
            listed = json.loads(path.read_text(encoding="utf-8"))["releases"]
        except (ValueError, KeyError, TypeError) as exc:
            raise BuildFailed(f"{path} 不是有效的版本索引") from exc
        for record in listed:
            if isinstance(record, dict) and is_version(str(record.get("version", ""))):
                records.setdefault(str(record["version"]), record)
    return records


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


def carry(source: Path, target: Path, record: dict[str, Any] | None = None) -> Release:
    """Carry a published release over: a release in the site is copied after checking every file
    against its SHA256SUMS; a release served elsewhere stays there, and only its SHA256SUMS comes
    along, with its entry of the index (which must list exactly the files and digests it names)."""
    url = str((record or {}).get("url", ""))
    if not is_absolute(url):
        sums = verify_sums(source)
        for name in [*sums, NAME]:
            place(source / name, target / name)
        return describe(target, sums)
    sums = read_sums(source)
    assert record is not None
    try:
        files = [ReleaseFile(str(f["path"]), int(f["bytes"]), str(f["sha256"])) for f in record["files"]]
        change = dict(record.get("changelog") or {})
    except (KeyError, TypeError, ValueError) as exc:
        raise BuildFailed(f"版本索引中数据版本 {source.name} 的文件清单格式不对") from exc
    if {f.path: f.sha256 for f in files} != sums:
        raise BuildFailed(f"版本索引中数据版本 {source.name} 的文件与其 {NAME} 不符，不能沿用")
    place(source / NAME, target / NAME)
    return Release(source.name, version_key(source.name)[0], sorted(files, key=lambda f: f.path), change, url)


def write_index(data: Path, releases: list[Release], latest: str) -> None:
    ordered = sorted(releases, key=lambda r: version_key(r.version), reverse=True)
    newest = next(r for r in ordered if r.version == latest)
    index = {"latest": latest, "latest_url": newest.base, "releases": [r.as_json() for r in ordered]}
    (data / INDEX).write_text(json.dumps(index, ensure_ascii=False, indent=1) + "\n", encoding="utf-8", newline="\n")
    # A pointer, not a copy: static hosts cannot redirect, and a copy doubled the site's data.
    pointer = {"version": newest.version, "date": newest.date, "url": newest.base,
               "sha256sums": f"{newest.version}/{NAME}",
               "files": [{**f.as_json(), "url": newest.base + f.path} for f in newest.files]}
    (data / LATEST).write_text(json.dumps(pointer, ensure_ascii=False, indent=1) + "\n", encoding="utf-8",
                               newline="\n")


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
                  f'<link rel="alternate" href="{escape(release.base)}datapackage.json"/>',
                  f"<summary>{escape(text)}</summary>", "</entry>"]
    lines.append("</feed>")
    (data / FEED).write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")
