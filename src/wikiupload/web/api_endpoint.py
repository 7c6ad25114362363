"""The api.php endpoint: read the HTTP request (streaming uploads), run the API, respond."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any
from urllib.parse import parse_qsl

from anyio import to_thread
from starlette.requests import Request
from starlette.responses import Response

from wikiupload.api.context import HttpRequest
from wikiupload.api.main import ApiResponse, handle
from wikiupload.auth.cookies import SessionCookies, set_cookie_header
from wikiupload.http.form import (
    BodyTooLarge,
    FormData,
    parse_urlencoded,
    read_multipart,
    with_idle_timeout,
)
from wikiupload.http.multipart import MultipartError, parse_options_header
from wikiupload.upload.chunks import landing_for
from wikiupload.wiki import Wiki

log = logging.getLogger(__name__)
MAX_URLENCODED_BYTES = 64 * 1024 * 1024
ALLOWED_METHODS = ("GET", "HEAD", "POST", "OPTIONS")
# A multipart body may exceed the largest file by this much (the other fields, headers).
FIELDS_ALLOWANCE = 1024 * 1024
TOO_LARGE = "too-large"


async def api_endpoint(request: Request) -> Response:
    wiki: Wiki = request.app.state.wiki
    method = request.method
    query = _query_params(request)
    if method not in ALLOWED_METHODS:
        return await _run(wiki, _http_request(request, "GET", query, {}, FormData({}, {})),
                          invalid_method=True)
    form = FormData({}, {})
    body: dict[str, str] = {}
    if method == "POST":
        try:
            form, body = await _read_body(request, wiki)
        except BodyTooLarge as exc:   # answered in the format the fields before it asked for
            log.info("request body over the limit: %s", exc)
            return await _run(wiki, _http_request(request, method, query, exc.fields, form),
                              body_error=TOO_LARGE)
        except (MultipartError, ValueError) as exc:
            log.info("unreadable request body: %s", exc)
            return await _run(wiki, _http_request(request, method, query, {}, form),
                              body_error=str(exc))
    try:
        return await _run(wiki, _http_request(request, method, query, body, form), form)
    finally:
        # The worker thread has deleted them; not if the request was cancelled before a
        # thread took it up (then this is the only deletion).
        form.discard_files()


def _query_params(request: Request) -> dict[str, str]:
    raw = request.scope.get("query_string", b"")
    return parse_urlencoded(raw)


def _http_request(request: Request, method: str, query: dict[str, str], body: dict[str, str],
                  form: FormData) -> HttpRequest:
    client = request.client.host if request.client else "127.0.0.1"
    return HttpRequest(
        method=method, query=query, body=body, files=form.files,
        headers={k.lower(): v for k, v in request.headers.items()},
        cookies=request.cookies, client_ip=client,
        has_content_type="content-type" in request.headers,
    )


async def _read_body(request: Request, wiki: Wiki) -> tuple[FormData, dict[str, str]]:
    settings = wiki.settings
    content_type = request.headers.get("content-type", "")
    mime, options = parse_options_header(content_type)
    if mime == "multipart/form-data":
        boundary = options.get("boundary")
        if not boundary:
            raise MultipartError("multipart body without a boundary")
        limit = settings.max_upload_size + FIELDS_ALLOWANCE
        form = await read_multipart(request.stream(), boundary, wiki.spool_files,
                                    max_body_bytes=limit,
                                    max_field_bytes=settings.max_form_text_bytes,
                                    max_text_bytes=settings.max_form_text_bytes,
                                    idle_timeout=settings.body_idle_timeout,
                                    write_back=wiki.filerepo.syncs_local_files,
                                    landing_for=partial(landing_for, sessions=SessionCookies(
                                        settings.cookie_prefix).named(request.cookies)))
        return form, form.fields
    data = bytearray()
    async for piece in with_idle_timeout(request.stream(), settings.body_idle_timeout):
        data += piece
        if len(data) > min(MAX_URLENCODED_BYTES, settings.max_form_text_bytes):
            raise ValueError("request body too large")
    if mime in ("application/x-www-form-urlencoded", "") or not mime:
        return FormData({}, {}), parse_urlencoded(bytes(data))
    return FormData({}, {}), {}


async def _run(wiki: Wiki, http_request: HttpRequest, form: FormData | None = None, *,
               invalid_method: bool = False, body_error: str | None = None) -> Response:
    lane = wiki.request_lane.limiter_for(http_request.params, http_request.files)
    result: ApiResponse = await to_thread.run_sync(partial(
        _handle_then_discard, wiki, http_request, form, invalid_method=invalid_method,
        body_error=body_error), limiter=lane)
    response = Response(result.body, status_code=result.status, headers=result.headers,
                        media_type=result.content_type)
    for name, value, lifetime in result.cookies:
        response.headers.append("set-cookie", set_cookie_header(
            name, value, lifetime, secure=wiki.settings.cookie_secure))
    return response


def _handle_then_discard(wiki: Wiki, http_request: HttpRequest, form: FormData | None,
                         **options: Any) -> ApiResponse:
    """Run the API, then delete the request's spooled files, in the same worker thread:
    unlinking a large temp file (a chunk's) must not hold up the event loop, nor the answer
    wait for a thread of its own."""
    try:
        return handle(wiki, http_request, **options)
    finally:
        if form is not None:
            form.discard_files()


__all__ = ["api_endpoint", "parse_qsl"]
