"""upload/cleanup.py and ``wikiupload stash cleanup``: expired stash entries, unreferenced
temp objects, expired upload status records and old jobs."""

from __future__ import annotations

import hashlib
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from wikiupload.auth.counters import hit, hits
from wikiupload.cli import main
from wikiupload.db.stash_models import Job, StashedFile, UploadStatus
from wikiupload.filerepo.backends.local import LocalBackend
from wikiupload.jobs.queue import enqueue
from wikiupload.upload import cleanup as cleanup_module
from wikiupload.upload.cleanup import JOB_RETENTION, CleanupReport, cleanup
from wikiupload.upload.stash import FileFacts, UploadStash, thumb_dir
from wikiupload.upload.status import set_status
from wikiupload.wiki import Wiki

USER = 2


def _stash(wiki: Wiki, tmp_path: Path, name: str, *, status: str = "finished",
           age: int = 0) -> StashedFile:
    data = f"stashed bytes of {name}".encode()
    source = tmp_path / name
    source.write_bytes(data)
    facts = FileFacts(len(data), hashlib.sha1(data).hexdigest(), "text/plain", "TEXT")
    with wiki.db() as db:
        row = UploadStash(db, wiki.filerepo).store(source, user_id=USER, orig_name=name,
                                                   facts=facts)
        row.status = status
        row.timestamp = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=age)
        db.commit()
        db.refresh(row)
        db.expunge(row)
    return row


def _exists(wiki: Wiki, path: str) -> bool:
    return wiki.filerepo.backend.exists(path)


def _keys(wiki: Wiki) -> set[str]:
    with wiki.db() as db:
        return set(db.scalars(select(StashedFile.key)))


def _make_old(wiki: Wiki, path: str, seconds: int) -> None:
    backend = wiki.filerepo.backend
    assert isinstance(backend, LocalBackend)
    then = time.time() - seconds
    os.utime(backend.local_path(path), (then, then))


def test_expired_entries_and_their_files_are_removed(wiki: Wiki, tmp_path: Path) -> None:
    expired = wiki.settings.upload_stash_max_age + 60
    old = _stash(wiki, tmp_path, "old.txt", age=expired)
    abandoned = _stash(wiki, tmp_path, "abandoned.txt", status="chunks", age=expired)
    fresh = _stash(wiki, tmp_path, "fresh.txt", age=60)
    for row in (old, fresh):
        wiki.filerepo.backend.put_bytes(f"{thumb_dir(row.path)}/10px-{row.temp_name}", b"t")
    report = cleanup(wiki)
    assert report == CleanupReport(stashed_files=1, chunk_sessions=1)
    assert _keys(wiki) == {fresh.key}
    assert not _exists(wiki, old.path) and not _exists(wiki, abandoned.path)
    assert not list(wiki.filerepo.backend.iter(f"{thumb_dir(old.path)}/"))
    assert _exists(wiki, fresh.path)
    assert list(wiki.filerepo.backend.iter(f"{thumb_dir(fresh.path)}/"))
    assert cleanup(wiki) == CleanupReport()


def test_entry_touched_meanwhile_is_kept(wiki: Wiki, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A chunk arriving between the SELECT and the DELETE keeps the session alive."""
    row = _stash(wiki, tmp_path, "busy.txt", status="chunks", age=60)
    stale = cleanup_module._Expired(row.key, row.path, row.status)
    batches = iter([[stale], []])
    monkeypatch.setattr(cleanup_module, "_expired_batch", lambda *args: next(batches))
    assert cleanup(wiki).chunk_sessions == 0
    assert _keys(wiki) == {row.key} and _exists(wiki, row.path)


def test_unreferenced_temp_objects(wiki: Wiki, tmp_path: Path) -> None:
    max_age = wiki.settings.upload_stash_max_age
    live = _stash(wiki, tmp_path, "live.txt")
    backend = wiki.filerepo.backend
    orphan = "temp/a/ab/20240101000000!orphan.txt"
    orphan_thumb = "thumb/temp/c/cd/20240101000000!gone.png/10px-20240101000000!gone.png"
    recent = "temp/e/ef/20240101000000!recent.txt"
    live_thumb = f"{thumb_dir(live.path)}/10px-{live.temp_name}"
    for path in (orphan, orphan_thumb, recent, live_thumb):
        backend.put_bytes(path, b"x")
    for path in (orphan, orphan_thumb, live.path, live_thumb):
        _make_old(wiki, path, max_age + 60)
    assert cleanup(wiki).orphaned_objects == 2
    assert not _exists(wiki, orphan) and not _exists(wiki, orphan_thumb)
    assert _exists(wiki, recent) and _exists(wiki, live.path) and _exists(wiki, live_thumb)


def test_status_records_and_jobs(wiki: Wiki) -> None:
    now = int(time.time())
    with wiki.db() as db:
        set_status(db, USER, "expired.key.2.png", {"result": "Poll"})
        set_status(db, USER, "current.key.2.png", {"result": "Poll"})
        db.execute(update(UploadStatus).where(UploadStatus.key == "expired.key.2.png")
                   .values(expires=now - 1))
        ids = {}
        for name, state, age in (("old-done", "done", JOB_RETENTION + 60),
                                 ("old-failed", "failed", JOB_RETENTION + 60),
                                 ("new-done", "done", 60),
                                 ("old-queued", "queued", JOB_RETENTION + 60)):
            job = enqueue(db, "publish", {"name": name})
            job.state, job.created, job.claimed_at = state, now - age, now - age
            ids[name] = job.id
        db.commit()
    report = cleanup(wiki)
    assert (report.upload_statuses, report.jobs) == (1, 2)
    with wiki.db() as db:
        assert set(db.scalars(select(UploadStatus.key))) == {"current.key.2.png"}
        assert set(db.scalars(select(Job.id))) == {ids["new-done"], ids["old-queued"]}


def test_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data", str(tmp_path / "data"), "stash", "cleanup"]) == 0
    assert capsys.readouterr().out == (
        "removed 0 stashed file(s), 0 abandoned chunked upload(s), 0 unreferenced temporary "
        "object(s), 0 upload status record(s), 0 old job(s), 0 unfinished multipart upload(s), "
        "0 expired rate-limit record(s)\n")


def test_expired_rate_limit_counters_and_leases_go(wiki: Wiki) -> None:
    now = int(time.time())
    with wiki.db() as db:
        hit(db, "upload:ip:127.0.0.1", 60, now=now - 120)      # window over
        hit(db, "upload:user:Uploader", 60, now=now)            # window open
        db.commit()
    assert cleanup(wiki).limit_records == 1
    with wiki.db() as db:
        assert hits(db, "upload:user:Uploader", now=now) == 1
