"""list=logevents: log entries, newest first (``ledir=newer`` for oldest first).

Output fields and their order, the ``params`` of each log type, the validation of
``leaction``/``leuser``/``letitle`` and the ``lecontinue`` value (``<timestamp>|<log id>``)
as includes/api/ApiQueryLogEvents.php gives them. ``pageid`` is the page now at the title
(0 if none), ``logpage`` the page the entry was made for.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.sql.elements import ColumnElement

from wikiupload.api import registry
from wikiupload.api.context import ApiContext
from wikiupload.api.deletion_support import parse_target, quoted_list
from wikiupload.api.params import Param
from wikiupload.api.query import QuerySubmodule
from wikiupload.auth.users import usable_username
from wikiupload.comments import format_comment
from wikiupload.db.archive_models import LogTag
from wikiupload.db.file_models import LogEntry
from wikiupload.db.models import Page, User
from wikiupload.errors import ApiError
from wikiupload.filerepo.repo import mw_timestamp
from wikiupload.pages import find_page
from wikiupload.timestamps import iso, utc
from wikiupload.titles import NAMESPACES, Title

__all__ = ["LOG_ACTIONS", "LOG_TYPES", "LogEventsModule", "api_params"]

# $wgLogTypes and the type/action pairs of $wgLogActions + $wgLogActionsHandlers (1.39).
LOG_TYPES = ("", "block", "contentmodel", "create", "delete", "import", "managetags",
             "merge", "move", "newusers", "patrol", "protect", "rights", "suppress", "tag",
             "upload")
LOG_ACTIONS = (
    "block/block", "block/reblock", "block/unblock", "contentmodel/change",
    "contentmodel/new", "create/create", "delete/delete", "delete/delete_redir",
    "delete/delete_redir2", "delete/event", "delete/restore", "delete/revision",
    "import/interwiki", "import/upload", "managetags/activate", "managetags/create",
    "managetags/deactivate", "managetags/delete", "merge/merge", "move/move",
    "move/move_redir", "newusers/autocreate", "newusers/byemail", "newusers/create",
    "newusers/create2", "newusers/newusers", "patrol/autopatrol", "patrol/patrol",
    "protect/modify", "protect/move_prot", "protect/protect", "protect/unprotect",
    "rights/autopromote", "rights/rights", "suppress/block", "suppress/delete",
    "suppress/event", "suppress/reblock", "suppress/revision", "tag/update",
    "upload/overwrite", "upload/revert", "upload/upload",
)
PROPS = ("ids", "title", "type", "user", "userid", "timestamp", "comment", "parsedcomment",
         "details", "tags")
_TYPED_KEY = re.compile(r"^(?:\d+)?:([a-z-]+):(.+)$")
# Parameters a log type stores without a type marker (UploadLogFormatter and friends).
_IMPLICIT_TYPES = {"upload": {"img_timestamp": "timestamp"}}


@registry.register
class LogEventsModule(QuerySubmodule):
    name = "logevents"
    group = "list"
    prefix = "le"
    class_name = "ApiQueryLogEvents"
    help_url = "https://www.mediawiki.org/wiki/Special:MyLanguage/API:Logevents"
    description = "Get events from logs."
    examples = (("action=query&list=logevents", "List recent log events."),)
    params = (
        Param("prop", PROPS, default="ids|title|type|user|timestamp|comment|details",
              multi=True, help="Which properties to get."),
        Param("type", LOG_TYPES, help="Only log entries of this type."),
        Param("action", "string",
              help="Only log entries with this type/action pair (overrides letype)."),
        Param("start", "timestamp", help="The timestamp to start enumerating from."),
        Param("end", "timestamp", help="The timestamp to end enumerating."),
        Param("dir", ("newer", "older"), default="older",
              help="In which direction to enumerate."),
        Param("user", "user", user_types=("name", "ip", "interwiki", "id"),
              help="Only entries made by this user."),
        Param("title", "string", help="Only entries about this page."),
        Param("namespace", "namespace", help="Only entries in this namespace."),
        Param("prefix", "string", help="Only entries whose title starts with this prefix."),
        Param("tag", "string", help="Only entries with this change tag."),
        Param("limit", "limit", default=10, min=1, max=500, highmax=5000,
              help="How many log entries to return."),
        Param("continue", "string",
              help="When more results are available, use this to continue."),
    )

    def execute(self, ctx: ApiContext, params: dict[str, Any]) -> None:
        state = self.state(ctx)
        params["namespace"] = _namespace(params["namespace"])
        given = [name for name in ("title", "namespace", "prefix") if params[name] is not None]
        if len(given) > 1:
            raise ApiError("apierror-invalidparammix",
                           quoted_list([f"le{name}" for name in given]), len(given),
                           code="invalidparammix")
        if ctx.params.get("lelimit", "").strip() == "max":
            state.limits["logevents"] = int(params["limit"])
        query = _query(ctx, params)
        limit = int(params["limit"])
        rows: list[tuple[LogEntry, int | None]] = []
        if query is not None:
            rows = [(row[0], row[1]) for row in ctx.db.execute(query.limit(limit + 1))]
        if len(rows) > limit:
            entry = rows[limit][0]
            state.set_continue("logevents", "lecontinue",
                               f"{mw_timestamp(utc(entry.timestamp))}|{entry.id}")
            rows = rows[:limit]
        props = set(params["prop"])
        tags = _tags(ctx, [entry.id for entry, _ in rows]) if "tags" in props else {}
        state.out["logevents"] = [_describe(ctx, entry, page_id, props, tags)
                                  for entry, page_id in rows]


def _query(ctx: ApiContext, params: dict[str, Any]) -> Any:
    """The SELECT of (entry, id of the page at its title), or None if nothing can match."""
    page_id = select(Page.id).where(Page.namespace == LogEntry.namespace,
                                    Page.title == LogEntry.title).scalar_subquery()
    query = select(LogEntry, page_id)
    newer = params["dir"] == "newer"
    if params["action"] is not None:
        log_type, action = _action(params["action"])
        query = query.where(LogEntry.log_type == log_type, LogEntry.log_action == action)
    elif params["type"] is not None:
        query = query.where(LogEntry.log_type == params["type"])
    query = _time_range(query, params, newer)
    if params["continue"] is not None:
        query = query.where(_after(params["continue"], newer))
    if params["user"] is not None:
        name = _user_name(ctx, params["user"])
        if name is None:
            return None
        query = query.where(LogEntry.user_text == name)
    query = _title_filters(ctx, query, params)
    if params["tag"] is not None:
        tagged = select(LogTag.log_id).where(LogTag.tag == params["tag"])
        query = query.where(LogEntry.id.in_(tagged))
    order = (LogEntry.timestamp, LogEntry.id) if newer else (LogEntry.timestamp.desc(),
                                                             LogEntry.id.desc())
    return query.order_by(*order)


def _action(value: str) -> tuple[str, str]:
    if "/" not in value or value not in LOG_ACTIONS:
        raise ApiError("apierror-unrecognizedvalue", "leaction", value,
                       code="unknown_leaction")
    log_type, action = value.split("/", 1)
    return log_type, action


def _time_range(query: Any, params: dict[str, Any], newer: bool) -> Any:
    start, end = params["start"], params["end"]
    if start is not None:
        query = query.where(LogEntry.timestamp >= utc(start) if newer
                            else LogEntry.timestamp <= utc(start))
    if end is not None:
        query = query.where(LogEntry.timestamp <= utc(end) if newer
                            else LogEntry.timestamp >= utc(end))
    return query


def _after(value: str, newer: bool) -> ColumnElement[bool]:
    parts = value.split("|")
    if len(parts) != 2 or not re.fullmatch(r"\d{14}", parts[0]) \
            or not re.fullmatch(r"-?\d+", parts[1]):
        raise ApiError("apierror-badcontinue")
    stamp = datetime.strptime(parts[0], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    log_id = int(parts[1])
    if newer:
        return or_(LogEntry.timestamp > stamp,
                   and_(LogEntry.timestamp == stamp, LogEntry.id >= log_id))
    return or_(LogEntry.timestamp < stamp, and_(LogEntry.timestamp == stamp, LogEntry.id <= log_id))


def _user_name(ctx: ApiContext, value: str) -> str | None:
    """A ``user`` parameter: a name, an IP address or ``#<id>``; None for an unknown id."""
    if re.fullmatch(r"#\d+", value):
        user = ctx.db.get(User, int(value[1:]))
        return user.name if user is not None else None
    if re.fullmatch(r"[0-9.]+|[0-9A-Fa-f:]+", value) and ("." in value or ":" in value):
        return value.upper() if ":" in value else value
    name = usable_username(value)
    if name is None:
        raise ApiError("apierror-baduser", "leuser", value, code="baduser")
    return name


