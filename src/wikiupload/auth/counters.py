"""Counters and leases kept in the database, so every server process sees the same ones.

``hit`` counts in a fixed window that starts with the first hit (MediaWiki's limiter keeps a
cache counter whose expiry is set when it is created). The count is one atomic upsert, so
two processes hitting the same key at once both count. ``acquire_lease`` takes one of a
limited number of slots for a holder; a lease that is never released (the process died)
stops counting when it expires, or as soon as a process on the same host finds its owner
gone (``release_dead_leases``: at every start, and before a holder is refused a slot).

Both work on the request's own session: on SQLite every transaction holds the write lock
from its start, so a second connection would wait on it. Callers commit.
"""

from __future__ import annotations

import time

from sqlalchemy import (
    BigInteger,
    String,
    bindparam,
    case,
    delete,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.orm import Session as DbSession

from wikiupload.db.limit_models import RateLimitCounter, UploadLease
from wikiupload.db.rows import execute, table_of, upsert_of
from wikiupload.processes import is_gone, this_process

__all__ = ["acquire_lease", "hit", "hits", "purge_expired", "release_dead_leases",
           "release_lease"]


def _now(now: int | None) -> int:
    return int(time.time()) if now is None else now


def hit(db: DbSession, key: str, period: int, incr: int = 1, now: int | None = None) -> int:
    """Add ``incr`` hits to ``key``; returns the hits of its current window, this one included.

    A window that has expired starts again with this hit and lasts ``period`` seconds.
    """
    now = _now(now)
    table = RateLimitCounter.__table__
    expired = table.c.expires <= now
    upsert = upsert_of(db.get_bind().dialect.name)
    statement = upsert(table).values(key=key, hits=incr, expires=now + period)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={"hits": case((expired, incr), else_=table.c.hits + incr),
              "expires": case((expired, now + period), else_=table.c.expires)},
    ).returning(table.c.hits)
    return int(db.execute(statement).scalar_one())


def hits(db: DbSession, key: str, now: int | None = None) -> int:
    """The hits of ``key`` in its current window (0 when it has expired)."""
    row = db.get(RateLimitCounter, key, populate_existing=True)
    if row is None or row.expires <= _now(now):
        return 0
    return row.hits


def purge_expired(db: DbSession, now: int | None = None) -> int:
    """Delete expired counters and leases; returns how many rows went."""
    now = _now(now)
    gone = db.execute(delete(RateLimitCounter).where(RateLimitCounter.expires <= now))
    leases = db.execute(delete(UploadLease).where(UploadLease.expires <= now))
    return int(getattr(gone, "rowcount", 0) or 0) + int(getattr(leases, "rowcount", 0) or 0)


def _lock_holder(db: DbSession, holder: str) -> None:
    """Serialise lease changes of one holder (SQLite: the write lock already does)."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SELECT pg_advisory_xact_lock(hashtext(:holder))"),
                   {"holder": "upload_lease:" + holder})


# One statement takes a slot: a new lease, inserted only while fewer than ``limit`` live ones
# exist for the holder (expired ones do not count; cleanup deletes them).
_LEASES = table_of(UploadLease)
_LIVE = (select(func.count(_LEASES.c.id))
         .where(_LEASES.c.holder == bindparam("holder"), _LEASES.c.expires > bindparam("now"))
         .scalar_subquery())
_NEW_LEASE = select(bindparam("holder", type_=String), bindparam("expires", type_=BigInteger),
                    bindparam("owner", type_=String))
_TAKE = (insert(_LEASES)
         .from_select([_LEASES.c.holder, _LEASES.c.expires, _LEASES.c.owner],
                      _NEW_LEASE.where(bindparam("limit") > _LIVE))
         .returning(_LEASES.c.id))


def acquire_lease(db: DbSession, holder: str, limit: int, ttl: int,
                  now: int | None = None) -> int | None:
    """Take a slot for ``holder`` if fewer than ``limit`` live leases exist; its id, or None
    (after freeing the leases of dead processes on this host, if that makes room).

    The caller commits right away, so other processes see the lease.
    """
    now = _now(now)
    _lock_holder(db, holder)
    values = {"holder": holder, "now": now, "expires": now + ttl, "owner": this_process(),
              "limit": limit}
    lease = execute(db, _TAKE, values).scalar()
    if lease is None and release_dead_leases(db, holder):
        lease = execute(db, _TAKE, values).scalar()
    return None if lease is None else int(lease)


_RELEASE = _LEASES.delete().where(_LEASES.c.id == bindparam("id"))


def release_lease(db: DbSession, lease_id: int) -> None:
    execute(db, _RELEASE, {"id": lease_id})


def release_dead_leases(db: DbSession, holder: str | None = None) -> int:
    """Delete the leases (of ``holder``, or all) whose owner process has gone; how many."""
    query = select(UploadLease.owner).distinct()
    if holder is not None:
        query = query.where(UploadLease.holder == holder)
    gone = [owner for owner in db.scalars(query) if owner and is_gone(owner)]
    if not gone:
        return 0
    result = db.execute(delete(UploadLease).where(UploadLease.owner.in_(gone)))
    return int(getattr(result, "rowcount", 0) or 0)
