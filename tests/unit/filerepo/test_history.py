"""File history moves: a failure at any point leaves every version's bytes where its row
says they are (deleting and restoring, on a real SQLite database and the memory backend)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

import wikiupload.db.archive_models  # noqa: F401
import wikiupload.db.file_models  # noqa: F401
import wikiupload.db.stash_models  # noqa: F401
import wikiupload.db.watch_models  # noqa: F401
from wikiupload.config import load
from wikiupload.db.engine import make_engine, make_sessionmaker, migrate
from wikiupload.db.file_models import FileArchive, Image, OldImage
from wikiupload.filerepo import FileRepo, MemoryBackend, sha1_base36
from wikiupload.filerepo.history import (
    byte_changes,
    delete_versions,
    lock_file,
    restore_versions,
)
from wikiupload.pages import Actor


class Interrupted(Exception):
    """Stands in for a crash or a failing query in the middle of an operation."""


class _Admin:
    id = 1
    name = "Admin"


ADMIN: Actor = _Admin()
NAME = "History.png"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Session]:
    engine = make_engine(f"sqlite:///{tmp_path / 'wiki.sqlite'}")
    migrate(engine)
    with make_sessionmaker(engine)() as session:
        yield session
    engine.dispose()


@pytest.fixture
def repo(tmp_path: Path) -> FileRepo:
    return FileRepo(MemoryBackend(), load(env={}, data_dir=tmp_path / "data"))


def _version(name: str, data: bytes, second: int) -> dict[str, Any]:
    return {"size": len(data), "width": 1, "height": 1, "bits": 8,
            "metadata_json": json.dumps({"metadata": [], "commonmetadata": []}),
            "media_type": "BITMAP", "major_mime": "image", "minor_mime": "png",
            "description": name, "user_id": 2, "user_text": "Uploader",
            "timestamp": datetime(2024, 1, 1, 0, 0, second, tzinfo=UTC),
            "sha1": sha1_base36(hashlib.sha1(data).hexdigest())}


def _three_versions(db: Session, repo: FileRepo) -> list[bytes]:
    """v1 and v2 archived, v3 current; bytes stored where the rows say."""
    data = [f"version {n}".encode() for n in (1, 2, 3)]
    for second, content in enumerate(data[:2], start=1):
        archive_name = f"2024010100000{second + 1}!{NAME}"
        db.add(OldImage(name=NAME, archive_name=archive_name, deleted=0,
                        **_version(f"v{second}", content, second)))
        repo.backend.put_bytes(repo.archive_path(archive_name), content)
    db.add(Image(name=NAME, **_version("v3", data[2], 3)))
    repo.backend.put_bytes(repo.public_path(NAME), data[2])
    db.commit()
    return data


def _objects(repo: FileRepo) -> dict[str, bytes]:
    found = {}
    for path in repo.backend.iter(""):
        with repo.backend.open(path) as stream:
            found[path] = stream.read()
    return found


def _delete_all(db: Session, repo: FileRepo) -> None:
    with byte_changes(repo) as changes:
        delete_versions(db, changes, NAME, ADMIN, "gone", current=lock_file(db, repo, NAME))
    db.commit()


def test_delete_then_restore_round_trip(db: Session, repo: FileRepo) -> None:
    data = _three_versions(db, repo)
    before = _objects(repo)
    _delete_all(db, repo)
    assert sorted(_objects(repo).values()) == sorted(data)
    assert all(path.startswith("deleted/") for path in _objects(repo))
    assert db.scalars(select(Image)).all() == [] and db.scalars(select(OldImage)).all() == []
    with byte_changes(repo) as changes:
        assert restore_versions(db, changes, NAME, [], current=lock_file(db, repo, NAME)) == 3
    db.commit()
    assert _objects(repo) == before
    assert db.scalars(select(FileArchive)).all() == []


def test_failure_after_the_rows_changed_puts_everything_back(db: Session,
                                                              repo: FileRepo) -> None:
    _three_versions(db, repo)
    before = _objects(repo)
    with pytest.raises(Interrupted), byte_changes(repo) as changes:
        delete_versions(db, changes, NAME, ADMIN, "gone", current=lock_file(db, repo, NAME))
        raise Interrupted   # e.g. the log entry could not be written
    db.rollback()
    assert _objects(repo) == before
    assert db.get(Image, NAME) is not None


def test_failure_while_removing_sources_is_undone(db: Session, repo: FileRepo,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    _three_versions(db, repo)
    before = _objects(repo)
    real_delete = repo.backend.delete
    calls: list[str] = []

    def failing_delete(path: str, *, missing_ok: bool = False) -> None:
        calls.append(path)
        if len(calls) == 2:
            raise Interrupted
        real_delete(path, missing_ok=missing_ok)

    monkeypatch.setattr(repo.backend, "delete", failing_delete)
    with pytest.raises(Interrupted):
        _delete_all(db, repo)
    db.rollback()
    monkeypatch.setattr(repo.backend, "delete", real_delete)
    assert _objects(repo) == before


def test_failed_restore_keeps_the_deleted_objects(db: Session, repo: FileRepo) -> None:
    _three_versions(db, repo)
    _delete_all(db, repo)
    deleted = _objects(repo)
    with pytest.raises(Interrupted), byte_changes(repo) as changes:
        restore_versions(db, changes, NAME, [], current=lock_file(db, repo, NAME))
        raise Interrupted
    db.rollback()
    assert _objects(repo) == deleted
    assert len(db.scalars(select(FileArchive)).all()) == 3
