"""prop=revisions: revisions of the pages in the set (see includes/api/ApiQueryRevisions.php).

Two modes, as in MediaWiki: the latest revision of every page, or, with any of the
"single page" parameters (rvlimit, rvstart…), the history of one page. Every revision
has one slot, ``main``. Without ``rvslots`` the slot's fields are merged into the
revision (the deprecated legacy format).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, and_, literal, or_, select

from wikiupload.api import registry
from wikiupload.api.context import ApiContext
from wikiupload.api.params import Param
from wikiupload.api.query import PageEntry, QueryState, QuerySubmodule
from wikiupload.comments import format_comment
from wikiupload.db.models import Revision
from wikiupload.errors import ApiError
from wikiupload.i18n.messages import Message, Num
from wikiupload.pages import find_page, page_title
from wikiupload.timestamps import iso as iso_timestamp
from wikiupload.timestamps import utc as as_utc
from wikiupload.titles import Title
from wikiupload.wikitext import section as wikitext_section

PATH = "query+revisions"
PROPS = ("ids", "flags", "timestamp", "user", "userid", "size", "slotsize", "sha1",
         "slotsha1", "contentmodel", "comment", "parsedcomment", "content", "tags", "roles",
         "parsetree")
CONTENT_FORMATS = ("application/json", "application/octet-stream", "application/unknown",
                   "application/x-binary", "text/css", "text/javascript", "text/plain",
                   "text/unknown", "text/x-wiki", "unknown/unknown")
FORMAT_OF_MODEL = {"wikitext": "text/x-wiki", "css": "text/css",
                   "javascript": "text/javascript", "json": "application/json"}
SLOT_INCOMPATIBLE = ("expandtemplates", "generatexml", "parse", "diffto", "difftotext",
                     "difftotextpst", "contentformat")
USER_TYPES = ("name", "ip", "interwiki", "id")
ENUM_PARAMS = ("limit", "startid", "endid", "start", "end", "user", "excludeuser")
# ApiBase::LIMIT_BIG1/2 and LIMIT_SML1/2: revisions with content come in smaller batches.
LIMITS = {False: (500, 5000), True: (50, 500)}


@registry.register
class RevisionsModule(QuerySubmodule):
    name = "revisions"
    group = "prop"
    prefix = "rv"
    generator = True
    class_name = "ApiQueryRevisions"
    help_url = "https://www.mediawiki.org/wiki/Special:MyLanguage/API:Revisions"
    description = "Get revision information."
    params = (
        Param("prop", PROPS, default="ids|timestamp|flags|comment|user", multi=True,
              deprecated_values=frozenset({"parsetree"}),
              help="Which properties to get for each revision."),
        Param("slots", ("main",), multi=True, allow_all=True,
              help="Which revision slots to return data for."),
        Param("limit", "limit", min=1, max=500, highmax=5000,
              help="Limit how many revisions will be returned."),
        Param("expandtemplates", "boolean", default=False, deprecated=True,
              help="Expand templates in revision content."),
        Param("generatexml", "boolean", default=False, deprecated=True,
              help="Generate XML parse tree for revision content."),
        Param("parse", "boolean", default=False, deprecated=True,
              help="Parse revision content."),
        Param("section", "string", help="Only retrieve the content of this section."),
        Param("diffto", "string", deprecated=True, help="Revision ID to diff each revision to."),
        Param("difftotext", "string", deprecated=True,
              help="Text to diff each revision to."),
        Param("difftotextpst", "boolean", default=False, deprecated=True,
              help="Perform a pre-save transform on the text before diffing it."),
        Param("contentformat", CONTENT_FORMATS, deprecated=True,
              help="Serialization format used for difftotext and expected for content."),
        Param("startid", "integer", help="Start enumeration from this revision's timestamp."),
        Param("endid", "integer", help="Stop enumeration at this revision's timestamp."),
        Param("start", "timestamp", help="From which revision timestamp to start."),
        Param("end", "timestamp", help="Enumerate up to this timestamp."),
        Param("dir", ("newer", "older"), default="older",
              help="In which direction to enumerate."),
        Param("user", "user", user_types=USER_TYPES,
              help="Only include revisions made by user."),
        Param("excludeuser", "user", user_types=USER_TYPES,
              help="Exclude revisions made by user."),
        Param("tag", "string", help="Only list revisions tagged with this tag."),
        Param("continue", "string",
              help="When more results are available, use this to continue."),
    )

    def execute(self, ctx: ApiContext, params: dict[str, Any]) -> None:
        state = self.state(ctx)
        pages = [e for e in state.pageset.good() if e.page is not None]
        if params.get("__generator__"):
            state.out["__generated__"] = [
                e.title.prefixed(ctx.settings.sitename) for e in pages if e.title]
            return
        if not pages:
            return
        enum_mode = any(params[name] is not None for name in ENUM_PARAMS) \
            or params["dir"] == "newer"
        if enum_mode and len(pages) > 1:
            raise ApiError("apierror-revisions-singlepage", "rv", code="invalidparammix")
        options = _Options.read(ctx, params, enum_mode)
        query = _history_query(ctx, params, pages[0]) if enum_mode \
            else _latest_query(ctx, params, pages)
        _Lister(ctx, state, options, pages).run(query, enum_mode)


@dataclass(frozen=True)
class _Options:
    """The parsed rvprop/rvslots/rvlimit choices."""

    props: frozenset[str]
    slots: tuple[str, ...] | None      # None: legacy format
    limit: int
    section: str | None

    @property
    def fetch_content(self) -> bool:
        return "content" in self.props or "parsetree" in self.props

    @property
    def need_slots(self) -> bool:
        return self.fetch_content or bool(self.props & {"contentmodel", "slotsize",
                                                         "slotsha1"})

    @classmethod
    def read(cls, ctx: ApiContext, params: dict[str, Any], enum_mode: bool) -> _Options:
        props = frozenset(params["prop"])
        if "parsetree" in props:
            ctx.deprecate(PATH, Message("paramvalidator-deprecated-value",
                                        ("rvprop", "parsetree")))
        slots = tuple(params["slots"]) if "rvslots" in ctx.params else None
        if slots is not None:
            _check_slot_mix(params, props)
        fetch = "content" in props or "parsetree" in props
        options = cls(props, slots, _limit(ctx, fetch, enum_mode),
                      params["section"] if fetch else None)
        if options.need_slots and slots is None:
            ctx.deprecate(PATH, Message("apiwarn-deprecation-missingparam", ("rvslots",)))
        return options


def _check_slot_mix(params: dict[str, Any], props: frozenset[str]) -> None:
    if "parsetree" in props:
        raise ApiError("apierror-invalidparammix-cannotusewith", "rvprop=parsetree",
                       "\"rvslots\"", code="invalidparammix")
    for name in SLOT_INCOMPATIBLE:
        if params[name] not in (None, False):
            raise ApiError("apierror-invalidparammix-cannotusewith", f"rv{name}",
                           "\"rvslots\"", code="invalidparammix")


def _limit(ctx: ApiContext, fetch_content: bool, enum_mode: bool) -> int:
    """rvlimit, checked against the bounds for this request (smaller with content).

    Without rvlimit: all pages' latest revisions, or 10 revisions of one page's history.
    """
    low, high = LIMITS[fetch_content]
    maximum = high if ctx.high_limits else low
    raw = ctx.params.get("rvlimit")
    if raw is None:
        return 10 if enum_mode else maximum
    if raw.strip() == "max":
        QuerySubmodule.state(ctx).limits["revisions"] = maximum
        return maximum
    value = int(raw.strip())
    ctx.warnings = [w for w in ctx.warnings if not (
        w.module == PATH and w.message.key == "apiwarn-outofrange")]
    if 1 <= value <= maximum:
        return value
    ctx.warn(PATH, Message("apiwarn-outofrange", ("rvlimit", raw, Num(1), Num(maximum))),
             code="integeroutofrange")
    return min(max(value, 1), maximum)


# -- queries -------------------------------------------------------------------------------


def _mw_timestamp(moment: datetime) -> str:
    return as_utc(moment).strftime("%Y%m%d%H%M%S")


def _parse_continue(value: str, first_is_timestamp: bool) -> tuple[Any, int]:
    head, sep, tail = value.partition("|")
    if not sep or not tail.lstrip("-").isdigit():
        raise ApiError("apierror-badcontinue")
    if first_is_timestamp:
        try:
            return datetime.strptime(head, "%Y%m%d%H%M%S").replace(tzinfo=UTC), int(tail)
        except ValueError as exc:
            raise ApiError("apierror-badcontinue") from exc
    if not head.lstrip("-").isdigit():
        raise ApiError("apierror-badcontinue")
    return int(head), int(tail)


def _latest_query(ctx: ApiContext, params: dict[str, Any],
                  pages: list[PageEntry]) -> Select[Any]:
    ids = [e.page.latest for e in pages if e.page is not None]
    query = _tag_filter(select(Revision).where(Revision.id.in_(ids)), params["tag"])
    if params["continue"] is not None:
        page_id, rev_id = _parse_continue(params["continue"], False)
        query = query.where(or_(Revision.page_id > page_id,
                                and_(Revision.page_id == page_id, Revision.id >= rev_id)))
    return query.order_by(Revision.page_id, Revision.id)


def _history_query(ctx: ApiContext, params: dict[str, Any],
                   entry: PageEntry) -> Select[Any]:
    for first, second in (("startid", "start"), ("endid", "end"), ("user", "excludeuser")):
        if params[first] is not None and params[second] is not None:
            raise ApiError("apierror-invalidparammix", f'"rv{first}" and "rv{second}"', 2,
                           code="invalidparammix")
    assert entry.page is not None
    newer = params["dir"] == "newer"
    query = select(Revision).where(Revision.page_id == entry.page.id)
    query = _bound(query, ctx, params, "start", "startid", newer)
    query = _bound(query, ctx, params, "end", "endid", not newer)
    if params["continue"] is not None:
        stamp, rev_id = _parse_continue(params["continue"], True)
        query = query.where(_after(stamp, rev_id, newer))
    query = _tag_filter(_user_filter(query, params), params["tag"])
    if newer:
        return query.order_by(Revision.timestamp, Revision.id)
    return query.order_by(Revision.timestamp.desc(), Revision.id.desc())


def _after(stamp: datetime, rev_id: int, ascending: bool) -> Any:
    """Revisions from (stamp, rev_id) on, in the enumeration direction."""
    if ascending:
        return or_(Revision.timestamp > stamp,
                   and_(Revision.timestamp == stamp, Revision.id >= rev_id))
    return or_(Revision.timestamp < stamp,
               and_(Revision.timestamp == stamp, Revision.id <= rev_id))


def _bound(query: Select[Any], ctx: ApiContext, params: dict[str, Any],
           stamp_name: str, id_name: str, ascending: bool) -> Select[Any]:
    """rvstart/rvend (a timestamp) or rvstartid/rvendid (a revision's timestamp and id)."""
    if params[id_name] is not None:
        found = ctx.db.get(Revision, params[id_name])
        if found is None:
            raise ApiError("apierror-revisions-badid", f"rv{id_name}",
                           code=f"badid_rv{id_name}")
        return query.where(_after(as_utc(found.timestamp), found.id, ascending))
    stamp = params[stamp_name]
    if stamp is None:
        return query
    moment = as_utc(stamp)
    return query.where(Revision.timestamp >= moment if ascending
                       else Revision.timestamp <= moment)


def _user_filter(query: Select[Any], params: dict[str, Any],
                 ) -> Select[Any]:
    if params["user"] is not None:
        return query.where(_by_user(params["user"]))
    if params["excludeuser"] is not None:
        return query.where(~_by_user(params["excludeuser"]))
    return query


def _tag_filter(query: Select[Any], tag: str | None) -> Select[Any]:
    """Revisions carrying ``tag`` (``Revision.tags`` is a comma-separated list)."""
    if tag is None:
        return query
    tags = literal(",") + Revision.tags + literal(",")
    pattern = "%," + tag.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + ",%"
    return query.where(tags.like(pattern, escape="\\"))


def _by_user(name: str) -> Any:
    """A user name (any spelling), an IP address, or ``#<id>``."""
    if name.startswith("#") and name[1:].isdigit():
        return Revision.user_id == int(name[1:])
    name = " ".join(name.replace("_", " ").split())
    return Revision.user_text == name[:1].upper() + name[1:]


# -- output ----------------------------------------------------------------------------------


class _Lister:
    """Runs the query and adds each revision to its page."""

    def __init__(self, ctx: ApiContext, state: QueryState, options: _Options,
                 pages: list[PageEntry]) -> None:
        self.ctx = ctx
        self.state = state
        self.options = options
        self.by_page = {e.page.id: e for e in pages if e.page is not None}
        self._exists: dict[Title, bool] = {}

    def run(self, query: Select[Any], enum_mode: bool) -> None:
        rows = list(self.ctx.db.scalars(query.limit(self.options.limit + 1)))
        for count, revision in enumerate(rows):
            if count == self.options.limit:
                self.state.set_continue("revisions", "rvcontinue",
                                        _continue_value(revision, enum_mode))
                break
            entry = self.by_page[revision.page_id]
            entry.data.setdefault("revisions", []).append(self._describe(entry, revision))

    def _describe(self, entry: PageEntry, revision: Revision) -> Any:
        props = self.options.props
        out: dict[str, Any] = {}
        if "ids" in props:
            out.update(revid=revision.id, parentid=revision.parent_id)
        if "flags" in props:
            out["minor"] = bool(revision.minor)
        out.update(self._user(revision))
        if "timestamp" in props:
            out["timestamp"] = iso_timestamp(revision.timestamp)
        if "size" in props:
            out["size"] = revision.size
        if "sha1" in props:
            out["sha1"] = revision.sha1
        if "roles" in props:
            out["roles"] = ["main"]
        if self.options.need_slots:
            self._slots(out, entry, revision)
        out.update(self._comment(entry, revision))
        if "tags" in props:
            out["tags"] = [tag for tag in revision.tags.split(",") if tag]
        return out if out else []

    def _user(self, revision: Revision) -> dict[str, Any]:
        props = self.options.props
        out: dict[str, Any] = {}
        if "user" in props:
            out["user"] = revision.user_text
        if props & {"user", "userid"} and revision.user_id == 0:
            out["anon"] = True
        if "userid" in props:
            out["userid"] = revision.user_id
        return out

    def _slots(self, out: dict[str, Any], entry: PageEntry, revision: Revision) -> None:
        slot = self._slot(entry, revision)
        if self.options.slots is None:
            if slot.get("nosuchsection"):
                raise ApiError("apierror-nosuchsection-what", self.options.section,
                               Message("revid", (revision.id,)), code="nosuchsection")
            for key, value in slot.items():
                out.setdefault(key, value)
            return
        out["slots"] = {"main": slot} if "main" in self.options.slots else {}

    def _slot(self, entry: PageEntry, revision: Revision) -> dict[str, Any]:
        """The main slot's fields, in MediaWiki's order for either output format."""
        props = self.options.props
        slot: dict[str, Any] = {}
        model = entry.page.content_model if entry.page is not None else "wikitext"
        if "slotsize" in props:
            slot["size"] = revision.size
        if "slotsha1" in props:
            slot["sha1"] = revision.sha1
        if "contentmodel" in props:
            slot["contentmodel"] = model
        if not self.options.fetch_content:
            return slot
        text: str | None = revision.content
        if self.options.section is not None:
            text = wikitext_section(revision.content, _section_number(self.options.section))
            if text is None:
                return {**slot, "nosuchsection": True}
        fmt = FORMAT_OF_MODEL.get(model, "text/plain")
        if self.options.slots is None:
            slot.setdefault("contentformat", fmt)
            slot.setdefault("contentmodel", model)
        else:
            slot.update(contentmodel=model, contentformat=fmt)
        slot["*" if not self.ctx.fv2 else "content"] = text
        return slot

    def _comment(self, entry: PageEntry, revision: Revision) -> dict[str, Any]:
        props = self.options.props
        out: dict[str, Any] = {}
        if "comment" in props:
            out["comment"] = revision.comment
        if "parsedcomment" in props and entry.page is not None:
            out["parsedcomment"] = format_comment(revision.comment, page_title(entry.page),
                                                  self.ctx.settings, self._page_exists)
        return out

    def _page_exists(self, title: Title) -> bool:
        if title not in self._exists:
            self._exists[title] = find_page(self.ctx.db, title) is not None
        return self._exists[title]


def _section_number(value: str) -> int:
    """``rvsection`` as MediaWiki reads it: ``T-`` prefixes dropped, non-numbers are 0."""
    digits = value[2:] if value.startswith("T-") else value
    return int(digits) if digits.isdigit() else 0


def _continue_value(revision: Revision, enum_mode: bool) -> str:
    if enum_mode:
        return f"{_mw_timestamp(revision.timestamp)}|{revision.id}"
    return f"{revision.page_id}|{revision.id}"


__all__ = ["RevisionsModule"]
