"""Leftovers of interrupted writes: in-flight temp objects of the storage backend and
request spool files, found by age.

The storage interface hides in-flight objects (names starting with ``TEMP_PREFIX``); only a
backend on a local directory has them as files, so they are looked for there. Other
backends write objects in one request and leave nothing behind. A local backend's spare
files (``SPARE_PREFIX``) are in use while they are written to now and then: one is stale only
when left alone for ``SPARE_IDLE_SECONDS`` too. Spool files (request bodies, downloads,
imports) live in the data directory's ``tmp``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from wikiupload.filerepo.backends import LocalBackend, StorageBackend
from wikiupload.filerepo.backends.base import TEMP_PREFIX
from wikiupload.filerepo.backends.local import SPARE_IDLE_SECONDS, SPARE_PREFIX

__all__ = ["StaleFile", "remove_stale", "stale_files"]


@dataclass(frozen=True)
class StaleFile:
    kind: str        # "stale-temp" (backend temp object) or "stale-spool"
    path: Path
    age: float       # seconds since last modified


def stale_files(backend: StorageBackend, spool_dir: Path, now: float,
                min_age: float) -> Iterator[StaleFile]:
    """Temp objects and spool files not modified for ``min_age`` seconds."""
    if isinstance(backend, LocalBackend):
        for path in _backend_temp_files(backend.root):
            spare = path.name.startswith(SPARE_PREFIX)
            yield from _if_old("stale-temp", path, now,
                               max(min_age, SPARE_IDLE_SECONDS) if spare else min_age)
    if spool_dir.is_dir():
        for entry in sorted(spool_dir.iterdir()):
            if entry.is_file() and not entry.is_symlink():
                yield from _if_old("stale-spool", entry, now, min_age)


def _backend_temp_files(root: Path) -> Iterator[Path]:
    for dirpath, _dirnames, filenames in os.walk(root):
        for name in sorted(filenames):
            if name.startswith(TEMP_PREFIX):
                yield Path(dirpath) / name


def _if_old(kind: str, path: Path, now: float, min_age: float) -> Iterator[StaleFile]:
    try:
        age = now - path.stat().st_mtime
    except FileNotFoundError:   # finished or removed meanwhile
        return
    if min_age <= 0 or age >= min_age:
        yield StaleFile(kind, path, age)


def remove_stale(stale: StaleFile, min_age: float, now: float) -> bool:
    """Remove a stale file if it is still old (it may have been written to meanwhile)."""
    if stale.path.name.startswith(SPARE_PREFIX):
        min_age = max(min_age, SPARE_IDLE_SECONDS)
    try:
        if min_age > 0 and now - stale.path.stat().st_mtime < min_age:
            return False
        stale.path.unlink()
    except FileNotFoundError:
        return False
    return True
