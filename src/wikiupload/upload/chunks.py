"""Chunked uploads: a stash entry in state ``chunks`` grows chunk by chunk at the end of its
assembling file; the last chunk turns it into an ordinary stashed file (with a new key).

Each chunk arrives spooled to a temp file; it is appended in the kernel (copy_file_range)
onto the assembling file. The SHA-1 of the whole is carried across chunks in this process, so
assembly does not read the file again unless another process received earlier chunks.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from sqlalchemy import select

from wikiupload.db.stash_models import StashedFile
from wikiupload.errors import ApiError
from wikiupload.filerepo.backends.local import LocalBackend
from wikiupload.filerepo.repo import FileRepo
from wikiupload.http.form import UploadedFile
from wikiupload.timestamps import now as utc_now
from wikiupload.upload.stash import FileFacts, UploadStash

BLOCK = 1024 * 1024


class RunningHashes:
    """SHA-1 objects of chunk sessions in this process, keyed by filekey (bounded LRU)."""

    def __init__(self, capacity: int = 256) -> None:
        self._hashes: OrderedDict[str, tuple[int, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.capacity = capacity

    def take(self, key: str, size: int) -> Any | None:
        with self._lock:
            found = self._hashes.pop(key, None)
        if found is None or found[0] != size:
            return None
        return found[1]

    def put(self, key: str, size: int, digest: Any) -> None:
        with self._lock:
            self._hashes[key] = (size, digest)
            while len(self._hashes) > self.capacity:
                self._hashes.popitem(last=False)


HASHES = RunningHashes()


def _feed(digest: Any, path: Path) -> None:
    with open(path, "rb") as stream:
        while block := stream.read(BLOCK):
            digest.update(block)


def _append(target: Path, chunk: Path) -> None:
    """Append ``chunk`` to ``target`` without passing the bytes through Python."""
    size = chunk.stat().st_size
    with open(chunk, "rb") as src, open(target, "ab") as dst:
        copied = 0
        while copied < size:
            try:
                done = os.copy_file_range(src.fileno(), dst.fileno(), size - copied)
            except OSError:
                done = 0
            if done <= 0:
                src.seek(copied)
                while block := src.read(BLOCK):
                    dst.write(block)
                break
            copied += done
        dst.flush()
        os.fsync(dst.fileno())


class ChunkSessions:
    """Chunk sessions of the stash; needs a repository whose backend has local files."""

    def __init__(self, stash: UploadStash, repo: FileRepo) -> None:
        if not isinstance(repo.backend, LocalBackend):
            raise ApiError("apierror-stashfailed-nosession", code="stashfailed")
        self.stash = stash
        self.repo = repo
        self.backend: LocalBackend = repo.backend

    def local(self, row: StashedFile) -> Path:
        return self.backend.local_path(row.path)

    def start(self, chunk: UploadedFile, *, user_id: int, orig_name: str,
              expected_size: int) -> StashedFile:
        """Offset 0: the chunk becomes a new stash entry in state ``chunks``."""
        facts = FileFacts(size=chunk.size, sha1="", mime="")
        row = self.stash.store(chunk.path, user_id=user_id, orig_name=orig_name, facts=facts,
                               source_type="", move=True)
        row.status = "chunks"
        row.expected_size = expected_size
        digest = hashlib.sha1()
        _feed(digest, self.local(row))
        HASHES.put(row.key, row.size, digest)
        return row

    def locked(self, key: str) -> StashedFile | None:
        query = select(StashedFile).where(StashedFile.key == key).with_for_update()
        # populate_existing: the row may already be in the session, read before the lock
        return self.stash.db.scalars(query.execution_options(populate_existing=True)).first()

    def append(self, row: StashedFile, chunk: UploadedFile) -> None:
        digest = HASHES.take(row.key, row.size)
        target = self.local(row)
        if digest is not None:
            _feed(digest, chunk.path)
        _append(target, chunk.path)
        row.size += chunk.size
        row.chunk_index += 1
        if digest is not None:
            HASHES.put(row.key, row.size, digest)

    def is_resend(self, row: StashedFile, chunk: UploadedFile, offset: int) -> bool:
        """The same bytes again right before the current end (the client lost our answer)."""
        if offset + chunk.size != row.size or chunk.size == 0:
            return False
        with open(self.local(row), "rb") as stored, open(chunk.path, "rb") as sent:
            stored.seek(offset)
            while True:
                a, b = stored.read(BLOCK), sent.read(BLOCK)
                if a != b:
                    return False
                if not a:
                    return True

    def sha1(self, row: StashedFile) -> str:
        return running_sha1(self.local(row), row.key, row.size)

    def finish(self, row: StashedFile, facts: FileFacts) -> StashedFile:
        """Turn the assembled session into a stashed file with a new key (no copy)."""
        source = self.local(row)
        new = self.stash.store(source, user_id=row.user_id, orig_name=row.orig_name,
                               facts=facts, source_type="", move=True)
        self.stash.forget(row)
        return new


def touch(row: StashedFile) -> None:
    row.timestamp = utc_now()


def running_sha1(path: Path, key: str, size: int) -> str:
    """SHA-1 of a chunk session's bytes so far; the running hash is kept for the next chunk
    (and computed from the file only when this process has not seen the earlier chunks)."""
    digest = HASHES.take(key, size)
    if digest is None:
        digest = hashlib.sha1()
        _feed(digest, path)
    HASHES.put(key, size, digest)
    return str(digest.hexdigest())


def partial_sha1(repo: FileRepo, row: StashedFile) -> str:
    """SHA-1 of a chunked upload's bytes so far ("" where the store has no local files)."""
    if isinstance(repo.backend, LocalBackend):
        return running_sha1(repo.backend.local_path(row.path), row.key, row.size)
    return ""
