"""Special:Log/upload (and Special:Log?type=upload): upload log entries from
``list=logevents``, newest first, a page at a time."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from wikiupload.web.pages.formats import display_time
from wikiupload.web.pages.render import PageContext

__all__ = ["LOG_PAGE_SIZE", "log_page"]

LOG_PAGE_SIZE = 50
# The logs this page lists; MediaWiki's upload log has the actions upload, overwrite, revert.
SHOWN_TYPES = ("upload", "delete")
ACTION_KEYS = {
    "upload": "logentry-upload-upload",
    "overwrite": "logentry-upload-overwrite",
    "revert": "logentry-upload-revert",
    "delete": "logentry-delete-delete",
}


async def log_page(ctx: PageContext, subpage: str) -> Response:
    kind = (subpage or ctx.request.query_params.get("type") or "upload").lower()
    if kind not in SHOWN_TYPES:
        kind = "upload"
    resume = ctx.request.query_params.get("offset") or None
    result = await ctx.api.get(action="query", list="logevents", letype=kind,
                               lelimit=LOG_PAGE_SIZE, lecontinue=resume,
                               leprop="ids|title|type|user|timestamp|comment")
    entries: list[dict[str, Any]] = result["query"]["logevents"]
    rows = [_row(ctx, entry) for entry in entries]
    following = result.get("continue", {}).get("lecontinue")
    heading = ctx.msg("uploadlogpage" if kind == "upload" else "dellogpage")
    return ctx.respond("log.html", rows=rows, kind=kind, heading=heading, following=following,
                       when=display_time)


def _row(ctx: PageContext, entry: dict[str, Any]) -> dict[str, Any]:
    key = ACTION_KEYS.get(str(entry.get("action")), "logentry-upload-upload")
    user = str(entry.get("user", ""))
    title = str(entry.get("title", ""))
    text = ctx.msg(key, user, user, title)
    before, found, after = text.partition(title) if title else (text, "", "")
    return {"timestamp": str(entry.get("timestamp", "")), "user": user, "title": title,
            "comment": str(entry.get("comment", "")), "before": before,
            "linked": bool(found), "after": after if found else ""}
