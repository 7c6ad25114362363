"""Special:ListFiles: the latest uploads as a gallery of thumbnails, a page at a time
(``generator=allimages`` by upload time with ``prop=imageinfo`` thumbnails)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from wikiupload.web.pages.formats import display_time, human_size
from wikiupload.web.pages.render import PageContext

__all__ = ["GALLERY_THUMB_WIDTH", "PAGE_SIZE", "list_files_page"]

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
GALLERY_THUMB_WIDTH = 180


def _limit(text: str | None) -> int:
    try:
        return max(1, min(MAX_PAGE_SIZE, int(text or PAGE_SIZE)))
    except ValueError:
        return PAGE_SIZE


async def list_files_page(ctx: PageContext, subpage: str) -> Response:
    limit = _limit(ctx.request.query_params.get("limit"))
    resume = ctx.request.query_params.get("offset") or None
    result = await ctx.api.get(action="query", generator="allimages", gaisort="timestamp",
                               gaidir="descending", gailimit=limit, gaicontinue=resume,
                               prop="imageinfo", iiprop="timestamp|user|url|size|mime|mediatype",
                               iiurlwidth=GALLERY_THUMB_WIDTH)
    pages: list[dict[str, Any]] = result.get("query", {}).get("pages", [])
    files = [page for page in pages if page.get("imageinfo")]
    files.sort(key=lambda page: str(page["imageinfo"][0].get("timestamp", "")), reverse=True)
    following = result.get("continue", {}).get("gaicontinue")
    return ctx.respond("listfiles.html", files=files, limit=limit, following=following,
                       first_page=resume is None,
                       size=lambda n: human_size(int(n), ctx.lang), when=display_time)
