"""Chunked uploads: a stash entry in state ``chunks`` grows chunk by chunk; the last chunk
turns it into an ordinary stashed file (with a new key).

How the bytes grow depends on the storage (filerepo/chunkstore.py): on one local file, or
sent as the parts of an S3 multipart upload. A local session this process knows has its
next chunk land in its file while the chunk arrives (upload/chunk_landing.py); any other
chunk is appended in the kernel from its spool file. The session's state
is kept with its stash row, which is locked while a chunk is added, so consecutive chunks
may reach different processes. The SHA-1 of the whole is carried across chunks in this
process; assembly computes it from the bytes only when another process received earlier
chunks (or, on S3, while it reads the assembled object for verification anyway).
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections import OrderedDict
from collections.abc import Collection, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from pathlib import Path
from typing import Any, Generic, NamedTuple, TypeVar

from sqlalchemy import bindparam, event
from sqlalchemy.orm import Session as DbSession
from sqlalchemy.orm import SessionTransaction
from sqlalchemy.orm.attributes import set_committed_value

from wikiupload.db.rows import execute, table_of
from wikiupload.db.stash_models import StashedFile
from wikiupload.errors import ApiError
from wikiupload.filerepo.backends.base import StorageUnavailable
from wikiupload.filerepo.backends.local import LocalBackend
from wikiupload.filerepo.chunkstore import (
    Assembled,
    ChunkData,
    ChunkStore,
    LocalChunkStore,
    chunk_store_for,
    feed,
)
from wikiupload.filerepo.failures import as_api_error, storage_errors
from wikiupload.filerepo.repo import FileRepo
from wikiupload.http.form import UploadedFile
from wikiupload.http.multipart import PartStart
from wikiupload.timestamps import now as utc_now
from wikiupload.upload.chunk_landing import BUSY, SessionFile
from wikiupload.upload.stash import BY_KEY, FileFacts, UploadStash

V = TypeVar("V")


class BoundedMap(Generic[V]):
    """What this process remembers of chunk sessions, by filekey: at most ``capacity``
    entries, the least recently stored dropped first; shared by the process's threads."""

    def __init__(self, capacity: int = 256) -> None:
        self._entries: OrderedDict[str, V] = OrderedDict()
        self._lock = threading.Lock()
        self.capacity = capacity

    def get(self, key: str) -> V | None:
        with self._lock:
            return self._entries.get(key)

    def pop(self, key: str) -> V | None:
        with self._lock:
            return self._entries.pop(key, None)

    def put(self, key: str, value: V) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class RunningHashes(BoundedMap[tuple[int, Any]]):
    """SHA-1 objects of chunk sessions, with the size of the bytes each has been fed."""

    def take(self, key: str, size: int) -> Any | None:
        found = self.pop(key)
        return found[1] if found is not None and found[0] == size else None

    def copy(self, key: str, size: int) -> Any | None:
        """A copy of the hash of the first ``size`` bytes, which stays here."""
        found = self.get(key)
        return found[1].copy() if found is not None and found[0] == size else None


HASHES = RunningHashes()


class Place(NamedTuple):
    """A session's local file and expected size: where its next chunk may land; and the
    login session (its id) that sent the chunk before, the only one whose chunk lands."""

    path: Path
    expected_size: int
    sender: str


PLACES: BoundedMap[Place] = BoundedMap()


def landing_for(part: PartStart, fields: Mapping[str, str],
                sessions: Collection[str] = ()) -> SessionFile | None:
    """Where a ``chunk`` part lands as it arrives, given the fields sent before it and the
    ids of the login sessions its request's cookies name: the end of its session's file,
    when this process knows the session, the chunk before came from one of those login
    sessions, this process has the running hash of its bytes up to ``offset``, and the file
    ends there and is not held by another request. Only a guess from the raw fields and
    cookies: the chunk's request checks everything as usual, and keeps the landed bytes
    only when they are exactly its chunk at the session's end. (Someone else who knew the
    file key could otherwise hold the upload's file for as long as a body may stall.)"""
    key = fields.get("filekey") or fields.get("sessionkey") or ""
    place = PLACES.get(key) if part.name == "chunk" else None
    if place is None or not fields.get("offset", "").isdigit():
        return None
    sender = place.sender.encode()
    if not any(hmac.compare_digest(sender, session.encode("utf-8", "surrogateescape"))
               for session in sessions if session):
        return None
    offset = int(fields["offset"])
    digest = HASHES.copy(key, offset) if 0 < offset < place.expected_size else None
    if digest is None:
        return None
    return SessionFile.land(place.path, offset, place.expected_size - offset, digest)


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
    """The chunk as a file of its own (one that only landed is copied out first)."""
    return ChunkData(chunk.local_copy(), chunk.size, chunk.received_sha1)


