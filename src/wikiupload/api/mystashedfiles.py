"""list=mystashedfiles: the calling user's stash entries (ApiQueryMyStashedFiles).

One item per entry: ``filekey`` and ``status`` (``finished``, or ``chunks`` while a chunked
upload is in progress), with ``msfprop=size`` its ``size``, ``width``, ``height`` and
``bits``, with ``msfprop=type`` its ``mimetype`` and ``mediatype``. Entries are listed in
key order, which is the order they were made in (keys start with the time in
microseconds); ``msfcontinue`` is the key to resume at, where MediaWiki gives a row number.
Expired entries are not listed: they cannot be used any more.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from wikiupload.api import registry
from wikiupload.api.context import ApiContext
from wikiupload.api.params import Param
from wikiupload.api.query import QuerySubmodule
from wikiupload.db.stash_models import StashedFile
from wikiupload.errors import ApiError
from wikiupload.media.mimemap import UNKNOWN_MIME, media_type, mime_for_extension
from wikiupload.upload.stash import expiry_cutoff, key_is_valid

NAME = "mystashedfiles"


@registry.register
class MyStashedFilesModule(QuerySubmodule):
    name = NAME
    group = "list"
    prefix = "msf"
    class_name = "ApiQueryMyStashedFiles"
    help_url = "https://www.mediawiki.org/wiki/Special:MyLanguage/API:mystashedfiles"
    description = "Get a list of files in the current user's upload stash."
    examples = (("action=query&list=mystashedfiles&msfprop=size",
                 "Get the filekey, file size, and pixel size of files in the current user's "
                 "upload stash."),)
    params = (
        Param("prop", ("size", "type"), default="", multi=True,
              help="Which properties to fetch for the files."),
        Param("limit", "limit", default=10, min=1, max=500, highmax=5000,
              help="How many files to get."),
        Param("continue", "string",
              help="When more results are available, use this to continue."),
    )

    def execute(self, ctx: ApiContext, params: dict[str, Any]) -> None:
        if ctx.user.is_anon:
            raise ApiError("apierror-mustbeloggedin-uploadstash", code="stashnotloggedin")
        state = self.state(ctx)
        limit = int(params["limit"])
        if ctx.params.get("msflimit", "").strip() == "max":
            state.limits[NAME] = limit
        rows = list(ctx.db.scalars(_query(ctx, params["continue"]).limit(limit + 1)))
        if len(rows) > limit:
            state.set_continue(NAME, "msfcontinue", rows[limit].key)
            rows = rows[:limit]
        props = set(params["prop"])
        state.out[NAME] = [_item(row, props) for row in rows]


def _query(ctx: ApiContext, resume_at: str | None) -> Select[StashedFile]:
    cutoff = expiry_cutoff(ctx.settings.upload_stash_max_age)
    key = _key_column(ctx)
    query = select(StashedFile).where(StashedFile.user_id == ctx.user.id,
                                      StashedFile.timestamp >= cutoff)
    if resume_at is not None:
        if not key_is_valid(resume_at):
            raise ApiError("apierror-badcontinue")
        query = query.where(key >= resume_at)
    return query.order_by(key)


def _key_column(ctx: ApiContext) -> Any:
    """Keys compared byte-wise, whatever the database's collation."""
    if ctx.db.get_bind().dialect.name == "postgresql":
        return StashedFile.key.collate("C")
    return StashedFile.key


def _item(row: StashedFile, props: set[str]) -> dict[str, Any]:
    item: dict[str, Any] = {"filekey": row.key, "status": row.status}
    if "size" in props:
        item.update(size=row.size, width=row.width, height=row.height, bits=row.bits)
    if "type" in props:
        mime, kind = _types(row)
        item.update(mimetype=mime, mediatype=kind)
    return item


def _types(row: StashedFile) -> tuple[str, str]:
    """(MIME type, media type); a chunk session has no verified type yet, so it is judged
    by its extension (MediaWiki reports what it detected in the first chunk)."""
    if row.mime:
        return row.mime, row.media_type
    extension = row.key.rpartition(".")[2]
    mime = mime_for_extension(extension) or UNKNOWN_MIME
    return mime, media_type(mime, extension)


__all__ = ["MyStashedFilesModule"]
