"""action=upload: parameters, mode selection and result shapes (ApiUpload)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from wikiupload import changetags
from wikiupload.api import registry
from wikiupload.api.context import ApiContext
from wikiupload.api.module import ApiModule
from wikiupload.api.params import Param
from wikiupload.api.watch import expiry_param
from wikiupload.auth import counters
from wikiupload.db.stash_models import StashedFile
from wikiupload.errors import ApiError
from wikiupload.files.info import STASH_RESULT_PROPS, UPLOAD_RESULT_PROPS, file_info, stash_info
from wikiupload.i18n.messages import Message, Num
from wikiupload.upload import from_url
from wikiupload.upload.chunk_pipeline import ChunkPipeline
from wikiupload.upload.from_url import UrlUpload
from wikiupload.upload.pipeline import (
    Outcome,
    UploadOptions,
    UploadPipeline,
    check_rate_limit,
    check_upload_rights,
)
from wikiupload.upload.sources import UploadSource
from wikiupload.upload.stash import UploadStash, key_is_valid
from wikiupload.upload.status import upload_status


@registry.register
class UploadModule(ApiModule):
    name = "upload"
    class_name = "ApiUpload"
    needs_token = "csrf"
    must_post = True
    write_mode = True
    help_url = "https://www.mediawiki.org/wiki/Special:MyLanguage/API:Upload"
    description = ("Upload a file, or get the status of pending uploads. Use multipart "
                   "form data for file contents.")
    examples = (
        ("action=upload&filename=Wiki.png&url=http%3A//upload.wikimedia.org/wikipedia/en/b/bc/"
         "Wiki.png&token=123ABC", "Upload from a URL."),
        ("action=upload&filename=Wiki.png&filekey=filekey&ignorewarnings=1&token=123ABC",
         "Complete an upload that failed due to warnings."),
    )
    params = (
        Param("filename", "string", help="Target filename."),
        Param("comment", "string", default="",
              help="Upload comment. Also used as the initial page text for new files if "
                   "text is not specified."),
        Param("tags", "tags", multi=True,
              help="Change tags to apply to the upload log entry and file page revision."),
        Param("text", "text", help="Initial page text for new files."),
        Param("watch", "boolean", default=False, deprecated=True,
              help="Watch the page."),
        Param("watchlist", ("nochange", "preferences", "watch"), default="preferences",
              help="Unconditionally add or remove the page from the current user's "
                   "watchlist, use preferences or do not change watch."),
        Param("ignorewarnings", "boolean", default=False, help="Ignore any warnings."),
        Param("file", "upload", help="File contents."),
        Param("url", "string", help="URL to fetch the file from."),
        Param("filekey", "string",
              help="Key that identifies a previous upload that was stashed temporarily."),
        Param("sessionkey", "string", deprecated=True, help="Same as filekey."),
        Param("stash", "boolean", default=False,
              help="If set, the server will stash the file temporarily instead of adding it "
                   "to the repository."),
        Param("filesize", "integer", min=0, help="Filesize of entire upload."),
        Param("offset", "integer", min=0, help="Offset of chunk in bytes."),
        Param("chunk", "upload", help="Chunk contents."),
        Param("async", "boolean", default=False,
              help="Make potentially large file operations asynchronous when possible."),
        Param("checkstatus", "boolean", default=False,
              help="Only fetch the upload status for the given file key."),
    )

    def execute(self, ctx: ApiContext, params: dict[str, Any]) -> None:
        settings = ctx.settings
        if not settings.enable_uploads:
            raise ApiError("apierror-uploaddisabled", code="uploaddisabled")
        changetags.check_defined(settings, params["tags"])
        expiry = expiry_param(ctx, "watchlistexpiry", "upload")
        self._check_filesize(ctx, params)
        filekey = params["filekey"] or params["sessionkey"]
        run_async = params["async"] and settings.enable_async_uploads
        self._check_one_source(params, filekey)
        if params["checkstatus"] and (filekey or params["url"]):
            key = filekey or from_url.status_key(params["filename"], params["url"])
            ctx.result["upload"] = upload_status(ctx, key)
            return
        source = self._select_source(ctx, params, filekey, run_async)
        check_upload_rights(ctx, by_url=bool(params["url"]))
        if isinstance(source, UploadSource):
            source.sync_ahead(ctx.wiki.filerepo)
        with upload_slot(ctx, needed=self._takes_slot(ctx, source)):
            done = self._upload(ctx, params, source, run_async, expiry)
        # Committed: the answer is read outside the database's write lock.
        ctx.result["upload"] = done if isinstance(done, dict) else self._result(ctx, done)

    def _upload(self, ctx: ApiContext, params: dict[str, Any],
                source: UploadSource | UrlUpload | StashedFile | None, run_async: bool,
                expiry: Any) -> Outcome | dict[str, Any]:
        """The upload's outcome, or (a chunk, a queued URL fetch) its answer."""
        if params["chunk"] is not None:
            return self._run_chunk(ctx, params, source)
        options = UploadOptions(filename=params["filename"], comment=params["comment"],
                                text=params["text"], tags=tuple(params["tags"]),
                                ignore_warnings=params["ignorewarnings"],
                                stash=params["stash"], run_async=run_async,
                                watchlist=params["watchlist"], watch=params["watch"],
                                watch_expiry=expiry)
        if isinstance(source, UrlUpload):
            return self._run_url(ctx, source, options)
        assert isinstance(source, UploadSource)
        return UploadPipeline(ctx, source, options).run()

    @staticmethod
    def _takes_slot(ctx: ApiContext, source: UploadSource | UrlUpload | StashedFile | None,
                    ) -> bool:
        """Whether the upload counts against the caller's concurrent uploads: all but a
        file under ``upload_slot_min_size`` sent whole or published from the stash."""
        if isinstance(source, UploadSource):
            return source.size >= int(ctx.settings.upload_slot_min_size)
        return True

    # -- request checks -------------------------------------------------------------------

    @staticmethod
    def _check_filesize(ctx: ApiContext, params: dict[str, Any]) -> None:
        """filesize above the maximum: file-too-large for a chunk (unless configured to
        clamp it with a warning, as MediaWiki does)."""
        size = params["filesize"]
        limit = ctx.settings.max_upload_size
        if size is not None and size > limit:
            if ctx.settings.refuse_oversized_filesize and params["chunk"] is not None:
                raise ApiError("file-too-large")
            ctx.warn("upload", Message("apiwarn-outofrange",
                                       ("filesize", str(size), Num(0), Num(limit))),
                     code="integeroutofrange")
            params["filesize"] = limit

    def _select_source(self, ctx: ApiContext, params: dict[str, Any], filekey: str | None,
                       run_async: bool) -> UploadSource | UrlUpload | StashedFile | None:
        if not params["filename"]:
            raise ApiError("apierror-missingparam", "filename", code="nofilename")
        if params["chunk"] is not None:
            return self._chunk_session(ctx, params, filekey)
        if filekey:
            if not key_is_valid(filekey):
                raise ApiError("apierror-invalid-file-key", code="invalid-file-key")
            row = UploadStash(ctx.db, ctx.wiki.filerepo).get(filekey, ctx.user.id)
            return UploadSource.from_stash(row)
        if params["file"] is not None:
            if run_async:
                raise ApiError("apierror-cannot-async-upload-file",
                               code="cannot-async-upload-file")
            return UploadSource.from_request_file(params["file"], params["filename"])
        return from_url.select(ctx.settings, params["url"])

    @staticmethod
    def _check_one_source(params: dict[str, Any], filekey: str | None) -> None:
        """Without a chunk, exactly one of filekey, file and url."""
        chunk, upload, url = params["chunk"], params["file"], params["url"]
        if chunk is None:
            given = [name for name, value in (("filekey", filekey), ("file", upload),
                                              ("url", url)) if value]
            if not given:
                raise ApiError("apierror-missingparam-one-of",
                               quoted_list(["filekey", "file", "url"]), 3,
                               code="missingparam")
            if len(given) > 1:
                raise ApiError("apierror-invalidparammix", quoted_list(given), len(given),
                               code="invalidparammix")

    @staticmethod
    def _chunk_session(ctx: ApiContext, params: dict[str, Any],
                       filekey: str | None) -> StashedFile | None:
        """The chunk session a chunk continues (None for the first chunk)."""
        offset = params["offset"]
        if filekey and offset == 0:
            raise ApiError("apierror-filekeynotallowed", code="filekeynotallowed")
        if not filekey:
            if offset != 0:
                raise ApiError("apierror-filekeyneeded", code="filekeyneeded")
            return None
        return UploadStash(ctx.db, ctx.wiki.filerepo).get(filekey, ctx.user.id)

    def _run_url(self, ctx: ApiContext, upload: UrlUpload,
                 options: UploadOptions) -> Outcome | dict[str, Any]:
        """Fetch now (also for async with stash=1, as MediaWiki 1.39 does) or queue a job."""
        if options.run_async and not options.stash:
            check_rate_limit(ctx)
            return from_url.queue_fetch(ctx, upload, options)
        ctx.db.commit()   # hold no transaction (nor SQLite's write lock) while downloading
        source = from_url.fetch_source(ctx.wiki, upload.url, options.filename)
        try:
            return UploadPipeline(ctx, source, replace(options, run_async=False)).run()
        finally:
            from_url.discard(source)

    @staticmethod
    def _run_chunk(ctx: ApiContext, params: dict[str, Any],
                   session: StashedFile | UploadSource | UrlUpload | None) -> dict[str, Any]:
        assert session is None or isinstance(session, StashedFile)
        outcome = ChunkPipeline(ctx, params["chunk"], filename=params["filename"],
                                filesize=params["filesize"], offset=params["offset"] or 0,
                                session=session, ignore_warnings=params["ignorewarnings"],
                                run_async=params["async"]
                                and ctx.settings.enable_async_uploads).run()
        if outcome.result == "Warning":
            return {"result": "Warning", "warnings": outcome.warnings, "filekey": outcome.key,
                    "sessionkey": outcome.key}
        result: dict[str, Any] = {"warnings": outcome.warnings} if outcome.warnings else {}
        if outcome.result == "Continue":
            return result | {"result": "Continue", "offset": outcome.offset,
                             "filekey": outcome.key}
        if outcome.result == "Poll":
            return result | {"result": "Poll", "stage": "queued", "filekey": outcome.key}
        assert outcome.stashed is not None
        return result | {"result": "Success", "filekey": outcome.key,
                         "imageinfo": stash_info(ctx, outcome.stashed, STASH_RESULT_PROPS)}

    # -- results --------------------------------------------------------------------------

    def _result(self, ctx: ApiContext, outcome: Outcome) -> dict[str, Any]:
        if outcome.queued:
            queued: dict[str, Any] = {"result": "Poll", "stage": "queued",
                                      "filename": outcome.name}
            return queued | ({"warnings": outcome.warnings} if outcome.warnings else {})
        if outcome.published is not None:
            result: dict[str, Any] = {"result": "Success", "filename": outcome.name}
            if outcome.warnings:
                result["warnings"] = outcome.warnings
            # The description page of a first upload is not counted yet (no short URL).
            page_id = None if outcome.published.overwritten else 0
            result["imageinfo"] = file_info(ctx, outcome.published.image, UPLOAD_RESULT_PROPS,
                                            name=outcome.name, page_id=page_id)
            return result
        stashed = outcome.stashed
        if outcome.warnings and not UploadModule._ignoring(ctx):
            result = {"result": "Warning", "warnings": outcome.warnings}
            if stashed is not None:
                result.update({"filekey": stashed.key, "sessionkey": stashed.key})
            return result
        assert stashed is not None
        result = {}
        if outcome.warnings:
            result["warnings"] = outcome.warnings
        result.update({"result": "Success", "filekey": stashed.key, "sessionkey": stashed.key,
                       "imageinfo": stash_info(ctx, stashed, STASH_RESULT_PROPS)})
        return result

    @staticmethod
    def _ignoring(ctx: ApiContext) -> bool:
        return "ignorewarnings" in ctx.params


