"""Where a chunked upload grows until its last chunk, per kind of storage.

A chunk session is a storage path plus a small state string kept with the session's
database row (so any process can take the next chunk). Two stores:

- LocalChunkStore: the bytes so far are one file at the path; each chunk is appended in
  the kernel (copy_file_range); the assembled file is already local. No state.
- S3ChunkStore (filerepo/s3_chunks.py): an S3 multipart upload to the path, fed in parts of
  at least 5 MiB; what is not yet a part waits in a small "tail" object.
"""

from __future__ import annotations

import hashlib
import os
import sys
from contextlib import suppress
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from wikiupload.filerepo.backends.base import StorageError
from wikiupload.filerepo.backends.local import LocalBackend

if TYPE_CHECKING:
    from wikiupload.filerepo.repo import FileRepo

__all__ = ["Assembled", "ChunkData", "ChunkStore", "LocalChunkStore", "append_file",
           "chunk_store_for", "copy_range", "feed"]

BLOCK = 1024 * 1024
HASH_BLOCK = 256 * 1024


@dataclass(frozen=True)
class ChunkData:
    """One received chunk: a local temp file, its size and SHA-1 (hex: ``known_sha1``, or
    computed from the file when first asked for; appending locally never asks)."""

    path: Path
    size: int
    known_sha1: str = ""

    @cached_property
    def sha1(self) -> str:
        if self.known_sha1:
            return self.known_sha1
        digest = hashlib.sha1()
        feed(digest, self.path)
        return digest.hexdigest()


@dataclass(frozen=True)
class Assembled:
    """The whole upload as a local file to verify; ``sha1`` is "" when not computed here."""

    path: Path
    sha1: str
    state: str


class ChunkStore(Protocol):
    def begin(self, path: str, chunk: ChunkData) -> str:
        """Start a session at ``path`` with its first chunk (the chunk file is consumed);
        returns the session state."""
        ...

    def append(self, path: str, state: str, chunk: ChunkData, offset: int) -> str:
        """Add a chunk that starts at byte ``offset``; returns the new state."""
        ...

    def is_resend(self, path: str, state: str, chunk: ChunkData, offset: int,
                  size: int) -> bool:
        """Whether ``chunk`` at ``offset`` is the last chunk stored again (size = bytes so far)."""
        ...

    def readable(self, path: str, state: str) -> str | None:
        """The stored object that holds the bytes so far, if there is one to read."""
        ...

    def assemble(self, path: str, state: str, key: str) -> Assembled:
        """Make the whole upload a complete object at ``path``; a local file to verify."""
        ...

    def settle(self, path: str, state: str, key: str) -> None:
        """After the assembled object was kept: drop what assembling needed."""
        ...

    def discard(self, path: str, state: str, key: str) -> None:
        """Forget a session: its bytes, parts and copies (missing ones are fine)."""
        ...


def chunk_store_for(repo: FileRepo) -> ChunkStore | None:
    """The chunk store for the repository's backend; None when it has none."""
    backend = repo.backend
    if isinstance(backend, LocalBackend):
        return LocalChunkStore(backend)
    from wikiupload.filerepo.backends.s3 import S3Backend

    if isinstance(backend, S3Backend):
        from wikiupload.filerepo.s3_chunks import S3ChunkStore

        return S3ChunkStore(backend, repo.settings.data_dir / "tmp")
    return None


def feed(digest: hashlib._Hash, path: Path, limit: int | None = None) -> None:
    """Hash a file (its first ``limit`` bytes) into ``digest`` through one reused buffer (no
    allocation per block, which in a thread of its own would grow that thread's malloc
    arena)."""
    view = memoryview(bytearray(HASH_BLOCK))
    left = sys.maxsize if limit is None else limit
    with open(path, "rb", buffering=0) as stream:
        while left > 0 and (count := stream.readinto(view[:min(left, HASH_BLOCK)])):
            digest.update(view[:count])
            left -= count


def append_file(target: Path, chunk: Path, at: int | None = None, *,
                sync: bool = True) -> None:
    """Write ``chunk`` at the end of ``target`` (or at offset ``at``, cutting off anything
    after it first) without passing the bytes through Python. A missing target is an error
    (FileNotFoundError), never a new file holding only this chunk."""
    with open(chunk, "rb") as src, open(target, "r+b") as dst:
        start = dst.seek(0, os.SEEK_END) if at is None else at
        dst.truncate(start)
        dst.seek(start)
        copy_range(src.fileno(), 0, os.fstat(src.fileno()).st_size, dst.fileno())
        if sync:  # the fsync setting
            os.fsync(dst.fileno())


def copy_range(source: int, start: int, length: int, target: int) -> None:
    """Copy ``length`` bytes of ``source`` from byte ``start`` to ``target`` at its
    position: in the kernel (copy_file_range) where it can, else through a buffer."""
    copied = 0
    with suppress(OSError):     # not across these filesystems, or not on this kernel
        while copied < length:
            done = os.copy_file_range(source, target, length - copied, start + copied)
            if done <= 0:
                break
            copied += done
    while copied < length:
        block = os.pread(source, min(BLOCK, length - copied), start + copied)
        if not block:
            raise OSError(f"{length - copied} bytes missing from the end of the source")
        view = memoryview(block)
        while view:
            view = view[os.write(target, view):]
        copied += len(block)


class LocalChunkStore:
    """Chunks appended onto one local file; assembling needs no copy at all."""

    def __init__(self, backend: LocalBackend) -> None:
        self.backend = backend

    def begin(self, path: str, chunk: ChunkData) -> str:
        self.backend.put_file(path, chunk.path, move=True)
        return ""

    def append(self, path: str, state: str, chunk: ChunkData, offset: int) -> str:
        """Bytes past ``offset`` (the recorded size) are a chunk whose session update never
        committed (a crash): they are overwritten."""
        if chunk.path.stat().st_size != chunk.size:     # never grow a session by a guess
            raise StorageError(f"{chunk.path.name} does not hold the {chunk.size} bytes "
                               "of its chunk")
        append_file(self.backend.local_path(path), chunk.path, offset,
                    sync=self.backend.fsync)
        return state

    def is_resend(self, path: str, state: str, chunk: ChunkData, offset: int,
                  size: int) -> bool:
        with open(self.backend.local_path(path), "rb") as stored, \
                open(chunk.path, "rb") as sent:
            stored.seek(offset)
            while True:
                a, b = stored.read(BLOCK), sent.read(BLOCK)
                if a != b:
                    return False
                if not a:
                    return True

    def readable(self, path: str, state: str) -> str | None:
        return path

    def assemble(self, path: str, state: str, key: str) -> Assembled:
        return Assembled(self.backend.local_path(path), "", state)

    def settle(self, path: str, state: str, key: str) -> None:
        pass

    def discard(self, path: str, state: str, key: str) -> None:
        self.backend.delete(path, missing_ok=True)
