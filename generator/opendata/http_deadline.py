"""urlopen with a deadline on everything before the body: connecting, TLS, the status line and
the headers (redirects included).

The socket timeout bounds each silence, not the whole: a server sending its headers one byte
every 59 seconds would hold urlopen for days. When the deadline passes, every socket this call
opened is shut, which ends the blocked read with an error.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
import urllib.request
from typing import Any


class _Sockets:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.open: list[socket.socket] = []
        self.expired = False

    def add(self, sock: socket.socket) -> None:
        with self.lock:
            self.open.append(sock)
            if self.expired:
                self._shut(sock)

    def expire(self) -> None:
        with self.lock:
            self.expired = True
            for sock in self.open:
                self._shut(sock)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):  # already closed
            sock.shutdown(socket.SHUT_RDWR)


def _watched(cls: type[http.client.HTTPConnection], sockets: _Sockets) -> type[http.client.HTTPConnection]:
    class Watched(cls):  # type: ignore[valid-type,misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            create = self._create_connection  # type: ignore[has-type]  # set by http.client in __init__

            def created(*a: Any, **k: Any) -> socket.socket:
                sock: socket.socket = create(*a, **k)
                sockets.add(sock)  # the raw socket: shutting it also ends a TLS handshake
                return sock

            self._create_connection = created
    return Watched


def urlopen_within(url: str, timeout: float, deadline: float) -> http.client.HTTPResponse:
    """urllib.request.urlopen(url, timeout=timeout), failing (OSError or HTTPException) if the
    response's headers have not all arrived within `deadline` seconds."""
    sockets = _Sockets()
    http_class, https_class = _watched(http.client.HTTPConnection, sockets), \
        _watched(http.client.HTTPSConnection, sockets)

    class HTTPHandler(urllib.request.HTTPHandler):
        def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(http_class, req)

    class HTTPSHandler(urllib.request.HTTPSHandler):
        def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(https_class, req, context=self._context)  # type: ignore[attr-defined]

    timer = threading.Timer(deadline, sockets.expire)
    timer.daemon = True
    timer.start()
    try:
        response: http.client.HTTPResponse = urllib.request.build_opener(HTTPHandler, HTTPSHandler).open(
            url, timeout=timeout)
    finally:
        timer.cancel()
    if sockets.expired:  # the headers arrived only as the deadline passed: the socket is shut
        response.close()
        raise TimeoutError(f"服务器在 {deadline:.0f} 秒内没有给出完整的响应头")
    return response
