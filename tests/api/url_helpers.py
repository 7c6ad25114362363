"""A real HTTP server on 127.0.0.1 for the upload-by-URL tests (no mocks).

Paths it answers:

* ``/files/NAME``: a file registered with :meth:`FileServer.put` (404 otherwise);
* ``/chain/N/NAME``: N relative redirects (302) in all, the last to ``/files/NAME``;
* ``/to?URL``: a 302 to the (unencoded) URL after ``?``;
* ``/status/CODE``: an empty answer with that status;
* ``/slow/SECONDS``: headers (Content-Length 100), then nothing for SECONDS;
* ``/trickle/NAME``: ``/files/NAME`` one byte every 0.2 s;
* ``/more/NAME``: ``/files/NAME`` announced with its length, then 64 KiB of junk;
* ``/short/N``: announces N bytes, sends 10, closes;
* ``/unsized/N``: N bytes with no Content-Length (the end is the connection's close);
* ``/huge/N``: announces N bytes, then waits 5 s before sending anything.

Every request's path and headers are kept in :attr:`FileServer.requests`.
"""

from __future__ import annotations

import contextlib
import http.server
import socket
import threading
import time
from collections.abc import Callable
from typing import Any


class FileServer:
    def __init__(self) -> None:
        self.files: dict[str, tuple[str, bytes]] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    owner.handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.httpd.server_address[1])
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def put(self, name: str, body: bytes, content_type: str = "image/png") -> str:
        self.files[name] = (content_type, body)
        return f"{self.base}/files/{name}"

    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]

    # -- routing ----------------------------------------------------------------------

    def handle(self, h: http.server.BaseHTTPRequestHandler) -> None:
        self.requests.append((h.path, {k.lower(): v for k, v in h.headers.items()}))
        path, _, query = h.path.partition("?")
        kind, _, rest = path.lstrip("/").partition("/")
        routes: dict[str, Callable[[http.server.BaseHTTPRequestHandler, str, str], None]] = {
            "files": self._file, "chain": self._chain, "to": self._to,
            "status": self._status, "slow": self._slow, "trickle": self._trickle,
            "more": self._more, "short": self._short, "unsized": self._unsized,
            "huge": self._huge,
        }
        routes.get(kind, self._missing)(h, rest, query)

    @staticmethod
    def _head(h: http.server.BaseHTTPRequestHandler, status: int,
              headers: dict[str, str]) -> None:
        h.send_response(status)
        for name, value in headers.items():
            h.send_header(name, value)
        h.end_headers()

    def _missing(self, h: http.server.BaseHTTPRequestHandler, rest: str, query: str) -> None:
        self._head(h, 404, {"Content-Type": "text/plain", "Content-Length": "10"})
        h.wfile.write(b"not found\n")

    def _file(self, h: http.server.BaseHTTPRequestHandler, name: str, query: str) -> None:
        if name not in self.files:
            self._missing(h, name, query)
            return
        content_type, body = self.files[name]
        self._head(h, 200, {"Content-Type": content_type, "Content-Length": str(len(body))})
        h.wfile.write(body)

    def _chain(self, h: http.server.BaseHTTPRequestHandler, rest: str, query: str) -> None:
        count, _, name = rest.partition("/")
        target = f"/chain/{int(count) - 1}/{name}" if int(count) > 1 else f"/files/{name}"
        self._head(h, 302, {"Location": target, "Content-Length": "0"})

    def _to(self, h: http.server.BaseHTTPRequestHandler, rest: str, query: str) -> None:
        self._head(h, 302, {"Location": query, "Content-Length": "0"})

    def _status(self, h: http.server.BaseHTTPRequestHandler, code: str, query: str) -> None:
        self._head(h, int(code), {"Content-Length": "0"})

    def _slow(self, h: http.server.BaseHTTPRequestHandler, seconds: str, query: str) -> None:
        self._head(h, 200, {"Content-Type": "image/png", "Content-Length": "100"})
        h.wfile.flush()
        time.sleep(float(seconds))

    def _trickle(self, h: http.server.BaseHTTPRequestHandler, name: str, query: str) -> None:
        content_type, body = self.files[name]
        self._head(h, 200, {"Content-Type": content_type, "Content-Length": str(len(body))})
        for index in range(len(body)):
            h.wfile.write(body[index:index + 1])
            h.wfile.flush()
            time.sleep(0.2)

    def _more(self, h: http.server.BaseHTTPRequestHandler, name: str, query: str) -> None:
        content_type, body = self.files[name]
        self._head(h, 200, {"Content-Type": content_type, "Content-Length": str(len(body))})
        h.wfile.write(body + b"\0JUNK" * 13000)

    def _short(self, h: http.server.BaseHTTPRequestHandler, size: str, query: str) -> None:
        self._head(h, 200, {"Content-Type": "image/png", "Content-Length": size})
        h.wfile.write(b"\x89PNG\r\n\x1a\n\0\0")
        h.close_connection = True

    def _unsized(self, h: http.server.BaseHTTPRequestHandler, size: str, query: str) -> None:
        self._head(h, 200, {"Content-Type": "image/png", "Connection": "close"})
        block = b"\x89PNG" * 4096
        left = int(size)
        while left > 0:
            h.wfile.write(block[:left])
            left -= len(block)
        h.close_connection = True

    def _huge(self, h: http.server.BaseHTTPRequestHandler, size: str, query: str) -> None:
        self._head(h, 200, {"Content-Type": "image/png", "Content-Length": size})
        h.wfile.flush()
        time.sleep(5)
        h.wfile.write(b"\0" * 1024)


def closed_port() -> int:
    """A port on 127.0.0.1 with nothing listening."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
