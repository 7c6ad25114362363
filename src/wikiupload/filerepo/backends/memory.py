"""MemoryBackend: a complete StorageBackend kept in a dict, for tests and throwaway wikis.

It follows the same rules as LocalBackend (path checks, atomic writes, overwrite flags,
object/directory conflicts), so code tested against it behaves the same on disk.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from wikiupload.filerepo.backends.base import (
    COPY_BUFFER_SIZE,
    AlreadyExists,
    NotFound,
    ObjectStat,
    PathConflict,
    StorageError,
    check_path,
    check_prefix,
)

__all__ = ["MemoryBackend"]


@dataclass(frozen=True)
class _Object:
    data: bytes
    mtime: float


class MemoryBackend:
    """A StorageBackend whose objects live in memory; safe to share between threads."""

    def __init__(self) -> None:
        self._objects: dict[str, _Object] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"MemoryBackend({len(self._objects)} objects)"

    def put_file(self, path: str, source: Path, *, move: bool = False,
                 overwrite: bool = True, source_synced: bool = False) -> None:
        check_path(path)
        data = _read_file(source)
        self._store(path, data, overwrite)
        if move:
            source.unlink()

    def put_bytes(self, path: str, data: bytes, *, overwrite: bool = True,
                  durable: bool = True) -> None:
        check_path(path)
        self._store(path, bytes(data), overwrite)

    def open(self, path: str) -> BinaryIO:
        return io.BytesIO(self._get(path).data)

    def exists(self, path: str) -> bool:
        check_path(path)
        with self._lock:
            return path in self._objects

    def stat(self, path: str) -> ObjectStat:
        obj = self._get(path)
        return ObjectStat(size=len(obj.data), mtime=obj.mtime)

    def delete(self, path: str, *, missing_ok: bool = False, durable: bool = True) -> None:
        check_path(path)
        with self._lock:
            if self._objects.pop(path, None) is None and not missing_ok:
                raise NotFound(path)

    def copy(self, src: str, dst: str, *, overwrite: bool = True) -> None:
        check_path(dst)
        self._store(dst, self._get(src).data, overwrite)

    def move(self, src: str, dst: str, *, overwrite: bool = True) -> None:
        check_path(src)
        check_path(dst)
        with self._lock:
            obj = self._objects.get(src)
            if obj is None:
                raise NotFound(src)
            self._check_free(dst, overwrite)
            del self._objects[src]
            self._objects[dst] = obj

    def iter(self, prefix: str = "") -> Iterator[str]:
        check_prefix(prefix)
        with self._lock:
            found = sorted(path for path in self._objects if path.startswith(prefix))
        return iter(found)

    def _get(self, path: str) -> _Object:
        check_path(path)
        with self._lock:
            obj = self._objects.get(path)
        if obj is None:
            raise NotFound(path)
        return obj

    def _store(self, path: str, data: bytes, overwrite: bool) -> None:
        with self._lock:
            self._check_free(path, overwrite)
            self._objects[path] = _Object(data, time.time())

    def _check_free(self, path: str, overwrite: bool) -> None:
        """Refuse what a file system would refuse; the caller holds the lock."""
        if path in self._objects and not overwrite:
            raise AlreadyExists(path)
        segments = path.split("/")
        for depth in range(1, len(segments)):
            if "/".join(segments[:depth]) in self._objects:
                raise PathConflict(f"{path}: a parent is an object")
        directory = path + "/"
        if any(other.startswith(directory) for other in self._objects):
            raise PathConflict(f"{path} is a directory")


def _read_file(source: Path) -> bytes:
    try:
        with open(source, "rb") as fh:
            chunks = iter(lambda: fh.read(COPY_BUFFER_SIZE), b"")
            return b"".join(chunks)
    except FileNotFoundError as exc:
        raise NotFound(str(source)) from exc
    except IsADirectoryError as exc:
        raise StorageError(f"{source} is a directory") from exc
