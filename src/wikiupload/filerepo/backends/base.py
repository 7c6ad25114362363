"""The storage interface: a flat namespace of byte objects addressed by relative paths.

A backend knows nothing of wikis. Paths are ``/``-separated, relative, and never contain
``.``/``..`` segments, empty segments, backslashes or NUL; every backend checks them with
:func:`check_path` so that the same path is valid everywhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

__all__ = [
    "COPY_BUFFER_SIZE",
    "TEMP_PREFIX",
    "AlreadyExists",
    "InvalidPath",
    "NotFound",
    "ObjectStat",
    "PathConflict",
    "KeepsUnfinishedUploads",
    "PresignsUrls",
    "StorageBackend",
    "StorageError",
    "StorageUnavailable",
    "StoreMisconfigured",
    "check_path",
    "check_prefix",
]

COPY_BUFFER_SIZE = 1024 * 1024
# Name prefix of in-flight temp objects; object names may not start with it.
TEMP_PREFIX = ".~tmp-"


class StorageError(Exception):
    """A storage operation failed."""


class StorageUnavailable(StorageError):
    """The store could not be reached or is overloaded (timeout, refused, 5xx): try later."""


class StoreMisconfigured(StorageError):
    """The store cannot work as configured (its bucket does not exist): no retry helps, an
    operator must act."""


class NotFound(StorageError):
    """The object does not exist."""


class AlreadyExists(StorageError):
    """The destination exists and overwriting was not allowed."""


class InvalidPath(StorageError, ValueError):
    """The path is not a valid object path (it could escape the store, or is malformed)."""


class PathConflict(StorageError):
    """The path is used as both an object and a directory (``a`` and ``a/b``)."""


@dataclass(frozen=True)
class ObjectStat:
    size: int
    mtime: float  # seconds since the epoch


@runtime_checkable
class StorageBackend(Protocol):
    """Objects addressed by relative paths. Writes are atomic: readers see all or nothing."""

    def put_file(self, path: str, source: Path, *, move: bool = False,
                 overwrite: bool = True, source_synced: bool = False) -> None:
        """Store the contents of a local file; with ``move`` the source is consumed.
        ``source_synced``: the caller has fsynced the source already."""
        ...

    def put_bytes(self, path: str, data: bytes, *, overwrite: bool = True,
                  durable: bool = True) -> None:
        """Store a small value. ``durable=False``: the caller can live with the value being
        lost in a power loss (the local backend then skips its fsyncs); it is still
        written atomically and survives a killed process."""
        ...

    def open(self, path: str) -> BinaryIO:
        """A binary stream of the object; it keeps reading the version that was opened."""
        ...

    def exists(self, path: str) -> bool:
        ...

    def stat(self, path: str) -> ObjectStat:
        ...

    def delete(self, path: str, *, missing_ok: bool = False, durable: bool = True) -> None:
        """Remove an object. ``durable=False``: the caller can live with the object coming
        back after a power loss (the local backend then skips fsyncing the directory, and
        keeps a small file for the next small object of the directory)."""
        ...

    def copy(self, src: str, dst: str, *, overwrite: bool = True) -> None:
        """Copy an object; the destination appears complete or not at all."""
        ...

    def move(self, src: str, dst: str, *, overwrite: bool = True) -> None:
        ...

    def iter(self, prefix: str = "") -> Iterator[str]:
        """Paths of the objects whose path starts with ``prefix``, sorted."""
        ...


@runtime_checkable
class KeepsUnfinishedUploads(Protocol):
    """A backend where a chunked upload's parts wait in the store (S3 multipart uploads)."""

    def abort_stale_uploads(self, prefix: str, older_than: float) -> int:
        ...


@runtime_checkable
class PresignsUrls(Protocol):
    """A backend whose objects can be fetched by users directly, with a signed URL."""

    def presigned_url(self, path: str, *, expires: int, content_type: str = "") -> str:
        ...


def check_path(path: str) -> str:
    """Return ``path`` if it is a valid object path, else raise InvalidPath."""
    if not isinstance(path, str) or not path:
        raise InvalidPath("empty path")
    if "\x00" in path or "\\" in path:
        raise InvalidPath(f"forbidden character in path {path!r}")
    if path.startswith("/"):
        raise InvalidPath(f"absolute path {path!r}")
    for segment in path.split("/"):
        if segment in ("", ".", ".."):
            raise InvalidPath(f"bad segment in path {path!r}")
        if segment.startswith(TEMP_PREFIX):
            raise InvalidPath(f"reserved name in path {path!r}")
    return path


def check_prefix(prefix: str) -> str:
    """Return ``prefix`` if it could start a valid path ("" and "dir/" allowed)."""
    if prefix == "":
        return prefix
    check_path(prefix[:-1] if prefix.endswith("/") else prefix)
    return prefix
