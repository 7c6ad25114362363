"""Syncing a local file to disk in a thread while its request goes on.

A request body spooled to a local file must be on disk before it is renamed into the store.
Started as soon as the request is taken up, the fsync overlaps the checks that come before
the rename (verification, warnings, the rows) instead of adding its wait to them.
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

__all__ = ["BackgroundSync"]

log = logging.getLogger(__name__)

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
        """Wait for the sync: True if the file is on disk, False if it failed (the caller
        then syncs the file itself, and meets the error there)."""
        try:
            self._future.result()
        except OSError as error:
            log.warning("background fsync of %s failed: %s", self.path, error)
            return False
        return True
