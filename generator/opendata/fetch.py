"""`sunlight releases fetch`: bring the past data releases of the live site back for a build.

A static host keeps only what the last deploy uploaded, and a CI runner starts empty, so
the publishing workflow fetches every earlier release (listed in the live site's
`data/releases.json`) before building; `sunlight build --releases-from DIR` then carries
them over byte for byte after checking their SHA256SUMS. A release served from separate
storage (generator.opendata.storage) stays there: only its SHA256SUMS is fetched from the site,
plus, for the newest, the tables the next changelog compares with (from the storage). Every
file is checked against the index's SHA-256 and size as it arrives: a truncated, altered or
endless download stops the fetch. The site is not trusted to be well formed: every name in
its index is checked before it becomes a path, and a release is downloaded into a hidden
staging folder that becomes `<version>/` only when complete, so that an interrupted fetch
never leaves what `build --releases-from` would take for a release.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
import shutil
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from generator.errors import BuildFailed
from generator.io.atomic import write_bytes_atomically
from generator.opendata.changelog import TABLES
from generator.opendata.checksums import NAME
from generator.opendata.download import download, get
from generator.opendata.releases import INDEX, is_absolute, is_version, version_key

MAX_INDEX_BYTES = 64 << 20  # releases.json: some KB a release
MAX_SUMS_BYTES = 4 << 20  # SHA256SUMS: one line a file
MAX_UNANNOUNCED_BYTES = 8 << 30  # a file the index gives no size for
_SHA256 = re.compile(r"[0-9a-f]{64}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\\:]")  # and what Windows reads as a drive or a separator


@dataclass(frozen=True)
class Fetched:
    releases: int
    files: int
    bytes: int


@dataclass(frozen=True)
class _File:
    name: str
    sha256: str | None
    size: int | None
    stored: bool  # from the release's own storage, not the site


@dataclass(frozen=True)
class _Release:
    version: str
    url: str  # absolute when the release is served from separate storage, else empty
    files: tuple[_File, ...]


def _safe_name(name: object) -> str | None:
    """`name` if it is a plain relative path (a/b.csv): nothing that could leave the release's folder."""
    if not isinstance(name, str) or _UNSAFE.search(name) or name.startswith("/"):
        return None
    return name if all(part not in ("", ".", "..") for part in name.split("/")) else None


def _file(where: str, entry: object) -> _File:
    if not isinstance(entry, dict):
        raise BuildFailed(f"{where}不是有效的文件记录")
    name, digest, size = _safe_name(entry.get("path")), entry.get("sha256"), entry.get("bytes")
    if name is None:
        raise BuildFailed(f"{where}的路径无效：{str(entry.get('path'))[:80]!r}")
    if not (isinstance(digest, str) and _SHA256.fullmatch(digest)):
        raise BuildFailed(f"{where}（{name}）的 SHA-256 无效：{str(digest)[:80]!r}")
    if size is not None and not (isinstance(size, int) and not isinstance(size, bool) and size >= 0):
        raise BuildFailed(f"{where}（{name}）的大小无效：{str(size)[:80]!r}")
    return _File(name, digest, size, False)


def _release(where: str, record: object) -> _Release:
    if not isinstance(record, dict):
        raise BuildFailed(f"{where}不是有效的版本记录")
    version, url, files = record.get("version"), record.get("url", ""), record.get("files", [])
    if not (isinstance(version, str) and is_version(version)):
        raise BuildFailed(f"版本索引中的版本号无效：{str(version)[:80]!r}")
    where = f"版本索引中版本 {version} "
    if not isinstance(url, str) or (is_absolute(url) and not url.endswith("/")) or _CONTROL.search(url):
        raise BuildFailed(f"{where}的地址（url）无效：{str(url)[:80]!r}")
    if not isinstance(files, list):
        raise BuildFailed(f"{where}的文件清单（files）不是列表")
    return _Release(version, url if is_absolute(url) else "",
                    tuple(_file(f"{where}的第 {n} 个文件", f) for n, f in enumerate(files, start=1)))


def _index(site_url: str) -> tuple[list[_Release], bytes]:
    url = f"{site_url}/data/{INDEX}"
    body = get(url, MAX_INDEX_BYTES)
    if body is None:
        return [], b""  # nothing published yet: the first deploy
    try:
        listed = json.loads(body)["releases"]
    except (ValueError, KeyError, TypeError) as exc:
        raise BuildFailed(f"{url} 不是有效的版本索引") from exc
    if not isinstance(listed, list):
        raise BuildFailed(f"{url} 不是有效的版本索引")
    releases = [_release(f"版本索引中的第 {n} 个版本", r) for n, r in enumerate(listed, start=1)]
    versions = [r.version for r in releases]
    if len(set(versions)) != len(versions):
        raise BuildFailed(f"{url} 中有重复的版本号：{sorted({v for v in versions if versions.count(v) > 1})}")
    return releases, body


def _wanted(release: _Release, newest: bool) -> list[_File]:
    """What to fetch: every file of a release in the site; of a release served elsewhere its
    SHA256SUMS from the site and, for the newest, the changelog's tables (from the storage)."""
    sums = _File(NAME, None, None, False)
    if not release.url:
        return [*release.files, sums]
    tables = {f"{t}.csv" for t in TABLES} if newest else set()
    return [sums, *(dataclasses.replace(f, stored=True) for f in release.files if f.name in tables)]


def _remove(path: Path) -> None:
    """Whatever is at `path`; a symbolic link itself, never what it points to."""
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


def _fetch_release(site_url: str, release: _Release, newest: bool, into: Path) -> tuple[int, int]:
    """Download `release` into a staging folder, then move it to `into/<version>`; (files, bytes)."""
    staging = into / f".{release.version}.part"
    files = size = 0
    try:
        _remove(staging)  # left by a fetch that was killed
        for wanted in _wanted(release, newest):
            quoted = urllib.parse.quote(wanted.name)
            url = f"{release.url}{quoted}" if wanted.stored else f"{site_url}/data/{release.version}/{quoted}"
            limit = MAX_SUMS_BYTES if wanted.sha256 is None else (
                wanted.size if wanted.size is not None else MAX_UNANNOUNCED_BYTES)
            size += download(url, staging / wanted.name, wanted.sha256, limit)
            files += 1
        _remove(into / release.version)
        staging.rename(into / release.version)
    except OSError as exc:  # the local disk: full, or names in the index that clash (a and a/b)
        raise BuildFailed(f"无法保存版本 {release.version} 的文件：{exc}") from exc
    finally:
        with contextlib.suppress(OSError):
            _remove(staging)
    return files, size


def fetch_releases(site_url: str, into: Path) -> Fetched:
    """Download every release the live site lists into `into/<version>/`."""
    if not site_url.startswith(("https://", "http://")):
        raise BuildFailed(f"网站地址应以 https:// 开头：{site_url}")
    site_url = site_url.rstrip("/")
    try:
        into.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a file of that name, or no permission
        raise BuildFailed(f"无法使用目录 {into}：{exc.strerror}") from exc
    files = size = 0
    listed, body = _index(site_url)
    newest = max((r.version for r in listed), key=version_key, default="")
    for release in listed:
        got_files, got_bytes = _fetch_release(site_url, release, release.version == newest, into)
        files, size = files + got_files, size + got_bytes
    if body:
        try:  # where each release is, its files' sizes and its changelog
            write_bytes_atomically(into / INDEX, body)
        except OSError as exc:
            raise BuildFailed(f"无法保存版本索引 {into / INDEX}：{exc.strerror}") from exc
    return Fetched(len(listed), files, size)
