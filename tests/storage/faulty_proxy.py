"""A TCP proxy on 127.0.0.1 in front of the test S3 store, for fault tests with real sockets.

Modes (switchable while running):
- ``pass``: bytes flow both ways unchanged;
- ``unavailable``: every request is answered ``503 Service Unavailable`` (an overloaded store);
- ``silent``: requests are read and never answered (a store that hangs: client time-outs);
- ``cut``: the first ``cut_after`` bytes a client sends are passed on, then both connections
  are closed (a store or network dying in the middle of a request body).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from urllib.parse import urlsplit

_BUSY_BODY = (b"<?xml version='1.0' encoding='UTF-8'?>\n"
              b"<Error><Code>ServiceUnavailable</Code><Message>busy</Message></Error>")
UNAVAILABLE = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/xml\r\n"
               b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(_BUSY_BODY)) + _BUSY_BODY


class FaultyProxy:
    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.mode = "pass"
        self.cut_after = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.stopped = False
        self.thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopped = True
        with suppress(OSError):
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
        self.listener.close()
        self.thread.join(5)

    def _accept(self) -> None:
        while not self.stopped:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.stopped:
                client.close()
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        client.settimeout(30)
        if self.mode in ("unavailable", "silent"):
            self._answer_unavailable(client, self.mode == "silent")
            return
        upstream = socket.create_connection(self.upstream, timeout=30)
        back = threading.Thread(target=self._pipe, args=(upstream, client, False), daemon=True)
        back.start()
        self._pipe(client, upstream, True)
        back.join(30)

    def _pipe(self, source: socket.socket, target: socket.socket, outgoing: bool) -> None:
        """Copy one direction. Requests on a kept-alive connection follow a mode switch
        too: ``unavailable`` drops the connection, ``cut`` passes ``cut_after`` more bytes."""
        passed_in_cut = 0
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if outgoing and self.mode == "unavailable":
                    break
                if outgoing and self.mode == "cut":
                    room = self.cut_after - passed_in_cut
                    target.sendall(data[:max(0, room)])
                    passed_in_cut += len(data)
                    if passed_in_cut >= self.cut_after:
                        break
                    continue
                target.sendall(data)
        except OSError:
            pass
        for sock in (source, target):
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _answer_unavailable(self, client: socket.socket, silent: bool) -> None:
        try:
            request = b""
            while b"\r\n\r\n" not in request or silent:
                data = client.recv(65536)
                if not data or self.stopped:
                    break
                request += data[-4:] if silent else data
            if not silent:
                client.sendall(UNAVAILABLE)
        except OSError:
            pass
        finally:
            client.close()


@contextmanager
def faulty_proxy(upstream: str) -> Iterator[FaultyProxy]:
    proxy = FaultyProxy(upstream)
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.stop()


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
