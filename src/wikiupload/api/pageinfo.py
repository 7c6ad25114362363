"""prop=info: basic facts about each page of the set (see includes/api/ApiQueryInfo.php).

Watch facts come from the caller's watchlist (``watched``, ``notificationtimestamp``, and
``watchlistexpiry`` when expiries are on); watcher counts are shown to holders of
``unwatchedpages`` only. There is no protection here: ``protection`` is empty.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from wikiupload.api import registry
from wikiupload.api.context import ApiContext
from wikiupload.api.output import JSON_NULL
from wikiupload.api.params import Param
from wikiupload.api.query import PageEntry, QuerySubmodule
from wikiupload.auth.users import Principal, groups_with_right
from wikiupload.db.models import Page, Revision
from wikiupload.i18n.messages import Message, has_message, render
from wikiupload.pages import (
    content_model_for,
    edit_url,
    find_pages,
    is_redirect,
    latest_revisions,
    page_url,
)
from wikiupload.timestamps import iso, utc
from wikiupload.timestamps import iso as iso_timestamp
from wikiupload.titles import NS_FILE, Title
from wikiupload.watchlist import (
    PageKey,
    page_key,
    visiting_watcher_counts,
    watched_items,
    watcher_counts,
)

PROPS = ("protection", "talkid", "watched", "watchers", "visitingwatchers",
         "notificationtimestamp", "subjectid", "associatedpage", "url", "readable", "preload",
         "displaytitle", "varianttitles", "linkclasses")
RTL_LANGUAGES = frozenset({"ar", "arc", "ckb", "dv", "fa", "he", "khw", "ks", "mzn", "ps",
                           "sd", "ug", "ur", "yi"})


def page_language(ctx: ApiContext) -> dict[str, str]:
    """``pagelanguage``, its HTML code and direction: the content language for every page."""
    code = str(ctx.settings.language_code)
    return {"pagelanguage": code, "pagelanguagehtmlcode": code,
            "pagelanguagedir": "rtl" if code in RTL_LANGUAGES else "ltr"}


def restriction_types(title: Title, exists: bool) -> list[str]:
    """The protection types that apply to a page (``$wgRestrictionTypes`` filtered)."""
    types = ["edit", "move"] if exists else ["create"]
    return [*types, "upload"] if title.namespace == NS_FILE else types


def associated(title: Title) -> Title:
    """The talk page of a subject page, or the subject page of a talk page."""
    namespace = title.namespace - 1 if title.namespace % 2 else title.namespace + 1
    return Title(namespace, title.text)


@registry.register
class InfoModule(QuerySubmodule):
    name = "info"
    group = "prop"
    prefix = "in"
    class_name = "ApiQueryInfo"
    help_url = "https://www.mediawiki.org/wiki/Special:MyLanguage/API:Info"
    description = "Get basic page information."
    params = (
        Param("prop", PROPS, multi=True, deprecated_values=frozenset({"readable"}),
              help="Which additional properties to get."),
        Param("linkcontext", "title", default="Main Page",
              help="The context title to use when determining extra CSS classes."),
        Param("testactions", "string", multi=True,
              help="Test whether the current user can perform certain actions on the page."),
        Param("testactionsdetail", ("boolean", "full", "quick"), default="boolean",
              help="Detail level for testactions."),
        Param("continue", "string",
              help="When more results are available, use this to continue."),
    )

    def execute(self, ctx: ApiContext, params: dict[str, Any]) -> None:
        props = set(params["prop"])
        if "readable" in props:
            ctx.deprecate("query+info", Message("paramvalidator-deprecated-value",
                                                 ("inprop", "readable")))
        entries = self.state(ctx).pageset.good()
        pages = [e.page for e in entries if e.page is not None]
        facts = _PageFacts(ctx, props, pages, entries)
        for entry in entries:
            entry.data.update(facts.describe(entry, params))


class _PageFacts:
    """What prop=info needs about the whole set, fetched once."""

    def __init__(self, ctx: ApiContext, props: set[str], pages: list[Page],
                 entries: list[PageEntry]) -> None:
        self.ctx = ctx
        self.props = props
        self.latest: dict[int, Revision] = latest_revisions(ctx.db, pages)
        self.related: dict[Title, Page] = {}
        if props & {"talkid", "subjectid"}:
            wanted = [associated(e.title) for e in entries if e.title is not None]
            self.related = find_pages(ctx.db, wanted)
        self.watch = _WatchFacts(ctx, props, entries, self.latest)

    def describe(self, entry: PageEntry, params: dict[str, Any]) -> dict[str, Any]:
        assert entry.title is not None
        title, page, props = entry.title, entry.page, self.props
        info: dict[str, Any] = {"contentmodel": page.content_model if page else
                                content_model_for(title)}
        info.update(page_language(self.ctx))
        if page is not None:
            info.update(self._existing(page))
        if "protection" in props:
            info["protection"] = []
            info["restrictiontypes"] = restriction_types(title, page is not None)
        info.update(self.watch.describe(page_key(title)))
        info.update(self._related(title))
        info.update(self._presentation(title, page))
        if params["testactions"]:
            info["actions"] = _TestActions(self.ctx, title, page is not None).run(
                params["testactions"], params["testactionsdetail"])
        return info

    def _existing(self, page: Page) -> dict[str, Any]:
        latest = self.latest.get(page.id)
        facts: dict[str, Any] = {"touched": iso_timestamp(page.touched),
                                 "lastrevid": page.latest, "length": page.length}
        if latest is not None and is_redirect(latest.content):
            facts["redirect"] = True
        if latest is None or latest.parent_id == 0:
            facts["new"] = True
        return facts

    def _related(self, title: Title) -> dict[str, Any]:
        props = self.props
        facts: dict[str, Any] = {}
        other = self.related.get(associated(title))
        is_talk = title.namespace % 2 == 1
        if "talkid" in props and not is_talk and other is not None:
            facts["talkid"] = other.id
        if "subjectid" in props and is_talk and other is not None:
            facts["subjectid"] = other.id
        if "associatedpage" in props and title.namespace >= 0:
            facts["associatedpage"] = associated(title).prefixed(self.ctx.settings.sitename)
        return facts

    def _presentation(self, title: Title, page: Page | None) -> dict[str, Any]:
        settings, props = self.ctx.settings, self.props
        facts: dict[str, Any] = {}
        prefixed = title.prefixed(settings.sitename)
        if "url" in props:
            facts["fullurl"] = page_url(settings, title)
            facts["editurl"] = edit_url(settings, title)
            facts["canonicalurl"] = page_url(settings, title)
        if "readable" in props:
            facts["readable"] = self.ctx.user.can("read")
        if "preload" in props:
            facts["preload"] = "" if page is not None else JSON_NULL
        if "displaytitle" in props:
            facts["displaytitle"] = html.escape(prefixed, quote=False)
        if "varianttitles" in props and page is not None:
            facts["varianttitles"] = {str(settings.language_code): prefixed}
        if "linkclasses" in props and page is not None:
            latest = self.latest.get(page.id)
            redirect = latest is not None and is_redirect(latest.content)
            facts["linkclasses"] = ["mw-redirect"] if redirect else []
        return facts


class _WatchFacts:
    """The caller's watches and the watcher counts of the pages of the set."""

    def __init__(self, ctx: ApiContext, props: set[str], entries: list[PageEntry],
                 latest: dict[int, Revision]) -> None:
        self.props = props
        self.show_expiry = bool(ctx.settings.watchlist_expiry)
        self.can_count = ctx.user.can("unwatchedpages")
        keys = {page_key(e.title): e for e in entries if e.title is not None}
        self.items = {}
        if props & {"watched", "notificationtimestamp"} and ctx.user.can("viewmywatchlist"):
            self.items = watched_items(ctx.db, ctx.settings, ctx.user.id, keys)
        self.watchers: dict[PageKey, int] = {}
        if "watchers" in props and self.can_count:
            self.watchers = watcher_counts(ctx.db, ctx.settings, keys)
        self.visiting: dict[PageKey, int] = {}
        if "visitingwatchers" in props and self.can_count:
            edits = {key: _last_edit(entry, latest) for key, entry in keys.items()}
            self.visiting = visiting_watcher_counts(ctx.db, ctx.settings, edits)

    def describe(self, key: PageKey) -> dict[str, Any]:
        props, item = self.props, self.items.get(key)
        facts: dict[str, Any] = {}
        if "watched" in props:
            facts["watched"] = item is not None
            if item is not None and item.expiry is not None and self.show_expiry:
                facts["watchlistexpiry"] = iso(item.expiry)
        if "watchers" in props and self.can_count:
            facts["watchers"] = self.watchers.get(key, 0)
        if "visitingwatchers" in props and self.can_count:
            facts["visitingwatchers"] = self.visiting.get(key, 0)
        if "notificationtimestamp" in props:
            stamp = item.notification_timestamp if item is not None else None
            facts["notificationtimestamp"] = iso(stamp) if stamp is not None else ""
        return facts


