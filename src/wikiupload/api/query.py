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
    missing_pageid: bool = False

    @property
    def exists(self) -> bool:
        return self.page is not None

    @property
    def special(self) -> bool:
        return self.title is not None and self.title.namespace < 0


@dataclass
class PageSet:
    entries: list[PageEntry] = field(default_factory=list)
    normalized: list[tuple[str, str]] = field(default_factory=list)

    def good(self) -> list[PageEntry]:
        """Entries with a valid, non-special title (existing or missing), for prop modules."""
        return [e for e in self.entries if e.title is not None and not e.special]


@dataclass
class QueryState:
    pageset: PageSet
    out: dict[str, Any] = field(default_factory=dict)
    continuation: dict[str, str] = field(default_factory=dict)
    limits: dict[str, int] = field(default_factory=dict)
    # Modules that set continuation through set_continue(), and their parameters.
    module_continuation: dict[str, dict[str, str]] = field(default_factory=dict)
    generator_continuation: dict[str, str] = field(default_factory=dict)
    limits_first: bool = True       # "limits" before "query" in the result
    # Output some modules put beside "query" rather than in it (list=watchlistraw).
    top_level: dict[str, Any] = field(default_factory=dict)

    def set_continue(self, module: str, name: str, value: str) -> None:
        """A prop/list/meta module has more to give: ``name=value`` resumes it."""
        self.module_continuation.setdefault(module, {})[name] = value

    def set_generator_continue(self, name: str, value: str) -> None:
        """The generator has more pages: ``name=value`` (e.g. ``gtlcontinue``) resumes it."""
        self.generator_continuation[name] = value


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
        ctx.query = state
        finished = _finished_modules(params["continue"])
        for name in params["meta"]:
            if name not in finished:
                self._run_submodule(ctx, f"query+{name}")
        if params["titles"] or params["pageids"] or params["generator"]:
            self._build_pageset(ctx, params, state)
            # A limit reported by the generator comes before "query"; later ones after it.
            state.limits_first = bool(state.limits) or not (
                state.pageset.entries or state.pageset.normalized)
        for name in params["prop"]:     # prop modules run even on an empty page set
            if name not in finished:
                self._run_submodule(ctx, f"query+{name}")
        for name in params["list"]:
            if name not in finished:
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
        """titles/pageids; with a generator they are its input and its output is the set."""
        fill_pageset(ctx, state.pageset, params["titles"], params["pageids"])
        if params["generator"]:
            self._run_submodule(ctx, f"query+{params['generator']}", generator=True)
            generated = list(state.out.pop("__generated__", []))
            state.pageset = PageSet()
            fill_pageset(ctx, state.pageset, generated, [])

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
        batchcomplete, continuation = _continuation(ctx, params, state)
        if batchcomplete:
            ctx.result["batchcomplete"] = True
        if continuation:
            ctx.result["continue"] = continuation
        if state.limits and state.limits_first:
            ctx.result["limits"] = state.limits
        ctx.result.update(state.top_level)
        if query:
            ctx.result["query"] = query
        if state.limits and not state.limits_first:
            ctx.result["limits"] = state.limits

    def _pages_output(self, ctx: ApiContext, pages: list[PageEntry]) -> Any:
        site = ctx.settings.sitename
        rendered: list[tuple[int, dict[str, Any]]] = []
        for entry in pages:
            head: dict[str, Any]
            if entry.missing_pageid:
                head = {"pageid": entry.key, "missing": True}
            elif entry.title is None:
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
        # ApiResult's "BCarray": a list sorted by id in fv2, and in fv1 too when the largest
        # id equals the number of pages minus one (e.g. ids -1 and 1); an object otherwise.
        if ctx.fv2 or max(key for key, _ in rendered) == len(rendered) - 1:
            return [data for _, data in sorted(rendered, key=lambda kv: kv[0])]
        return {str(key): data for key, data in rendered}


def fill_pageset(ctx: ApiContext, pageset: PageSet, titles: list[str],
                 pageids: list[int]) -> None:
    """Resolve titles and page ids, numbered and ordered as ApiPageSet/ApiQuery do.

    Fake ids go to invalid titles first, then special pages, then missing pages grouped by
    namespace; the output lists missing, invalid, missing page ids, special, then existing.
    """
    entries = _resolve_titles(ctx, pageset, titles)
    fake = -1
    invalid = [e for e in entries if e.title is None]
    special = [e for e in entries if e.special]
    missing = _by_namespace([e for e in entries if e.title is not None and not e.special
                             and e.page is None])
    for entry in (*invalid, *special, *missing):
        entry.key, fake = fake, fake - 1
    found = _existing_in_db_order([e for e in entries if e.page is not None])
    gone, by_id = _resolve_pageids(ctx, pageids, entries)
    pageset.entries.extend([*missing, *invalid, *gone, *special, *found, *by_id])


