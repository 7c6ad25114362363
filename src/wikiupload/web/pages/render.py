"""What every page shares: the visitor, the language, links, and rendering a template."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from wikiupload.i18n.messages import Message, Num, format_number, language_name, render
from wikiupload.web.pages.apicall import ApiCaller
from wikiupload.web.pages.language import page_language
from wikiupload.wiki import Wiki

__all__ = ["PAGE_HEADERS", "PageContext", "Visitor", "open_page", "static_url"]

# Pages run only their own scripts and styles; images may come from a shared repository.
PAGE_CSP = ("default-src 'self'; img-src 'self' data: http: https:; script-src 'self'; "
            "style-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
            "frame-ancestors 'none'")
PAGE_HEADERS = {
    "Content-Security-Policy": PAGE_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "private, must-revalidate, max-age=0",
    "Vary": "Cookie, Accept-Language",
}
STATIC_PREFIX = "/static/wikiupload"


@cache
def _environment() -> Environment:
    return Environment(loader=PackageLoader("wikiupload.web", "templates"),
                       autoescape=select_autoescape(default=True, default_for_string=True),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def static_url(name: str) -> str:
    return f"{STATIC_PREFIX}/{name}"


@dataclass(frozen=True)
class Visitor:
    """Who looks at the page, as meta=userinfo tells it."""

    name: str
    anonymous: bool
    rights: frozenset[str]
    csrf_token: str

    def can(self, right: str) -> bool:
        return right in self.rights


@dataclass
class PageContext:
    """One page request: wiki, language, the visitor's API and the visitor."""

    wiki: Wiki
    request: Request
    lang: str
    api: ApiCaller
    visitor: Visitor
    form: dict[str, str] = field(default_factory=dict)

    @property
    def explicit_lang(self) -> bool:
        return "uselang" in self.request.query_params

    def msg(self, key: str, *params: Any) -> str:
        """A message's text in the page language (escaped by the template, never raw)."""
        wrapped = tuple(Num(p) if isinstance(p, (int, float)) and not isinstance(p, bool)
                        else p for p in params)
        return render(Message(key, wrapped), self.lang, site_name=self.wiki.settings.sitename)

    def url(self, title: str, **query: Any) -> str:
        """The page's address under the article path; ``uselang`` is kept when it was asked."""
        if self.explicit_lang and "uselang" not in query:
            query["uselang"] = self.lang
        wanted = {key: str(value) for key, value in query.items() if value is not None}
        path = self.wiki.settings.article_path.replace(
            "$1", quote(title.replace(" ", "_"), safe=":/!$()*,;@~"))
        if not wanted:
            return path
        return f"{path}{'&' if '?' in path else '?'}{urlencode(wanted)}"

    def language_link(self, code: str) -> str:
        """This page's address (path and query) with ``uselang`` set to ``code``."""
        query = {**dict(self.request.query_params), "uselang": code}
        return f"{self.request.url.path}?{urlencode(query)}"

    def api_url(self) -> str:
        return f"{self.wiki.settings.script_path.rstrip('/')}/api.php"

    def number(self, value: int | float) -> str:
        return format_number(value, self.lang)

    def respond(self, template: str, status: int = 200, **values: Any) -> Response:
        """Render a template as this page's HTML response."""
        page = _environment().get_template(template)
        html = page.render(ctx=self, msg=self.msg, url=self.url, static=static_url,
                           num=self.number, language_name=language_name, **values)
        response = HTMLResponse(html, status, dict(PAGE_HEADERS))
        return self.api.pass_cookies(response)

    def redirect(self, location: str) -> Response:
        response = RedirectResponse(location, 303, dict(PAGE_HEADERS))
        return self.api.pass_cookies(response)


async def open_page(wiki: Wiki, request: Request, form: Mapping[str, str] | None = None,
                    ) -> PageContext:
    """The page context: language, the visitor (meta=userinfo) and their CSRF token."""
    query = dict(request.query_params)
    lang = page_language(query, request.headers.get("accept-language"))
    api = ApiCaller.for_request(wiki, request, lang)
    result = await api.get(action="query", meta="userinfo|tokens", uiprop="rights",
                           type="csrf")
    info = result["query"]["userinfo"]
    visitor = Visitor(name=str(info["name"]), anonymous=bool(info.get("anon")),
                      rights=frozenset(info.get("rights", ())),
                      csrf_token=str(result["query"]["tokens"]["csrftoken"]))
    return PageContext(wiki, request, lang, api, visitor, dict(form or {}))
