"""Enqueue and claim jobs. Jobs are rows, written in the same transaction as the data they
need, so a rolled-back request leaves no job behind; any process may claim any job."""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session as DbSession

from wikiupload.db.stash_models import Job

MAX_ATTEMPTS = 3
STALE_AFTER = 600      # a running job not finished after this many seconds is retried


def enqueue(db: DbSession, kind: str, params: dict[str, Any]) -> Job:
    now = int(time.time())
    job = Job(type=kind, params=json.dumps(params), state="queued", attempts=0, run_after=now,
              claimed_by="", claimed_at=0, created=now, error="")
    db.add(job)
    db.flush()
    return job


def claim(db: DbSession, worker: str) -> Job | None:
    """Take the oldest runnable job (queued, or running but abandoned) for this worker."""
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
    db.commit()
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return db.get(Job, job_id)


def finish(db: DbSession, job: Job) -> None:
    job.state = "done"
    db.commit()


def fail(db: DbSession, job: Job, error: str, *, retry: bool) -> None:
    job.error = error[:2000]
    if retry and job.attempts < MAX_ATTEMPTS:
        job.state = "queued"
        job.run_after = int(time.time()) + 2 ** job.attempts
    else:
        job.state = "failed"
    db.commit()
