"""Spool files for request bodies, made ahead of need.

A file part of a request body goes to a new spool file as it arrives, on the event loop
that reads every request. Creating a file can take a millisecond where many were deleted
lately (ext4 without a journal, for one, scans past each inode freed in the last minutes),
and that millisecond would hold up every request of the loop. So a thread keeps a few
unnamed files ready (``O_TMPFILE``) in the spool directory, and a part's spool file is one
of them given a name (a hard link: no inode to allocate). Unnamed files vanish with their
process; where the system has none, a spool file is created on the spot (``mkstemp``).
"""

from __future__ import annotations

import errno
import os
import secrets
import tempfile
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

__all__ = ["SPOOL_PREFIX", "SpoolFiles"]

SPOOL_PREFIX = "upload-"
READY = 4                    # unnamed files kept ready
_FD_LINKS = Path("/proc/self/fd")
# The system cannot make unnamed files there: create named ones from then on.
_UNSUPPORTED = frozenset({errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL})
_MAKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wikiupload-spool")


class SpoolFiles:
    """New spool files in ``directory``, each open for reading and writing (mode 0600)."""

    def __init__(self, directory: Path, ready: int = READY) -> None:
        self.directory = directory
        self._wanted = ready
        self._ready: deque[int] = deque()
        self._lock = threading.Lock()
        self._making = False
        self._closed = False
        self.ahead = hasattr(os, "O_TMPFILE") and _FD_LINKS.is_dir()

    def new(self) -> tuple[int, Path]:
        """A new empty spool file: its descriptor and path."""
        fd = self._take()
        if fd is not None:
            path = self.directory / f"{SPOOL_PREFIX}{secrets.token_urlsafe(9)}"
            try:
                _give_name(fd, path)
                return fd, path
            except OSError:
                os.close(fd)    # the directory went: it is made again below
        self.directory.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.directory, prefix=SPOOL_PREFIX)
        return fd, Path(name)

    def close(self) -> None:
        """Let the ready files go (they vanish: they have no name)."""
        with self._lock:
            self._closed = True
            ready, self._ready = list(self._ready), deque()
        for fd in ready:
            os.close(fd)

    def _take(self) -> int | None:
        with self._lock:
            fd = self._ready.popleft() if self._ready else None
            # Refilled once half are gone: the thread's wake-up is shared by several files.
            make = (self.ahead and not self._making and not self._closed
                    and len(self._ready) <= self._wanted // 2)
            self._making = self._making or make
        if make:
            _MAKER.submit(self._make_ready)
        return fd

    def _make_ready(self) -> None:
        try:
            while True:
                with self._lock:
                    if self._closed or len(self._ready) >= self._wanted:
                        return
                try:
                    fd = os.open(self.directory, os.O_TMPFILE | os.O_RDWR | os.O_CLOEXEC, 0o600)
                except OSError as exc:
                    if exc.errno in _UNSUPPORTED:
                        self.ahead = False
                    return
                with self._lock:
                    if self._closed:
                        os.close(fd)
                        return
                    self._ready.append(fd)
        finally:
            with self._lock:
                self._making = False


def _give_name(fd: int, path: Path) -> None:
    """Link the unnamed file ``fd`` as ``path``: ``linkat`` of its ``/proc/self/fd`` entry,
    following that link. (``os.link`` calls ``link``, which does not follow it, unless given
    a directory descriptor; for an absolute path the system ignores which one.)"""
    os.link(_FD_LINKS / str(fd), path, src_dir_fd=fd, follow_symlinks=True)
