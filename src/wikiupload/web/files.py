"""Serve repository files at ``{upload_path}/…``: current versions, old versions, thumbnails.

Deleted and stashed files are never served here. Responses carry the stored MIME type (from
the ``image``/``oldimage`` row when there is one), an ETag (the SHA-1) and Last-Modified,
answer conditional requests with 304 and single byte ranges with 206/416, and stream from
the backend in chunks. Types a browser could run as a document (SVG, XML, HTML, unknown)
get a sandboxing Content-Security-Policy, and every response ``nosniff``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC
from email.utils import formatdate, parsedate_to_datetime
from typing import BinaryIO
from urllib.parse import quote

from sqlalchemy import select
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse

from wikiupload.db.file_models import Image, OldImage
from wikiupload.filerepo import FileRepo, InvalidPath, Location, NotFound, StorageError
from wikiupload.filerepo.backends.base import PresignsUrls
from wikiupload.files.thumbnails import ensure_thumbnail
from wikiupload.wiki import Wiki

__all__ = ["CSP_SANDBOX", "ServedFile", "content_type_for", "file_repo", "respond",
           "serve_file", "stored_type"]

log = logging.getLogger(__name__)

CHUNK_SIZE = 256 * 1024
CSP_SANDBOX = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
DEFAULT_TYPE = "application/octet-stream"
TYPES_BY_EXTENSION = {
    "png": "image/png", "gif": "image/gif", "jpg": "image/jpeg", "jpeg": "image/jpeg",
    "jpe": "image/jpeg", "webp": "image/webp", "bmp": "image/bmp", "tif": "image/tiff",
    "tiff": "image/tiff", "svg": "image/svg+xml", "djvu": "image/vnd.djvu",
    "xcf": "image/x-xcf", "pdf": "application/pdf", "txt": "text/plain", "csv": "text/csv",
    "ogg": "audio/ogg", "oga": "audio/ogg", "opus": "audio/ogg", "spx": "audio/ogg",
    "ogv": "video/ogg", "webm": "video/webm", "mp4": "video/mp4", "mp3": "audio/mpeg",
    "wav": "audio/wav", "flac": "audio/flac", "mid": "audio/midi", "midi": "audio/midi",
    "stl": "application/sla",
}
# Types a browser shows passively; everything else is sandboxed when opened directly.
_PASSIVE_TYPES = frozenset({"application/pdf", "application/ogg"})
_MIME = re.compile(r"[a-z0-9][\w.+-]*/[a-z0-9][\w.+-]*", re.IGNORECASE | re.ASCII)
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def file_repo(wiki: Wiki) -> FileRepo:
    """The wiki's repository (``wiki.filerepo`` when the wiki has one)."""
    repo = getattr(wiki, "filerepo", None)
    if isinstance(repo, FileRepo):
        return repo
    return FileRepo.from_settings(wiki.settings)


def content_type_for(name: str) -> str:
    """The MIME type to serve a file as, judged by its extension."""
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    return TYPES_BY_EXTENSION.get(extension, DEFAULT_TYPE)


def stored_type(mime: str) -> str | None:
    """A MIME type recorded in the database, if it is well-formed and known."""
    if _MIME.fullmatch(mime) and not mime.lower().startswith("unknown/"):
        return mime.lower()
    return None


def needs_sandbox(mime: str) -> bool:
    major, _, minor = mime.partition("/")
    if major in ("audio", "video") or mime in _PASSIVE_TYPES:
        return False
    return not (major == "image" and "xml" not in minor)


@dataclass(frozen=True)
class ServedFile:
    """An opened object to send, described as the response headers need it."""

    stream: BinaryIO
    size: int
    mtime: float
    mime: str
    etag: str

    @property
    def last_modified(self) -> str:
        return formatdate(self.mtime, usegmt=True)


