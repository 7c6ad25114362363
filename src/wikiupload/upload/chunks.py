"""Chunked uploads: a stash entry in state ``chunks`` grows chunk by chunk; the last chunk
turns it into an ordinary stashed file (with a new key).

How the bytes grow depends on the storage (filerepo/chunkstore.py): appended in the kernel
onto one local file, or sent as the parts of an S3 multipart upload. The session's state
is kept with its stash row, which is locked while a chunk is added, so consecutive chunks
may reach different processes. The SHA-1 of the whole is carried across chunks in this
process; assembly computes it from the bytes only when another process received earlier
chunks (or, on S3, while it reads the assembled object for verification anyway).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.orm.attributes import set_committed_value

from wikiupload.db.rows import execute, table_of
from wikiupload.db.stash_models import StashedFile
from wikiupload.errors import ApiError
from wikiupload.filerepo.backends.local import LocalBackend
from wikiupload.filerepo.chunkstore import Assembled, ChunkData, ChunkStore, chunk_store_for, feed
from wikiupload.filerepo.failures import storage_errors
from wikiupload.filerepo.repo import FileRepo
from wikiupload.http.form import UploadedFile
from wikiupload.timestamps import now as utc_now
from wikiupload.upload.stash import BY_KEY, FileFacts, UploadStash


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

    def clear(self) -> None:
        with self._lock:
            self._hashes.clear()


HASHES = RunningHashes()


def _wait_quietly(hashing: Future[None] | None) -> None:
    """Let a chunk's hashing finish (its digest is then dropped) without raising."""
    if hashing is not None:
        with suppress(Exception):
            hashing.result()
_HASHING = ThreadPoolExecutor(max_workers=4, thread_name_prefix="wikiupload-chunk-hash")
# A session's row, locked for the chunk being added (every chunk: built once).
# populate_existing: the row may already be in the session, read before the lock.
_LOCKED = BY_KEY.with_for_update().execution_options(populate_existing=True)
_STASH = table_of(StashedFile)
# A chunk's growth of its session row (every chunk: built once).
_GROWN = (_STASH.update().where(_STASH.c.key == bindparam("row_key"))
          .values({column: bindparam(f"new_{column}", type_=_STASH.c[column].type)
                   for column in ("assembly", "size", "chunk_index", "timestamp")}))


def _data(chunk: UploadedFile) -> ChunkData:
    return ChunkData(chunk.path, chunk.size, chunk.received_sha1)