def _landed(chunk: UploadedFile, path: Path | None, offset: int) -> SessionFile | None:
    """The chunk's landing, if the whole chunk landed at ``offset`` of ``path``."""
    landing = chunk.landing
    if isinstance(landing, SessionFile) and path is not None \
            and landing.landed(path, offset, chunk.size):
        return landing
    return None


class ChunkSessions:
    """Chunk sessions of the stash, on whatever chunk store the repository's backend has.

    Storage failures become ``stashfailed`` errors with a backend-fail-* message; the
    session is left as it was before the failed chunk, so the client can send it again.
    """

    def __init__(self, stash: UploadStash, repo: FileRepo, sender: str = "") -> None:
        """``sender``: the id of the login session sending the chunks (whose next chunk may
        land, see ``landing_for``)."""
        store = chunk_store_for(repo)
        if store is None:
            raise ApiError("apierror-stashfailed-nosession", code="stashfailed")
        self.stash = stash
        self.repo = repo
        self.sender = sender
        self.store: ChunkStore = store
        self._assembled: dict[str, Assembled] = {}
        # Running hashes of this request's sessions, not committed yet (HASHES gets them
        # once the transaction commits).
        self._hashes: dict[str, tuple[int, Any]] = {}
        self._files: dict[str, Path] = {}     # the sessions' local files, resolved once

    def start(self, chunk: UploadedFile, *, user_id: int, orig_name: str,
              expected_size: int) -> StashedFile:
        """Offset 0: the chunk becomes a new stash entry in state ``chunks``."""
        digest = hashlib.sha1()
        feed(digest, chunk.local_copy())
        facts = FileFacts(size=chunk.size, sha1="", mime="")
        row = self.stash.record(user_id=user_id, orig_name=orig_name, facts=facts,
                                source_type="")
        with storage_errors("stashfailed"):
            row.assembly = self.store.begin(row.path, _data(chunk))
        row.status = "chunks"
        row.expected_size = expected_size
        self._keep(row, digest)
        return row

    def _local_file(self, row: StashedFile) -> Path | None:
        """The session's bytes as one local file (None on S3)."""
        if not isinstance(self.store, LocalChunkStore):
            return None
        path = self._files.get(row.path)
        if path is None:
            path = self._files[row.path] = self.store.backend.local_path(row.path)
        return path

    def _keep(self, row: StashedFile, digest: Any | None) -> None:
        """Remember the session as it now is (``digest``: its running hash, None when not
        known here): for this request at once, for the process (HASHES, PLACES) once the
        transaction commits. A chunk rolled back must not leave a running hash behind: one
        that another process's chunk of the same length would then make wrong."""
        if digest is None:
            self._hashes.pop(row.key, None)
        else:
            self._hashes[row.key] = (row.size, digest)
        path = self._local_file(row)
        place = Place(path, row.expected_size, self.sender) if path is not None \
            and row.size < row.expected_size and self.sender else None
        self.stash.db.info.setdefault(_TO_REMEMBER, []).append(
            (row.key, row.size, digest, place))

    def _own_hash(self, row: StashedFile) -> Any | None:
        """This request's running hash of the session as it now is, if it has one."""
        mine = self._hashes.get(row.key)
        return mine[1] if mine is not None and mine[0] == row.size else None

    def _running(self, row: StashedFile) -> Any | None:
        """The running hash of the session's bytes so far, to feed (None: unknown here)."""
        mine = self._own_hash(row)
        return mine if mine is not None else HASHES.copy(row.key, row.size)

    def hold(self, db: DbSession, session: StashedFile, chunk: UploadedFile,
             wait_seconds: float) -> None:
        """Lock the session's local file for the rest of the request (see chunk_landing),
        before its row is locked; nothing to do when the chunk's landing holds it already.

        A chunk that landed elsewhere (its fields named another session before the part)
        is copied out and its landing released first: a request never waits for one file
        while holding another. While another request holds the file, this waits outside
        any transaction (on SQLite every transaction holds the write lock, which that
        request needs to finish), at most ``wait_seconds``: then the file store is busy."""
        path = self._local_file(session)
        if path is None or (isinstance(chunk.landing, SessionFile)
                            and chunk.landing.holds(path)):
            return
        if chunk.landing is not None:
            chunk.local_copy()
            chunk.landing.release()
            chunk.landing = None
        held = SessionFile.hold(path)
        if held is BUSY:
            db.commit()
            held = SessionFile.hold(path, wait_seconds=wait_seconds)
            if held is BUSY:
                raise as_api_error(StorageUnavailable(
                    f"{path.name} is held by another request"), "stashfailed")
        if isinstance(held, SessionFile):    # else the file is gone: append reports it
            chunk.landing = held

    def locked(self, key: str) -> StashedFile | None:
        return self.stash.db.scalars(_LOCKED, {"key": key}).first()

    def append(self, row: StashedFile, chunk: UploadedFile) -> None:
        """Add the chunk to the session's bytes and to its running hash. A chunk that landed
        whole at the session's end (and was hashed on the way) is only synced. Otherwise
        the hashing (in a thread; hashlib releases the GIL) overlaps the append and its
        fsync. The row's growth is one UPDATE (``_GROWN``), not a flush of the object."""
        landing = _landed(chunk, self._local_file(row), row.size)
        if landing is not None:
            with storage_errors("stashfailed"):
                digest = landing.settle(sync=isinstance(self.store, LocalChunkStore)
                                        and self.store.backend.fsync)
            self._grow(row, chunk.size, digest)
            return
        data = _data(chunk)     # before the append may write where the chunk landed
        if isinstance(chunk.landing, SessionFile):
            chunk.landing.leave_end()
        digest = self._running(row)
        hashing = _HASHING.submit(feed, digest, data.path) if digest is not None else None
        try:
            with storage_errors("stashfailed"):
                assembly = self.store.append(row.path, row.assembly, data, row.size)
        except BaseException as error:
            _wait_quietly(hashing)       # the append's error is the one to report
            if isinstance(error, FileNotFoundError):
                raise ApiError("apierror-stashfailed-nosession", code="stashfailed") from None
            raise
        if hashing is not None:
            hashing.result()    # the digest is in use until then
        self._grow(row, chunk.size, digest, assembly)

    def _grow(self, row: StashedFile, added: int, digest: Any | None,
              assembly: str | None = None) -> None:
        grown = {"assembly": row.assembly if assembly is None else assembly,
                 "size": row.size + added, "chunk_index": row.chunk_index + 1,
                 "timestamp": utc_now()}
        execute(self.stash.db, _GROWN, {"row_key": row.key} | {
            f"new_{column}": value for column, value in grown.items()})
        for column, value in grown.items():    # as written: nothing left for a flush
            set_committed_value(row, column, value)
        self._keep(row, digest)

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
            return found.sha1
        mine = self._own_hash(row)
        if mine is not None:
            return str(mine.hexdigest())
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
        self._keep(row, None)       # the session ends with the commit
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


