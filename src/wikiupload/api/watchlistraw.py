"""list=watchlistraw (also a generator): the pages on a watchlist, by namespace and DB key.

As in MediaWiki (includes/api/ApiQueryWatchlistRaw.php) the list goes at the top level of
the result, beside ``query``; another user's list needs ``wrowner`` with that user's
watchlist token.
"""

from __future__ import annotations

import html
from typing import Any

from wikiupload import watchlist
from wikiupload.api import registry
from wikiupload.api.context import ApiContext
from wikiupload.api.params import Param
from wikiupload.api.query import QuerySubmodule
from wikiupload.auth.users import find_user
from wikiupload.db.watch_models import Watch
from wikiupload.errors import ApiError
from wikiupload.i18n.messages import Message, Num
from wikiupload.timestamps import iso
from wikiupload.titles import NAMESPACES, InvalidTitle, Title, parse_title

PATH = "query+watchlistraw"


@registry.register
class WatchlistRawModule(QuerySubmodule):
    name = "watchlistraw"
    group = "list"
    prefix = "wr"
    generator = True
    class_name = "ApiQueryWatchlistRaw"
    help_url = "https://www.mediawiki.org/wiki/Special:MyLanguage/API:Watchlistraw"
    description = "Get all pages on the current user's watchlist."
    examples = (
        ("action=query&list=watchlistraw", "List pages on the current user's watchlist."),
        ("action=query&generator=watchlistraw&gwrshow=changed&prop=info",
         "Fetch page info for pages on the current user's watchlist."),
    )
    params = (
        Param("continue", "string",
              help="When more results are available, use this to continue."),
        Param("namespace", "namespace", multi=True,
              help="Only list pages in the given namespaces."),
        Param("limit", "limit", default=10, min=1, max=500, highmax=5000,
              help="How many total results to return per request."),
        Param("prop", ("changed",), multi=True, help="Which additional properties to get."),
        Param("show", ("changed", "!changed"), multi=True,
              help="Only list items that meet these criteria."),
        Param("owner", "user", user_types=("name",),
              help="Used along with token to access a different user's watchlist."),
        Param("token", "string", sensitive=True,
              help="A security token (available in the user's preferences) to allow access "
                   "to another user's watchlist."),
        Param("dir", ("ascending", "descending"), default="ascending",
              help="The direction in which to list."),
        Param("fromtitle", "string",
              help="Title (with namespace prefix) to begin enumerating from."),
        Param("totitle", "string",
              help="Title (with namespace prefix) to stop enumerating at."),
    )

    def execute(self, ctx: ApiContext, params: dict[str, Any]) -> None:
        generator = bool(params.get("__generator__"))
        prefix = "gwr" if generator else "wr"
        user_id = watchlist_owner(ctx, params["owner"], params["token"])
        query = _raw_query(ctx, params, prefix)
        state = self.state(ctx)
        if ctx.params.get(f"{prefix}limit", "").strip() == "max":
            state.limits["watchlistraw"] = query.limit - 1
        rows = watchlist.watched_pages(ctx.db, ctx.settings, user_id, query)
        if len(rows) == query.limit:
            value = f"{rows[-1].namespace}|{rows[-1].title}"
            if generator:
                state.set_generator_continue("gwrcontinue", value)
            else:
                state.set_continue("watchlistraw", "wrcontinue", value)
            rows = rows[:-1]
        if generator:
            state.out["__generated__"] = [_prefixed(ctx, row) for row in rows]
            return
        changed = "changed" in params["prop"]
        state.top_level["watchlistraw"] = [_item(ctx, row, changed) for row in rows]


def watchlist_owner(ctx: ApiContext, owner: str | None, token: str | None) -> int:
    """Whose watchlist: ``owner`` when ``token`` is theirs, else the caller's own."""
    if owner is not None and token is not None:
        user = find_user(ctx.db, owner)
        if user is None:
            raise ApiError("nosuchusershort", html.escape(owner, quote=False), code="bad_wlowner")
        expected = watchlist.watchlist_token(ctx.db, user.id)
        if not expected or expected != token:
            raise ApiError("apierror-bad-watchlist-token", code="bad_wltoken")
        return user.id
    if ctx.user.is_anon:
        raise ApiError("watchlistanontext", code="notloggedin")
    if not ctx.user.can("viewmywatchlist"):
        raise ApiError("apierror-permissiondenied", Message("action-viewmywatchlist"))
    return ctx.user.id


def _raw_query(ctx: ApiContext, params: dict[str, Any], prefix: str) -> watchlist.RawQuery:
    show = set(params["show"])
    if {"changed", "!changed"} <= show:
        raise ApiError("apierror-show")
    changed = True if "changed" in show else False if "!changed" in show else None
    return watchlist.RawQuery(
        namespaces=_namespaces(ctx, params["namespace"], prefix), changed=changed,
        start=_continue_key(params["continue"]),
        lowest=_title_part(ctx, params["fromtitle"]),
        highest=_title_part(ctx, params["totitle"]),
        descending=params["dir"] == "descending", limit=int(params["limit"]) + 1)


def _namespaces(ctx: ApiContext, values: list[str], prefix: str) -> tuple[int, ...]:
    known = {ns.id for ns in NAMESPACES if ns.id >= 0}
    good = [int(v) for v in values if v.lstrip("-").isdigit() and int(v) in known]
    bad = [v for v in values if not (v.lstrip("-").isdigit() and int(v) in known)]
    if bad:
        ctx.warn(PATH, Message("apiwarn-unrecognizedvalues",
                               (f"{prefix}namespace", ", ".join(bad), Num(len(bad)))),
                 code="unrecognizedvalues")
    return tuple(good)


def _continue_key(value: str | None) -> watchlist.PageKey | None:
    if value is None:
        return None
    parts = value.split("|", 1)
    if len(parts) != 2 or not parts[0].lstrip("-").isdigit() \
            or str(int(parts[0])) != parts[0]:
        raise ApiError("apierror-badcontinue")
    return int(parts[0]), parts[1]


def _title_part(ctx: ApiContext, text: str | None) -> watchlist.PageKey | None:
    """A title prefix with its namespace (``File:T``), as a (namespace, DB key) bound."""
    if text is None:
        return None
    try:
        title = parse_title(text + "X", site_name=ctx.settings.sitename)
    except InvalidTitle as exc:
        raise ApiError("apierror-invalidtitle", html.escape(text, quote=False)) from exc
    return title.namespace, title.db_key[:-1]


def _prefixed(ctx: ApiContext, row: Watch) -> str:
    return Title(row.namespace, row.title.replace("_", " ")).prefixed(ctx.settings.sitename)


def _item(ctx: ApiContext, row: Watch, changed: bool) -> dict[str, Any]:
    item: dict[str, Any] = {"ns": row.namespace, "title": _prefixed(ctx, row)}
    if changed and row.notification_timestamp is not None:
        item["changed"] = iso(row.notification_timestamp)
    return item
