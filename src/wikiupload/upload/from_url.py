"""Upload by URL (UploadFromUrl): the checks in MediaWiki's order, the download into an
:class:`UploadSource` for the usual pipeline, and the async variant through the job queue.

Order, as ApiUpload runs it: mode selection (:func:`select`: enabled, allowed domain), then
the rights check (by the caller), then the fetch (:func:`fetch_source`: URL syntax,
addresses, HTTP), then verification, warnings and publishing like any other upload.
With ``async=1`` the request checks the URL and the file name, answers ``Poll``, and a
``fetch-url`` job does the rest; checkstatus finds its progress under :func:`status_key`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from wikiupload.config import Settings
from wikiupload.errors import ApiError
from wikiupload.expiry import format_expiry
from wikiupload.jobs.queue import enqueue
from wikiupload.upload import ssrf, url_rules, verification
from wikiupload.upload.fetch import FetchLimits, Resolver, fetch_to_file
from wikiupload.upload.sources import UploadSource
from wikiupload.upload.status import get_status, set_status

if TYPE_CHECKING:
    from wikiupload.api.context import ApiContext
    from wikiupload.upload.pipeline import UploadOptions
    from wikiupload.wiki import Wiki

JOB_KIND = "fetch-url"


@dataclass(frozen=True)
class UrlUpload:
    """An upload whose bytes are still at ``url`` (chosen, not fetched yet)."""

    url: str


def select(settings: Settings, url: str) -> UrlUpload:
    """Mode selection for ``url=``: copy uploads enabled, host in the allowed domains."""
    if not settings.allow_copy_uploads:
        raise ApiError("copyuploaddisabled", code="copyuploaddisabled")
    if not url_rules.domain_allowed(url, settings.copy_upload_domains):
        raise ApiError("apierror-copyuploadbaddomain")
    return UrlUpload(url)


def fetch_limits(settings: Settings) -> FetchLimits:
    return FetchLimits(
        max_bytes=settings.max_upload_size, timeout=settings.copy_upload_timeout,
        connect_timeout=min(settings.copy_upload_connect_timeout,
                            settings.copy_upload_timeout),
        max_redirects=settings.copy_upload_max_redirects,
        allowed_networks=ssrf.parse_networks(settings.copy_uploads_private_networks),
        allowed_domains=tuple(settings.copy_upload_domains))


def fetch_source(wiki: Wiki, url: str, orig_name: str,
                 resolver: Resolver | None = None) -> UploadSource:
    """Download ``url`` into the wiki's temp directory: an upload source of type ``url``.

    The caller owns the temp file (see :func:`discard`)."""
    fetched = fetch_to_file(url, wiki.temp_dir, fetch_limits(wiki.settings), resolver)
    return UploadSource("url", orig_name, fetched.size, fetched.sha1, local=fetched.path,
                        synced=wiki.filerepo.sync_ahead(fetched.path))


def discard(source: UploadSource) -> None:
    """Delete the downloaded file if the pipeline left it behind (failure, no publish)."""
    if source.local is not None:
        source.local.unlink(missing_ok=True)
        source.local = None


def status_key(filename: str | None, url: str) -> str:
    """Where checkstatus finds an async URL upload: MediaWiki's UploadFromUrl::getCacheKey
    (SHA-1 of ``filename|||url``); empty without a file name."""
    if not filename:
        return ""
    return hashlib.sha1(f"{filename}|||{url}".encode()).hexdigest()


def queue_fetch(ctx: ApiContext, upload: UrlUpload, options: UploadOptions) -> dict[str, Any]:
    """async=1: check what can be checked now, queue the fetch, answer ``Poll``."""
    url_rules.parse_url(upload.url)
    name = checked_name(options.filename, ctx.settings)
    key = status_key(options.filename, upload.url)
    user = ctx.user
    current = get_status(ctx.db, user.id, key)
    if current is not None and current.get("result") == "Poll":
        raise ApiError("apierror-publishfailed", code="publishfailed")
    set_status(ctx.db, user.id, key, {"result": "Poll", "stage": "queued"})
    enqueue(ctx.db, JOB_KIND, {
        "key": key, "user_id": user.id, "bot_app_id": user.bot_app_id, "url": upload.url,
        "filename": options.filename, "comment": options.comment, "text": options.text,
        "tags": list(options.tags), "ignore_warnings": options.ignore_warnings,
        "watchlist": options.watchlist, "watch": options.watch,
        "watch_expiry": None if options.watch_expiry is None
        else format_expiry(options.watch_expiry)})
    return {"result": "Poll", "stage": "queued", "filename": name}


def checked_name(filename: str, settings: Settings) -> str:
    """The final file name, or the name error (what can be verified before the download)."""
    title, _warnings = verification.check_title(filename, settings)
    if not isinstance(title, verification.Verification):
        return title
    assert title.message is not None
    error = ApiError(title.message.key, message=title.message, code=title.code,
                     data=dict(title.data))
    if title.recoverable:
        error.data["invalidparameter"] = "filename"
    raise error
