"""`sunlight releases fetch` against a broken or hostile live site (a real HTTP server on
loopback): a clear message and exit 1, in bounded time, memory and disk; nothing outside
--into, and no half-fetched release that `build --releases-from` would take for a release."""

from __future__ import annotations

import contextlib
import hashlib
import http.server
import json
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from generator.cli import main
from generator.opendata.releases import find_releases

GOOD = b"a,b\n1,2\n"
SUM = hashlib.sha256(GOOD).hexdigest()
VERSION = "2026-01-01"
Route = Callable[[http.server.BaseHTTPRequestHandler], None]


def send(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> Route:
    def respond(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        for name, value in {"Content-Length": str(len(body)), **(headers or {})}.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(body)
    return respond


def index(*releases: object) -> Route:
    return send(json.dumps({"releases": list(releases)}).encode())


def release(*files: object, url: str | None = None) -> dict[str, object]:
    record: dict[str, object] = {"version": VERSION, "files": list(files)}
    if url is not None:
        record["url"] = url
    return record


def good(name: str = "a.csv") -> dict[str, object]:
    return {"path": name, "sha256": SUM, "bytes": len(GOOD)}


class Site:
    """Routes by decoded path; anything else is a 404."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.url = ""

    def __setitem__(self, path: str, route: Route) -> None:
        self.routes[path] = route


@pytest.fixture
def site() -> Iterator[Site]:
    served = Site()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            route = served.routes.get(urllib.parse.unquote(self.path), send(b"not found", 404))
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up, as it should
                route(self)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    served.url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()


def refused(site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """The error line, after checking that nothing was left that counts as a release."""
    into = tmp_path / "into"
    capsys.readouterr()
    assert main(["releases", "fetch", site.url, "--into", str(into)]) == 1
    assert find_releases([into]) == {}
    assert sorted(p.name for p in into.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["into"]
    err = capsys.readouterr().err
    assert err.startswith("错误：") and err.count("\n") == 1
    return err.removeprefix("错误：").rstrip("\n").replace(site.url, "URL/")


@pytest.mark.parametrize("name", ["", ".", "a/../../../x", "/tmp/x", "a\x00b", "..\\..\\x", "c:x", "a//b", 5])
def test_a_file_name_that_could_leave_the_release_folder_is_refused(
        site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: object) -> None:
    site["/data/releases.json"] = index(release({"path": name, "sha256": SUM}))
    site[f"/data/{VERSION}/"] = site[f"/data/{VERSION}/."] = send(GOOD)  # a server answering anything
    assert refused(site, tmp_path, capsys) == (
        f"版本索引中版本 {VERSION} 的第 1 个文件的路径无效：{str(name)[:80]!r}")


@pytest.mark.parametrize(("record", "message"), [
    (release("a.csv"), f"版本索引中版本 {VERSION} 的第 1 个文件不是有效的文件记录"),
    ({"version": VERSION, "files": 5}, f"版本索引中版本 {VERSION} 的文件清单（files）不是列表"),
    ({"version": VERSION, "files": [], "url": 5}, f"版本索引中版本 {VERSION} 的地址（url）无效：'5'"),
    (release({"path": "a.csv", "sha256": 5}), f"版本索引中版本 {VERSION} 的第 1 个文件（a.csv）的 SHA-256 无效：'5'"),
    (release({"path": "a.csv", "sha256": SUM, "bytes": "8"}),
     f"版本索引中版本 {VERSION} 的第 1 个文件（a.csv）的大小无效：'8'"),
    ({"version": "../../etc"}, "版本索引中的版本号无效：'../../etc'"),
    (7, "版本索引中的第 1 个版本不是有效的版本记录"),
], ids=["file-not-a-record", "files-not-a-list", "url-not-text", "digest-not-text", "size-not-a-number",
        "version-a-path", "release-not-a-record"])
def test_a_malformed_index_is_reported(site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                       record: object, message: str) -> None:
    site["/data/releases.json"] = index(record)
    assert refused(site, tmp_path, capsys) == message


def test_the_same_version_twice_is_refused(site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site["/data/releases.json"] = index(release(), release())
    assert refused(site, tmp_path, capsys) == f"URL/data/releases.json 中有重复的版本号：['{VERSION}']"


def test_a_file_longer_than_announced_stops_at_the_announced_size(
        site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site["/data/releases.json"] = index(release(good()))
    site[f"/data/{VERSION}/a.csv"] = send(b"x" * (20 << 20))
    assert refused(site, tmp_path, capsys) == (
        f"下载 URL/data/{VERSION}/a.csv 失败：内容超过预期的 8 字节（文件被改动，或服务器出错）")


def test_an_endless_checksum_file_is_cut_off(site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """SHA256SUMS has no digest in the index to stop a wrong one: its size is what is bounded."""
    site["/data/releases.json"] = index(release(good()))
    site[f"/data/{VERSION}/a.csv"] = send(GOOD)
    site[f"/data/{VERSION}/SHA256SUMS"] = send(f"{SUM}  a.csv\n".encode() * 80_000)
    assert refused(site, tmp_path, capsys) == (
        f"下载 URL/data/{VERSION}/SHA256SUMS 失败：内容超过预期的 4194304 字节（文件被改动，或服务器出错）")


def test_a_body_cut_short_is_not_taken_for_the_whole(site: Site, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """SHA256SUMS has no digest to catch it: a connection closed early must not end the file quietly."""
    site["/data/releases.json"] = index(release(good()))
    site[f"/data/{VERSION}/a.csv"] = send(GOOD)

    def cut(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", "1000")
        handler.end_headers()
        handler.wfile.write(f"{SUM}  a.csv\n".encode())
        handler.close_connection = True

    site[f"/data/{VERSION}/SHA256SUMS"] = cut
    assert refused(site, tmp_path, capsys) == (
        f"下载 URL/data/{VERSION}/SHA256SUMS 失败：连接提前断开，还差 928 字节（下载不完整）")


def trickle(head: bytes, data: bytes) -> Route:
    """`head` at once, then `data` a byte every 50 ms: each read well within the socket
    timeout, the whole never ending in practice."""
    def respond(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.wfile.write(head)
        for byte in data:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            time.sleep(0.05)
    return respond


@pytest.mark.parametrize(("head", "data", "message"), [
    (b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", b" " * 1000, "服务器过慢（1 秒只收到 "),
    (b"HTTP/1.1 200 OK\r\n", b"X-Slow: " + b"x" * 400, "服务器在 2 秒内没有给出完整的响应头"),
], ids=["body", "headers"])
def test_a_trickling_server_is_given_up(site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch, head: bytes, data: bytes, message: str
                                        ) -> None:
    monkeypatch.setattr("generator.opendata.download.TIMEOUT_SECONDS", 1)
    monkeypatch.setattr("generator.opendata.download.HEADERS_WITHIN_SECONDS", 2, raising=False)
    site["/data/releases.json"] = trickle(head, data)
    started = time.monotonic()
    got = refused(site, tmp_path, capsys)
    assert time.monotonic() - started < 10
    assert got.startswith(f"下载 URL/data/releases.json 失败：{message}")


def test_a_release_whose_download_fails_midway_is_not_left_behind(
        site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A release served from storage: its SHA256SUMS (which alone makes a folder a release)
    arrives, then its table does not."""
    store = f"{site.url}store/"
    site["/data/releases.json"] = index(release(good("draws.csv"), url=store))
    site[f"/data/{VERSION}/SHA256SUMS"] = send(f"{SUM}  draws.csv\n".encode())
    site["/store/draws.csv"] = send(b"", 500)
    assert refused(site, tmp_path, capsys) == "下载 URL/store/draws.csv 失败：HTTP 500"


def test_a_redirect_to_a_local_file_is_not_followed(site: Site, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    site["/data/releases.json"] = send(b"", 302, {"Location": "file:///etc/passwd"})
    assert refused(site, tmp_path, capsys) == "下载 URL/data/releases.json 失败：HTTP 302"


def test_a_file_name_in_chinese_is_fetched(site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site["/data/releases.json"] = index(release(good("数据/说明.csv")))
    site[f"/data/{VERSION}/数据/说明.csv"] = send(GOOD)
    site[f"/data/{VERSION}/SHA256SUMS"] = send(f"{SUM}  数据/说明.csv\n".encode())
    into = tmp_path / "into"
    assert main(["releases", "fetch", site.url, "--into", str(into)]) == 0
    assert (into / VERSION / "数据" / "说明.csv").read_bytes() == GOOD
    assert sorted(p.name for p in into.iterdir()) == [VERSION, "releases.json"]
    assert set(find_releases([into])) == {VERSION}


@pytest.mark.parametrize("into", ["file", "file/sub"])
def test_a_target_that_is_not_a_folder_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  into: str) -> None:
    (tmp_path / "file").write_bytes(b"")
    assert main(["releases", "fetch", "http://127.0.0.1:9/", "--into", str(tmp_path / into)]) == 1
    reason = "File exists" if into == "file" else "Not a directory"
    assert capsys.readouterr().err == f"错误：无法使用目录 {tmp_path / into}：{reason}\n"
