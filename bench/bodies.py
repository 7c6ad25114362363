"""Request bodies: multipart/form-data streamed from a file (or a range of it)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from pathlib import Path

from bench.units import MIB, BenchError

SEND_BUFFER = MIB


class MultipartFileBody:
    """A multipart/form-data body: text fields, then one file part read from disk.

    ``requests`` sends it with a Content-Length (from ``__len__``) and writes the pieces
    ``__iter__`` yields; the file goes through one reused buffer, so the client's memory use
    does not depend on the file size. ``sent_at`` is when the last piece was handed over.
    """

    def __init__(self, fields: dict[str, str], file_field: str, filename: str, path: Path,
                 content_type: str = "application/octet-stream") -> None:
        self.boundary = "----wikiupload-bench-" + secrets.token_hex(12)
        self.path = path
        self.sent_at: float | None = None
        self._head = self._fields(fields) + self._part_header(file_field, filename, content_type)
        self._tail = f"\r\n--{self.boundary}--\r\n".encode()
        self._length = len(self._head) + path.stat().st_size + len(self._tail)

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def _fields(self, fields: dict[str, str]) -> bytes:
        return b"".join(
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode() for name, value in fields.items())

    def _part_header(self, name: str, filename: str, content_type: str) -> bytes:
        return (f'--{self.boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n').encode()

    def __len__(self) -> int:
        return self._length

    def whole(self) -> bytes | None:
        """The body in one piece when it is at most ``SEND_BUFFER`` bytes (else None): sent
        with the request's headers in one write, as clients that build a body in memory
        (requests, pywikibot, mwclient) send a small upload."""
        if self._length > SEND_BUFFER:
            return None
        data = b"".join(self)
        if len(data) != self._length:
            raise BenchError(f"{self.path} changed while it was read")
        return data

    def __iter__(self) -> Iterator[bytes | memoryview]:
        yield self._head
        buffer = bytearray(min(SEND_BUFFER, max(self._length, 1)))
        view = memoryview(buffer)
        with open(self.path, "rb", buffering=0) as source:
            while count := source.readinto(buffer):
                yield view[:count]  # sent (sendall) before the next readinto
        yield self._tail
        self.sent_at = time.perf_counter()


class ChunkBody(MultipartFileBody):
    """The multipart body of one chunk request: the fields, then ``length`` bytes of ``path``
    from ``offset``, read through one reused buffer (never the whole chunk in memory)."""

    def __init__(self, fields: dict[str, str], path: Path, offset: int, length: int,
                 filename: str) -> None:
        super().__init__(fields, "chunk", filename, path, "application/octet-stream")
        self.offset = offset
        self.length = length
        self._length = len(self._head) + length + len(self._tail)

    def __iter__(self) -> Iterator[bytes | memoryview]:
        yield self._head
        buffer = bytearray(min(SEND_BUFFER, max(self.length, 1)))
        view = memoryview(buffer)
        left = self.length
        with open(self.path, "rb", buffering=0) as source:
            source.seek(self.offset)
            while left > 0:
                count = source.readinto(view[:min(left, len(buffer))])
                if not count:
                    raise BenchError(f"{self.path} ended {left} bytes early")
                left -= count
                yield view[:count]   # sent (sendall) before the next readinto
        yield self._tail
        self.sent_at = time.perf_counter()

