"""One HTTP(S) download from a server that is not trusted to behave: bounded in size and time.

A broken or hostile server may send an endless body, a file larger than announced, or one
byte a minute, of its headers or its body (each read within the socket timeout, the whole
never ending); any of them stops the download with a BuildFailed saying what happened, and nothing is left behind.
"""

from __future__ import annotations

import hashlib
import http.client
import io
import time
import urllib.error
from pathlib import Path
from typing import IO

from generator.errors import BuildFailed
from generator.opendata.http_deadline import urlopen_within

TIMEOUT_SECONDS = 60  # the longest silence tolerated
HEADERS_WITHIN_SECONDS = 120  # connecting, the status line and the headers, each request
MIN_BYTES_PER_SECOND = 10_000  # slower than this on average, past TIMEOUT_SECONDS, is a stalled server
_BLOCK = 1 << 20


def _open(url: str) -> http.client.HTTPResponse:
    """The response at `url`; HTTPError (a status other than 2xx) is left to the caller."""
    try:
        return urlopen_within(url, TIMEOUT_SECONDS, HEADERS_WITHIN_SECONDS)
    except urllib.error.HTTPError:
        raise
    except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as exc:
        # ValueError: a URL the client refuses (control characters, a non-ASCII path)
        raise BuildFailed(f"下载 {url} 失败：{exc}") from exc


def _stream(url: str, response: http.client.HTTPResponse, out: IO[bytes], limit: int) -> tuple[int, str]:
    """Copy the body to `out`; (bytes, SHA-256). Past `limit` bytes, or too slow, it stops."""
    digest, size = hashlib.sha256(), 0
    started = time.monotonic()
    try:
        # read1: one socket read at a time, so that a trickling server meets the rate check
        while block := response.read1(_BLOCK):
            size += len(block)
            if size > limit:
                raise BuildFailed(f"下载 {url} 失败：内容超过预期的 {limit} 字节（文件被改动，或服务器出错）")
            elapsed = time.monotonic() - started
            if elapsed > TIMEOUT_SECONDS and size < MIN_BYTES_PER_SECOND * elapsed:
                raise BuildFailed(f"下载 {url} 失败：服务器过慢"
                                  f"（{elapsed:.0f} 秒只收到 {size} 字节），已放弃")
            digest.update(block)
            out.write(block)
    except (OSError, http.client.HTTPException) as exc:
        raise BuildFailed(f"下载 {url} 失败：{exc}") from exc
    if response.length:  # read1, unlike read, ends quietly when the connection closes early
        raise BuildFailed(f"下载 {url} 失败：连接提前断开，还差 {response.length} 字节（下载不完整）")
    return size, digest.hexdigest()


def _refused(url: str, exc: urllib.error.HTTPError) -> BuildFailed:
    exc.close()
    if exc.code == 404:
        return BuildFailed(f"网站上缺少文件 {url}（HTTP 404）")
    return BuildFailed(f"下载 {url} 失败：HTTP {exc.code}")


def get(url: str, limit: int) -> bytes | None:
    """The body at `url` (at most `limit` bytes), or None when the server says it is not there (404)."""
    try:
        response = _open(url)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            exc.close()
            return None
        raise _refused(url, exc) from exc
    with response:
        buffer = io.BytesIO()
        _stream(url, response, buffer, limit)
        return buffer.getvalue()


def download(url: str, path: Path, sha256: str | None, limit: int) -> int:
    """Stream `url` into `path` (files reach hundreds of MB), checking its SHA-256; returns bytes.
    Written to `path`.part first: `path` exists only when complete and checked."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    try:
        try:
            response = _open(url)
        except urllib.error.HTTPError as exc:
            raise _refused(url, exc) from exc
        with response, partial.open("wb") as out:
            size, digest = _stream(url, response, out, limit)
        if sha256 is not None and digest != sha256:
            raise BuildFailed(f"{url} 与版本索引中的 SHA-256 不符：下载不完整或已被改动")
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return size