class ChunkSessions:
    """Chunk sessions of the stash, on whatever chunk store the repository's backend has.

    Storage failures become ``stashfailed`` errors with a backend-fail-* message; the
    session is left as it was before the failed chunk, so the client can send it again.
    """

    def __init__(self, stash: UploadStash, repo: FileRepo) -> None:
        store = chunk_store_for(repo)
        if store is None:
            raise ApiError("apierror-stashfailed-nosession", code="stashfailed")
        self.stash = stash
        self.repo = repo
        self.store: ChunkStore = store
        self._assembled: dict[str, Assembled] = {}

    def start(self, chunk: UploadedFile, *, user_id: int, orig_name: str,
              expected_size: int) -> StashedFile:
        """Offset 0: the chunk becomes a new stash entry in state ``chunks``."""
        digest = hashlib.sha1()
        feed(digest, chunk.path)
        facts = FileFacts(size=chunk.size, sha1="", mime="")
        row = self.stash.record(user_id=user_id, orig_name=orig_name, facts=facts,
                                source_type="")
        with storage_errors("stashfailed"):
            row.assembly = self.store.begin(row.path, _data(chunk))
        row.status = "chunks"
        row.expected_size = expected_size
        HASHES.put(row.key, row.size, digest)
        return row

    def locked(self, key: str) -> StashedFile | None:
        return self.stash.db.scalars(_LOCKED, {"key": key}).first()

    def append(self, row: StashedFile, chunk: UploadedFile) -> None:
        """Add the chunk to the session's bytes and to its running hash, both at once: the
        hashing (in a thread; hashlib releases the GIL) overlaps the append and its fsync.
        The row's growth is one UPDATE (``_GROWN``), not a flush of the changed object."""
        digest = HASHES.take(row.key, row.size)
        hashing = _HASHING.submit(feed, digest, chunk.path) if digest is not None else None
        try:
            with storage_errors("stashfailed"):
                assembly = self.store.append(row.path, row.assembly, _data(chunk), row.size)
        except BaseException as error:
            _wait_quietly(hashing)       # the append's error is the one to report
            if isinstance(error, FileNotFoundError):
                raise ApiError("apierror-stashfailed-nosession", code="stashfailed") from None
            raise
        if hashing is not None:
            hashing.result()    # the digest is in use until then
        grown = {"assembly": assembly, "size": row.size + chunk.size,
                 "chunk_index": row.chunk_index + 1, "timestamp": utc_now()}
        execute(self.stash.db, _GROWN, {"row_key": row.key} | {
            f"new_{column}": value for column, value in grown.items()})
        for column, value in grown.items():    # as written: nothing left for a flush
            set_committed_value(row, column, value)
        if digest is not None:
            HASHES.put(row.key, row.size, digest)

    def is_resend(self, row: StashedFile, chunk: UploadedFile, offset: int) -> bool:
        """The same bytes again right before the current end (the client lost our answer)."""
        if offset + chunk.size != row.size or chunk.size == 0:
            return False
        with storage_errors("stashfailed"):
            return self.store.is_resend(row.path, row.assembly, _data(chunk), offset,
                                        row.size)

    def local(self, row: StashedFile) -> Path:
        """The whole upload as a local file, for verification (assembled by the store)."""
        return self._assemble(row).path

    def sha1(self, row: StashedFile) -> str:
        found = self._assemble(row)
        if found.sha1:
            HASHES.take(row.key, row.size)
            return found.sha1
        return running_sha1(found.path, row.key, row.size)

    def finish(self, row: StashedFile, facts: FileFacts) -> StashedFile:
        """Turn the assembled session into a stashed file with a new key. Its object stays
        where it is (no copy, no move), so the change is the rows alone: a crash before the
        commit leaves the session, one after it the stashed file, never one without bytes."""
        self._assemble(row)
        with storage_errors("stashfailed"):
            new = self.stash.adopt(row.path, user_id=row.user_id, orig_name=row.orig_name,
                                   facts=facts, source_type="")
            self.store.settle(row.path, row.assembly, row.key)
        del self._assembled[row.key]
        self.stash.forget(row)
        return new

    def _assemble(self, row: StashedFile) -> Assembled:
        found = self._assembled.get(row.key)
        if found is None:
            with storage_errors("stashfailed"):
                found = self.store.assemble(row.path, row.assembly, row.key)
            row.assembly = found.state
            self._assembled[row.key] = found
        return found


def running_sha1(path: Path, key: str, size: int) -> str:
    """SHA-1 of a chunk session's bytes so far; the running hash is kept for the next chunk
    (and computed from the file only when this process has not seen the earlier chunks)."""
    digest = HASHES.take(key, size)
    if digest is None:
        digest = hashlib.sha1()
        feed(digest, path)
    HASHES.put(key, size, digest)
    return str(digest.hexdigest())


def partial_sha1(repo: FileRepo, row: StashedFile) -> str:
    """SHA-1 of a chunked upload's bytes so far. Where the bytes are not a local file (S3:
    parts of an unfinished multipart upload cannot be read back) only the running hash of
    this process can say; "" when another process received the earlier chunks."""
    if isinstance(repo.backend, LocalBackend):
        return running_sha1(repo.backend.local_path(row.path), row.key, row.size)
    digest = HASHES.take(row.key, row.size)
    if digest is None:
        return ""
    HASHES.put(row.key, row.size, digest)
    return str(digest.hexdigest())