async def serve_file(request: Request) -> Response:
    """Starlette endpoint for ``{upload_path}/{path:path}`` (GET and HEAD)."""
    wiki: Wiki = request.app.state.wiki
    repo = file_repo(wiki)
    location = repo.locate(str(request.path_params.get("path", "")))
    if location is None:
        return _not_found()
    try:
        if _redirects(wiki, repo):
            url = await run_in_threadpool(_presigned, wiki, repo, location)
            return RedirectResponse(url, 302, {"Cache-Control": "private, max-age=60"})
        served = await run_in_threadpool(_open, wiki, repo, location)
    except (NotFound, InvalidPath, ValueError):  # ValueError: not a usable file name
        return _not_found()
    except StorageError as error:
        log.warning("could not serve %s: %s", request.url.path, error)
        return _unavailable()
    try:
        return respond(request, served, _disposition(request, location))
    except BaseException:
        served.stream.close()
        raise


def _disposition(request: Request, location: Location) -> dict[str, str]:
    """``?download`` asks for the file as an attachment (as MediaWiki's img_auth.php does)."""
    if "download" not in request.query_params:
        return {}
    name = location.thumb_name or location.name
    return {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name, safe='')}"}


def _redirects(wiki: Wiki, repo: FileRepo) -> bool:
    """``storage_serve = "redirect"`` on a store that can presign URLs."""
    return wiki.settings.storage_serve == "redirect" and isinstance(repo.backend, PresignsUrls)


def _presigned(wiki: Wiki, repo: FileRepo, location: Location) -> str:
    """A presigned URL of the object, after the same checks as streaming it."""
    path, row = _resolve(wiki, repo, location)
    backend = repo.backend
    assert isinstance(backend, PresignsUrls)
    if not backend.exists(path):
        raise NotFound(path)
    mime = content_type_for(location.thumb_name or location.name)
    if row is not None:
        mime = stored_type(f"{row.major_mime}/{row.minor_mime}") or mime
    return backend.presigned_url(path, expires=wiki.settings.storage_redirect_expiry,
                                 content_type=mime)


def _resolve(wiki: Wiki, repo: FileRepo,
             location: Location) -> tuple[str, Image | OldImage | None]:
    """The object's path and the row describing it (a thumbnail is made if missing)."""
    row: Image | OldImage | None = None
    if location.zone == "thumb":
        path = (f"{repo.archive_thumb_dir(location.archive_name)}/{location.thumb_name}"
                if location.archive_name else repo.thumb_path(location.name, location.thumb_name))
        if not repo.backend.exists(path):   # made on first request, then kept
            ensure_thumbnail(wiki, location.name, location.thumb_name, location.archive_name)
    elif location.zone == "archive":
        path, row = repo.archive_path(location.archive_name), _old_row(wiki, location)
    else:
        path, row = repo.public_path(location.name), _current_row(wiki, location.name)
    return path, row


def _open(wiki: Wiki, repo: FileRepo, location: Location) -> ServedFile:
    """Open the object and describe it; the size is that of the version opened."""
    path, row = _resolve(wiki, repo, location)
    stream = repo.backend.open(path)
    try:
        size = stream.seek(0, 2)
        stream.seek(0)
        mtime = repo.backend.stat(path).mtime
    except BaseException:
        stream.close()
        raise
    served_name = location.thumb_name or location.name
    mime = content_type_for(served_name)
    etag = f'"{size:x}-{int(mtime * 1000):x}"'
    if row is not None:
        mime = stored_type(f"{row.major_mime}/{row.minor_mime}") or mime
        if row.sha1 and row.size == size:
            etag = f'"{row.sha1}"'
    return ServedFile(stream, size, mtime, mime, etag)


def _current_row(wiki: Wiki, name: str) -> Image | None:
    with wiki.db() as db:
        return db.get(Image, name)


def _old_row(wiki: Wiki, location: Location) -> OldImage | None:
    query = select(OldImage).where(OldImage.name == location.name,
                                   OldImage.archive_name == location.archive_name)
    with wiki.db() as db:
        row = db.execute(query).scalars().first()
    if row is not None and row.deleted & 1:  # the file itself is hidden
        raise NotFound(location.archive_name)
    return row


