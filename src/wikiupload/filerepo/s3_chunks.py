"""S3ChunkStore: a chunked upload assembled by the store itself (S3 multipart upload).

Chunks may reach different processes; everything a process needs is in the session state
(kept with the stash row, which is locked while a chunk is added):

    {"upload": multipart upload id or "", "parts": [[number, etag], ...],
     "tail": path of the tail object or "", "tail_size": bytes in it,
     "last": [offset, size, sha1] of the last chunk stored}

S3 wants every part but the last to be at least 5 MiB, while clients pick their chunk size.
Bytes that do not make a part yet wait in a small tail object (``PATH.tail-END``, a new
name each time, so a request that fails before its transaction commits leaves the recorded
tail intact); the chunk that brings them to 5 MiB sends tail + chunk as the next part. The
last chunk completes the upload: the store joins the parts, nothing is downloaded and sent
again. Verification then reads the assembled object once into a local copy (and hashes it
on the way), as MediaWiki verifies a local copy of assembled chunks.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wikiupload.filerepo.backends.base import NotFound
from wikiupload.filerepo.backends.s3 import MIN_PART_SIZE, S3Backend
from wikiupload.filerepo.chunkstore import Assembled, ChunkData, append_file

__all__ = ["S3ChunkStore", "SessionState"]

COPY_BUFFER = 1024 * 1024
TAIL_MARK = ".tail-"


@dataclass
class SessionState:
    upload: str = ""
    parts: list[list[Any]] = field(default_factory=list)
    tail: str = ""
    tail_size: int = 0
    last: list[Any] = field(default_factory=list)

    @classmethod
    def load(cls, text: str) -> SessionState:
        data = json.loads(text) if text else {}
        return cls(upload=str(data.get("upload", "")), parts=list(data.get("parts", [])),
                   tail=str(data.get("tail", "")), tail_size=int(data.get("tail_size", 0)),
                   last=list(data.get("last", [])))

    def dump(self) -> str:
        return json.dumps({"upload": self.upload, "parts": self.parts, "tail": self.tail,
                           "tail_size": self.tail_size, "last": self.last})


class S3ChunkStore:
    """Chunk sessions as S3 multipart uploads, with parts buffered to the 5 MiB minimum."""

    def __init__(self, backend: S3Backend, temp_dir: Path,
                 min_part_size: int = MIN_PART_SIZE) -> None:
        self.backend = backend
        self.temp_dir = temp_dir
        self.min_part_size = min_part_size

    def begin(self, path: str, chunk: ChunkData) -> str:
        state = self.append(path, "", chunk, 0)
        chunk.path.unlink(missing_ok=True)
        return state

    def append(self, path: str, state: str, chunk: ChunkData, offset: int) -> str:
        session = SessionState.load(state)
        self._drop_tails(path, keep=session.tail)
        with self._joined(session, chunk) as joined:
            if session.tail_size + chunk.size >= self.min_part_size:
                self._send_part(path, session, joined)
            else:
                tail = f"{path}{TAIL_MARK}{offset + chunk.size}"
                self.backend.put_file(tail, joined)
                session.tail, session.tail_size = tail, session.tail_size + chunk.size
        session.last = [offset, chunk.size, chunk.sha1]
        return session.dump()

    def is_resend(self, path: str, state: str, chunk: ChunkData, offset: int,
                  size: int) -> bool:
        """Judged by the SHA-1 of the last chunk stored (its bytes may be inside a part that
        S3 cannot read back before completion)."""
        return SessionState.load(state).last == [offset, chunk.size, chunk.sha1]

    def readable(self, path: str, state: str) -> str | None:
        """The tail while no part was sent (parts cannot be read before completion)."""
        session = SessionState.load(state)
        return session.tail if session.tail and not session.parts else None

    def assemble(self, path: str, state: str, key: str) -> Assembled:
        session = SessionState.load(state)
        if not self._completed(path, session):
            self._complete(path, session)
        local, sha1 = self._download(path, key)
        return Assembled(local, sha1, session.dump())

    def settle(self, path: str, state: str, key: str) -> None:
        self._drop_tails(path, keep="")
        self.spool_path(key).unlink(missing_ok=True)

    def discard(self, path: str, state: str, key: str) -> None:
        session = SessionState.load(state)
        if session.upload:
            self.backend.abort_upload(path, session.upload)
        self._drop_tails(path, keep="")
        self.backend.delete(path, missing_ok=True)
        self.spool_path(key).unlink(missing_ok=True)

    def spool_path(self, key: str) -> Path:
        """The local copy of an assembled upload (one per filekey)."""
        return self.temp_dir / f"assembled-{key}"

    # -- steps ---------------------------------------------------------------------------

    @contextmanager
    def _joined(self, session: SessionState, chunk: ChunkData) -> Iterator[Path]:
        """The tail's bytes followed by the chunk's, as one local file (the chunk itself
        when there is no tail)."""
        if not session.tail_size:
            yield chunk.path
            return
        self.temp_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=self.temp_dir, prefix="part-") as out:
            with self.backend.open(session.tail) as tail:
                shutil.copyfileobj(tail, out, COPY_BUFFER)
            out.flush()
            append_file(Path(out.name), chunk.path)
            yield Path(out.name)

    def _send_part(self, path: str, session: SessionState, source: Path) -> None:
        if not session.upload:
            session.upload = self.backend.start_upload(path)
        number = len(session.parts) + 1
        etag = self.backend.upload_part(path, session.upload, number, source)
        session.parts.append([number, etag])
        session.tail, session.tail_size = "", 0

    def _completed(self, path: str, session: SessionState) -> bool:
        """An earlier attempt completed the upload (the object exists only once complete)."""
        return self.backend.exists(path)

    def _complete(self, path: str, session: SessionState) -> None:
        if not session.upload:   # under 5 MiB in all: the tail is the whole file
            if session.tail:
                self.backend.copy(session.tail, path)
            else:
                self.backend.put_bytes(path, b"")
            return
        if session.tail_size:
            self.temp_dir.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.temp_dir, prefix="part-") as out:
                with self.backend.open(session.tail) as tail:
                    shutil.copyfileobj(tail, out, COPY_BUFFER)
                out.flush()
                self._send_part(path, session, Path(out.name))
        parts = [(int(number), str(etag)) for number, etag in session.parts]
        self.backend.complete_upload(path, session.upload, parts)
        session.upload = ""

    def _download(self, path: str, key: str) -> tuple[Path, str]:
        """Read the assembled object once into a local file, hashing it on the way."""
        self.temp_dir.mkdir(parents=True, exist_ok=True)
        target = self.spool_path(key)
        digest = hashlib.sha1()
        try:
            with self.backend.open(path) as stream, open(target, "wb") as out:
                while block := stream.read(COPY_BUFFER):
                    digest.update(block)
                    out.write(block)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        return target, digest.hexdigest()

    def _drop_tails(self, path: str, *, keep: str) -> None:
        """Delete tail objects of the session other than ``keep`` (left by requests whose
        transaction did not commit, or already sent as a part)."""
        for tail in list(self.backend.iter(path + TAIL_MARK)):
            if tail != keep:
                with suppress(NotFound):
                    self.backend.delete(tail, missing_ok=True)

