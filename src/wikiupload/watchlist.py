"""Watchlists: who watches which page, since when something changed, until when.

Watching or unwatching a page always does the same to its talk (or subject) page. A watch
may carry an expiry when ``settings.watchlist_expiry`` is on; an expired watch then counts as
no watch. With the setting off, expiries are neither stored nor read, as in MediaWiki.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    case,
    delete,
    func,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session as DbSession

from wikiupload.auth.users import Principal
from wikiupload.config import Settings
from wikiupload.db.models import Blob
from wikiupload.db.rows import execute, table_of, upsert_of
from wikiupload.db.watch_models import Watch
from wikiupload.expiry import INFINITY, Expiry
from wikiupload.timestamps import now as utc_now
from wikiupload.titles import Title

__all__ = ["PageKey", "RawQuery", "is_watchable", "note_change", "page_key", "unwatch",
           "user_option", "visiting_watcher_counts", "wants_watch", "watch", "watched_items",
           "watched_pages", "watcher_counts", "watchlist_token", "set_watchlist_token"]

PageKey = tuple[int, str]      # (namespace, DB key)

# $wgDefaultUserOptions entries that decide watchlist=preferences (MediaWiki 1.39 defaults).
DEFAULT_WATCH_OPTIONS: dict[str, Any] = {"watchdefault": 1, "watchuploads": 1,
                                         "watchcreations": 1}
WATCHERS_MAX_AGE = timedelta(days=180)   # $wgWatchersMaxAge


def page_key(title: Title) -> PageKey:
    return title.namespace, title.db_key


def is_watchable(title: Title) -> bool:
    return title.namespace >= 0


def _both(title: Title) -> tuple[PageKey, PageKey]:
    """The page and its talk page (or subject page)."""
    other = title.namespace - 1 if title.namespace % 2 else title.namespace + 1
    return page_key(title), (other, title.db_key)


def user_option(settings: Settings, name: str) -> Any:
    """A user option's value; every user has the site defaults."""
    return settings.default_user_options.get(name, DEFAULT_WATCH_OPTIONS.get(name))


def _active(settings: Settings) -> ColumnElement[bool]:
    if not settings.watchlist_expiry:
        return true()
    return or_(Watch.expiry.is_(None), Watch.expiry > utc_now())


# -- changing a watchlist ------------------------------------------------------------------

_WATCHES = table_of(Watch)
_WATCH_BOTH: dict[tuple[str, bool, bool], Any] = {}


def _watch_both(dialect: str, expiry_kept: bool, expiry_wanted: bool) -> Any:
    """The one statement that watches a page and its talk page (both rows inserted; on a
    row that exists: nothing, a new expiry, or an expired one cleared)."""
    key = (dialect, expiry_kept, expiry_wanted)
    statement = _WATCH_BOTH.get(key)
    if statement is not None:
        return statement
    rows = [{"user_id": bindparam("user_id"), "namespace": bindparam(f"namespace_{side}"),
             "title": bindparam("title"), "notification_timestamp": None,
             "expiry": bindparam("expiry", type_=_WATCHES.c.expiry.type)}
            for side in (0, 1)]
    insert = upsert_of(dialect)(_WATCHES).values(rows)
    unique = [_WATCHES.c.user_id, _WATCHES.c.namespace, _WATCHES.c.title]
    if not expiry_kept:
        statement = insert.on_conflict_do_nothing(index_elements=unique)
    elif expiry_wanted:
        statement = insert.on_conflict_do_update(index_elements=unique,
                                                 set_={"expiry": insert.excluded.expiry})
    else:
        expired = _WATCHES.c.expiry <= bindparam("now", type_=_WATCHES.c.expiry.type)
        statement = insert.on_conflict_do_update(
            index_elements=unique, set_={"expiry": case((expired, None),
                                                        else_=_WATCHES.c.expiry)})
    _WATCH_BOTH[key] = statement
    return statement


