"""`sunlight releases fetch`: bring the past data releases of the live site back for a build.

A static host keeps only what the last deploy uploaded, and a CI runner starts empty, so
the publishing workflow fetches every earlier release (listed in the live site's
`data/releases.json`) before building; `sunlight build --releases-from DIR` then carries
them over byte for byte after checking their SHA256SUMS. A release served from separate
storage (generator.opendata.storage) stays there: only its SHA256SUMS is fetched from the site,
plus, for the newest, the tables the next changelog compares with (from the storage). Every
file is checked against the index's SHA-256 as it arrives: a truncated or altered download
stops the fetch.
"""

from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.errors import BuildFailed
from generator.opendata.changelog import TABLES
from generator.opendata.checksums import NAME
from generator.opendata.releases import INDEX, is_absolute, is_version, version_key

TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class Fetched:
    releases: int
    files: int
    bytes: int


def _get(url: str) -> bytes | None:
    """The body at `url`, or None when the server says it is not there (404)."""
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
            body: bytes = response.read()
            return body
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise BuildFailed(f"下载 {url} 失败：HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise BuildFailed(f"下载 {url} 失败：{exc}") from exc


def _download(url: str, path: Path, sha256: str | None) -> int:
    """Stream `url` into `path` (files reach hundreds of MB), checking its SHA-256; returns bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    digest, size = hashlib.sha256(), 0
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response, partial.open("wb") as out:
            for block in iter(lambda: response.read(1 << 20), b""):
                digest.update(block)
                out.write(block)
                size += len(block)
    except urllib.error.HTTPError as exc:
        partial.unlink(missing_ok=True)
        raise BuildFailed(f"网站上缺少文件 {url}（HTTP {exc.code}）") from exc
    except (urllib.error.URLError, OSError) as exc:
        partial.unlink(missing_ok=True)
        raise BuildFailed(f"下载 {url} 失败：{exc}") from exc
    if sha256 is not None and digest.hexdigest() != sha256:
        partial.unlink()
        raise BuildFailed(f"{url} 与版本索引中的 SHA-256 不符：下载不完整或已被改动")
    partial.replace(path)
    return size


def _index(site_url: str) -> tuple[list[dict[str, Any]], bytes]:
    body = _get(f"{site_url}/data/{INDEX}")
    if body is None:
        return [], b""  # nothing published yet: the first deploy
    try:
        index = json.loads(body)
        releases = index["releases"]
        assert isinstance(releases, list) and all(isinstance(r, dict) for r in releases)
    except (ValueError, KeyError, TypeError, AssertionError) as exc:
        raise BuildFailed(f"{site_url}/data/{INDEX} 不是有效的版本索引") from exc
    return releases, body


def _wanted(release: dict[str, Any], newest: bool) -> list[tuple[str, str | None, bool]]:
    """(file, SHA-256, from the storage) to fetch: every file of a release in the site; of a release
    served elsewhere its SHA256SUMS from the site and, for the newest, the changelog's tables."""
    files = [(str(f["path"]), f.get("sha256"), False) for f in release.get("files", [])]
    if not is_absolute(str(release.get("url", ""))):
        return [*files, (NAME, None, False)]
    tables = {f"{t}.csv" for t in TABLES} if newest else set()
    return [(NAME, None, False), *((name, digest, True) for name, digest, _ in files if name in tables)]


def fetch_releases(site_url: str, into: Path) -> Fetched:
    """Download every release the live site lists into `into/<version>/`."""
    if not site_url.startswith(("https://", "http://")):
        raise BuildFailed(f"网站地址应以 https:// 开头：{site_url}")
    site_url = site_url.rstrip("/")
    into.mkdir(parents=True, exist_ok=True)
    releases, files, size = 0, 0, 0
    listed, body = _index(site_url)
    versions = [str(r.get("version", "")) for r in listed]
    for version in versions:
        if not is_version(version):
            raise BuildFailed(f"版本索引中的版本号无效：{version!r}")
    newest = max(versions, key=version_key, default="")
    for release in listed:
        version = str(release["version"])
        target = into / version
        for name, digest, stored in _wanted(release, version == newest):
            if name.startswith("/") or ".." in Path(name).parts:
                raise BuildFailed(f"版本 {version} 的文件路径无效：{name}")
            url = f"{release['url']}{name}" if stored else f"{site_url}/data/{version}/{name}"
            got = _download(url, target / name, digest)
            files, size = files + 1, size + got
        releases += 1
    if body:
        (into / INDEX).write_bytes(body)  # where each release is, its files' sizes and its changelog
    return Fetched(releases, files, size)
