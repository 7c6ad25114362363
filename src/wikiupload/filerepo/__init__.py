"""The file repository: MediaWiki's storage layout over a small storage interface."""

from __future__ import annotations

from wikiupload.filerepo.backends import (
    AlreadyExists,
    InvalidPath,
    LocalBackend,
    MemoryBackend,
    NotFound,
    ObjectStat,
    PathConflict,
    StorageBackend,
    StorageError,
    backend_from_url,
)
from wikiupload.filerepo.repo import (
    FileRepo,
    Location,
    PublishResult,
    extension_of,
    mw_timestamp,
    normalize_extension,
    sha1_base36,
    sha1_hex,
)

__all__ = [
    "AlreadyExists",
    "FileRepo",
    "InvalidPath",
    "LocalBackend",
    "Location",
    "MemoryBackend",
    "NotFound",
    "ObjectStat",
    "PathConflict",
    "PublishResult",
    "StorageBackend",
    "StorageError",
    "backend_from_url",
    "extension_of",
    "mw_timestamp",
    "normalize_extension",
    "sha1_base36",
    "sha1_hex",
]