def watch(db: DbSession, settings: Settings, user_id: int, title: Title,
          expiry: Expiry | None = None) -> None:
    """Watch ``title`` and its talk page, in one statement; ``expiry`` None keeps an
    existing expiry unless it has passed (the watch then becomes permanent)."""
    (namespace, key), (other, _) = _both(title)
    new_expiry = None if expiry is None or expiry == INFINITY else expiry
    kept = settings.watchlist_expiry
    params: dict[str, Any] = {"user_id": user_id, "namespace_0": namespace,
                              "namespace_1": other, "title": key,
                              "expiry": new_expiry if kept else None}
    if kept and expiry is None:
        params["now"] = utc_now()
    statement = _watch_both(db.get_bind().dialect.name, kept, expiry is not None)
    execute(db, statement, params)
    # Watches read earlier are read again when next used: all of them, since telling which
    # ones changed would read the keys of expired objects (a SELECT, or an error if gone).
    for loaded in list(db.identity_map.values()):
        if isinstance(loaded, Watch):
            db.expire(loaded)


def unwatch(db: DbSession, user_id: int, title: Title) -> None:
    for namespace, key in _both(title):
        db.execute(delete(Watch).where(Watch.user_id == user_id,
                                       Watch.namespace == namespace, Watch.title == key))
    db.flush()


_NOTE_CHANGE = update(Watch).where(
    Watch.namespace == bindparam("w_namespace"), Watch.title == bindparam("w_title"),
    Watch.user_id != bindparam("editor_id"), Watch.notification_timestamp.is_(None),
).values(notification_timestamp=bindparam("stamp"))


def note_change(db: DbSession, title: Title, editor_id: int, stamp: datetime) -> None:
    """Someone changed ``title``: its other watchers now have something unseen.

    Only rows are changed: watches of other users loaded in this session keep the values
    they were read with (the publish that calls this loads none; this saves evaluating the
    criteria against every object of the session).
    """
    execute(db, _NOTE_CHANGE, {"w_namespace": title.namespace, "w_title": title.db_key,
                               "editor_id": editor_id, "stamp": stamp})


def wants_watch(db: DbSession, settings: Settings, user: Principal, title: Title,
                watchlist: str, file_exists: bool) -> bool:
    """Whether an upload watches its file page (``watchlist`` = watch|nochange|preferences).

    ``preferences`` keeps a watch, leaves bots as they are, and otherwise follows the
    options ``watchdefault`` or, for a file that does not exist yet, ``watchuploads`` or
    ``watchcreations``.
    """
    if watchlist == "watch":
        return True
    watching = _is_watching(db, settings, user.id, page_key(title))
    if watchlist != "preferences" or watching or user.can("bot"):
        return watching
    if user_option(settings, "watchdefault"):
        return True
    return not file_exists and bool(user_option(settings, "watchuploads")
                                    or user_option(settings, "watchcreations"))


# -- reading watchlists ----------------------------------------------------------------------

def watched_items(db: DbSession, settings: Settings, user_id: int,
                  keys: Iterable[PageKey]) -> dict[PageKey, Watch]:
    """The user's live watches among ``keys``."""
    wanted = set(keys)
    if not wanted or user_id == 0:
        return {}
    rows = db.scalars(select(Watch).where(
        Watch.user_id == user_id, _active(settings), _among(wanted)))
    return {(row.namespace, row.title): row for row in rows if (row.namespace, row.title)
            in wanted}


_WATCHING = select(Watch.id).where(Watch.user_id == bindparam("user_id"),
                                   Watch.namespace == bindparam("namespace"),
                                   Watch.title == bindparam("title")).limit(1)
_WATCHING_LIVE = _WATCHING.where(or_(Watch.expiry.is_(None), Watch.expiry > bindparam("now")))


def _is_watching(db: DbSession, settings: Settings, user_id: int, key: PageKey) -> bool:
    """Whether the user has a live watch on one page (watched_items for one key, with a
    statement built once: every upload asks)."""
    if user_id == 0:
        return False
    params: dict[str, Any] = {"user_id": user_id, "namespace": key[0], "title": key[1]}
    query = _WATCHING
    if settings.watchlist_expiry:
        query, params["now"] = _WATCHING_LIVE, utc_now()
    return execute(db, query, params).first() is not None


