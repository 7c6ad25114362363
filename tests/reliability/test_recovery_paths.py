"""The states a kill leaves, made on purpose, and what the server does with them: jobs of
a dead worker run again at once, a job that had finished is not run into a failure, a chunk
appended but never recorded is cut off, a chunk session without its file fails cleanly."""

from __future__ import annotations

import hashlib
import json
import socket
import subprocess
import sys
import time
from typing import Any

from sqlalchemy import select

from tests.clients.media import make_png
from tests.support import ApiClient
from wikiupload.db.stash_models import Job, StashedFile
from wikiupload.filerepo.backends import LocalBackend
from wikiupload.jobs import queue
from wikiupload.jobs.worker import Worker
from wikiupload.processes import this_process
from wikiupload.upload.status import get_status, set_status
from wikiupload.wiki import Wiki


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(done.stdout)


def _running_job(wiki: Wiki, claimed_by: str) -> int:
    with wiki.db() as db:
        job = queue.enqueue(db, "publish", {"key": "x", "user_id": 1})
        job.state, job.claimed_by, job.claimed_at = "running", claimed_by, int(time.time())
        db.commit()
        return job.id


def test_jobs_of_a_killed_worker_are_queued_again(wiki: Wiki) -> None:
    host = socket.gethostname()
    dead = _running_job(wiki, f"{host}:{_dead_pid()}:1")
    alive = _running_job(wiki, f"{this_process()}:1")
    elsewhere = _running_job(wiki, f"other-{host}:{_dead_pid()}:1")
    with wiki.db() as db:
        assert queue.release_abandoned(db, host) == 1
        states = {job_id: state for job_id, state in db.execute(select(Job.id, Job.state))}
    assert states == {dead: "queued", alive: "running", elsewhere: "running"}
    with wiki.db() as db:
        claimed = queue.claim(db, "test")
    assert claimed is not None and claimed.id == dead


def test_a_finished_job_run_again_keeps_its_success(wiki: Wiki) -> None:
    """Killed after the publish committed, before the job was marked done: the run after
    the restart finds the Success status and leaves it (the stash entry is gone)."""
    with wiki.db() as db:
        set_status(db, 7, "gone.key.7.png", {"result": "Success", "stage": "publish",
                                             "filename": "Done.png"})
        queue.enqueue(db, "publish", {"key": "gone.key.7.png", "user_id": 7})
        db.commit()
    assert Worker(wiki).run_once()
    with wiki.db() as db:
        assert get_status(db, 7, "gone.key.7.png") == {
            "result": "Success", "stage": "publish", "filename": "Done.png"}
        assert db.scalars(select(Job.state)).all() == ["done"]


def _session_file(wiki: Wiki, key: str) -> Any:
    backend = wiki.filerepo.backend
    assert isinstance(backend, LocalBackend)
    with wiki.db() as db:
        row = db.get(StashedFile, key)
        assert row is not None
        return backend.local_path(row.path)


def test_an_unrecorded_chunk_is_cut_off(wiki: Wiki, uploader: ApiClient) -> None:
    data = make_png("surplus", size=(90, 60), noise=True)
    size = 8192
    key = uploader.chunk("Surplus.png", data[:size], 0, len(data))["upload"]["filekey"]
    with open(_session_file(wiki, key), "ab") as stored:   # appended, never committed
        stored.write(data[size:size + 5000])
    offset, reply = size, {}
    while offset < len(data):
        reply = uploader.chunk("Surplus.png", data[offset:offset + size], offset, len(data),
                               key)["upload"]
        offset = reply.get("offset", len(data))
    info = uploader.get(action="query", prop="stashimageinfo", siifilekey=reply["filekey"],
                        siiprop="sha1|size", formatversion="2")["query"]["stashimageinfo"][0]
    assert (info["sha1"], info["size"]) == (hashlib.sha1(data).hexdigest(), len(data))


def test_a_session_without_its_file_fails_cleanly(wiki: Wiki, uploader: ApiClient) -> None:
    data = make_png("lost-session", size=(90, 60), noise=True)
    key = uploader.chunk("Lost.png", data[:8192], 0, len(data))["upload"]["filekey"]
    _session_file(wiki, key).unlink()
    reply = uploader.chunk("Lost.png", data[8192:16384], 8192, len(data), key)
    assert reply["error"]["code"] == "stashfailed"
    assert json.dumps(reply).count("No chunked upload session") == 1
