"""Storage backends and how to pick one from ``settings.storage_url``."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from wikiupload.filerepo.backends.base import (
    AlreadyExists,
    InvalidPath,
    NotFound,
    ObjectStat,
    PathConflict,
    StorageBackend,
    StorageError,
)
from wikiupload.filerepo.backends.local import LocalBackend
from wikiupload.filerepo.backends.memory import MemoryBackend

__all__ = [
    "AlreadyExists",
    "InvalidPath",
    "LocalBackend",
    "MemoryBackend",
    "NotFound",
    "ObjectStat",
    "PathConflict",
    "StorageBackend",
    "StorageError",
    "backend_from_url",
]


def backend_from_url(url: str, default_root: Path) -> StorageBackend:
    """``""`` → LocalBackend(default_root); ``file:///abs/path``; ``memory://`` (tests)."""
    if not url:
        return LocalBackend(default_root)
    parts = urlsplit(url)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise ValueError(f"storage URL {url!r}: use file:///absolute/path")
        root = Path(url2pathname(parts.path))
        if not root.is_absolute():
            raise ValueError(f"storage URL {url!r}: the path must be absolute")
        return LocalBackend(root)
    if parts.scheme == "memory":
        return MemoryBackend()
    raise ValueError(f"storage URL {url!r}: unsupported scheme {parts.scheme!r}")
