"""``wikiupload stash cleanup``: what MediaWiki's cleanupUploadStash.php does, and more.

* Stash entries (finished files and abandoned chunk sessions) last touched longer ago than
  ``upload_stash_max_age``: the row, the stored bytes and the entry's thumbnails.
* Objects under ``temp/`` and ``thumb/temp/`` that no stash entry refers to and that are
  older than that age (left by a crash, or thumbnails of published entries).
* Upload status records (checkstatus) past their expiry.
* Jobs that are done or failed, last run more than a day ago.
* Rate-limit counters and upload leases past their expiry.
* On an S3 store, multipart uploads of chunk sessions begun before that age and never
  completed (their parts are invisible objects that would otherwise be kept forever).

Each stash row is deleted only if it is still expired when the DELETE runs, so a chunk that
arrives meanwhile keeps its session; its bytes are removed after the row is gone. A crash
in between leaves unreferenced objects, which the next run removes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import CursorResult, Delete, delete, select
from sqlalchemy.orm import Session as DbSession

from wikiupload.auth.counters import purge_expired
from wikiupload.db.stash_models import Job, StashedFile, UploadStatus
from wikiupload.filerepo.backends import NotFound
from wikiupload.filerepo.backends.base import KeepsUnfinishedUploads
from wikiupload.filerepo.repo import TEMP_ZONE, THUMB_ZONE, FileRepo
from wikiupload.upload.stash import expiry_cutoff, thumb_dir
from wikiupload.wiki import Wiki

__all__ = ["JOB_RETENTION", "CleanupReport", "cleanup"]

JOB_RETENTION = 86400   # finished and failed jobs are kept for a day
BATCH = 500


@dataclass
class CleanupReport:
    """How many things one run removed."""

    stashed_files: int = 0
    chunk_sessions: int = 0
    orphaned_objects: int = 0
    upload_statuses: int = 0
    jobs: int = 0
    multipart_uploads: int = 0
    limit_records: int = 0


@dataclass(frozen=True)
class _Expired:
    key: str
    path: str
    status: str


def cleanup(wiki: Wiki, *, now: float | None = None) -> CleanupReport:
    """Remove everything that has expired at ``now`` (seconds since the epoch)."""
    moment = time.time() if now is None else now
    max_age = wiki.settings.upload_stash_max_age
    cutoff = expiry_cutoff(max_age, datetime.fromtimestamp(moment, UTC))
    report = CleanupReport()
    _remove_expired_entries(wiki, cutoff, report)
    report.orphaned_objects = _remove_orphans(wiki, cutoff.timestamp())
    if isinstance(wiki.filerepo.backend, KeepsUnfinishedUploads):
        report.multipart_uploads = wiki.filerepo.backend.abort_stale_uploads(
            f"{TEMP_ZONE}/", cutoff.timestamp())
    with wiki.db() as db:
        report.upload_statuses = _deleted(db, delete(UploadStatus).where(
            UploadStatus.expires < int(moment)))
        old = int(moment) - JOB_RETENTION
        report.jobs = _deleted(db, delete(Job).where(
            Job.state.in_(("done", "failed")), Job.created < old, Job.claimed_at < old))
        report.limit_records = purge_expired(db, int(moment))
        db.commit()
    return report


def _remove_expired_entries(wiki: Wiki, cutoff: datetime, report: CleanupReport) -> None:
    after = ""
    while batch := _expired_batch(wiki, cutoff, after):
        with wiki.db() as db:
            gone = [entry for entry in batch if _deleted(db, delete(StashedFile).where(
                StashedFile.key == entry.key, StashedFile.timestamp < cutoff))]
            db.commit()
        for entry in gone:
            _remove_objects(wiki.filerepo, entry.path)
            if entry.status == "chunks":
                report.chunk_sessions += 1
            else:
                report.stashed_files += 1
        after = batch[-1].key


def _expired_batch(wiki: Wiki, cutoff: datetime, after: str) -> list[_Expired]:
    query = (select(StashedFile.key, StashedFile.path, StashedFile.status)
             .where(StashedFile.timestamp < cutoff, StashedFile.key > after)
             .order_by(StashedFile.key).limit(BATCH))
    with wiki.db() as db:
        return [_Expired(key, path, status) for key, path, status in db.execute(query)]


def _remove_objects(repo: FileRepo, path: str) -> None:
    """A stashed object and its thumbnails."""
    repo.backend.delete(path, missing_ok=True)
    for thumb in list(repo.backend.iter(f"{thumb_dir(path)}/")):
        repo.backend.delete(thumb, missing_ok=True)


def _remove_orphans(wiki: Wiki, cutoff: float) -> int:
    """Objects of the temp zone (and their thumbnails) no stash row refers to, older than
    ``cutoff``; a new object may not have its row yet, so recent ones are kept."""
    with wiki.db() as db:
        live = set(db.scalars(select(StashedFile.path)))
    repo, removed = wiki.filerepo, 0
    for prefix in (f"{TEMP_ZONE}/", f"{THUMB_ZONE}/{TEMP_ZONE}/"):
        for path in list(repo.backend.iter(prefix)):
            if _stash_object_of(path) not in live and _older(repo, path, cutoff):
                repo.backend.delete(path, missing_ok=True)
                removed += 1
    return removed


def _stash_object_of(path: str) -> str:
    """``temp/…/NAME`` for itself and for its thumbnails ``thumb/temp/…/NAME/THUMB``."""
    if path.startswith(f"{THUMB_ZONE}/"):
        return path.removeprefix(f"{THUMB_ZONE}/").rpartition("/")[0]
    return path


def _older(repo: FileRepo, path: str, cutoff: float) -> bool:
    try:
        return repo.backend.stat(path).mtime < cutoff
    except NotFound:    # removed meanwhile
        return False


def _deleted(db: DbSession, statement: Delete) -> int:
    """Run a DELETE; how many rows it removed."""
    result = db.execute(statement)
    assert isinstance(result, CursorResult)
    return int(result.rowcount)
