"""File:NAME — the file, its facts and metadata, its description, every version, and for
those with the rights: upload a new version, revert to an old one, delete.

Local files come from ``prop=imageinfo`` and ``prop=revisions``; a file that only a shared
repository has is marked with that repository's name. Revert and delete post to this page
with the visitor's CSRF token, and the page runs ``action=filerevert`` / ``action=delete``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.responses import Response

from wikiupload.web.pages.apicall import ApiFailure
from wikiupload.web.pages.formats import display_time, human_size, metadata_rows
from wikiupload.web.pages.render import PageContext

__all__ = ["HISTORY_LIMIT", "file_page"]

DISPLAY_WIDTH = 800
HISTORY_THUMB_WIDTH = 120
HISTORY_LIMIT = 50
TOKEN_FIELD = "wpEditToken"
_CURRENT_PROPS = "timestamp|user|comment|url|size|mime|mediatype|metadata|sha1"
_HISTORY_PROPS = "timestamp|user|comment|url|size|mime|mediatype|archivename"
_IMAGE_TYPES = ("BITMAP", "DRAWING")


@dataclass
class FileView:
    """What the page shows of one file."""

    name: str
    exists: bool
    repository: str = "local"
    current: dict[str, Any] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    description: str | None = None

    @property
    def foreign(self) -> bool:
        return self.repository not in ("local", "")

    @property
    def is_image(self) -> bool:
        return self.current.get("mediatype") in _IMAGE_TYPES and "thumburl" in self.current


async def file_page(ctx: PageContext, name: str) -> Response:
    notice: str | None = None
    error: str | None = None
    status = 200
    if ctx.request.method == "POST":
        notice, error, status = await _change(ctx, name)
        if error is None and notice is None:
            return ctx.redirect(ctx.url(f"File:{name}"))
    view = await _load(ctx, name)
    if not view.exists and status == 200:
        status = 404
    return ctx.respond("file.html", status, view=view, title=f"File:{name}", notice=notice,
                       error=error, metadata=metadata_rows(view.current.get("metadata")),
                       size=lambda n: human_size(int(n), ctx.lang), when=display_time)


async def _load(ctx: PageContext, name: str) -> FileView:
    title = f"File:{name}"
    result = await ctx.api.get(action="query", titles=title, prop="imageinfo|revisions",
                               iiprop=_CURRENT_PROPS, iiurlwidth=DISPLAY_WIDTH,
                               iimetadataversion="latest", rvprop="content", rvslots="main")
    page = result["query"]["pages"][0]
    infos = page.get("imageinfo") or []
    repository = str(page.get("imagerepository", ""))
    view = FileView(name=page.get("title", title).partition(":")[2], exists=bool(infos),
                    repository=repository, current=infos[0] if infos else {},
                    description=_page_text(page))
    if view.exists and not view.foreign:
        history = await ctx.api.get(action="query", titles=title, prop="imageinfo",
                                    iiprop=_HISTORY_PROPS, iilimit=HISTORY_LIMIT,
                                    iiurlwidth=HISTORY_THUMB_WIDTH)
        view.history = history["query"]["pages"][0].get("imageinfo") or []
    elif view.exists:
        view.history = [view.current]
    return view


def _page_text(page: dict[str, Any]) -> str | None:
    revisions = page.get("revisions") or []
    if not revisions:
        return None
    slot = revisions[0].get("slots", {}).get("main", {})
    content = slot.get("content")
    return str(content) if content is not None else None


async def _change(ctx: PageContext, name: str) -> tuple[str | None, str | None, int]:
    """Run the posted revert or delete: (notice, error, HTTP status)."""
    token = ctx.form.get(TOKEN_FIELD)
    if not token:
        return None, ctx.msg("sessionfailure"), 400
    action = ctx.form.get("wpAction")
    try:
        if action == "revert":
            await ctx.api.post(action="filerevert", filename=name,
                               archivename=ctx.form.get("oldimage", ""),
                               comment=ctx.form.get("wpComment", ""), token=token)
            return None, None, 200
        if action == "delete":
            await ctx.api.post(action="delete", title=f"File:{name}",
                               reason=ctx.form.get("wpReason", ""), token=token)
            return ctx.msg("filedelete-success", name), None, 200
    except ApiFailure as failure:
        text = ctx.msg("sessionfailure") if failure.code == "badtoken" else failure.text
        return None, text, 400 if failure.code == "badtoken" else 200
    return None, ctx.msg("wikiupload-unknown-action"), 400
