"""Which page a request asks for: ``/wiki/TITLE``, ``/index.php/TITLE`` or
``/index.php?title=TITLE``, for reading (GET) and for the pages' forms (POST)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from wikiupload.http.form import parse_urlencoded
from wikiupload.titles import NS_FILE, NS_SPECIAL, InvalidTitle, parse_title
from wikiupload.web.pages.apicall import ApiFailure
from wikiupload.web.pages.file_page import file_page
from wikiupload.web.pages.list_files import list_files_page
from wikiupload.web.pages.log_page import log_page
from wikiupload.web.pages.login import login_page, logout_page
from wikiupload.web.pages.render import PageContext, open_page
from wikiupload.web.pages.stash_page import stash_page
from wikiupload.web.pages.upload import upload_page
from wikiupload.wiki import Wiki

__all__ = ["MAX_FORM_BYTES", "index_endpoint", "page_endpoint"]

log = logging.getLogger(__name__)
MAX_FORM_BYTES = 1024 * 1024
Handler = Callable[[PageContext, str], Awaitable[Response]]
# Special pages by lower-cased name; each handler gets the subpage ("" when none).
SPECIAL_PAGES: dict[str, Handler] = {
    "upload": upload_page,
    "userlogin": login_page,
    "userlogout": logout_page,
    "listfiles": list_files_page,
    "uploadstash": stash_page,
    "log": log_page,
}
MAIN_PAGE = "Special:ListFiles"


async def page_endpoint(request: Request) -> Response:
    """``{article path}`` and ``/index.php/TITLE``."""
    return await _serve(request, str(request.path_params.get("title", "")))


async def index_endpoint(request: Request) -> Response:
    """``/index.php?title=TITLE`` (the title may also come with a posted form)."""
    return await _serve(request, request.query_params.get("title"))


async def _serve(request: Request, title: str | None) -> Response:
    wiki: Wiki = request.app.state.wiki
    form = await _read_form(request) if request.method == "POST" else {}
    if title is None:
        title = form.get("title") or MAIN_PAGE
    try:
        ctx = await open_page(wiki, request, form)
    except ApiFailure as failure:   # the session cannot be read: say so, plainly
        log.warning("page could not identify the visitor: %s", failure.code)
        return Response(failure.text, 500, media_type="text/plain; charset=utf-8")
    return await _route(ctx, title)


async def _route(ctx: PageContext, text: str) -> Response:
    try:
        title = parse_title(text or MAIN_PAGE, site_name=ctx.wiki.settings.sitename)
    except InvalidTitle as invalid:
        return ctx.respond("message.html", 400, heading=ctx.msg("badtitle"),
                           text=ctx.msg(invalid.message.key, *invalid.message.params))
    if title.namespace == NS_FILE:
        return await file_page(ctx, title.text)
    if title.namespace == NS_SPECIAL:
        name, _, subpage = title.text.partition("/")
        handler = SPECIAL_PAGES.get(name.replace(" ", "").lower())
        if handler is not None:
            return await handler(ctx, subpage)
        return ctx.respond("message.html", 404, heading=ctx.msg("nosuchspecialpage"),
                           text=ctx.msg("nospecialpagetext"))
    return ctx.respond("message.html", 404, heading=title.prefixed(ctx.wiki.settings.sitename),
                       text=ctx.msg("wikiupload-only-files"))


async def _read_form(request: Request) -> dict[str, str]:
    """A posted urlencoded form (pages post nothing else), bounded in size."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return {}
    data = bytearray()
    async for piece in request.stream():
        data += piece
        if len(data) > MAX_FORM_BYTES:
            return {}
    return parse_urlencoded(bytes(data))
