"""`serve`: build the site into a temporary directory and preview it over HTTP."""

from __future__ import annotations

import contextlib
import functools
import tempfile
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

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
        with server:
            print(f"预览地址：http://{host}:{server.server_address[1]}/（按 Ctrl-C 停止）")
            with contextlib.suppress(KeyboardInterrupt):
                server.serve_forever()