def respond(request: Request, served: ServedFile,
            extra_headers: Mapping[str, str] | None = None) -> Response:
    """The response for an opened object: 200, 206, 304, 416 or a HEAD answer; the stream is
    closed when the response is done with it. ``extra_headers`` go on every answer."""
    headers = {
        "ETag": served.etag,
        "Last-Modified": served.last_modified,
        "Accept-Ranges": "bytes",
        "X-Content-Type-Options": "nosniff",
        **(extra_headers or {}),
    }
    if needs_sandbox(served.mime):
        headers["Content-Security-Policy"] = CSP_SANDBOX
    if _not_modified(request, served):
        served.stream.close()
        return Response(status_code=304, headers=headers)
    headers["Content-Type"] = served.mime
    status, start, length = 200, 0, served.size
    try:
        byte_range = _requested_range(request, served)
    except _Unsatisfiable:
        served.stream.close()
        headers["Content-Range"] = f"bytes */{served.size}"
        headers["Content-Type"] = "text/plain"
        return Response(b"Requested range not satisfiable\n", 416, headers)
    if byte_range is not None:
        status, (start, length) = 206, byte_range
        headers["Content-Range"] = f"bytes {start}-{start + length - 1}/{served.size}"
    headers["Content-Length"] = str(length)
    if request.method == "HEAD":
        served.stream.close()
        return Response(b"", status, headers)
    return StreamingResponse(_chunks(served.stream, start, length), status, headers,
                             background=BackgroundTask(served.stream.close))


def _chunks(stream: BinaryIO, start: int, length: int) -> Iterator[bytes]:
    try:
        stream.seek(start)
        remaining = length
        while remaining > 0:
            chunk = stream.read(min(CHUNK_SIZE, remaining))
            if not chunk:
                raise OSError("stored file ended early")
            remaining -= len(chunk)
            yield chunk
    finally:
        stream.close()


def _not_modified(request: Request, served: ServedFile) -> bool:
    """If-None-Match (weak comparison), else If-Modified-Since."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or served.etag.removeprefix("W/") in tags
    since = _parse_date(request.headers.get("if-modified-since"))
    return since is not None and int(served.mtime) <= since


class _Unsatisfiable(Exception):
    """The requested range lies outside the file."""


def _requested_range(request: Request, served: ServedFile) -> tuple[int, int] | None:
    """(start, length) of a single satisfiable range, or None to send the whole file."""
    header = request.headers.get("range")
    if header is None or not _if_range_holds(request, served):
        return None
    match = _RANGE.fullmatch(header.strip().replace(" ", ""))
    if match is None or match.group(0) == "bytes=-":
        return None  # several ranges or a syntax we do not know: send the whole file
    first, last, size = match.group(1), match.group(2), served.size
    if first == "":
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise _Unsatisfiable
        return max(0, size - suffix), min(suffix, size)
    start = int(first)
    if last and int(last) < start:
        return None  # invalid: ignore the header
    if start >= size:
        raise _Unsatisfiable
    end = min(int(last), size - 1) if last else size - 1
    return start, end - start + 1


def _if_range_holds(request: Request, served: ServedFile) -> bool:
    if_range = request.headers.get("if-range")
    if if_range is None:
        return True
    if if_range.startswith(('"', "W/")):
        return if_range == served.etag and not if_range.startswith("W/")
    return if_range.strip() == served.last_modified


def _parse_date(value: str | None) -> int | None:
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return int(when.timestamp())


def _unavailable() -> Response:
    return Response(b"The file store is not available; try again later.\n", 503,
                    {"Content-Type": "text/plain", "Retry-After": "5",
                     "X-Content-Type-Options": "nosniff"})


def _not_found() -> Response:
    return Response(b"Not Found\n", 404, {"Content-Type": "text/plain",
                                           "X-Content-Type-Options": "nosniff"})
