"""Enqueue and claim jobs. Jobs are rows, written in the same transaction as the data they
need, so a rolled-back request leaves no job behind; any process may claim any job."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session as DbSession
from sqlalchemy.orm import SessionTransaction

from wikiupload.db.stash_models import Job
from wikiupload.processes import is_gone

MAX_ATTEMPTS = 3
STALE_AFTER = 600      # a running job not finished after this many seconds is retried


def enqueue(db: DbSession, kind: str, params: dict[str, Any]) -> Job:
    now = int(time.time())
    job = Job(type=kind, params=json.dumps(params), state="queued", attempts=0, run_after=now,
              claimed_by="", claimed_at=0, created=now, error="")
    db.add(job)
    db.flush()
    db.info[_ENQUEUED] = True
    return job


_ENQUEUED = "wikiupload.jobs_enqueued"     # Session.info key: this transaction added jobs
_arrivals = threading.Condition()
_wakings = 0                                # how many times the workers were woken


def wakings() -> int:
    """A count to take before looking for a job, for ``wait_for_jobs``."""
    with _arrivals:
        return _wakings


def wait_for_jobs(timeout: float, since: int) -> None:
    """Sleep until this process commits a job (or ``wake_workers`` is called) after
    ``wakings()`` returned ``since`` — at once if that happened meanwhile — at most
    ``timeout`` seconds: jobs of other processes are found by polling."""
    with _arrivals:
        _arrivals.wait_for(lambda: _wakings != since, timeout)


def wake_workers() -> None:
    global _wakings
    with _arrivals:
        _wakings += 1
        _arrivals.notify_all()


@event.listens_for(DbSession, "after_commit")
def _committed(db: DbSession) -> None:
    if db.info.pop(_ENQUEUED, False):
        wake_workers()


@event.listens_for(DbSession, "after_transaction_end")
def _ended(db: DbSession, transaction: SessionTransaction) -> None:
    if transaction.parent is None:      # rolled back (a commit has taken the flag already)
        db.info.pop(_ENQUEUED, None)


@dataclass(frozen=True)
class Claimed:
    """A job taken by a worker: what the handler needs, detached from any transaction."""

    id: int
    type: str
    params: dict[str, Any]
    attempts: int


def claim(db: DbSession, worker: str) -> Claimed | None:
    """Take the oldest runnable job (queued, or running but abandoned) for this worker.

    The claim is committed before returning, so no transaction stays open while the job
    runs (a handler opens its own).
    """
    now = int(time.time())
    runnable = ((Job.state == "queued") & (Job.run_after <= now)) | (
        (Job.state == "running") & (Job.claimed_at < now - STALE_AFTER))
    query = select(Job.id).where(runnable).order_by(Job.id).limit(1)
    if db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    job_id = db.scalars(query).first()
    if job_id is None:
        db.rollback()
        return None
    taken = db.execute(update(Job).where(Job.id == job_id, runnable).values(
        state="running", claimed_by=worker, claimed_at=now, attempts=Job.attempts + 1))
    job = db.get(Job, job_id) if taken.rowcount == 1 else None  # type: ignore[attr-defined]
    claimed = None if job is None else Claimed(job.id, job.type, json.loads(job.params),
                                               job.attempts)
    db.commit()
    return claimed


def release_abandoned(db: DbSession, host: str) -> int:
    """Put back in the queue the running jobs of workers on ``host`` whose process is gone
    (killed, crashed); returns how many. Worker names start with the process's name
    (``wikiupload.processes``); jobs of other hosts wait for STALE_AFTER, since whether their
    process lives cannot be seen from here.
    """
    running = db.execute(select(Job.id, Job.claimed_by).where(
        Job.state == "running", Job.claimed_by.startswith(f"{host}:", autoescape=True)))
    dead = [job_id for job_id, worker in running if is_gone(worker)]
    if dead:
        db.execute(update(Job).where(Job.id.in_(dead), Job.state == "running")
                   .values(state="queued", run_after=0, claimed_by="", claimed_at=0))
    db.commit()
    return len(dead)


def finish(db: DbSession, job_id: int) -> None:
    db.execute(update(Job).where(Job.id == job_id).values(state="done"))
    db.commit()


def fail(db: DbSession, job: Claimed, error: str, *, retry: bool) -> bool:
    """Record a failure; True when the job will be tried again."""
    again = retry and job.attempts < MAX_ATTEMPTS
    values: dict[str, Any] = {"error": error[:2000], "state": "queued" if again else "failed"}
    if again:
        values["run_after"] = int(time.time()) + 2 ** job.attempts
    db.execute(update(Job).where(Job.id == job.id).values(**values))
    db.commit()
    return again
