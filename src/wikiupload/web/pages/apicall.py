"""Pages read and change the wiki through api.php itself, run in-process.

A page builds the same request a browser would send to api.php, with the visitor's cookies,
and runs it through :func:`wikiupload.api.main.handle`: the same checks, rights, tokens and
query code as any client. Cookies the API sets (a new session, a login, a logout) are kept,
used by the page's later calls and passed on to the browser.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from wikiupload.api.context import HttpRequest
from wikiupload.api.main import handle
from wikiupload.auth.cookies import CookieChange, set_cookie_header
from wikiupload.wiki import Wiki

__all__ = ["ApiCaller", "ApiFailure"]

# Headers a page passes on to its API calls; others (Origin, Treat-as-Untrusted) would change
# what the API does and belong to the page request, not to the call.
_PASSED_HEADERS = ("user-agent", "accept-language")


class ApiFailure(Exception):
    """The API answered with an error: its code and its text in the page's language."""

    def __init__(self, code: str, text: str) -> None:
        super().__init__(code)
        self.code = code
        self.text = text


@dataclass
class ApiCaller:
    """The visitor's view of api.php for one page request."""

    wiki: Wiki
    request: Request
    lang: str
    cookies: dict[str, str] = field(default_factory=dict)
    changes: list[CookieChange] = field(default_factory=list)

    @classmethod
    def for_request(cls, wiki: Wiki, request: Request, lang: str) -> ApiCaller:
        return cls(wiki, request, lang, dict(request.cookies))

    async def get(self, **params: Any) -> dict[str, Any]:
        """Run a reading request (GET) and return its result; raises :class:`ApiFailure`."""
        return await self._call("GET", params)

    async def post(self, **params: Any) -> dict[str, Any]:
        """Run a writing request (POST) and return its result; raises :class:`ApiFailure`."""
        return await self._call("POST", params)

    async def _call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        wanted = {key: _text(value) for key, value in params.items()
                  if value is not None and value is not False}
        wanted.update(format="json", formatversion="2", errorformat="plaintext",
                      uselang=self.lang)
        headers = {name: self.request.headers[name] for name in _PASSED_HEADERS
                   if name in self.request.headers}
        client = self.request.client.host if self.request.client else "127.0.0.1"
        query, body = (wanted, {}) if method == "GET" else ({}, wanted)
        http_request = HttpRequest(method=method, query=query, body=body, files={},
                                   headers=headers, cookies=dict(self.cookies),
                                   client_ip=client, has_content_type=method == "POST")
        answer = await run_in_threadpool(handle, self.wiki, http_request)
        for name, value, lifetime in answer.cookies:
            self.changes.append((name, value, lifetime))
            if value:
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)
        result: dict[str, Any] = json.loads(answer.body)
        errors = result.get("errors")
        if errors:
            first = errors[0]
            raise ApiFailure(str(first.get("code", "unknown")), str(first.get("text", "")))
        return result

    def pass_cookies(self, response: Response) -> Response:
        """Send the browser the cookies the API calls set."""
        for name, value, lifetime in self.changes:
            response.headers.append("set-cookie", set_cookie_header(
                name, value, lifetime, secure=self.wiki.settings.cookie_secure))
        return response


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, (list, tuple)):
        return "|".join(str(item) for item in value)
    return str(value)
