"""Uploading one file: direct, chunked (stash + publish by filekey), async with checkstatus.

Bytes are streamed from disk: every request body is a :class:`FileSlice`, a read-only view of
``length`` bytes at ``start`` of an open file, so no file is ever held in memory whole.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wikiupload.client.session import ApiError, ApiSession, ClientError
from wikiupload.client.state import ResumeState

MIB = 1024 * 1024
DEFAULT_CHUNK_SIZE = 5 * MIB

EXISTS_WARNINGS = frozenset({"exists", "exists-normalized", "page-exists"})
DUPLICATE_WARNINGS = frozenset({"duplicate", "duplicate-archive", "duplicateversions",
                                "duplicate-version", "nochange", "no-change"})

Progress = Callable[[int], None]


class FileSlice(io.RawIOBase):
    """``length`` bytes of ``handle`` from ``start``: what one request sends.

    ``progress`` gets the bytes read (and a negative count when the body is rewound for a
    retry); ``sent`` counts every byte handed to the HTTP client, retries included.
    """

    def __init__(self, handle: Any, start: int, length: int,
                 progress: Progress | None = None) -> None:
        super().__init__()
        self.handle = handle
        self.start = start
        self.length = length
        self.position = 0
        self.progress = progress
        self.sent = 0
        self._reported = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self.position, os.SEEK_END: self.length}[whence]
        self.position = max(0, min(self.length, base + offset))
        if self.position == 0 and self._reported and self.progress is not None:
            self.progress(-self._reported)
            self._reported = 0
        return self.position

    def read(self, size: int = -1) -> bytes:
        remaining = self.length - self.position
        if size is None or size < 0 or size > remaining:
            size = remaining
        if size <= 0:
            return b""
        self.handle.seek(self.start + self.position)
        data: bytes = self.handle.read(size)
        self.position += len(data)
        self.sent += len(data)
        if self.progress is not None:
            self.progress(len(data))
            self._reported += len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


@dataclass
class UploadJob:
    path: Path
    name: str
    comment: str = ""
    text: str | None = None
    tags: list[str] = field(default_factory=list)


@dataclass
class WarningPolicy:
    ignore: bool = False
    skip_existing: bool = False
    skip_duplicates: bool = False
    abort: bool = False


@dataclass
class UploadResult:
    path: Path
    name: str
    status: str  # "uploaded", "skipped" or "failed"
    code: str | None = None
    info: str = ""
    size: int = 0
    sha1: str = ""
    bytes_sent: int = 0
    resumed_from: int = 0
    chunked: bool = False
    warnings: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"file": str(self.path), "name": self.name, "status": self.status,
                "code": self.code, "info": self.info, "size": self.size, "sha1": self.sha1,
                "bytes_sent": self.bytes_sent, "resumed_from": self.resumed_from,
                "chunked": self.chunked, "warnings": self.warnings}


class AbortBatch(Exception):
    """--abort-on-warning: a warning stops the whole run."""


class _Outcome(Exception):
    def __init__(self, status: str, code: str | None, info: str,
                 warnings: dict[str, Any] | None = None) -> None:
        super().__init__(info)
        self.status = status
        self.code = code
        self.info = info
        self.warnings = warnings or {}


def file_sha1(path: Path, length: int | None = None, block: int = MIB) -> str:
    """SHA-1 of the first ``length`` bytes of ``path`` (all of it by default), streamed."""
    digest = hashlib.sha1()
    remaining = length
    with path.open("rb") as handle:
        while remaining is None or remaining > 0:
            data = handle.read(block if remaining is None else min(block, remaining))
            if not data:
                break
            digest.update(data)
            if remaining is not None:
                remaining -= len(data)
    return digest.hexdigest()


class Uploader:
    """Uploads files through one logged-in :class:`ApiSession`."""

    def __init__(self, session: ApiSession, *, chunk_size: int = DEFAULT_CHUNK_SIZE,
                 use_async: bool = False, policy: WarningPolicy | None = None,
                 state: ResumeState | None = None, poll_interval: float = 0.5,
                 poll_max_interval: float = 10.0, poll_timeout: float = 3600.0,
                 chunk_hook: Callable[[UploadJob, int], None] | None = None) -> None:
        if chunk_size <= 0:
            raise ValueError("the chunk size must be positive")
        self.session = session
        self.chunk_size = chunk_size
        self.use_async = use_async
        self.policy = policy or WarningPolicy()
        self.state = state or ResumeState(None)
        self.poll_interval = poll_interval
        self.poll_max_interval = poll_max_interval
        self.poll_timeout = poll_timeout
        self.chunk_hook = chunk_hook
        self.aborted = threading.Event()
        self.interrupted = threading.Event()

    def upload(self, job: UploadJob, progress: Progress | None = None) -> UploadResult:
        """Upload one file; never raises for API or network failures (see the result)."""
        result = UploadResult(job.path, job.name, "failed")
        try:
            stat = job.path.stat()
            result.size = stat.st_size
            result.sha1 = file_sha1(job.path)
            result.chunked = stat.st_size > self.chunk_size
            self._precheck(job, result)
            if result.chunked:
                self._chunked(job, result, progress)
            else:
                self._direct(job, result, progress)
            after = job.path.stat()
            if (after.st_size, after.st_mtime_ns) != (stat.st_size, stat.st_mtime_ns):
                raise _Outcome("failed", "filechanged",
                               f"{job.path} changed while it was being uploaded")
            result.status = "uploaded"
        except _Outcome as outcome:
            result.status, result.code, result.info = outcome.status, outcome.code, outcome.info
            result.warnings = outcome.warnings
        except ClientError as exc:
            result.code, result.info = exc.code, exc.info
        except OSError as exc:
            result.code, result.info = "localerror", f"{job.path}: {exc.strerror or exc}"
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            result.code = "bad-response"
            result.info = f"{job.path}: the server's answer was not understood ({exc!r})"
        return result

    # -- skipping before sending a byte -------------------------------------------------------

    def _precheck(self, job: UploadJob, result: UploadResult) -> None:
        """--skip-existing / --skip-duplicates: ask the wiki first, to send no bytes in vain.

        The server's warnings still decide for whatever this misses."""
        if not (self.policy.skip_existing or self.policy.skip_duplicates):
            return
        params: dict[str, Any] = {"action": "query", "formatversion": "2"}
        if self.policy.skip_existing:
            params.update(titles=f"File:{job.name}", prop="imageinfo", iiprop="sha1")
        if self.policy.skip_duplicates:
            params.update(list="allimages", aisha1=result.sha1, ailimit="5")
        try:
            query = self.session.get(**params).get("query", {})
        except ApiError:
            return
        pages = query.get("pages") or []
        page = pages[0] if isinstance(pages, list) and pages else {}
        if self.policy.skip_existing and isinstance(page, dict) and page.get("imageinfo"):
            raise _Outcome("skipped", "exists",
                           f"already exists ({page.get('title', job.name)})",
                           {"exists": job.name})
        title = page.get("title") if isinstance(page, dict) else None
        copies = [str(image.get("name")) for image in query.get("allimages") or []
                  if isinstance(image, dict) and f"File:{image.get('name')}" != title]
        if self.policy.skip_duplicates and copies:
            raise _Outcome("skipped", "duplicate", f"duplicate ({', '.join(copies)})",
                           {"duplicate": copies})

    # -- direct ------------------------------------------------------------------------------

    def _direct(self, job: UploadJob, result: UploadResult, progress: Progress | None) -> None:
        """One request into the stash, then a publish by filekey once the stash's SHA-1
        matches the file as it is now: a file that changed while it was sent is never
        published."""
        before = job.path.stat()
        with job.path.open("rb") as handle:
            body = FileSlice(handle, 0, result.size, progress)
            try:
                reply = self.session.post(
                    {"file": (job.name, body, "application/octet-stream")},
                    action="upload", filename=job.name, comment=job.comment, text=job.text,
                    tags=job.tags or None, ignorewarnings=self.policy.ignore, stash=True,
                    token=self.session.csrf_token())
            finally:
                result.bytes_sent += body.sent
        stashed = reply.get("upload", {})
        if stashed.get("result") != "Success":
            self._finish(job, result, stashed, stash_key=None)
            return
        filekey = str(stashed["filekey"])
        stashed_sha1 = str(stashed.get("imageinfo", {}).get("sha1", ""))
        now = job.path.stat()
        if stashed_sha1 != result.sha1 or file_sha1(job.path) != result.sha1 or \
                (now.st_size, now.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
            raise _Outcome("failed", "filechanged",
                           f"{job.path} changed while it was being uploaded (the server got "
                           f"SHA-1 {stashed_sha1}, the file had {result.sha1}); not published")
        publish = self.session.post(None,
            action="upload", filekey=filekey, filename=job.name, comment=job.comment,
            text=job.text, tags=job.tags or None, ignorewarnings=self.policy.ignore,
            token=self.session.csrf_token())
        self._finish(job, result, publish.get("upload", {}), stash_key=filekey)

    # -- chunked -----------------------------------------------------------------------------

    def _chunked(self, job: UploadJob, result: UploadResult, progress: Progress | None) -> None:
        size = result.size
        before = job.path.stat()
        stat_before = (before.st_size, before.st_mtime_ns)
        state_key = ResumeState.key(self.session.api_url, job.path, job.name)
        filekey, offset = self._resume_point(state_key, job, size)
        result.resumed_from = offset
        if offset and progress is not None:
            progress(offset)
        reply: dict[str, Any] = {}
        with job.path.open("rb") as handle:
            while True:
                if self.interrupted.is_set():
                    raise _Outcome("failed", "interrupted",
                                   f"{job.path}: stopped at byte {offset} of {size}; run "
                                   "again with the same state file to resume")
                length = min(self.chunk_size, size - offset)
                body = FileSlice(handle, offset, length, progress)
                try:
                    answer = self.session.post(
                        {"chunk": (job.name, body, "application/octet-stream")},
                        action="upload", filename=job.name, stash=True, filesize=size,
                        offset=offset, filekey=filekey, ignorewarnings=True,
                        token=self.session.csrf_token(),
                        **{"async": self.use_async and offset + length >= size})
                except ApiError as exc:
                    server_offset = _int(exc.data.get("offset"))
                    if (exc.code == "stashfailed" and server_offset is not None
                            and filekey and 0 < server_offset != offset
                            and server_offset <= size):
                        if progress is not None:
                            progress(server_offset - offset - body._reported)
                        offset = server_offset  # resync to what the server has
                        continue
                    raise
                finally:
                    result.bytes_sent += body.sent
                reply = answer.get("upload", {})
                filekey = str(reply.get("filekey", filekey or "")) or None
                status = reply.get("result")
                if status == "Continue":
                    offset = int(reply.get("offset", offset + length))
                    self.state.put(state_key, {"filekey": filekey, "offset": offset,
                                               "size": size, "sha1": result.sha1,
                                               "name": job.name})
                    if self.chunk_hook is not None:
                        self.chunk_hook(job, offset)
                    continue
                break
        status = reply.get("result")
        if status == "Poll":
            if filekey is None:
                raise ClientError("badreply", "the server queued the assembly without a filekey")
            reply = self._poll(filekey)
        if reply.get("result") != "Success" or not reply.get("filekey"):
            self.state.drop(state_key)
            raise ClientError(str(reply.get("result", "badreply")),
                              f"unexpected answer to the last chunk: {reply}")
        filekey = str(reply["filekey"])
        stashed_sha1 = str(reply.get("imageinfo", {}).get("sha1", result.sha1))
        self.state.drop(state_key)
        now = job.path.stat()
        if stashed_sha1 != result.sha1 or (now.st_size, now.st_mtime_ns) != stat_before:
            raise _Outcome("failed", "filechanged",
                           f"{job.path} changed while it was being uploaded (the server got "
                           f"SHA-1 {stashed_sha1}, the file had {result.sha1}); not published")
        publish = self.session.post(None,
            action="upload", filekey=filekey, filename=job.name, comment=job.comment,
            text=job.text, tags=job.tags or None, ignorewarnings=self.policy.ignore,
            token=self.session.csrf_token(), **{"async": self.use_async})
        self._finish(job, result, publish.get("upload", {}), stash_key=filekey)

    def _resume_point(self, state_key: str, job: UploadJob, size: int) -> tuple[str | None, int]:
        """(filekey, offset) to continue from, or (None, 0) to start over."""
        entry = self.state.get(state_key)
        if not entry or entry.get("size") != size or not entry.get("filekey"):
            return None, 0
        filekey = str(entry["filekey"])
        try:
            status = self.session.post(None, action="upload", checkstatus=True, filekey=filekey,
                                       token=self.session.csrf_token()).get("upload", {})
            if status.get("result") != "Continue":
                return None, 0
            info = self.session.get(action="query", prop="stashimageinfo", siifilekey=filekey,
                                    siiprop="size|sha1").get("query", {})
        except ApiError:
            return None, 0
        entries = info.get("stashimageinfo") or []
        if not entries:
            return None, 0
        stored = entries[0]
        stored_size = stored.get("size")
        stored_sha1 = stored.get("sha1")
        offset = status.get("offset", stored_size)
        if (not isinstance(stored_size, int) or stored_size != offset or stored_size <= 0
                or stored_size >= size or not isinstance(stored_sha1, str)):
            return None, 0
        if file_sha1(job.path, stored_size) != stored_sha1:
            return None, 0
        return filekey, stored_size

    # -- publish, warnings and polling -------------------------------------------------------

    def _finish(self, job: UploadJob, result: UploadResult, reply: dict[str, Any],
                stash_key: str | None) -> None:
        status = reply.get("result")
        if status == "Poll":
            reply = self._poll(str(reply.get("filekey") or stash_key or ""))
            status = reply.get("result")
        if status == "Warning":
            warnings = dict(reply.get("warnings", {}))
            key = str(reply.get("filekey") or stash_key or "")
            self._apply_policy(job, result, warnings, key)
            return
        if status != "Success":
            raise ClientError(str(status or "badreply"), f"unexpected upload answer: {reply}")
        result.warnings = dict(reply.get("warnings", {}))
        sha1 = reply.get("imageinfo", {}).get("sha1")
        if isinstance(sha1, str) and sha1 != result.sha1:
            raise _Outcome("failed", "filechanged",
                           f"{job.path} changed while it was being uploaded (the server got "
                           f"SHA-1 {sha1})")

    def _apply_policy(self, job: UploadJob, result: UploadResult, warnings: dict[str, Any],
                      filekey: str) -> None:
        codes = set(warnings)
        described = ", ".join(f"{code}: {_warning_value(value)}"
                              for code, value in sorted(warnings.items()))
        if self.policy.skip_existing and codes & EXISTS_WARNINGS:
            raise _Outcome("skipped", sorted(codes & EXISTS_WARNINGS)[0],
                           f"already exists ({described})", warnings)
        if self.policy.skip_duplicates and codes & DUPLICATE_WARNINGS:
            raise _Outcome("skipped", sorted(codes & DUPLICATE_WARNINGS)[0],
                           f"duplicate ({described})", warnings)
        if self.policy.ignore and filekey:
            reply = self.session.post(None,
                action="upload", filekey=filekey, filename=job.name, comment=job.comment,
                text=job.text, tags=job.tags or None, ignorewarnings=True,
                token=self.session.csrf_token(), **{"async": self.use_async})
            self._finish(job, result, reply.get("upload", {}), stash_key=filekey)
            return
        code = sorted(codes)[0] if codes else "warning"
        if self.policy.abort:
            self.aborted.set()
        raise _Outcome("failed", code, f"warning, not published ({described})", warnings)

    def _poll(self, filekey: str) -> dict[str, Any]:
        """checkstatus until the queued job is done; returns its final answer."""
        if not filekey:
            raise ClientError("badreply", "the server queued the upload without a filekey")
        deadline = time.monotonic() + self.poll_timeout
        interval = self.poll_interval
        while True:
            reply = self.session.post(None, action="upload", checkstatus=True, filekey=filekey,
                                      token=self.session.csrf_token()).get("upload", {})
            if reply.get("result") != "Poll":
                return dict(reply)
            if time.monotonic() > deadline:
                raise ClientError("polltimeout",
                                  f"the server did not finish {filekey} in {self.poll_timeout}s")
            self.session.sleep(interval)
            interval = min(interval * 1.5, self.poll_max_interval)


def _warning_value(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return str(value)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
