"""Syncing a local file to disk in a thread while its request goes on.

A request body spooled to a local file must be on disk before it is renamed into the store.
Started as soon as the request is known to be allowed to upload, the fsync overlaps the
checks that come before the rename (verification, warnings, the rows) instead of adding its
wait to them.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from wikiupload.filerepo.backends.base import StorageError

__all__ = ["BackgroundSync"]

_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="wikiupload-fsync")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class BackgroundSync:
    """An fsync of one local file, running in a shared thread pool."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._future = _POOL.submit(_fsync, path)

    def on_disk(self) -> bool:
        """True once the file is on disk. False when the sync has not started yet (all the
        pool's threads busy with other files): it is called off, and the caller syncs the
        file itself rather than wait in line. A failed sync raises StorageError: the caller
        must not sync again, since a second fsync after a write-back error can report
        success for pages that never reached the disk."""
        if self._future.cancel():
            return False
        try:
            self._future.result()
        except OSError as error:
            raise StorageError(f"fsync of {self.path.name} failed: {error}") from error
        return True
