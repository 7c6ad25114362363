"""action=watch: add pages to, or remove them from, the caller's watchlist (ApiWatch).

Pages come from ``titles`` or ``pageids`` (or the deprecated single ``title``). ``expiry``
exists only when ``settings.watchlist_expiry`` is on, as ``$wgWatchlistExpiry`` makes it.
"""

from __future__ import annotations

from typing import Any

from wikiupload import watchlist
from wikiupload.api import registry
from wikiupload.api.context import ApiContext
from wikiupload.api.module import ApiModule
from wikiupload.api.params import Param
from wikiupload.api.query import PageEntry, PageSet, fill_pageset
from wikiupload.errors import ApiError
from wikiupload.expiry import INFINITY, Expiry, ExpiryError, exceeds, format_expiry, parse_expiry
from wikiupload.i18n.messages import Message
from wikiupload.timestamps import now as utc_now
from wikiupload.titles import InvalidTitle, Title, parse_title


def expiry_param(ctx: ApiContext, name: str, module: str) -> Expiry | None:
    """An ``expiry``-type parameter when watchlist expiry is on (else it stays unknown)."""
    raw = ctx.params.get(name)
    if not ctx.settings.watchlist_expiry or raw is None:
        return None
    ctx.used.add(name)
    now = utc_now()
    try:
        expiry = parse_expiry(raw, now)
    except ExpiryError as exc:
        raise ApiError("apierror-badexpiry", name, raw, code="badexpiry") from exc
    if expiry != INFINITY and expiry < now:
        raise ApiError("apierror-badexpiry-past", name, raw, code="badexpiry-past")
    longest = ctx.settings.watchlist_expiry_max_duration
    maximum = exceeds(expiry, longest, now)
    if maximum is None:
        return expiry
    ctx.warn(module, Message("apiwarn-badexpiry-duration-max", (name, raw, longest)),
             code="badexpiry-duration-max")
    return maximum


@registry.register
class WatchModule(ApiModule):
    name = "watch"
    class_name = "ApiWatch"
    needs_token = "watch"
    must_post = True
    write_mode = True
    help_url = "https://www.mediawiki.org/wiki/Special:MyLanguage/API:Watch"
    description = "Add or remove pages from the current user's watchlist."
    examples = (
        ("action=watch&titles=Main_Page&token=123ABC", "Watch the page Main Page."),
        ("action=watch&titles=Main_Page&unwatch=&token=123ABC",
         "Unwatch the page Main Page."),
    )
    params = (
        Param("title", "string", deprecated=True, help="The page to (un)watch. Use titles "
                                                        "instead."),
        Param("unwatch", "boolean", default=False,
              help="If set the page will be unwatched rather than watched."),
        Param("continue", "string",
              help="When more results are available, use this to continue."),
        Param("titles", "string", multi=True, help="A list of titles to work on."),
        Param("pageids", "integer", multi=True, help="A list of page IDs to work on."),
    )

    def execute(self, ctx: ApiContext, params: dict[str, Any]) -> None:
        if ctx.user.is_anon:
            raise ApiError("watchlistanontext", code="notloggedin")
        if not ctx.user.can("editmywatchlist"):
            raise ApiError("apierror-permissiondenied", Message("action-editmywatchlist"))
        change = _Change(ctx, params["unwatch"], expiry_param(ctx, "expiry", "watch"))
        if params["title"] is not None:
            result: Any = change.single(params["title"], params)
        else:
            result = change.pageset(params["titles"], params["pageids"])
        ctx.result["batchcomplete"] = True
        ctx.result["watch"] = result


class _Change:
    """Watching or unwatching titles for the caller, one result entry per title."""

    def __init__(self, ctx: ApiContext, unwatch: bool, expiry: Expiry | None) -> None:
        self.ctx = ctx
        self.unwatch = unwatch
        self.expiry = expiry

    def apply(self, title: Title) -> dict[str, Any]:
        entry: dict[str, Any] = {"title": title.prefixed(self.ctx.settings.sitename),
                                 "ns": title.namespace}
        if not watchlist.is_watchable(title):
            return entry | {"watchable": 0}
        user_id = self.ctx.user.id
        if self.unwatch:
            watchlist.unwatch(self.ctx.db, user_id, title)
            return entry | {"unwatched": True}
        watchlist.watch(self.ctx.db, self.ctx.settings, user_id, title, self.expiry)
        if self.expiry is not None:
            entry["expiry"] = format_expiry(self.expiry)
        return entry | {"watched": True}

    def single(self, text: str, params: dict[str, Any]) -> dict[str, Any]:
        """The deprecated ``title``: one page, not with the page set parameters."""
        if params["titles"] or params["pageids"]:
            used = "titles" if params["titles"] else "pageids"
            raise ApiError("apierror-invalidparammix-cannotusewith", "title", f"\"{used}\"",
                           code="invalidparammix")
        try:
            title = parse_title(text, site_name=self.ctx.settings.sitename)
        except InvalidTitle as exc:
            raise ApiError("invalidtitle", text) from exc
        if not watchlist.is_watchable(title):
            raise ApiError("invalidtitle", text)
        return self.apply(title)

    def pageset(self, titles: list[str], pageids: list[int]) -> list[dict[str, Any]]:
        if titles and pageids:
            raise ApiError("apierror-invalidparammix-cannotusewith", "pageids", "\"titles\"",
                           code="multisource")
        pages = PageSet()
        fill_pageset(self.ctx, pages, titles, pageids)
        entries = pages.entries
        invalid = [_invalid(e) for e in entries if e.title is None and not e.missing_pageid]
        special = [self._special(e) for e in entries if e.special]
        gone = [{"pageid": e.key, "missing": True} for e in entries if e.missing_pageid]
        usable = [e for e in entries if e.title is not None and not e.special]
        missing = [self.apply(_title(e)) | {"missing": True} for e in usable if not e.exists]
        found = [self.apply(_title(e)) for e in usable if e.exists]
        return [*invalid, *special, *gone, *missing, *found]

    def _special(self, entry: PageEntry) -> dict[str, Any]:
        title = _title(entry)
        return {"ns": title.namespace, "title": title.prefixed(self.ctx.settings.sitename),
                "special": True, "missing": True}


def _title(entry: PageEntry) -> Title:
    assert entry.title is not None
    return entry.title


def _invalid(entry: PageEntry) -> dict[str, Any]:
    return {"title": entry.requested, "invalidreason": entry.invalid_reason, "invalid": True}
