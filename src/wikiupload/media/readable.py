"""What the content checks read: a whole file, or a byte range of one (a chunk where it
landed in its upload's file), opened the same way: a seekable binary stream that ends where
the content ends."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

__all__ = ["FileRange", "Readable", "open_readable"]


@dataclass(frozen=True)
class FileRange:
    """``length`` bytes of the file at ``path`` from byte ``start``."""

    path: Path
    start: int
    length: int


Readable = str | os.PathLike[str] | FileRange


def open_readable(source: Readable) -> BinaryIO:
    """Open ``source`` for reading; a FileRange reads as a file of its own (offsets, ends
    and seeks relative to the range)."""
    if isinstance(source, FileRange):
        return io.BufferedReader(_RangeReader(source))
    return open(source, "rb")  # noqa: SIM115 - the caller closes it


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
