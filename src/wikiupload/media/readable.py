"""What the content checks read: a whole file, a byte range of one (a chunk where it landed
in its upload's file), or the bytes of a small file read once, opened the same way: a
seekable binary stream that ends where the content ends."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

__all__ = ["SMALL_FILE_BYTES", "FileRange", "InMemory", "Readable", "open_readable",
           "read_if_small", "readable_size"]

# A file up to this size is read once for all the content checks (each opens what it reads,
# and there are about seven of them): no more memory than a request's buffers hold anyway.
SMALL_FILE_BYTES = 256 * 1024


@dataclass(frozen=True)
class FileRange:
    """``length`` bytes of the file at ``path`` from byte ``start``."""

    path: Path
    start: int
    length: int


@dataclass(frozen=True)
class InMemory:
    """The whole content of a small file, read once."""

    data: bytes

    def __repr__(self) -> str:     # never the bytes themselves (logs, tracebacks)
        return f"InMemory({len(self.data)} bytes)"


Readable = str | os.PathLike[str] | FileRange | InMemory


def open_readable(source: Readable) -> BinaryIO:
    """Open ``source`` for reading; a FileRange reads as a file of its own (offsets, ends
    and seeks relative to the range)."""
    if isinstance(source, InMemory):
        return io.BytesIO(source.data)
    if isinstance(source, FileRange):
        return io.BufferedReader(_RangeReader(source))
    return open(source, "rb")  # noqa: SIM115 - the caller closes it


def readable_size(source: Readable) -> int:
    if isinstance(source, InMemory):
        return len(source.data)
    if isinstance(source, FileRange):
        return source.length
    return os.path.getsize(source)


def read_if_small(path: str | os.PathLike[str], size: int) -> Readable:
    """The file's bytes when it holds at most SMALL_FILE_BYTES (``size``: what it should
    hold), else the path itself."""
    if size > SMALL_FILE_BYTES:
        return path
    with open(path, "rb") as handle:
        data = handle.read(SMALL_FILE_BYTES + 1)
    return InMemory(data) if len(data) <= SMALL_FILE_BYTES else path


class _RangeReader(io.RawIOBase):
    def __init__(self, source: FileRange) -> None:
        super().__init__()
        self._fd = os.open(source.path, os.O_RDONLY | os.O_CLOEXEC)
        self._start = source.start
        self._length = source.length
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        wanted = min(len(buffer), self._length - self._position)
        if wanted <= 0:
            return 0
        done = os.preadv(self._fd, [memoryview(buffer)[:wanted]],
                         self._start + self._position)
        self._position += done
        return done

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._position, os.SEEK_END: self._length}[whence]
        if base + offset < 0:
            raise OSError(22, "negative seek position")
        self._position = base + offset
        return self._position

    def tell(self) -> int:
        return self._position

    def close(self) -> None:
        if not self.closed:
            os.close(self._fd)
        super().close()