@contextmanager
def upload_slot(ctx: ApiContext, *, needed: bool = True) -> Iterator[None]:
    """Hold one of the caller's concurrent-upload slots (a lease in the database, so the cap
    holds across server processes) while the upload runs; the upload's writes commit with
    the slot's release (a failed upload's are rolled back, the release still commits).

    Without a slot (not ``needed``, or no cap) the upload goes on in the transaction that
    read the session: one commit in all. On SQLite that transaction holds the write lock
    from the start; with the cap on, the uploads without a slot are the small ones, whose
    checks take a millisecond, and other requests wait their turn without polling
    (``db.engine``).
    """
    limit = ctx.settings.max_concurrent_uploads_per_user
    if limit <= 0 or not needed:
        yield
        ctx.db.commit()
        return
    user = ctx.user
    holder = f"ip:{ctx.request.client_ip}" if user.is_anon else f"user:{user.id}"
    lease = counters.acquire_lease(ctx.db, holder, limit, ctx.settings.upload_lease_seconds)
    if lease is None:
        ctx.db.rollback()
        raise ApiError("apierror-concurrentuploads", Num(limit), code="ratelimited")
    ctx.db.commit()
    try:
        yield
    except BaseException:
        ctx.db.rollback()             # the failed upload's writes go, the release stays
        counters.release_lease(ctx.db, lease)
        ctx.db.commit()
        raise
    counters.release_lease(ctx.db, lease)
    ctx.db.commit()


def quoted_list(names: list[str]) -> str:
    """``"a", "b" and "c"``, as MediaWiki lists parameter names in messages."""
    quoted = [f'"{name}"' for name in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]
