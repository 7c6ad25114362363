"""Settling publish intents: put the objects back when a publish never committed.

An intent that outlives its publish (``filerepo.intents``) is settled under the file name's
lock, so never while its publish still runs:

* the version it made is on record (current, old or deleted): the publish committed, and
  only the intent goes;
* otherwise the rows were rolled back. If the current object holds the new bytes, they go
  back where they came from (a stashed file keeps its bytes, so the upload stays
  publishable), and the current object gets its recorded bytes back from the archive copy
  (or goes, when there was no current version). An archive copy no row names is removed.

Intents are settled by the process itself when the transaction of a publish rolls back,
before any later change of the same file on any node (``lock_file``), at every start of
``serve`` and ``jobs run`` (the intents of a process that was killed), and by
``wikiupload check --repair``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from sqlalchemy import bindparam, event, select
from sqlalchemy.orm import Session as DbSession
from sqlalchemy.orm import SessionTransaction, sessionmaker

from wikiupload.db.file_models import FileArchive, Image, OldImage
from wikiupload.db.rows import execute
from wikiupload.filerepo.backends import NotFound, StorageBackend, StorageError
from wikiupload.filerepo.digests import content_sha1
from wikiupload.filerepo.failures import storage_errors
from wikiupload.filerepo.intents import Intent, load_intents, remove_intent
from wikiupload.filerepo.repo import FileRepo, mw_timestamp, sha1_hex
from wikiupload.timestamps import utc
from wikiupload.upload.name_lock import lock_name

__all__ = ["Settled", "lock_file", "settle", "settle_intents", "settle_when_done"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Settled:
    """What settling one intent did: ``committed``, ``restored`` (objects put back),
    ``unchanged`` (the rollback had nothing to undo), ``unrestorable`` (no stored copy of the
    recorded version: logged, left for ``check``) or ``gone`` (settled meanwhile)."""

    intent: Intent
    outcome: str


def settle(db: DbSession, repo: FileRepo, intent: Intent) -> Settled:
    """Settle ``intent`` holding its file name's lock; the caller ends the transaction."""
    lock_name(db, intent.name)
    if not repo.backend.exists(intent.path):
        return Settled(intent, "gone")      # settled meanwhile, by another process
    current = _current(db, intent.name)
    committed = _on_record(db, intent)
    outcome = "committed" if committed else _put_back(db, repo, intent, current)
    remove_intent(repo.backend, intent)
    return Settled(intent, outcome)


def lock_file(db: DbSession, repo: FileRepo, name: str) -> Image | None:
    """Serialise changes to ``name`` until the transaction ends; returns its current row.

    The name's lock (``lock_name``), then whatever an earlier publish of the name left
    behind is settled (a process killed on any node: its objects must be as the rows say
    before they are copied or moved), then the row itself ``FOR UPDATE``, read afresh.
    """
    lock_name(db, name)
    with storage_errors():      # a store that is down: backend-fail-connect, as for the change
        for intent in load_intents(repo.backend, name):
            settle(db, repo, intent)
    return _current(db, name)


# populate_existing: the row may already be in the session, read before the lock
_CURRENT = (select(Image).where(Image.name == bindparam("name")).with_for_update()
            .execution_options(populate_existing=True))
_CURRENT_NAME = select(Image.name).where(Image.name == bindparam("name")).with_for_update()


def _current(db: DbSession, name: str) -> Image | None:
    # Most publishes are of new names: a row that is not there costs no ORM query.
    if execute(db, _CURRENT_NAME, {"name": name}).first() is None:
        return None
    return db.scalars(_CURRENT, {"name": name}).first()


def drop_unreadable_intents(repo: FileRepo, *, min_age: float = 0.0,
                            now: float | None = None) -> list[str]:
    """Remove the journal's unreadable intents at least ``min_age`` seconds old; returns
    their paths. Only an intent written without fsync can be cut short (by a power loss:
    the others are fsynced before they get their name), and such a publish replaced
    nothing and moved no stashed file: at worst it left an unreferenced object, which
    ``check`` reports as an orphan."""
    moment = time.time() if now is None else now
    unreadable: list[str] = []
    for _intent in load_intents(repo.backend, unreadable=unreadable):
        pass
    removed = []
    for path in unreadable:
        try:
            if min_age > 0 and moment - repo.backend.stat(path).mtime < min_age:
                continue
        except NotFound:
            continue        # removed meanwhile
        repo.backend.delete(path, missing_ok=True)
        log.warning("removed the unreadable publish intent %s", path)
        removed.append(path)
    return removed


