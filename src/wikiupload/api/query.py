"""action=query: the page set (titles, pageids, generator) and prop/list/meta submodules."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from sqlalchemy import select

from wikiupload.api import registry
from wikiupload.api.context import ApiContext
from wikiupload.api.module import ApiModule
from wikiupload.api.params import Param, validate
from wikiupload.db.models import Page
from wikiupload.errors import ApiError
from wikiupload.i18n.messages import Message, render
from wikiupload.titles import NS_MEDIA, NS_SPECIAL, InvalidTitle, Title, parse_title


@dataclass
class PageEntry:
    """One page of the set, existing, missing, special or invalid; ``data`` is its output."""

    requested: str
    title: Title | None
    page: Page | None = None
    key: int = 0
    invalid_reason: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def exists(self) -> bool:
        return self.page is not None


@dataclass
class PageSet:
    entries: list[PageEntry] = field(default_factory=list)
    normalized: list[tuple[str, str]] = field(default_factory=list)

    def good(self) -> list[PageEntry]:
        """Entries with a valid title (existing or missing), for prop modules."""
        return [e for e in self.entries if e.title is not None]


@dataclass
class QueryState:
    pageset: PageSet
    out: dict[str, Any] = field(default_factory=dict)
    continuation: dict[str, str] = field(default_factory=dict)
    limits: dict[str, int] = field(default_factory=dict)


class QuerySubmodule(ApiModule):
    """A prop, list or meta module; reads ``ctx.query`` (set by action=query)."""

    group: ClassVar[str] = "meta"

    @staticmethod
    def state(ctx: ApiContext) -> QueryState:
        state = getattr(ctx, "query", None)
        if not isinstance(state, QueryState):
            raise RuntimeError("query submodule run outside action=query")
        return state


def _submodules(group: str) -> dict[str, str]:
    return {name: f"query+{name}" for name in registry.modules_in_group(group)}


def _generators() -> dict[str, str]:
    found = {}
    for group in ("prop", "list"):
        for name, cls in registry.modules_in_group(group).items():
            if cls.generator:
                found[name] = f"query+{name}"
    return found


@registry.register
class QueryModule(ApiModule):
    name = "query"
    class_name = "ApiQuery"
    help_url = "https://www.mediawiki.org/wiki/Special:MyLanguage/API:Query"
    description = "Fetch data from and about MediaWiki."

    @classmethod
    def all_params(cls) -> tuple[Param, ...]:
        return (
            Param("prop", "string", multi=True, submodules=_submodules("prop")),
            Param("list", "string", multi=True, submodules=_submodules("list")),
            Param("meta", "string", multi=True, submodules=_submodules("meta")),
            Param("indexpageids", "boolean", default=False),
            Param("export", "boolean", default=False),
            Param("exportnowrap", "boolean", default=False),
            Param("exportschema", ("0.10", "0.11"), default="0.11"),
            Param("iwurl", "boolean", default=False),
            Param("continue", "string"),
            Param("rawcontinue", "boolean", default=False),
            Param("titles", "string", multi=True),
            Param("pageids", "integer", multi=True),
            Param("revids", "integer", multi=True),
            Param("generator", "string", submodules=_generators()),
            Param("redirects", "boolean", default=False),
            Param("converttitles", "boolean", default=False),
        )

    def execute(self, ctx: ApiContext, params: dict[str, Any]) -> None:
        state = QueryState(PageSet())
        ctx.query = state  # type: ignore[attr-defined]
        for name in params["meta"]:
            self._run_submodule(ctx, f"query+{name}")
        wants_pages = bool(params["titles"] or params["pageids"] or params["generator"])
        if wants_pages:
            self._build_pageset(ctx, params, state)
            for name in params["prop"]:
                self._run_submodule(ctx, f"query+{name}")
        for name in params["list"]:
            self._run_submodule(ctx, f"query+{name}")
        self._output(ctx, params, state)

    def _run_submodule(self, ctx: ApiContext, path: str, generator: bool = False) -> None:
        cls = registry.get(path)
        if cls is None:
            return
        prefix = ("g" + cls.prefix) if generator else cls.prefix
        values, used = validate(path, prefix, cls.all_params(), ctx.params, ctx)
        ctx.used |= used
        module = cls()
        if generator:
            values["__generator__"] = True
        module.execute(ctx, values)

    def _build_pageset(self, ctx: ApiContext, params: dict[str, Any], state: QueryState) -> None:
        titles: list[str] = list(params["titles"])
        if params["generator"]:
            self._run_submodule(ctx, f"query+{params['generator']}", generator=True)
            titles = list(state.out.pop("__generated__", []))
            if not titles:
                return
        site = ctx.settings.sitename
        missing_key = -1
        for requested in titles:
            entry = resolve_title(ctx, requested, site)
            if entry.title is not None and entry.title.prefixed(site) != requested:
                pair = (requested, entry.title.prefixed(site))
                if pair not in state.pageset.normalized:
                    state.pageset.normalized.append(pair)
            if any(e.title == entry.title and e.title is not None
                   for e in state.pageset.entries):
                continue
            if entry.page is None:
                entry.key = missing_key
                missing_key -= 1
            state.pageset.entries.append(entry)
        for page_id in params["pageids"]:
            page = ctx.db.get(Page, page_id)
            if page is not None and not any(e.page and e.page.id == page.id
                                            for e in state.pageset.entries):
                title = Title(page.namespace, page.title.replace("_", " "))
                state.pageset.entries.append(
                    PageEntry(title.prefixed(site), title, page, page.id))

    def _output(self, ctx: ApiContext, params: dict[str, Any], state: QueryState) -> None:
        pages = state.pageset.entries
        query: dict[str, Any] = {}
        if state.pageset.normalized:
            query["normalized"] = [
                ({"fromencoded": False} if ctx.fv2 else {}) | {"from": f, "to": t}
                for f, t in state.pageset.normalized]
        if pages and params["indexpageids"]:
            query["pageids"] = [str(e.key) for e in pages]
        if pages:
            query["pages"] = self._pages_output(ctx, pages)
        query.update(state.out)
        ctx.result["batchcomplete"] = True
        if state.continuation:
            ctx.result["continue"] = {**state.continuation, "continue": "-||"}
        if state.limits:
            ctx.result["limits"] = state.limits
        if query:
            ctx.result["query"] = query

    def _pages_output(self, ctx: ApiContext, pages: list[PageEntry]) -> Any:
        site = ctx.settings.sitename
        rendered: list[tuple[int, dict[str, Any]]] = []
        for entry in pages:
            head: dict[str, Any]
            if entry.title is None:
                head = {"title": entry.requested, "invalidreason": entry.invalid_reason,
                        "invalid": True}
            elif entry.page is not None:
                head = {"pageid": entry.page.id, "ns": entry.title.namespace,
                        "title": entry.title.prefixed(site)}
            elif entry.title.namespace in (NS_SPECIAL, NS_MEDIA):
                head = {"ns": entry.title.namespace, "title": entry.title.prefixed(site),
                        "special": True, "missing": True}
            else:
                head = {"ns": entry.title.namespace, "title": entry.title.prefixed(site),
                        "missing": True}
            rendered.append((entry.key, head | entry.data))
        if ctx.fv2:
            return [data for _, data in sorted(rendered, key=lambda kv: kv[0])]
        return {str(key): data for key, data in rendered}


def resolve_title(ctx: ApiContext, requested: str, site: str) -> PageEntry:
    """Parse a requested title and find its page row."""
    try:
        title = parse_title(requested, site_name=site)
    except InvalidTitle as exc:
        return PageEntry(requested, None, invalid_reason=render(exc.message, ctx.lang))
    page = ctx.db.scalars(select(Page).where(Page.namespace == title.namespace,
                                             Page.title == title.db_key)).first()
    return PageEntry(requested, title, page, page.id if page else 0)


def no_such_submodule(module: str, name: str) -> ApiError:
    return ApiError("apiwarn-nosuchsubmodule", module, name, code="badvalue")


__all__ = ["Message", "PageEntry", "PageSet", "QueryModule", "QueryState", "QuerySubmodule"]