def _title_filters(ctx: ApiContext, query: Any, params: dict[str, Any]) -> Any:
    if params["title"] is not None:
        title = parse_target(ctx, params["title"])
        query = query.where(LogEntry.namespace == title.namespace,
                            LogEntry.title == title.db_key)
    if params["namespace"] is not None:
        query = query.where(LogEntry.namespace == params["namespace"])
    if params["prefix"] is not None:
        title = parse_target(ctx, params["prefix"])
        query = query.where(LogEntry.namespace == title.namespace,
                            LogEntry.title.startswith(title.db_key, autoescape=True))
    return query


def _tags(ctx: ApiContext, ids: Sequence[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    if ids:
        rows = ctx.db.execute(select(LogTag.log_id, LogTag.tag).where(LogTag.log_id.in_(ids))
                              .order_by(LogTag.log_id, LogTag.tag))
        for log_id, tag in rows:
            found.setdefault(log_id, []).append(tag)
    return found


def _describe(ctx: ApiContext, entry: LogEntry, page_id: int | None, props: set[str],
              tags: dict[int, list[str]]) -> dict[str, Any]:
    site = ctx.settings.sitename
    title = Title(entry.namespace, entry.title.replace("_", " "))
    out: dict[str, Any] = {}
    if "ids" in props:
        out["logid"] = entry.id
    if "title" in props:
        out["ns"] = entry.namespace
        out["title"] = title.prefixed(site)
    if "ids" in props:
        out["pageid"] = page_id or 0
        out["logpage"] = entry.page_id
    if "details" in props:
        out["params"] = api_params(entry.log_type, entry.params)
    if "type" in props:
        out["type"] = entry.log_type
        out["action"] = entry.log_action
    if "user" in props:
        out["user"] = entry.user_text
    if "user" in props or "userid" in props:
        if "userid" in props:
            out["userid"] = entry.user_id
        if not entry.user_id:
            out["anon"] = True
    if "timestamp" in props:
        out["timestamp"] = iso(entry.timestamp)
    if "comment" in props:
        out["comment"] = entry.comment
    if "parsedcomment" in props:
        out["parsedcomment"] = format_comment(entry.comment, title, ctx.settings,
                                              lambda t: find_page(ctx.db, t) is not None)
    if "tags" in props:
        out["tags"] = tags.get(entry.id, [])
    return out


def api_params(log_type: str, stored: str) -> dict[str, Any]:
    """LogFormatter::formatParametersForApi: type markers dropped, values converted."""
    try:
        data = json.loads(stored) if stored else {}
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    implicit = _IMPLICIT_TYPES.get(log_type, {})
    out: dict[str, Any] = {}
    for key, value in data.items():
        match = _TYPED_KEY.match(key)
        kind, name = (match.group(1), match.group(2)) if match else (implicit.get(key), key)
        out[name] = _converted(kind, value)
    return out


def _converted(kind: str | None, value: Any) -> Any:
    if kind == "timestamp" and isinstance(value, str) and re.fullmatch(r"\d{14}", value):
        return iso(datetime.strptime(value, "%Y%m%d%H%M%S").replace(tzinfo=UTC))
    if kind == "number":
        try:
            return int(value)
        except (TypeError, ValueError):
            return value
    if kind == "bool":
        return bool(value)
    return value


def _namespace(value: str | None) -> int | None:
    """A ``namespace`` value: one of the wiki's namespace numbers (Media and Special too)."""
    if value is None:
        return None
    text = value.strip()
    if re.fullmatch(r"-?\d+", text) and int(text) in {ns.id for ns in NAMESPACES}:
        return int(text)
    raise ApiError("apierror-unrecognizedvalue", "lenamespace", value, code="badvalue")