_TO_REMEMBER = "wikiupload.chunk_sessions"


# Registered once for every session (as recovery.py's): each looks only at its own list.
@event.listens_for(DbSession, "after_commit")
def _committed(db: DbSession) -> None:
    for key, size, digest, place in db.info.pop(_TO_REMEMBER, ()):
        if digest is None:
            HASHES.pop(key)
        else:
            HASHES.put(key, (size, digest))
        if place is None:
            PLACES.pop(key)
        else:
            PLACES.put(key, place)


@event.listens_for(DbSession, "after_transaction_end")
def _ended(db: DbSession, transaction: SessionTransaction) -> None:
    if transaction.parent is None:      # rolled back (a commit has taken the list already)
        db.info.pop(_TO_REMEMBER, None)


def running_sha1(path: Path, key: str, size: int) -> str:
    """SHA-1 of a chunk session's bytes so far; the running hash is kept for the next chunk
    (and computed from the file only when this process has not seen the earlier chunks)."""
    digest = HASHES.take(key, size)
    if digest is None:
        digest = hashlib.sha1()
        feed(digest, path, size)    # not what may lie past the session's size
    HASHES.put(key, (size, digest))
    return str(digest.hexdigest())


def partial_sha1(repo: FileRepo, row: StashedFile) -> str:
    """SHA-1 of a chunked upload's bytes so far. Where the bytes are not a local file (S3:
    parts of an unfinished multipart upload cannot be read back) only the running hash of
    this process can say; "" when another process received the earlier chunks."""
    if isinstance(repo.backend, LocalBackend):
        try:
            return running_sha1(repo.backend.local_path(row.path), row.key, row.size)
        except FileNotFoundError:   # assembled and published, or removed, since read
            raise ApiError("uploadstash-file-not-found", row.key) from None
    digest = HASHES.take(row.key, row.size)
    if digest is None:
        return ""
    HASHES.put(row.key, (row.size, digest))
    return str(digest.hexdigest())
