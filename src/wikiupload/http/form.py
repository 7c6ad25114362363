"""Read request bodies into form fields and spooled upload files."""

from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
import tempfile
import urllib.parse
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from wikiupload.filerepo.write_back import start_write_back
from wikiupload.http.background_hash import BackgroundHash
from wikiupload.http.multipart import MultipartParser, PartData, PartEnd, PartStart
from wikiupload.http.spool import SPOOL_PREFIX, SpoolFiles
from wikiupload.media.readable import Readable, open_readable

__all__ = [
    "BodyTimeout",
    "BodyTooLarge",
    "FieldTooLarge",
    "FormData",
    "FormError",
    "Landing",
    "UploadedFile",
    "parse_urlencoded",
    "read_multipart",
    "with_idle_timeout",
]

DEFAULT_FILE_FIELDS = frozenset({"file", "chunk"})
# File parts whose SHA-1 is computed when first asked for, not while they arrive: a chunk's
# own hash is seldom needed (the running hash of the whole upload reads the chunk anyway).
LAZY_HASH_FIELDS = frozenset({"chunk"})
HASH_BLOCK = 1024 * 1024
# A file part larger than this is hashed in a thread from here on (http/background_hash.py).
HASH_IN_THREAD_AFTER = 2 * 1024 * 1024
WRITE_BACK_EVERY = 8 * 1024 * 1024


class FormError(ValueError):
    """The form violates a configured limit."""


class BodyTooLarge(FormError):
    """The request body exceeds ``max_body_bytes``; ``fields`` are those read before it."""

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields = fields or {}


class FieldTooLarge(FormError):
    """A text field exceeds ``max_field_bytes``, or the text fields together do."""


class BodyTimeout(FormError):
    """The client sent nothing for longer than the idle timeout (a stalled or trickling
    client); the body is abandoned."""


async def with_idle_timeout(stream: AsyncIterator[bytes],
                            seconds: float | None) -> AsyncIterator[bytes]:
    """The pieces of ``stream``; BodyTimeout when the next one takes more than ``seconds``.

    The deadline covers the wait for each piece only, not what the caller does with it. It
    is a timer on the reading task (``asyncio.timeout``), not a task per piece
    (``asyncio.wait_for``): a piece already received costs no turn of the event loop.
    """
    iterator = stream.__aiter__()
    if seconds is None or seconds <= 0:
        async for piece in iterator:
            yield piece
        return
    while True:
        try:
            async with asyncio.timeout(seconds):
                piece = await iterator.__anext__()
        except StopAsyncIteration:
            return
        except TimeoutError as error:
            raise BodyTimeout(f"no data received for {seconds:g} seconds") from error
        yield piece


class Landing(Protocol):
    """Where a file part is written instead of its spool file while it arrives (a chunk:
    the end of its upload's file), holding what it needs until it is released."""

    def write(self, data: bytes) -> bool:
        """Land the next bytes; False once the landing has given up (for good): the part is
        spooled from then on."""
        ...

    def copy_to(self, fd: int) -> None:
        """Write what landed to ``fd`` (at its position)."""
        ...

    def readable(self) -> Readable:
        """What landed, to read."""
        ...

    def release(self) -> None: ...


# Where a file part lands instead of its spool file, asked when the part starts (None:
# spooled).
LandingFor = Callable[[PartStart, Mapping[str, str]], Landing | None]


@dataclass
class UploadedFile:
    """A file part spooled to disk, or (not ``spooled``) only where it landed. Its SHA-1
    (hex) was computed while it arrived, or is computed on first use (``received_sha1`` is
    then "")."""

    field: str
    filename: str | None
    content_type: str | None
    path: Path
    size: int
    received_sha1: str = ""
    landing: Landing | None = None
    spooled: bool = True

    @property
    def content(self) -> Readable:
        """The part's bytes, to read: the spool file, or where the part landed."""
        if self.spooled:
            return self.path
        assert self.landing is not None
        return self.landing.readable()

    def local_copy(self) -> Path:
        """The part as a file of its own: a part that only landed is copied into its spool
        file first (what needs that is rare: see the chunk pipeline)."""
        if not self.spooled:
            assert self.landing is not None
            fd = _create_spool_file(self.path)
            try:
                self.landing.copy_to(fd)
            finally:
                os.close(fd)
            self.spooled = True
        return self.path

    @property
    def sha1(self) -> str:
        if not self.received_sha1:
            digest = hashlib.sha1()
            with open_readable(self.content) as stream:
                while block := stream.read(HASH_BLOCK):
                    digest.update(block)
            self.received_sha1 = digest.hexdigest()
        return self.received_sha1

    def discard(self) -> None:
        """Delete the spooled file (missing files are ignored) and release its landing."""
        try:
            if self.landing is not None:
                self.landing.release()
        finally:
            self.path.unlink(missing_ok=True)


