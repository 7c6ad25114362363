"""The SHA-1 of a stored object, read through the backend in blocks."""

from __future__ import annotations

import hashlib

from wikiupload.filerepo.backends import StorageBackend

__all__ = ["content_sha1"]

BLOCK = 1024 * 1024


def content_sha1(backend: StorageBackend, path: str) -> str:
    """Hex SHA-1 of the object at ``path`` (NotFound if there is none)."""
    digest = hashlib.sha1()
    with backend.open(path) as stream:
        while block := stream.read(BLOCK):
            digest.update(block)
    return digest.hexdigest()
