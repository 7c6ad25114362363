"""A chunk written straight to the end of its upload's local file while it arrives.

Where a chunk's session is known to this process, the chunk part is written to the end of
the session's file as it arrives, instead of a spool file, hashed into a copy of the
session's running SHA-1 on the way; verification reads it there (media/readable.py). The
append is then only the fsync of what is mostly on disk already: no copy after the body,
no wait for the whole chunk's write-back; its pages then leave the page cache, so that an
upload of any size keeps about one chunk cached. A chunk that cannot land, or whose
landing gives up, is spooled as any file part (with what had landed copied first).

Safety rests on one lock and one rule:

- The landing request holds the session's file under an exclusive ``flock`` from the
  chunk's first byte until the request ends; a chunk that was only spooled takes the same
  lock (waiting) before its session row is locked, and keeps it until its request ends, so
  that appends never overlap. Lock order is always file, then row.
- A chunk lands only at the file's length, which is never below the session's committed
  size (an append's fsync comes before its row's commit), so the bytes of earlier chunks are
  never touched. Until the chunk is settled (the checks passed and the append is being
  committed), what it wrote is cut off again when it is released.
"""

from __future__ import annotations

import fcntl
import os
import time
import weakref
from contextlib import suppress
from enum import Enum
from pathlib import Path
from typing import Any

from wikiupload.filerepo.backends.base import StorageError
from wikiupload.filerepo.chunkstore import copy_range
from wikiupload.filerepo.write_back import drop_from_cache, start_write_back
from wikiupload.http.background_hash import BackgroundHash
from wikiupload.media.readable import FileRange

__all__ = ["BUSY", "SessionFile"]

# Write-back of a landing chunk starts every this many bytes (a 5 MiB chunk's fsync then
# waits for about its last MiB only).
WRITE_BACK_EVERY = 1024 * 1024


class Busy(Enum):
    BUSY = "busy"


BUSY = Busy.BUSY


def _locked(fd: int) -> bool:
    """Take the file's exclusive lock if no other request holds it."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


class SessionFile:
    """A chunk session's local file, open and exclusively locked for one request; with
    ``land``, the request's chunk is also written at its end."""

    def __init__(self, fd: int, path: Path, offset: int, room: int,
                 hashing: BackgroundHash | None) -> None:
        self.path = path
        self.offset = offset        # where the chunk lands (-1: the lock only)
        self.size = 0               # bytes landed
        self._fd: int | None = fd
        self._room = room
        self._hashing = hashing
        self._written_back = 0
        self._abandoned = hashing is None
        self._cut_on_release = offset >= 0    # what landed is cut off again when released
        # A hold lost without its release (a bug) still ends with the object: the lock is
        # let go then, not kept until the process ends.
        self._closer = weakref.finalize(self, os.close, fd)

    @classmethod
    def land(cls, path: Path, offset: int, room: int, digest: Any) -> SessionFile | None:
        """Land a chunk at ``offset`` (at most ``room`` bytes), feeding ``digest`` (the
        running hash of the bytes before it, which this takes over), or None when the file
        is not there, is locked by another request, or does not end at ``offset``."""
        try:
            fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
        except OSError:
            return None
        try:
            if _locked(fd) and os.fstat(fd).st_size == offset:
                return cls(fd, path, offset, room, BackgroundHash(digest))
        except OSError:
            pass
        os.close(fd)
        return None

    @classmethod
    def hold(cls, path: Path, *, wait_seconds: float = 0) -> SessionFile | Busy | None:
        """The lock of the session's file, landing nothing, waiting at most
        ``wait_seconds`` for another request to let it go (then ``BUSY``); None when the
        file is gone."""
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return None
        deadline, pause = time.monotonic() + wait_seconds, 0.005
        try:
            while not _locked(fd):
                if time.monotonic() >= deadline:
                    os.close(fd)
                    return BUSY
                time.sleep(pause)
                pause = min(pause * 2, 0.05)
        except BaseException:
            os.close(fd)
            raise
        return cls(fd, path, -1, 0, None)

    def write(self, data: bytes) -> bool:
        """Land the next bytes of the chunk; False when it is abandoned (a chunk that
        outgrows the room left, or a write that fails): the chunk is then spooled and takes
        the ordinary path."""
        if self._abandoned or self._fd is None:
            return False
        if self.size + len(data) > self._room:
            self._abandon()
            return False
        try:
            view, at = memoryview(data), self.offset + self.size
            while view:
                done = os.pwrite(self._fd, view, at)
                view, at = view[done:], at + done
        except OSError:
            self._abandon()
            return False
        assert self._hashing is not None
        self._hashing.feed(data)
        self.size += len(data)
        if self.size - self._written_back >= WRITE_BACK_EVERY:
            start_write_back(self._fd, self.offset + self._written_back,
                             self.size - self._written_back)
            self._written_back = self.size
        return True

    def readable(self) -> FileRange:
        return FileRange(self.path, self.offset, self.size)

    def copy_to(self, fd: int) -> None:
        """Copy what landed to ``fd`` (in the kernel), while it is still there: before the
        request appends anything itself, or releases the file."""
        assert self._fd is not None
        copy_range(self._fd, self.offset, self.size, fd)

    def holds(self, path: Path) -> bool:
        """Whether this is the (locked) file at ``path``."""
        return self._fd is not None and self.path == path

    def landed(self, path: Path, offset: int, size: int) -> bool:
        """Whether the whole chunk, ``size`` bytes at ``offset`` of ``path``, landed here."""
        return (self.holds(path) and not self._abandoned and self.offset == offset
                and self.size == size)

    def settle(self, *, sync: bool) -> Any:
        """Keep the landed chunk (the caller commits its session's growth next): checks the
        file's length, syncs it (the fsync setting) and returns the running hash, which now
        covers the chunk."""
        assert self._fd is not None and self._hashing is not None and not self._abandoned
        digest = self._hashing.finished()
        length = os.fstat(self._fd).st_size
        if length != self.offset + self.size:
            raise StorageError(f"{self.path.name}: {length} bytes where "
                               f"{self.offset + self.size} were landed")
        if sync:
            os.fsync(self._fd)
            # On disk, and not read again here (it was hashed as it arrived): its pages are
            # let go, and the next chunk's writes reuse them.
            drop_from_cache(self._fd, self.offset, self.size)
        self._cut_on_release = False
        return digest

    def leave_end(self) -> None:
        """The request appends its chunk from the spool file instead, which decides where
        the file ends from now on: nothing is cut off at release (cutting back to where the
        landing began could take bytes that append has added)."""
        self._abandon()
        self._cut_on_release = False

    def release(self) -> None:
        """End the request's hold: cut off what landed unless it was settled (or left to an
        append), unlock."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        if self._hashing is not None:
            self._hashing.cancel()
        try:
            if self._cut_on_release:
                with suppress(OSError):
                    os.ftruncate(fd, self.offset)
        finally:
            self._closer()

    def _abandon(self) -> None:
        self._abandoned = True
        if self._hashing is not None:
            self._hashing.cancel()