@dataclass
class FormData:
    """Text fields and uploaded files of a form."""

    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, UploadedFile] = field(default_factory=dict)

    def discard_files(self) -> None:
        """Delete every spooled file."""
        for uploaded in self.files.values():
            uploaded.discard()


class _FileSink:
    """Streams one part into a temp file, hashing it on the way (unless ``hash_now`` is
    False: then it is hashed when asked for). Beyond ``HASH_IN_THREAD_AFTER`` bytes the
    hashing moves to a thread, so that a large part is hashed while it is still arriving,
    and every ``WRITE_BACK_EVERY`` bytes the kernel is asked to start writing it out.
    With a landing, the part goes there instead, and no temp file is made unless the
    landing gives up: then a new one gets what landed and the rest."""

    def __init__(self, start: PartStart, spool: Path | SpoolFiles, hash_now: bool = True,
                 write_back: bool = False, landing: Landing | None = None) -> None:
        self.start = start
        self.landing = landing
        self._spool = spool
        self.fd: int | None = None
        if landing is None:
            self.fd, self.path = self._new_spool_file()
        else:   # its spool file is made only if the landing gives up (or a copy is asked)
            directory = spool.directory if isinstance(spool, SpoolFiles) else spool
            self.path = directory / f"{SPOOL_PREFIX}{secrets.token_urlsafe(9)}"
        self.size = 0
        self._sha1 = hashlib.sha1() if hash_now else None
        self._hashing: BackgroundHash | None = None    # takes over self._sha1
        self._write_back = write_back
        self._written_back = 0
        self._landing_only = landing is not None

    def write(self, data: bytes) -> None:
        if self._hashing is not None:
            self._hashing.feed(data)
        elif self._sha1 is not None:
            if self.size >= HASH_IN_THREAD_AFTER:
                self._hashing = BackgroundHash(self._sha1)
                self._hashing.feed(data)
            else:
                self._sha1.update(data)
        self.size += len(data)
        if self._landing_only:
            assert self.landing is not None
            if self.landing.write(data):
                return
            self._landing_only = False
            self.fd, self.path = self._new_spool_file()
            self.landing.copy_to(self.fd)
        assert self.fd is not None
        written = os.write(self.fd, data)
        while written < len(data):  # short writes are rare but allowed
            written += os.write(self.fd, data[written:])
        if self._write_back and self.size - self._written_back >= WRITE_BACK_EVERY:
            self._start_write_back()

    def _new_spool_file(self) -> tuple[int, Path]:
        if isinstance(self._spool, SpoolFiles):
            return self._spool.new()
        fd, name = tempfile.mkstemp(dir=self._spool, prefix=SPOOL_PREFIX)
        return fd, Path(name)

    def _start_write_back(self) -> None:
        """Asked for (``write_back``) where the spooled file is renamed into a durable local
        store; not for a chunk, whose spool file (if it has one) is never kept."""
        assert self.fd is not None
        start_write_back(self.fd, self._written_back, self.size - self._written_back)
        self._written_back = self.size

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def finish(self) -> UploadedFile:
        self.close()
        if self._hashing is not None:
            sha1 = self._hashing.hexdigest()
        else:
            sha1 = self._sha1.hexdigest() if self._sha1 is not None else ""
        return UploadedFile(
            field=self.start.name,
            filename=self.start.filename,
            content_type=self.start.content_type,
            path=self.path,
            size=self.size,
            received_sha1=sha1,
            landing=self.landing,
            spooled=not self._landing_only,
        )

    def abort(self) -> None:
        if self._hashing is not None:
            self._hashing.cancel()
        if self.landing is not None:
            self.landing.release()
        self.close()
        self.path.unlink(missing_ok=True)


def _create_spool_file(path: Path) -> int:
    """Create the new spool file ``path`` (as ``mkstemp`` would: only this process may
    open it, and never through a link), open for writing."""
    return os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                   0o600)


class _TextBudget:
    """Bytes the text fields of one form may still use together."""

    def __init__(self, total: int | None) -> None:
        self.left = total

    def spend(self, count: int) -> None:
        if self.left is None:
            return
        self.left -= count
        if self.left < 0:
            raise FieldTooLarge("the text fields of the form are too large together")


class _FieldSink:
    """Collects a text part, enforcing a size limit."""

    def __init__(self, start: PartStart, limit: int, budget: _TextBudget | None = None,
                 ) -> None:
        self.start = start
        self._limit = limit
        self._budget = budget or _TextBudget(None)
        self._data = bytearray()

    def write(self, data: bytes) -> None:
        if len(self._data) + len(data) > self._limit:
            raise FieldTooLarge(
                f"form field {self.start.name!r} is larger than {self._limit} bytes"
            )
        self._budget.spend(len(data))
        self._data += data

    def value(self) -> str:
        return self._data.decode("utf-8", "replace")