def _resolve_titles(ctx: ApiContext, pageset: PageSet, titles: list[str]) -> list[PageEntry]:
    site = ctx.settings.sitename
    entries: list[PageEntry] = []
    seen_invalid: set[str] = set()
    seen: set[Title] = set()
    for requested in titles:
        entry = resolve_title(ctx, requested, site)
        if entry.title is None:
            if requested in seen_invalid:
                continue
            seen_invalid.add(requested)
        else:
            target = entry.title.prefixed(site)
            if target != requested and (requested, target) not in pageset.normalized:
                pageset.normalized.append((requested, target))
            if entry.title in seen:
                continue
            seen.add(entry.title)
        entries.append(entry)
    return entries


def _by_namespace(entries: list[PageEntry]) -> list[PageEntry]:
    """Grouped by namespace, in the order each namespace first appears (like LinkBatch)."""
    order: dict[int, list[PageEntry]] = {}
    for entry in entries:
        assert entry.title is not None
        order.setdefault(entry.title.namespace, []).append(entry)
    return [entry for group in order.values() for entry in group]


def _existing_in_db_order(entries: list[PageEntry]) -> list[PageEntry]:
    """Namespaces in order of first appearance, DB keys sorted within each (SQLite's order)."""
    rank: dict[int, int] = {}

    def position(entry: PageEntry) -> tuple[int, str]:
        assert entry.page is not None
        return rank.setdefault(entry.page.namespace, len(rank)), entry.page.title

    for entry in entries:
        position(entry)
    return sorted(entries, key=position)


def _resolve_pageids(ctx: ApiContext, pageids: list[int], entries: list[PageEntry],
                     ) -> tuple[list[PageEntry], list[PageEntry]]:
    """(missing page ids in the order given, existing pages sorted by id)."""
    site = ctx.settings.sitename
    known = {e.page.id for e in entries if e.page is not None}
    gone: list[PageEntry] = []
    found: list[PageEntry] = []
    for page_id in dict.fromkeys(pageids):
        page = ctx.db.get(Page, page_id)
        if page is None:
            gone.append(PageEntry(str(page_id), None, key=page_id, missing_pageid=True))
        elif page.id not in known:
            known.add(page.id)
            title = Title(page.namespace, page.title.replace("_", " "))
            found.append(PageEntry(title.prefixed(site), title, page, page.id))
    found.sort(key=lambda e: e.key)
    return gone, found


def _finished_modules(continue_value: str | None) -> set[str]:
    """Modules a ``continue=GEN||MOD|MOD`` value says are done."""
    if not continue_value or "||" not in continue_value:
        return set()
    done = continue_value.split("||", 1)[1]
    return set(done.split("|")) if done else set()


def _continuation(ctx: ApiContext, params: dict[str, Any], state: QueryState,
                  ) -> tuple[bool, dict[str, str]]:
    """``batchcomplete`` and the ``continue`` object (ApiContinuationManager's rules)."""
    props = list(dict.fromkeys(params["prop"]))
    modules = list(dict.fromkeys([*props, *params["list"], *params["meta"]]))
    pending = _pending_modules(modules, state)
    finished = [name for name in modules if name not in pending]
    claimed = {key for values in pending.values() for key in values}
    data = {key: value for key, value in state.continuation.items() if key not in claimed}
    for name, values in pending.items():
        if name not in props:
            data.update(values)
    pending_props = [name for name in pending if name in props]
    batchcomplete = True
    if pending_props:
        for name in pending_props:
            data.update(pending[name])
        repeat = _generator_params(ctx, params)
        data.update(repeat)
        generator_keys = "|".join(repeat)
        batchcomplete = False
    elif state.generator_continuation:
        data.update(state.generator_continuation)
        finished = [name for name in finished if name not in props]
        generator_keys = "|".join(state.generator_continuation)
    else:
        generator_keys = "-"
    if data or generator_keys != "-":
        data["continue"] = f"{generator_keys}||{'|'.join(finished)}"
    return batchcomplete, data


def _pending_modules(modules: list[str], state: QueryState) -> dict[str, dict[str, str]]:
    """Modules with more to give: set_continue() ones, and ``<prefix>continue`` in
    ``state.continuation`` (written directly by a module)."""
    pending = {name: dict(values) for name, values in state.module_continuation.items()}
    for name in modules:
        cls = registry.get(f"query+{name}")
        key = f"{cls.prefix}continue" if cls is not None else ""
        if name not in pending and key in state.continuation:
            pending[name] = {key: state.continuation[key]}
    return pending


def _generator_params(ctx: ApiContext, params: dict[str, Any]) -> dict[str, str]:
    """The generator's own continue parameters of this request, sent again unchanged."""
    name = params["generator"]
    cls = registry.get(f"query+{name}") if name else None
    if cls is None:
        return {}
    key = f"g{cls.prefix}continue"
    return {key: ctx.params[key]} if key in ctx.params else {}


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
