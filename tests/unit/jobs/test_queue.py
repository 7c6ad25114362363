"""The job queue survives a crashed worker: abandoned jobs are taken again, and a job that
keeps crashing ends as a reported failure instead of hanging."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import update

from wikiupload.db.stash_models import Job
from wikiupload.jobs import queue
from wikiupload.jobs.worker import HANDLERS, Worker
from wikiupload.upload.status import get_status
from wikiupload.wiki import Wiki


def test_a_job_abandoned_by_a_dead_worker_is_taken_again(wiki_factory: Any) -> None:
    wiki: Wiki = wiki_factory()
    with wiki.db() as db:
        job = queue.enqueue(db, "test-noop", {"x": 1})
        db.commit()
        first = queue.claim(db, "worker-that-dies")
        assert first is not None and first.id == job.id
        assert queue.claim(db, "other") is None          # running, not stale yet
        db.execute(update(Job).where(Job.id == job.id)
                   .values(claimed_at=int(time.time()) - queue.STALE_AFTER - 1))
        db.commit()
        again = queue.claim(db, "survivor")
        assert again is not None and again.id == job.id and again.attempts == 2


def test_a_job_that_keeps_crashing_reports_failure(wiki_factory: Any) -> None:
    wiki: Wiki = wiki_factory()
    calls: list[int] = []

    def crash(_wiki: Wiki, params: dict[str, Any]) -> None:
        calls.append(1)
        raise RuntimeError("disk on fire")

    HANDLERS["test-crash"] = crash
    try:
        with wiki.db() as db:
            queue.enqueue(db, "test-crash", {"key": "k.1.png", "user_id": 7})
            db.commit()
        worker = Worker(wiki)
        for _ in range(queue.MAX_ATTEMPTS):
            with wiki.db() as db:      # make the retry due now
                db.execute(update(Job).values(run_after=0))
                db.commit()
            assert worker.run_once()
        assert not worker.run_once()
        assert len(calls) == queue.MAX_ATTEMPTS
        with wiki.db() as db:
            status = get_status(db, 7, "k.1.png")
            row = db.query(Job).one()
        assert row.state == "failed" and "disk on fire" in row.error
        assert status is not None and status["result"] == "Failure"
    finally:
        del HANDLERS["test-crash"]


def test_a_committed_job_wakes_the_waiting_worker(wiki_factory: Any) -> None:
    wiki: Wiki = wiki_factory()
    ran: list[dict[str, Any]] = []
    HANDLERS["test-wake"] = lambda _wiki, params: ran.append(params)
    worker = Worker(wiki, poll_interval=600)
    thread = worker.start_thread()
    try:
        time.sleep(0.3)                      # the worker found nothing and waits
        with wiki.db() as db:
            queue.enqueue(db, "test-rolled-back", {})
            db.rollback()                    # no job: nothing to wake for
            queue.enqueue(db, "test-wake", {"n": 1})
            db.commit()
        deadline = time.monotonic() + 10
        while not ran and time.monotonic() < deadline:
            time.sleep(0.02)
        assert ran == [{"n": 1}]
    finally:
        worker.stop()
        thread.join(10)
        del HANDLERS["test-wake"]
    assert not thread.is_alive()             # stop() wakes it too


def test_a_job_committed_before_the_worker_sleeps_is_not_missed() -> None:
    """Between finding no job and going to sleep, a job may be committed: the worker must
    not then sleep through the poll interval."""
    import threading

    seen = queue.wakings()            # the worker looks for a job, finds none ...
    queue.wake_workers()              # ... a job is committed meanwhile ...
    waiter = threading.Thread(target=queue.wait_for_jobs, args=(600, seen), daemon=True)
    waiter.start()                    # ... and it goes to sleep
    waiter.join(10)
    assert not waiter.is_alive()