def _among(keys: set[PageKey]) -> ColumnElement[bool]:
    namespaces = {namespace for namespace, _ in keys}
    titles = {title for _, title in keys}
    return and_(Watch.namespace.in_(namespaces), Watch.title.in_(titles))


def watcher_counts(db: DbSession, settings: Settings,
                   keys: Iterable[PageKey]) -> dict[PageKey, int]:
    """How many users watch each page."""
    wanted = set(keys)
    if not wanted:
        return {}
    rows = db.execute(select(Watch.namespace, Watch.title, func.count())
                      .where(_active(settings), _among(wanted))
                      .group_by(Watch.namespace, Watch.title))
    counts = {(ns, title): int(count) for ns, title, count in rows}
    return {key: counts.get(key, 0) for key in wanted}


def visiting_watcher_counts(db: DbSession, settings: Settings,
                            last_edits: dict[PageKey, datetime | None]) -> dict[PageKey, int]:
    """Watchers who have seen the page's recent changes (all watchers of a missing page)."""
    counts: dict[PageKey, int] = {}
    for key, last_edit in last_edits.items():
        recent: ColumnElement[bool] = true()
        if last_edit is not None:
            recent = or_(Watch.notification_timestamp.is_(None),
                         Watch.notification_timestamp >= last_edit - WATCHERS_MAX_AGE)
        query = select(func.count()).select_from(Watch).where(
            Watch.namespace == key[0], Watch.title == key[1], _active(settings), recent)
        counts[key] = int(db.scalar(query) or 0)
    return counts


@dataclass(frozen=True)
class RawQuery:
    """What list=watchlistraw asks for; keys compare as (namespace, DB key)."""

    namespaces: tuple[int, ...] = ()
    changed: bool | None = None
    start: PageKey | None = None     # continuation: first key to give
    lowest: PageKey | None = None    # wrfromtitle
    highest: PageKey | None = None   # wrtotitle
    descending: bool = False
    limit: int = 10


def watched_pages(db: DbSession, settings: Settings, user_id: int,
                  query: RawQuery) -> list[Watch]:
    """Up to ``query.limit`` watches of the user, ordered by namespace and DB key."""
    title = _byte_order(db)
    conditions = [Watch.user_id == user_id, _active(settings)]
    if query.namespaces:
        conditions.append(Watch.namespace.in_(query.namespaces))
    if query.changed is not None:
        conditions.append(Watch.notification_timestamp.is_not(None) if query.changed
                          else Watch.notification_timestamp.is_(None))
    for key, at_least in ((query.lowest, True), (query.highest, False),
                          (query.start, not query.descending)):
        if key is not None:
            conditions.append(_beyond(title, key, at_least))
    order = (Watch.namespace.desc(), title.desc()) if query.descending else (
        Watch.namespace.asc(), title.asc())
    return list(db.scalars(select(Watch).where(*conditions).order_by(*order)
                           .limit(query.limit)))


def _byte_order(db: DbSession) -> Any:
    """DB keys compared byte-wise, as MediaWiki's binary columns are."""
    if db.get_bind().dialect.name == "postgresql":
        return Watch.title.collate("C")
    return Watch.title


def _beyond(title: Any, key: PageKey, at_least: bool) -> ColumnElement[bool]:
    namespace, text = key
    if at_least:
        return or_(Watch.namespace > namespace,
                   and_(Watch.namespace == namespace, title >= text))
    return or_(Watch.namespace < namespace, and_(Watch.namespace == namespace, title <= text))


# -- the watchlist token (user option "watchlisttoken") --------------------------------------

def _token_blob(user_id: int) -> str:
    return f"watchlisttoken:{user_id}"


def watchlist_token(db: DbSession, user_id: int) -> str:
    """The user's watchlist token for wrowner/wrtoken; empty (never matching) by default."""
    row = db.get(Blob, _token_blob(user_id))
    return row.value.decode() if row is not None else ""


def set_watchlist_token(db: DbSession, user_id: int, token: str) -> None:
    row = db.get(Blob, _token_blob(user_id))
    if row is None:
        db.add(Blob(name=_token_blob(user_id), value=token.encode()))
    else:
        row.value = token.encode()
    db.flush()
