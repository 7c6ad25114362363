"""Storage backends and how to pick one from ``settings.storage_url``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
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
    StorageUnavailable,
    StoreMisconfigured,
)
from wikiupload.filerepo.backends.local import LocalBackend
from wikiupload.filerepo.backends.memory import MemoryBackend

if TYPE_CHECKING:
    from wikiupload.filerepo.backends.s3 import S3Options

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
    "StorageUnavailable",
    "StoreMisconfigured",
    "backend_from_url",
]


def backend_from_url(url: str, default_root: Path,
                     s3_options: S3Options | None = None) -> StorageBackend:
    """``""`` → LocalBackend(default_root); ``file:///abs/path``; ``s3://bucket/prefix``
    (with ``s3_options``); ``memory://`` (tests)."""
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
    if parts.scheme == "s3":
        from wikiupload.filerepo.backends.s3 import S3Backend, S3Options  # boto3 only if used

        return S3Backend.from_url(url, s3_options or S3Options())
    if parts.scheme == "memory":
        return MemoryBackend()
    raise ValueError(f"storage URL {url!r}: unsupported scheme {parts.scheme!r}")