def _last_edit(entry: PageEntry, latest: dict[int, Revision]) -> datetime | None:
    revision = latest.get(entry.page.id) if entry.page is not None else None
    return utc(revision.timestamp) if revision is not None else None


class _TestActions:
    """``intestactions``: may the caller do each action on the page?"""

    def __init__(self, ctx: ApiContext, title: Title, exists: bool) -> None:
        self.ctx = ctx
        self.title = title
        self.exists = exists

    def run(self, actions: list[str], detail: str) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for action in actions:
            missing = self._missing_right(self.ctx.user, action)
            if detail == "boolean":
                result[action] = missing is None
            else:
                result[action] = [] if missing is None else [self._error(missing)]
        return result

    def _missing_right(self, user: Principal, action: str) -> str | None:
        """The first right the action needs and the caller lacks, or None."""
        needed = [action]
        if action == "edit" and not self.exists:
            needed.append("createtalk" if self.title.namespace % 2 else "createpage")
        if action == "move" and self.title.namespace == NS_FILE:
            needed.append("movefile")
        return next((right for right in needed if not user.can(right)), None)

    def _error(self, right: str) -> dict[str, Any]:
        groups = [_group_link(self.ctx, g) for g in groups_with_right(self.ctx.settings, right)]
        message = (Message("badaccess-groups", (groups, len(groups))) if groups
                   else Message("badaccess-group0"))
        text = render(message, self.ctx.lang, site_name=self.ctx.settings.sitename)
        return {"code": "permissiondenied", "text" if self.ctx.fv2 else "*": text}


def _group_link(ctx: ApiContext, group: str) -> str:
    """``[[Project:Administrators|Administrators]]`` for groups with a page, else the name."""
    if not (has_message(f"grouppage-{group}") and has_message(f"group-{group}")):
        return group
    site = ctx.settings.sitename
    page = render(Message(f"grouppage-{group}"), ctx.lang, site_name=site)
    label = render(Message(f"group-{group}"), ctx.lang, site_name=site)
    return f"[[{page}|{label}]]"
