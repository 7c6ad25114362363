"""Special:UploadStash: a stashed file's bytes and its thumbnails, for their owner only.

Served at ``$wgArticlePath`` with ``$1 = Special:UploadStash/file/KEY`` (the ``url`` that
stashimageinfo and stash results give) and ``…/thumb/KEY/<thumb name>`` (their
``thumburl``), and under ``index.php/`` as well. The caller is the user of the session
cookie, exactly as for api.php (bot-password sessions included). Lookups go through
``UploadStash.get``, so expired entries are gone here too.

Responses: the stored bytes with the stash row's MIME type, ranges, validators, ``nosniff``
and the sandboxing CSP of ``web.files`` for types a browser could run, marked private.
Refusals are short ``text/plain`` messages (MediaWiki's texts): 403 without the ``upload``
right or for another user's file, 404 for an unknown or expired key or a thumbnail that
cannot be made, 400 for a malformed key or thumbnail name.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session as DbSession
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from wikiupload.api.main import identify
from wikiupload.auth.cookies import SessionCookies
from wikiupload.auth.users import Principal, groups_with_right
from wikiupload.config import Settings
from wikiupload.db.stash_models import StashedFile
from wikiupload.errors import ApiError, permission_denied
from wikiupload.filerepo import FileRepo, NotFound, StorageError
from wikiupload.filerepo.chunkstore import chunk_store_for
from wikiupload.files.info import stash_source
from wikiupload.files.thumbnails import make_thumbnail, thumb_type
from wikiupload.i18n.messages import Message, render
from wikiupload.upload.stash import UploadStash
from wikiupload.web.files import ServedFile, content_type_for, respond, stored_type
from wikiupload.wiki import Wiki

__all__ = ["PRIVATE_HEADERS", "serve_stashed", "stash_routes"]

log = logging.getLogger(__name__)

PAGE = "Special:UploadStash"
PRIVATE_HEADERS = {"Cache-Control": "private, must-revalidate, max-age=0", "Vary": "Cookie"}
# HTTP status of each refusal of UploadStash.get (MediaWiki: 404 for an unknown key, an
# HTML error page with 500 for the others).
_STATUS_OF_CODE = {
    "uploadstash-bad-path-bad-format": 400,
    "stashnotloggedin": 403,
    "uploadstash-wrong-owner": 403,
    "uploadstash-file-not-found": 404,
    "uploadstash-zero-length": 404,
    "uploadstash-bad-path": 404,
}
_UNRECOGNIZED_THUMB = "Unrecognized thumb name."
_NO_THUMBNAIL = "No local path for scaled item."


def stash_routes(settings: Settings) -> list[Route]:
    """The routes of Special:UploadStash/file/KEY and …/thumb/KEY/NAME."""
    routes = []
    for prefix in _prefixes(settings):
        routes.append(Route(f"{prefix}/file/{{key}}", serve_stashed, methods=["GET", "HEAD"]))
        routes.append(Route(f"{prefix}/thumb/{{key}}/{{thumb}}", serve_stashed,
                            methods=["GET", "HEAD"]))
    return routes


def _prefixes(settings: Settings) -> list[str]:
    script = settings.script_path.rstrip("/")
    found = [f"{script}/index.php/{PAGE}", f"/index.php/{PAGE}"]
    article = settings.article_path
    if article.startswith("/") and article.endswith("$1") and article.count("$1") == 1 \
            and "?" not in article:
        found.insert(0, article.replace("$1", PAGE))
    return list(dict.fromkeys(found))


class _Refusal(Exception):
    """The request is refused: an HTTP status and the message to show."""

    def __init__(self, status: int, message: Message | str) -> None:
        super().__init__(status)
        self.status = status
        self.message = message

    def response(self, settings: Settings) -> Response:
        text = render(self.message, settings.language_code, site_name=settings.sitename)
        headers = {"X-Content-Type-Options": "nosniff", **PRIVATE_HEADERS}
        return Response(f"{text}\n".encode(), self.status, headers,
                        media_type="text/plain; charset=utf-8")


@dataclass(frozen=True)
class _Wanted:
    """What the request asks for, and who asks."""

    key: str
    thumb: str | None
    cookies: Mapping[str, str]
    ip: str


async def serve_stashed(request: Request) -> Response:
    """Starlette endpoint for Special:UploadStash/file/KEY and …/thumb/KEY/NAME."""
    wiki: Wiki = request.app.state.wiki
    thumb = request.path_params.get("thumb")
    wanted = _Wanted(str(request.path_params["key"]), None if thumb is None else str(thumb),
                     request.cookies, request.client.host if request.client else "127.0.0.1")
    try:
        served = await run_in_threadpool(_open, wiki, wanted)
    except _Refusal as refusal:
        return refusal.response(wiki.settings)
    except StorageError as error:   # the store did not answer: say so, keep the details
        log.warning("could not serve a stashed file: %s", error)
        return _Refusal(503, Message("backend-fail-connect")).response(wiki.settings)
    try:
        return respond(request, served, PRIVATE_HEADERS)
    except BaseException:
        served.stream.close()
        raise


def _open(wiki: Wiki, wanted: _Wanted) -> ServedFile:
    repo = wiki.filerepo
    with wiki.db() as db:
        row = _owned_row(db, wiki, wanted)
    if wanted.thumb is None:
        mime = stored_type(row.mime) or content_type_for(row.key)
        if row.status == "chunks":      # the bytes so far: never a chunk still arriving
            return _opened(repo, _bytes_of(repo, row), mime, limit=row.size)
        return _opened(repo, _bytes_of(repo, row), mime, row.sha1, row.size)
    path, mime = _thumbnail(repo, row, wanted.thumb)
    return _opened(repo, path, mime)


def _bytes_of(repo: FileRepo, row: StashedFile) -> str:
    """Where the stashed bytes are; a chunk session's bytes so far, where the chunk store
    keeps them readable (on S3 only until the first 5 MiB part was sent)."""
    if row.status != "chunks":
        return row.path
    store = chunk_store_for(repo)
    readable = store.readable(row.path, row.assembly) if store is not None else None
    if readable is None:
        raise _Refusal(404, Message("uploadstash-bad-path"))
    return readable


def _owned_row(db: DbSession, wiki: Wiki, wanted: _Wanted) -> StashedFile:
    """The stash row, if the caller may upload and owns it (MediaWiki's checks, in order)."""
    jar = SessionCookies(wiki.settings.cookie_prefix)
    user: Principal = identify(db, wiki, jar.load(db, wanted.cookies), wanted.ip)
    if not user.can("upload"):
        denied = permission_denied(groups_with_right(wiki.settings, "upload"))
        raise _Refusal(403, denied.message)
    try:
        return UploadStash(db, wiki.filerepo).get(wanted.key, user.id)
    except ApiError as error:
        raise _Refusal(_STATUS_OF_CODE.get(error.code, 404), error.message) from error


def _thumbnail(repo: FileRepo, row: StashedFile, thumb_name: str) -> tuple[str, str]:
    """Backend path and type of a thumbnail, made now if needed."""
    if thumb_name.find(row.key) < 1:    # as MediaWiki parses it: "<params>-…KEY…"
        raise _Refusal(400, _UNRECOGNIZED_THUMB)
    source = stash_source(repo, row)
    path = make_thumbnail(repo, source, thumb_name) if row.status == "finished" else None
    if path is None:
        raise _Refusal(404, _NO_THUMBNAIL)
    return path, thumb_type(source.mime)[1]


def _opened(repo: FileRepo, path: str, mime: str, sha1: str = "",
            expected_size: int = -1, limit: int | None = None) -> ServedFile:
    """Open a stored object (its first ``limit`` bytes, if given); its ETag is the SHA-1
    when the row describes these bytes."""
    try:
        stream = repo.backend.open(path)
    except NotFound as error:
        raise _Refusal(404, Message("uploadstash-bad-path")) from error
    try:
        size = stream.seek(0, 2) if limit is None else min(stream.seek(0, 2), limit)
        stream.seek(0)
        mtime = repo.backend.stat(path).mtime
    except BaseException:
        stream.close()
        raise
    etag = f'"{sha1}"' if sha1 and size == expected_size else f'"{size:x}-{int(mtime * 1000):x}"'
    return ServedFile(stream, size, mtime, mime, etag)
