"""Slow and oversized request heads, cut off at the connection (uvicorn protocol classes).

uvicorn times out idle keep-alive connections only after a response; a client that opens a
connection and sends its request line and headers a byte at a time (slowloris), or never
finishes them, holds the connection for ever, and with httptools the size of the headers
is not bounded either. The classes here add both limits to uvicorn's HTTP protocols:

* from the moment a connection opens, or a request's first bytes arrive, the head must be
  complete within ``header_timeout`` seconds, else the answer is 408 and the connection is
  closed;
* a head larger than ``max_header_bytes`` is answered with 431 and the connection closed.

(Slow bodies are the API endpoint's business: see ``body_idle_timeout``.)
"""

from __future__ import annotations

import asyncio
from typing import Any

__all__ = ["LINGER_SECONDS", "guarded_protocol"]

_HEAD_END = b"\r\n\r\n"
LINGER_SECONDS = 1.0
_TIMEOUT = b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
_TOO_LARGE = (b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\n"
              b"connection: close\r\n\r\n")


class _HeadGuard:
    """Mixed in before a uvicorn protocol class (which provides transport, cycle, loop)."""

    header_timeout: float = 30.0
    max_header_bytes: int = 65536

    transport: asyncio.Transport
    cycle: Any
    loop: asyncio.AbstractEventLoop

    def connection_made(self, transport: asyncio.Transport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._seen_cycle: Any = None
        self._head_bytes = 0
        self._head_tail = b""
        self._head_timer: asyncio.TimerHandle | None = None
        self._refused = False
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)  # type: ignore[misc]

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if self._awaiting_head():
            # One read may hold a whole head and the first ~256 KiB of its body (a chunk
            # sent on a kept-alive connection): only the bytes up to the blank line count.
            self._head_bytes += self._head_part(data)
            if self._head_bytes > self.max_header_bytes:
                self._refuse(_TOO_LARGE)
                return
            if self._head_timer is None:
                self._arm()
        super().data_received(data)  # type: ignore[misc]
        if self.cycle is not self._seen_cycle:        # a request's head is complete
            self._seen_cycle = self.cycle
            self._head_bytes = 0
            self._head_tail = b""
            self._disarm()

    def _head_part(self, data: bytes) -> int:
        """How many bytes of ``data`` belong to the head being read (the blank line that
        ends it may start in the previous read)."""
        tail = self._head_tail
        junction = (tail + data[:3]).find(_HEAD_END)
        self._head_tail = (tail + data)[-3:] if len(data) < 3 else data[-3:]
        if junction >= 0:
            return max(junction + len(_HEAD_END) - len(tail), 0)
        end = data.find(_HEAD_END)
        return len(data) if end < 0 else end + len(_HEAD_END)

    def _awaiting_head(self) -> bool:
        cycle = self.cycle
        return cycle is self._seen_cycle and (cycle is None or cycle.response_complete)

    def _arm(self) -> None:
        if self.header_timeout > 0:
            self._head_timer = self.loop.call_later(self.header_timeout, self._timed_out)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _timed_out(self) -> None:
        self._head_timer = None
        if self._awaiting_head() and not self.transport.is_closing():
            self._refuse(_TIMEOUT)

    def _refuse(self, response: bytes) -> None:
        """Answer and close; after an earlier request only close (bytes still arriving may
        belong to a body the application stopped reading).

        The answer is followed by a half-close; what the client still sends is read and
        dropped for a moment before the connection closes, so that closing with unread
        data (a TCP reset) does not destroy the answer before the client reads it.
        """
        self._disarm()
        self._refused = True
        transport = self.transport
        if transport.is_closing():
            return
        if self._seen_cycle is not None:
            transport.close()
            return
        transport.write(response)
        if transport.can_write_eof():
            transport.write_eof()
        self.loop.call_later(LINGER_SECONDS, transport.close)


def guarded_protocol(http: str, header_timeout: float, max_header_bytes: int,
                     ) -> type[asyncio.Protocol]:
    """uvicorn's protocol class for ``http`` ("httptools", "h11" or "auto", as uvicorn's
    option) with the head limits; pass it as uvicorn's ``http`` option."""
    base: type[asyncio.Protocol]
    if http in ("httptools", "auto"):
        try:
            from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
            base = HttpToolsProtocol
        except ImportError:
            if http == "httptools":
                raise
            from uvicorn.protocols.http.h11_impl import H11Protocol
            base = H11Protocol
    else:
        from uvicorn.protocols.http.h11_impl import H11Protocol
        base = H11Protocol
    return type(f"Guarded{base.__name__}", (_HeadGuard, base),
                {"header_timeout": float(header_timeout),
                 "max_header_bytes": int(max_header_bytes)})
