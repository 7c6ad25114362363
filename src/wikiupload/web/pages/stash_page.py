"""Special:UploadStash: the visitor's stashed files (``list=mystashedfiles``), with
thumbnails from ``prop=stashimageinfo``; the files themselves are served under
``Special:UploadStash/file/KEY`` (see ``web.stash_files``)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from wikiupload.web.pages.apicall import ApiFailure
from wikiupload.web.pages.formats import display_time, human_size
from wikiupload.web.pages.render import PageContext

__all__ = ["STASH_PAGE_SIZE", "stash_page"]

STASH_PAGE_SIZE = 50
STASH_THUMB_WIDTH = 120


async def stash_page(ctx: PageContext, subpage: str) -> Response:
    if ctx.visitor.anonymous:
        return ctx.respond("uploadstash.html", files=[], error=ctx.msg("uploadstash-not-logged-in"),
                           size=_size(ctx), when=display_time)
    try:
        listed = await ctx.api.get(action="query", list="mystashedfiles", msfprop="size|type",
                                   msflimit=STASH_PAGE_SIZE)
        entries: list[dict[str, Any]] = listed["query"]["mystashedfiles"]
        files = await _details(ctx, entries)
    except ApiFailure as failure:
        return ctx.respond("uploadstash.html", 403, files=[], error=failure.text,
                           size=_size(ctx), when=display_time)
    return ctx.respond("uploadstash.html", files=files, error=None, size=_size(ctx),
                       when=display_time)


def _size(ctx: PageContext) -> Any:
    return lambda n: human_size(int(n), ctx.lang)


async def _details(ctx: PageContext, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each entry with its stashimageinfo (url, thumbnail) when the file is complete."""
    keys = [str(entry["filekey"]) for entry in entries]
    if not keys:
        return []
    infos: dict[str, dict[str, Any]] = {}
    for key in keys:   # one by one: a file still being assembled must not fail the others
        try:
            result = await ctx.api.get(action="query", prop="stashimageinfo", siifilekey=key,
                                       siiprop="timestamp|url|size|mime",
                                       siiurlwidth=STASH_THUMB_WIDTH)
        except ApiFailure:
            continue
        found = result.get("query", {}).get("stashimageinfo") or []
        if found:
            infos[key] = found[0]
    return [{**entry, "info": infos.get(str(entry["filekey"]), {})} for entry in entries]
