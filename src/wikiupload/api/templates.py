"""prop=templates (also a generator): pages transcluded by the pages in the set.

MediaWiki reads these from ``templatelinks``, filled when a page is parsed. Nothing here
renders wikitext, so the transclusions of each page's latest revision are found by
``wikiupload.wikitext`` when asked (see includes/api/ApiQueryLinks.php for the API side).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session as DbSession

from wikiupload.api import registry
from wikiupload.api.context import ApiContext
from wikiupload.api.params import Param
from wikiupload.api.query import PageEntry, QuerySubmodule
from wikiupload.errors import ApiError
from wikiupload.i18n.messages import Message, Num
from wikiupload.pages import find_page, latest_revision
from wikiupload.titles import NAMESPACES, InvalidTitle, Title, parse_title
from wikiupload.wikitext import TransclusionFinder

PATH = "query+templates"
Row = tuple[int, int, str]          # (page id, namespace, DB key), the sort order


def page_loader(db: DbSession) -> Callable[[Title], str | None]:
    """Wikitext of existing pages by title (None for missing and special pages)."""
    cache: dict[Title, str | None] = {}

    def load(title: Title) -> str | None:
        if title not in cache:
            cache[title] = _load(db, title)
        return cache[title]

    return load


def _load(db: DbSession, title: Title) -> str | None:
    if title.namespace < 0:
        return None
    page = find_page(db, title)
    if page is None or page.content_model != "wikitext":
        return None
    revision = latest_revision(db, page)
    return revision.content if revision is not None else None


@registry.register
class TemplatesModule(QuerySubmodule):
    name = "templates"
    group = "prop"
    prefix = "tl"
    generator = True
    class_name = "ApiQueryLinks"
    help_url = "https://www.mediawiki.org/wiki/Special:MyLanguage/API:Templates"
    description = "Returns all pages transcluded on the given pages."
    params = (
        Param("namespace", "namespace", multi=True, allow_all=True,
              help="Show templates in these namespaces only."),
        Param("limit", "limit", default=10, min=1, max=500, highmax=5000,
              help="How many templates to return."),
        Param("continue", "string",
              help="When more results are available, use this to continue."),
        Param("templates", "string", multi=True,
              help="Only list these templates."),
        Param("dir", ("ascending", "descending"), default="ascending",
              help="The direction in which to list."),
    )

    def execute(self, ctx: ApiContext, params: dict[str, Any]) -> None:
        state = self.state(ctx)
        generator = bool(params.get("__generator__"))
        prefix = "gtl" if generator else "tl"
        if ctx.params.get(f"{prefix}limit", "").strip() == "max":
            state.limits["templates"] = int(params["limit"])
        pages = [e for e in state.pageset.good() if e.page is not None]
        rows = self._rows(ctx, params, pages, prefix)
        limit = int(params["limit"])
        if len(rows) > limit:
            value = _continue_value(rows[limit])
            if generator:
                state.set_generator_continue("gtlcontinue", value)
            else:
                state.set_continue("templates", "tlcontinue", value)
            rows = rows[:limit]
        if generator:
            state.out["__generated__"] = _generated(ctx, rows)
        else:
            _attach(ctx, pages, rows)

    def _rows(self, ctx: ApiContext, params: dict[str, Any], pages: list[PageEntry],
              prefix: str) -> list[Row]:
        namespaces = _namespaces(ctx, params["namespace"], prefix)
        wanted = _wanted(ctx, params["templates"])
        load = page_loader(ctx.db)
        rows: list[Row] = []
        for entry in pages:
            assert entry.page is not None and entry.title is not None
            text = load(entry.title)
            if text is None:
                continue
            finder = TransclusionFinder(load, ctx.settings.sitename)
            for title in finder.find(text, entry.title):
                if namespaces is not None and title.namespace not in namespaces:
                    continue
                if wanted is not None and title not in wanted:
                    continue
                rows.append((entry.page.id, title.namespace, title.db_key))
        descending = params["dir"] == "descending"
        rows.sort(reverse=descending)
        if params["continue"] is not None:
            start = _parse_continue(params["continue"])
            rows = [r for r in rows if (r <= start if descending else r >= start)]
        return rows


def _namespaces(ctx: ApiContext, values: list[str], prefix: str) -> set[int] | None:
    """tlnamespace as numbers; unknown values are warned about and dropped."""
    if not values:
        return None
    known = {ns.id for ns in NAMESPACES}
    good = {int(v) for v in values if v.lstrip("-").isdigit() and int(v) in known}
    bad = [v for v in values if not (v.lstrip("-").isdigit() and int(v) in known)]
    if bad:
        ctx.warn(PATH, Message("apiwarn-unrecognizedvalues",
                               (f"{prefix}namespace", ", ".join(bad), Num(len(bad)))),
                 code="unrecognizedvalues")
    return good


def _wanted(ctx: ApiContext, values: list[str]) -> set[Title] | None:
    """tltemplates as titles (default namespace: main); invalid ones are warned about."""
    if not values:
        return None
    wanted: set[Title] = set()
    for value in values:
        try:
            wanted.add(parse_title(value, site_name=ctx.settings.sitename))
        except InvalidTitle:
            ctx.warn(PATH, Message("apiwarn-invalidtitle", (value,)), code="invalidtitle")
    return wanted


def _parse_continue(value: str) -> Row:
    parts = value.split("|", 2)
    if len(parts) != 3 or not all(p.lstrip("-").isdigit() for p in parts[:2]):
        raise ApiError("apierror-badcontinue")
    return int(parts[0]), int(parts[1]), parts[2]


def _continue_value(row: Row) -> str:
    return f"{row[0]}|{row[1]}|{row[2]}"


def _prefixed(ctx: ApiContext, namespace: int, db_key: str) -> str:
    return Title(namespace, db_key.replace("_", " ")).prefixed(ctx.settings.sitename)


def _generated(ctx: ApiContext, rows: list[Row]) -> list[str]:
    return list(dict.fromkeys(_prefixed(ctx, ns, key) for _, ns, key in rows))


def _attach(ctx: ApiContext, pages: list[PageEntry], rows: list[Row]) -> None:
    by_id = {e.page.id: e for e in pages if e.page is not None}
    for page_id, namespace, db_key in rows:
        by_id[page_id].data.setdefault("templates", []).append(
            {"ns": namespace, "title": _prefixed(ctx, namespace, db_key)})
