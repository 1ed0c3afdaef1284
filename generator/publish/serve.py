"""`serve`: build the site into a temporary directory and preview it over HTTP."""

from __future__ import annotations

import contextlib
import functools
import signal
import tempfile
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType

from generator.errors import UsageError


class _Handler(SimpleHTTPRequestHandler):
    extensions_map = {  # noqa: RUF012 - class attribute required by SimpleHTTPRequestHandler
        **SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript", ".json": "application/json", ".csv": "text/csv; charset=utf-8",
        ".html": "text/html; charset=utf-8", ".svg": "image/svg+xml", ".xml": "application/atom+xml",
        ".wasm": "application/wasm",
    }


def serve(data_root: Path, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Build, then serve until interrupted (Ctrl-C). Rebuild by restarting."""
    from generator.publish.build import build_site

    with tempfile.TemporaryDirectory(prefix="sunlight-serve-") as folder:
        # Data files served from elsewhere (extra.downloads_url) are written beside the preview, unused.
        report = build_site(data_root, Path(folder) / "site", downloads_out=Path(folder) / "downloads")
        print(report.summary())
        handler = functools.partial(_Handler, directory=str(report.output))
        try:
            server = ThreadingHTTPServer((host, port), handler)
        except OSError as exc:  # the port is taken, or the address is not this machine's
            raise UsageError(f"无法在 {host}:{port} 上提供预览（{exc.strerror or exc}）："
                             "请用 --port 换一个端口（--port 0 为任一空闲端口）") from exc
        with server, _stopped_by_sigterm():
            print(f"预览地址：http://{host}:{server.server_address[1]}/（按 Ctrl-C 停止）", flush=True)
            with contextlib.suppress(KeyboardInterrupt):
                server.serve_forever()


def _interrupt(_signal: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def _stopped_by_sigterm() -> Iterator[None]:
    """A preview stopped by `kill` (or a process manager) ends as Ctrl-C ends it, so the
    temporary build is removed rather than left behind."""
    try:
        previous = signal.signal(signal.SIGTERM, _interrupt)
    except ValueError:  # not the main thread (a caller serving in a thread): nothing to change
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