def settle_intents(sessions: sessionmaker[DbSession], repo: FileRepo, *,
                   min_age: float = 0.0, now: float | None = None) -> list[Settled]:
    """Settle every stored intent at least ``min_age`` seconds old (failures are logged
    and the intent kept); returns what was done."""
    moment = time.time() if now is None else now
    done: list[Settled] = []
    for intent in load_intents(repo.backend):
        if moment - intent.created < min_age:
            continue
        with sessions() as db:
            try:
                done.append(settle(db, repo, intent))
            except StorageError:
                log.exception("could not settle publish intent %s of %s", intent.id,
                              intent.name)
            finally:
                db.rollback()
    return done


_PENDING = "wikiupload.publish_intents"     # Session.info key: intents of this transaction


def settle_when_done(db: DbSession, repo: FileRepo, intent: Intent) -> None:
    """When the session's transaction ends: after a commit, remove the intent; otherwise
    settle it at once, in a new transaction."""
    db.info.setdefault(_PENDING, []).append((repo, intent))


# Two listeners for every session, registered once (a listener per publish would cost more
# than the rest of what it watches); they look only at the session's own pending intents.
@event.listens_for(DbSession, "after_commit")
def _committed(db: DbSession) -> None:
    for repo, intent in db.info.pop(_PENDING, ()):
        try:
            remove_intent(repo.backend, intent)
        except StorageError:     # left behind: settled later as committed
            log.exception("could not remove publish intent %s", intent.id)


@event.listens_for(DbSession, "after_transaction_end")
def _ended(db: DbSession, transaction: SessionTransaction) -> None:
    if transaction.parent is not None or _PENDING not in db.info:
        return      # a flush's or a savepoint's end, or nothing published
    for repo, intent in db.info.pop(_PENDING):
        try:
            with DbSession(bind=db.get_bind()) as fresh:
                try:
                    settle(fresh, repo, intent)
                finally:
                    fresh.rollback()
        except Exception:    # the intent stays: the next change of the name settles it
            log.exception("could not settle publish intent %s of %s", intent.id,
                          intent.name)


def _on_record(db: DbSession, intent: Intent) -> bool:
    """Whether the version the intent made exists (current, old or deleted)."""
    for model in (Image, OldImage, FileArchive):
        stamps = db.scalars(select(model.timestamp).where(model.name == intent.name,
                                                          model.sha1 == intent.sha1))
        if any(mw_timestamp(utc(stamp)) == intent.timestamp for stamp in stamps):
            return True
    return False


def _put_back(db: DbSession, repo: FileRepo, intent: Intent, current: Image | None) -> str:
    backend = repo.backend
    public = repo.public_path(intent.name)
    archive = repo.archive_path(intent.archive_name) if intent.archive_name else ""
    outcome = "unchanged"
    if _holds(backend, public, intent.sha1, intent.size):
        if intent.moved_from and not backend.exists(intent.moved_from):
            backend.copy(public, intent.moved_from, overwrite=False)
        if current is None:
            backend.delete(public, missing_ok=True)
        elif archive and _holds(backend, archive, current.sha1, current.size):
            backend.copy(archive, public, overwrite=True)
        else:
            log.error("publish intent %s: no stored copy of the recorded version of %s",
                      intent.id, intent.name)
            return "unrestorable"
        outcome = "restored"
    if archive and not _archive_named(db, intent):
        backend.delete(archive, missing_ok=True)
    return outcome


def _archive_named(db: DbSession, intent: Intent) -> bool:
    return db.scalars(select(OldImage.id).where(
        OldImage.name == intent.name, OldImage.archive_name == intent.archive_name)
        .limit(1)).first() is not None


def _holds(backend: StorageBackend, path: str, sha1_base36: str | None, size: int) -> bool:
    """Whether the object at ``path`` has this content (size first, then the SHA-1)."""
    if not sha1_base36:
        return False
    try:
        if backend.stat(path).size != size:
            return False
        return content_sha1(backend, path) == sha1_hex(sha1_base36)
    except NotFound:
        return False