class _FormBuilder:
    """Turns parser events into a FormData, owning the temp files it creates."""

    def __init__(self, spool: Path | SpoolFiles, max_field_bytes: int,
                 file_fields: frozenset[str],
                 max_text_bytes: int | None = None,
                 lazy_hash_fields: frozenset[str] = frozenset(),
                 write_back: bool = False, landing_for: LandingFor | None = None) -> None:
        self._spool = spool
        self._landing_for = landing_for
        self._max_field_bytes = max_field_bytes
        self._budget = _TextBudget(max_text_bytes)
        self._file_fields = file_fields
        self._lazy_hash_fields = lazy_hash_fields
        self._write_back = write_back
        self._sink: _FileSink | _FieldSink | None = None
        self.form = FormData()

    def handle(self, event: PartStart | PartData | PartEnd) -> None:
        if isinstance(event, PartStart):
            self._sink = self._open_sink(event)
        elif isinstance(event, PartData):
            assert self._sink is not None
            self._sink.write(event.data)
        else:
            self._close_sink()

    def _open_sink(self, start: PartStart) -> _FileSink | _FieldSink:
        if start.filename is not None or start.name in self._file_fields:
            landing = self._landing_for(start, self.form.fields) if self._landing_for else None
            return _FileSink(start, self._spool,
                             hash_now=start.name not in self._lazy_hash_fields,
                             write_back=self._write_back
                             and start.name not in self._lazy_hash_fields, landing=landing)
        return _FieldSink(start, self._max_field_bytes, self._budget)

    def _close_sink(self) -> None:
        sink, self._sink = self._sink, None
        if isinstance(sink, _FileSink):
            try:
                uploaded = sink.finish()
            except BaseException:
                sink.abort()
                raise
            previous = self.form.files.get(uploaded.field)
            self.form.files[uploaded.field] = uploaded
            if previous is not None:
                previous.discard()
        elif sink is not None:
            self.form.fields[sink.start.name] = sink.value()

    def abort(self) -> None:
        """Delete every temp file created so far."""
        if isinstance(self._sink, _FileSink):
            self._sink.abort()
        self._sink = None
        self.form.discard_files()


async def read_multipart(
    stream: AsyncIterator[bytes],
    boundary: str,
    spool: Path | SpoolFiles,
    *,
    max_field_bytes: int = 10 * 1024 * 1024,
    max_body_bytes: int | None = None,
    file_fields: frozenset[str] = DEFAULT_FILE_FIELDS,
    max_text_bytes: int | None = None,
    idle_timeout: float | None = None,
    lazy_hash_fields: frozenset[str] = LAZY_HASH_FIELDS,
    write_back: bool = False,
    landing_for: LandingFor | None = None,
) -> FormData:
    """Parse a multipart/form-data body, spooling file parts into ``spool`` (a directory,
    or its ``SpoolFiles``).

    Parts with a filename, or named in ``file_fields``, become UploadedFile
    objects; the others become text fields (last value wins), each at most
    ``max_field_bytes`` and together at most ``max_text_bytes``. File parts are
    hashed as they arrive, except those named in ``lazy_hash_fields`` (hashed on
    first use of ``sha1``); the others are also the parts whose write-back starts as they
    arrive when ``write_back`` is asked for (see ``_FileSink``). ``landing_for`` may name,
    given the fields before a file part, where the part is written instead of its spool
    file (the landing is released with the file, or on error). A body that stalls for
    ``idle_timeout`` seconds raises BodyTimeout. On any error all temp files are deleted
    before the exception propagates.
    """
    parser = MultipartParser(_boundary_bytes(boundary))
    builder = _FormBuilder(spool, max_field_bytes, file_fields, max_text_bytes,
                           lazy_hash_fields, write_back, landing_for)
    received = 0
    try:
        async for chunk in with_idle_timeout(stream, idle_timeout):
            received += len(chunk)
            if max_body_bytes is not None and received > max_body_bytes:
                raise BodyTooLarge(f"request body is larger than {max_body_bytes} bytes",
                                   dict(builder.form.fields))
            for event in parser.feed(chunk):
                builder.handle(event)
        parser.finish()
    except BaseException:
        builder.abort()
        raise
    return builder.form


def parse_urlencoded(body: bytes) -> dict[str, str]:
    """Parse an application/x-www-form-urlencoded body; the last value wins."""
    # latin-1 maps bytes 1:1 to code points, so raw and %-escaped bytes both
    # survive parse_qsl unchanged and can then be decoded as UTF-8 together.
    pairs = urllib.parse.parse_qsl(
        body.decode("latin-1"), keep_blank_values=True, encoding="latin-1"
    )
    return {_utf8(name): _utf8(value) for name, value in pairs}


def _utf8(latin1_text: str) -> str:
    return latin1_text.encode("latin-1").decode("utf-8", "replace")


def _boundary_bytes(boundary: str) -> bytes:
    """Encode a boundary taken from a (latin-1 decoded) header value."""
    try:
        return boundary.encode("latin-1")
    except UnicodeEncodeError:
        return boundary.encode("utf-8")
