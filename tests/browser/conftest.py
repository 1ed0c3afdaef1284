"""Fixtures for tests that run in a real browser (headless Debian Chromium via Playwright).

- ``chromium_browser``: one Chromium per session. When ``/usr/bin/chromium`` (or the
  ``playwright`` package) is missing, tests are skipped locally but FAIL when the ``CI``
  environment variable is set: browser tests are never silently skipped in CI.
- ``static_server``: a factory; ``static_server(directory)`` serves that directory over
  HTTP on 127.0.0.1 with an ephemeral port and returns the base URL (no trailing slash).
  ES modules are served as ``text/javascript``.
- ``page``: a fresh page in a fresh context; the test fails on any console error or
  uncaught page error. ``browser_errors`` is that error list, for tests that must
  inspect or clear it.
- ``site_dir``: a temporary site root with a copy of ``generator/static/js`` as ``js/``.
"""

from __future__ import annotations

import functools
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

StaticServer = Callable[[Path], str]


def _unavailable(reason: str) -> NoReturn:
    """Fail in CI (browser tests must run there), skip elsewhere."""
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_browser() -> Iterator[Browser]:
    """A headless Chromium for the whole session."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} not found (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the Python package 'playwright' is not installed")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class _QuietHandler(SimpleHTTPRequestHandler):
    """Static files with module-friendly MIME types, no caching and no request log."""

    extensions_map = {  # noqa: RUF012 - class attribute required by SimpleHTTPRequestHandler
        **SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".json": "application/json",
        ".csv": "text/csv; charset=utf-8",
        ".html": "text/html; charset=utf-8",
        ".svg": "image/svg+xml",
        ".wasm": "application/wasm",
    }

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output clean."""


@pytest.fixture
def static_server() -> Iterator[StaticServer]:
    """Factory: serve a directory on 127.0.0.1:<ephemeral>; returns its base URL."""
    servers: list[tuple[ThreadingHTTPServer, threading.Thread]] = []

    def serve(directory: Path) -> str:
        handler = functools.partial(_QuietHandler, directory=str(directory))
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        thread = threading.Thread(
            target=server.serve_forever, name=f"static:{directory}", daemon=True
        )
        thread.start()
        servers.append((server, thread))
        host, port = server.server_address[:2]
        return f"http://{host!s}:{port}"

    yield serve
    for server, thread in servers:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def browser_errors() -> list[str]:
    """Console errors and page errors seen by ``page`` (tests may inspect or clear it)."""
    return []


@pytest.fixture
def page(chromium_browser: Browser, browser_errors: list[str], static_server: StaticServer) -> Iterator[Page]:
    """A fresh page; any console error or uncaught page error fails the test.

    It asks for `static_server` so that it is closed before the servers stop: a request still
    in flight when the test ends (a lazy image, a prefetch) must not fail against a stopped
    server (net::ERR_SOCKET_NOT_CONNECTED, seen in CI after the skip-link test)."""
    context = chromium_browser.new_context()
    pg = context.new_page()
    pg.on(
        "console",
        lambda msg: (
            browser_errors.append(f"console.{msg.type}: {msg.text}")
            if msg.type == "error"
            else None
        ),
    )
    pg.on("pageerror", lambda exc: browser_errors.append(f"pageerror: {exc}"))
    try:
        yield pg
    finally:
        context.close()
    if browser_errors:
        pytest.fail("browser reported errors:\n" + "\n".join(browser_errors), pytrace=False)


@pytest.fixture
def site_dir(tmp_path: Path) -> Path:
    """A temporary site root holding a copy of ``generator/static/js`` as ``js/``."""
    root = tmp_path / "site"
    source = Path(__file__).resolve().parents[2] / "generator" / "static" / "js"
    shutil.copytree(source, root / "js")
    return root


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample data's public site, built once per test session."""
    from generator.publish import build_site

    out = tmp_path_factory.getbasetemp() / "sunlight-sample-site"
    if not (out / ".sunlight-site").exists():
        build_site(Path(__file__).resolve().parents[2] / "data", out)
    return out


@pytest.fixture
def base(site: Path, static_server: StaticServer) -> str:
    """The served site's base URL, ending in a slash."""
    return static_server(site) + "/"
