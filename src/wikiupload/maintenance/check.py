"""``wikiupload check``: every stored file against the database, like fsck for the repository.

Each object a row points to (see ``expected``) must exist with the recorded size and SHA-1;
objects no row points to are orphans; leftovers of interrupted writes are stale temp files.
Everything goes through the StorageBackend interface (iter, stat, open), so any backend can
be checked. Thumbnails are derived data and not checked.

A running server changes rows and objects while the check reads them, so a difference is
confirmed before it is reported: under the file name's lock (the lock publishing, deleting
and restoring hold while they move bytes), the row is read again and the object verified
again. Orphans younger than ``min_age`` may belong to a write in flight and are only counted.
Publish intents (the ``journal`` zone) are not orphans: an old one is reported, and
``--repair`` settles every one before anything else is checked.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy.orm import Session as DbSession

from wikiupload.filerepo.backends import NotFound, ObjectStat, StorageBackend
from wikiupload.filerepo.digests import content_sha1
from wikiupload.filerepo.intents import JOURNAL_ZONE, load_intents
from wikiupload.filerepo.repo import THUMB_ZONE, FileRepo
from wikiupload.maintenance.expected import (
    TABLES,
    ExpectedObject,
    expected_objects,
    still_expected,
)
from wikiupload.maintenance.temp_files import stale_files
from wikiupload.upload.name_lock import lock_name
from wikiupload.upload.recovery import drop_unreadable_intents, settle_intents
from wikiupload.wiki import Wiki

__all__ = ["DEFAULT_MIN_AGE", "CheckReport", "Problem", "Scan", "check_repository",
           "content_sha1", "locked", "old_enough", "verify_object"]

DEFAULT_MIN_AGE = 3600.0


@dataclass
class Problem:
    """One finding. ``kind``: missing, size-mismatch, sha1-mismatch, orphan, stale-temp,
    stale-spool, unsettled-publish (an intent left by a killed process), unreadable-intent
    (one cut short by a power loss). ``table``/``name`` say which row needs the object
    (empty for orphans)."""

    kind: str
    path: str
    table: str = ""
    name: str = ""
    detail: str = ""
    repaired: bool = False
    action: str = ""


@dataclass
class CheckReport:
    checked: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 0))
    objects: int = 0              # stored objects seen (thumbnails aside)
    recent_orphans: int = 0       # unreferenced but younger than min_age: not reported
    problems: list[Problem] = field(default_factory=list)

    @property
    def unrepaired(self) -> list[Problem]:
        return [problem for problem in self.problems if not problem.repaired]

    def counts(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for problem in self.problems:
            found[problem.kind] = found.get(problem.kind, 0) + 1
        return found

    def to_json(self) -> dict[str, Any]:
        return {"checked": dict(self.checked), "objects": self.objects,
                "recent_orphans": self.recent_orphans, "problem_counts": self.counts(),
                "problems": [asdict(problem) for problem in self.problems],
                "unrepaired": len(self.unrepaired)}


def verify_object(backend: StorageBackend, expected: ExpectedObject,
                  stat: ObjectStat | None = None) -> tuple[str, str, str]:
    """("", "", sha1) when the object is as recorded, else (kind, detail, actual sha1)."""
    try:
        stat = stat or backend.stat(expected.path)
        if expected.growing:
            if stat.size < expected.size:
                return "size-mismatch", f"{stat.size} bytes, at least {expected.size} expected", ""
            return "", "", ""
        if stat.size != expected.size:
            return "size-mismatch", f"{stat.size} bytes, {expected.size} recorded", ""
        actual = content_sha1(backend, expected.path)
    except NotFound:
        return "missing", "no such object", ""
    if expected.sha1 and actual != expected.sha1:
        return "sha1-mismatch", f"SHA-1 {actual}, {expected.sha1} recorded", actual
    return "", "", actual


def old_enough(mtime: float, now: float, min_age: float) -> bool:
    """Not modified for ``min_age`` seconds; with 0, anything (a store's clock may run a
    little ahead of ours)."""
    return min_age <= 0 or now - mtime >= min_age


@contextmanager
def locked(wiki: Wiki, name: str | None) -> Iterator[DbSession]:
    """A transaction holding the lock of file ``name`` (on SQLite: the write lock, taken by
    the transaction's first statement); rolled back at the end."""
    with wiki.db() as db:
        if name is not None:
            lock_name(db, name)
        try:
            yield db
        finally:
            db.rollback()


@dataclass
class Scan:
    """What one pass found, kept for repairs: broken objects, orphans, known contents."""

    report: CheckReport
    broken: list[tuple[ExpectedObject, Problem]] = field(default_factory=list)
    orphans: dict[str, ObjectStat] = field(default_factory=dict)
    contents: dict[str, str] = field(default_factory=dict)   # hex SHA-1 -> a path holding it


def check_repository(wiki: Wiki, *, min_age: float = DEFAULT_MIN_AGE, repair: bool = False,
                     now: float | None = None) -> CheckReport:
    """Check (and with ``repair``, fix what is safe); returns the findings."""
    moment = time.time() if now is None else now
    intents = _intents(wiki, moment, min_age, repair)
    scan = _scan(wiki, moment, min_age)
    scan.report.problems[:0] = intents
    if repair:
        from wikiupload.maintenance.repair import repair as run_repair

        run_repair(wiki, scan, min_age)
    return scan.report


def _intents(wiki: Wiki, now: float, min_age: float, repair: bool) -> list[Problem]:
    """Publish intents that outlived their publish (settled first, with ``repair``: the
    objects are then as the rows say before they are checked)."""
    if repair:
        settled = [Problem("unsettled-publish", done.intent.path, "image", done.intent.name,
                           repaired=True, action=f"settled: {done.outcome}")
                   for done in settle_intents(wiki.sessionmaker, wiki.filerepo)]
        return settled + [Problem("unreadable-intent", path, repaired=True, action="removed")
                          for path in drop_unreadable_intents(wiki.filerepo, min_age=min_age,
                                                              now=now)]
    unreadable: list[str] = []
    found = [Problem("unsettled-publish", intent.path, "image", intent.name,
                     detail=f"{int(now - intent.created)} s old")
             for intent in load_intents(wiki.filerepo.backend, unreadable=unreadable)
             if old_enough(intent.created, now, min_age)]
    return found + [Problem("unreadable-intent", path, detail="cut short (a power loss?)")
                    for path in unreadable if _old_object(wiki, path, now, min_age)]


def _old_object(wiki: Wiki, path: str, now: float, min_age: float) -> bool:
    try:
        return old_enough(wiki.filerepo.backend.stat(path).mtime, now, min_age)
    except NotFound:
        return False        # removed meanwhile


def _scan(wiki: Wiki, now: float, min_age: float) -> Scan:
    repo = wiki.filerepo
    stored = _stored_objects(repo)
    with wiki.db() as db:
        expected = list(expected_objects(db, repo))
    scan = Scan(CheckReport(objects=len(stored)))
    for item in expected:
        scan.report.checked[item.table] += 1
        kind, _, actual = verify_object(repo.backend, item, stored.pop(item.path, None))
        if actual:
            scan.contents.setdefault(actual, item.path)
        if kind:
            _confirm(wiki, scan, item)
    for path, stat in stored.items():
        if old_enough(stat.mtime, now, min_age):
            scan.orphans[path] = stat
            scan.report.problems.append(Problem("orphan", path, detail=f"{stat.size} bytes"))
        else:
            scan.report.recent_orphans += 1
    for stale in stale_files(repo.backend, wiki.settings.data_dir / "tmp", now, min_age):
        scan.report.problems.append(Problem(stale.kind, str(stale.path),
                                            detail=f"{int(stale.age)} s old"))
    return scan


def _stored_objects(repo: FileRepo) -> dict[str, ObjectStat]:
    found: dict[str, ObjectStat] = {}
    for path in repo.backend.iter(""):
        if path.startswith((f"{THUMB_ZONE}/", f"{JOURNAL_ZONE}/")):
            continue
        try:
            found[path] = repo.backend.stat(path)
        except NotFound:     # removed meanwhile
            continue
    return found


def _confirm(wiki: Wiki, scan: Scan, item: ExpectedObject) -> None:
    """Report ``item`` only if it is still broken with no change in flight."""
    with locked(wiki, item.lock_name) as db:
        if not still_expected(db, wiki.filerepo, item):
            return
        kind, detail, actual = verify_object(wiki.filerepo.backend, item)
    if actual:
        scan.contents.setdefault(actual, item.path)
    if kind:
        problem = Problem(kind, item.path, item.table, item.name, detail)
        scan.report.problems.append(problem)
        scan.broken.append((item, problem))
