"""What action=delete, undelete and filerevert share: target titles, rights, tags.

Not an API module itself (nothing is registered here).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from wikiupload.api.context import ApiContext
from wikiupload.api.params import Param
from wikiupload.auth.users import groups_with_right
from wikiupload.changetags import check_can_apply, check_defined
from wikiupload.db.models import Page
from wikiupload.errors import ApiError, permission_denied
from wikiupload.i18n.messages import Message, has_message, render
from wikiupload.titles import InvalidTitle, Title, parse_title
from wikiupload.watchlist import (
    is_watchable,
    page_key,
    unwatch,
    user_option,
    watch,
    watched_items,
)

__all__ = ["WATCHLIST", "apply_watch", "check_rights", "check_tag_rights", "check_tags",
           "invalid_title", "missing_title", "parse_target", "quoted_list", "title_or_pageid"]

WATCHLIST = Param("watchlist", ("nochange", "preferences", "unwatch", "watch"),
                  default="preferences",
                  help="Unconditionally add or remove the page from the current user's "
                       "watchlist, use preferences or do not change watch.")


def quoted_list(names: Sequence[str]) -> str:
    """``"a", "b" and "c"``: how MediaWiki lists parameter names in messages."""
    quoted = [f'"{name}"' for name in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def invalid_title(text: str) -> ApiError:
    return ApiError("apierror-invalidtitle", text, code="invalidtitle")


def missing_title() -> ApiError:
    return ApiError("apierror-missingtitle", code="missingtitle")


def parse_target(ctx: ApiContext, text: str) -> Title:
    """Title::newFromText for a module parameter; invalid -> ``invalidtitle``."""
    try:
        return parse_title(text, site_name=ctx.settings.sitename)
    except InvalidTitle:
        raise invalid_title(text) from None


def title_or_pageid(ctx: ApiContext, params: dict[str, Any]) -> Title:
    """ApiBase::getTitleOrPageId: exactly one of ``title`` and ``pageid``."""
    given = [name for name in ("title", "pageid") if params[name] is not None]
    if len(given) > 1:
        raise ApiError("apierror-invalidparammix", quoted_list(given), len(given),
                       code="invalidparammix")
    if not given:
        raise ApiError("apierror-missingparam-one-of", quoted_list(["title", "pageid"]), 2,
                       code="missingparam")
    if params["title"] is not None:
        title = parse_target(ctx, params["title"])
        if title.namespace < 0:
            raise ApiError("apierror-pagecannotexist", code="pagecannotexist")
        return title
    page = ctx.db.get(Page, params["pageid"])
    if page is None:
        raise ApiError("apierror-nosuchpageid", params["pageid"], code="nosuchpageid")
    return Title(page.namespace, page.title.replace("_", " "))


def check_rights(ctx: ApiContext, rights: Sequence[str]) -> None:
    """Title permission checks: the first missing right lists the groups that have it."""
    for right in rights:
        if not ctx.user.can(right):
            raise permission_denied(_group_links(ctx, right))


def _group_links(ctx: ApiContext, right: str) -> list[str]:
    site = ctx.settings.sitename
    links = []
    for group in groups_with_right(ctx.settings, right):
        if has_message(f"grouppage-{group}"):
            page = render(Message(f"grouppage-{group}"), site_name=site)
            links.append(f"[[{page}|{render(Message(f'group-{group}'))}]]")
        else:
            links.append(group)
    return links


def check_tags(ctx: ApiContext, tags: Sequence[str]) -> None:
    """The ``tags`` parameter's own validation (TagsDef): only defined tags. It runs with
    the parameters, before anything else the module checks."""
    check_defined(ctx.settings, tags)


def check_tag_rights(ctx: ApiContext, tags: Sequence[str]) -> None:
    """ChangeTags::canAddTagsAccompanyingChange with the user: may they apply tags."""
    check_can_apply(ctx.user, tags)


def apply_watch(ctx: ApiContext, title: Title, choice: str, option: str | None) -> None:
    """ApiWatchlistTrait::setWatch: ``preferences`` keeps a watch (or follows ``option``);
    nothing happens without the ``editmywatchlist`` right."""
    user = ctx.user
    if user.is_anon or choice == "nochange" or not user.can("editmywatchlist") \
            or not is_watchable(title):
        return
    if choice == "preferences":
        watching = bool(watched_items(ctx.db, ctx.settings, user.id, [page_key(title)]))
        choice = "watch" if watching or (option and user_option(ctx.settings, option)) \
            else "nochange"
    if choice == "watch":
        watch(ctx.db, ctx.settings, user.id, title)
    elif choice == "unwatch":
        unwatch(ctx.db, user.id, title)
