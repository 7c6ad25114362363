"""Workers on several nodes share one job queue in PostgreSQL: a job row locked by one
worker's claim is skipped by the others (FOR UPDATE SKIP LOCKED), never waited for, and
a job is taken once."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import text

from wikiupload.jobs import queue
from wikiupload.wiki import Wiki


@pytest.fixture
def pg_wiki(wiki_factory: Any) -> Wiki:
    wiki: Wiki = wiki_factory()
    if wiki.engine.dialect.name != "postgresql":
        pytest.skip("row locks between workers: PostgreSQL only")
    return wiki


def test_a_locked_job_is_skipped_not_waited_for(pg_wiki: Wiki) -> None:
    with pg_wiki.db() as db:
        first = queue.enqueue(db, "test-noop", {}).id
        second = queue.enqueue(db, "test-noop", {}).id
        db.commit()
    with pg_wiki.engine.connect() as holder, holder.begin():
        holder.execute(text("SELECT id FROM job WHERE id = :id FOR UPDATE"), {"id": first})
        with pg_wiki.db() as db:
            db.execute(text("SET lock_timeout = '2s'"))   # blocking would fail, not hang
            claimed = queue.claim(db, "other-node")
    assert claimed is not None and claimed.id == second


def test_concurrent_workers_take_each_job_once(pg_wiki: Wiki) -> None:
    with pg_wiki.db() as db:
        jobs = {queue.enqueue(db, "test-noop", {"n": n}).id for n in range(20)}
        db.commit()
    taken: list[int] = []
    lock = threading.Lock()

    def work(name: str) -> None:
        with pg_wiki.db() as db:
            while (claimed := queue.claim(db, name)) is not None:
                with lock:
                    taken.append(claimed.id)

    workers = [threading.Thread(target=work, args=(f"node-{n}",)) for n in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert sorted(taken) == sorted(jobs)
