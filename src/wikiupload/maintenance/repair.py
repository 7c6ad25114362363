"""``wikiupload check --repair``: put back what rows need, then remove what nothing needs.

1. A missing or damaged object is restored from any stored object with the recorded SHA-1
   (an interrupted re-upload leaves the old bytes as an archive copy; an interrupted
   deletion leaves them in the deleted zone; an interrupted publish from the stash leaves
   them at the public path). Missing objects first, so that bytes about to be overwritten
   are copied to where they are needed before. A stash entry whose bytes are gone for good
   is removed (its key then fails cleanly with ``uploadstash-file-not-found``).
2. Orphans older than ``min_age`` are removed, each after checking again, under the file
   name's lock, that no row points to it.
3. Stale temp objects and spool files older than ``min_age`` are removed.

A referenced object is never removed or overwritten with other content than its row
records. Current versions, old versions and deleted versions whose bytes exist nowhere
remain reported.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from sqlalchemy import delete, text
from sqlalchemy.orm import Session as DbSession

from wikiupload.db.stash_models import StashedFile
from wikiupload.filerepo.backends import NotFound, StorageBackend, StorageError
from wikiupload.filerepo.intents import JOURNAL_ZONE
from wikiupload.filerepo.repo import THUMB_ZONE
from wikiupload.maintenance.check import (
    Problem,
    Scan,
    content_sha1,
    locked,
    old_enough,
    verify_object,
)
from wikiupload.maintenance.expected import ExpectedObject, name_of, referenced, still_expected
from wikiupload.maintenance.temp_files import StaleFile, remove_stale
from wikiupload.wiki import Wiki

__all__ = ["repair"]

log = logging.getLogger(__name__)


def repair(wiki: Wiki, scan: Scan, min_age: float) -> None:
    broken = sorted(scan.broken, key=lambda pair: pair[1].kind != "missing")
    if broken:
        _index_orphans(wiki, scan)
    for item, problem in broken:
        _restore(wiki, scan, item, problem)
    for problem in scan.report.problems:
        if problem.kind == "orphan":
            _remove_orphan(wiki, problem, min_age)
        elif problem.kind in ("stale-temp", "stale-spool"):
            _remove_stale(problem, min_age)


def _index_orphans(wiki: Wiki, scan: Scan) -> None:
    """Unreferenced objects can hold the bytes a row misses: learn their SHA-1s (young
    orphans too: the bytes of an interrupted publish are recent)."""
    backend = wiki.filerepo.backend
    known = set(scan.contents.values())
    for path in backend.iter(""):
        if path in known or path.startswith((f"{THUMB_ZONE}/", f"{JOURNAL_ZONE}/")):
            continue
        try:
            scan.contents.setdefault(content_sha1(backend, path), path)
        except NotFound:
            continue


def _restore(wiki: Wiki, scan: Scan, item: ExpectedObject, problem: Problem) -> None:
    backend = wiki.filerepo.backend
    with locked(wiki, item.lock_name) as db:
        if not still_expected(db, wiki.filerepo, item):
            problem.repaired, problem.action = True, "the row changed meanwhile"
            return
        if not verify_object(backend, item)[0]:
            problem.repaired, problem.action = True, "fixed meanwhile"
            return
        source = _source_of(backend, scan, item)
        if source is not None:
            backend.copy(source, item.path, overwrite=True)
            problem.repaired, problem.action = True, f"copied from {source}"
            scan.contents[item.sha1] = item.path
        elif item.table == "uploadstash":
            db.execute(delete(StashedFile).where(StashedFile.key == item.name))
            db.commit()
            problem.repaired, problem.action = True, "stash entry removed (bytes lost)"
    if not problem.repaired:
        problem.action = "no stored copy of the recorded content"


def _source_of(backend: StorageBackend, scan: Scan, item: ExpectedObject) -> str | None:
    """A stored object that really holds the recorded content (read again to be sure)."""
    source = scan.contents.get(item.sha1) if item.sha1 else None
    if source is None or source == item.path:
        return None
    try:
        return source if content_sha1(backend, source) == item.sha1 else None
    except NotFound:
        return None


def _remove_orphan(wiki: Wiki, problem: Problem, min_age: float) -> None:
    """Remove an orphan if, under its name's lock, no row points to it and it is old."""
    repo = wiki.filerepo
    with locked(wiki, name_of(repo, problem.path)) as db:
        if problem.path.startswith("deleted/"):
            _hold_deletions(db)
        found = referenced(db, repo, problem.path)
        if found is not False:
            problem.action = ("kept: not a path rows can name" if found is None else
                              "kept: a row points to it now")
            return
        try:
            if not old_enough(repo.backend.stat(problem.path).mtime, time.time(), min_age):
                problem.action = "kept: modified meanwhile"
                return
            repo.backend.delete(problem.path, missing_ok=True)
        except NotFound:
            pass
        except StorageError as exc:
            log.warning("could not remove %s: %s", problem.path, exc)
            problem.action = f"kept: {exc}"
            return
    problem.repaired, problem.action = True, "removed"


def _hold_deletions(db: DbSession) -> None:
    """Deleted content is shared by name, so no file lock covers it: on PostgreSQL, wait
    for deletions in progress to commit (and hold new ones) until this removal is done.
    (SQLite: the transaction already holds the write lock.)"""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("LOCK TABLE filearchive IN SHARE MODE"))


def _remove_stale(problem: Problem, min_age: float) -> None:
    stale = StaleFile(problem.kind, Path(problem.path), 0.0)
    if remove_stale(stale, min_age, time.time()):
        problem.repaired, problem.action = True, "removed"
    else:
        problem.repaired, problem.action = True, "gone or in use again"
