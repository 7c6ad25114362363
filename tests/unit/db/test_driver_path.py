"""The driver's cursor runs a hot statement exactly as SQLAlchemy would: same rows back, same
bytes stored, same errors; what it cannot run that way is left to SQLAlchemy."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, Executable, bindparam, insert, select, text
from sqlalchemy.exc import IntegrityError, NoResultFound
from sqlalchemy.orm import Session

from wikiupload.auth import sessions, users
from wikiupload.db import driver_path, rows
from wikiupload.db.engine import make_engine, make_sessionmaker, migrate
from wikiupload.db.file_models import Image, LogEntry
from wikiupload.db.models import User
from wikiupload.logentries import _INSERT as INSERT_LOG
from wikiupload.pages import _ADD_EDIT, _INSERT_PAGE, _INSERT_REVISION, _PAGE_ID, _SET_LATEST
from wikiupload.upload.publish import _INSERT_IMAGE
from wikiupload.upload.recovery import _CURRENT_NAME
from wikiupload.upload.warnings import _ARCHIVED, _DUPLICATES, _NAME_STATE, like_prefix
from wikiupload.watchlist import _NOTE_CHANGE, _WATCHING_LIVE, _watch_both

WHEN = datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)
IMAGE = {"name": "Two_paths.png", "size": 51200, "width": 64, "height": 48, "bits": 8,
         "metadata_json": '{"a": [1, "é"]}', "media_type": "BITMAP", "major_mime": "image",
         "minor_mime": "png", "description": "a comment", "user_id": 1,
         "user_text": "Uploader", "timestamp": WHEN, "sha1": "abc123"}

# (statement, parameters) in an order that makes sense on one database: every kind of hot
# statement, with datetimes, defaults the caller leaves out, LIMIT values and NULLs.
STEPS: list[tuple[Executable, dict[str, Any]]] = [
    (sessions._LOAD, {"id": "s1"}),
    (users._CALLER, {"user_id": 1, "app_id": "bot"}),
    (_NAME_STATE, {"name": IMAGE["name"], "prefix": like_prefix("Two_paths.")}),
    (_INSERT_IMAGE, IMAGE),
    (_NAME_STATE, {"name": IMAGE["name"], "prefix": like_prefix("Two_paths.")}),
    (_NAME_STATE, {"name": "Two_paths.jpg", "prefix": like_prefix("Two_paths.")}),
    (_CURRENT_NAME, {"name": IMAGE["name"]}),
    (_DUPLICATES, {"sha1": "abc123"}),
    (_ARCHIVED, {"sha1": "abc123"}),
    (_INSERT_PAGE, {"namespace": 6, "title": IMAGE["name"], "latest": 0, "touched": WHEN,
                    "length": 0}),
    (_PAGE_ID, {"namespace": 6, "title": IMAGE["name"]}),
    (_INSERT_REVISION, {"page_id": 1, "parent_id": 0, "user_id": 1, "user_text": "Uploader",
                        "timestamp": WHEN, "comment": "c", "content": "text", "sha1": "s",
                        "size": 4, "minor": False, "tags": ""}),
    (_SET_LATEST, {"page": 1, "revision": 1, "when": WHEN, "bytes": 4}),
    (_ADD_EDIT, {"user_id": 1}),
    (INSERT_LOG, {"log_type": "upload", "log_action": "upload", "timestamp": WHEN,
                  "user_id": 1, "user_text": "Uploader", "namespace": 6,
                  "title": IMAGE["name"], "page_id": 1, "comment": "", "params": "{}"}),
    (_watch_both("sqlite", True, True), {"user_id": 1, "namespace_0": 6, "namespace_1": 7,
                                         "title": IMAGE["name"], "expiry": None}),
    (_NOTE_CHANGE, {"w_namespace": 6, "w_title": IMAGE["name"], "editor_id": 2,
                    "stamp": WHEN}),
    (_WATCHING_LIVE, {"user_id": 1, "namespace": 6, "title": IMAGE["name"], "now": WHEN}),
]


def _database(path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    with engine.begin() as connection:
        for row in (
                "INSERT INTO user (id, name, password, email, real_name, registration, "
                "edit_count, locked) VALUES (1, 'Uploader', '', '', '', "
                "'2026-01-02 03:04:05.000000', 0, 0)",
                "INSERT INTO user_groups (user_id, \"group\") VALUES (1, 'bot')",
                "INSERT INTO bot_passwords (user_id, app_id, password, grants, restrictions) "
                "VALUES (1, 'bot', '', '[\"basic\"]', '{}')",
                "INSERT INTO session (id, data, user_id, expires) "
                "VALUES ('s1', '{\"bot_app_id\": \"bot\"}', 1, 99)"):
            connection.execute(text(row))
    return engine


@pytest.fixture
def engines(tmp_path: Path) -> Iterator[tuple[Engine, Engine]]:
    pair = _database(tmp_path / "core.sqlite"), _database(tmp_path / "driver.sqlite")
    yield pair
    for engine in pair:
        engine.dispose()


def _dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, as SQLite stores it."""
    with sqlite3.connect(path) as connection:
        tables = [name for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {table: connection.execute(f'SELECT * FROM "{table}" ORDER BY rowid').fetchall()
                for table in tables if table != "alembic_version"}


def _fields(row: Any) -> tuple[str, ...]:
    return tuple(row._fields)


def _plan(db: Session, statement: Executable, params: dict[str, Any]) -> driver_path.Plan:
    found = driver_path.plan(statement, list(params), db.connection())
    assert found is not None, statement
    return found


def test_every_hot_statement_runs_as_sqlalchemy_runs_it(engines: tuple[Engine, Engine],
                                                        tmp_path: Path) -> None:
    core, driver = engines
    answered = 0
    with make_sessionmaker(core)() as by_core, make_sessionmaker(driver)() as by_driver:
        for statement, params in STEPS:
            expected = by_core.connection().execute(statement, params)
            wanted = [tuple(row) for row in expected] if expected.returns_rows else None
            got = driver_path.run(by_driver.connection(), _plan(by_driver, statement, params),
                                  params)
            assert (got.all() if wanted is not None else None) == wanted, statement
            if wanted:
                answered += 1
                assert _fields(got.first()) == tuple(expected.keys()), statement
            assert got.rowcount == expected.rowcount, statement
        by_core.commit()
        by_driver.commit()
    assert answered == 9         # the SELECTs found rows: there was something to compare
    assert _dump(tmp_path / "driver.sqlite") == _dump(tmp_path / "core.sqlite")


def test_rows_execute_takes_the_driver_path_and_gives_the_new_row_id(
        engines: tuple[Engine, Engine]) -> None:
    _, driver = engines
    with make_sessionmaker(driver)() as db:
        first = rows.insert_row(db, INSERT_LOG, STEPS[14][1])
        second = rows.insert_row(db, INSERT_LOG, STEPS[14][1])
        assert (first, second) == (1, 2)
        found = rows.execute(db, sessions._LOAD, {"id": "s1"}).first()
        assert found.user_id == 1 and found.expires == 99
        assert rows.execute(db, _DUPLICATES, {"sha1": "none"}).scalars() == []
        with pytest.raises(NoResultFound):
            rows.execute(db, sessions._LOAD, {"id": "none"}).one()
        stored = db.scalars(select(LogEntry.deleted, LogEntry.timestamp)).all()
        assert stored == [0, 0]         # the column's default, as SQLAlchemy fills it in


def test_errors_are_sqlalchemys(engines: tuple[Engine, Engine]) -> None:
    _, driver = engines
    with make_sessionmaker(driver)() as db:
        rows.execute(db, _INSERT_IMAGE, IMAGE)
        with pytest.raises(IntegrityError, match="UNIQUE constraint failed: image.name"):
            rows.execute(db, _INSERT_IMAGE, IMAGE)


def test_what_only_sqlalchemy_runs_as_it_should_is_left_to_it(
        engines: tuple[Engine, Engine]) -> None:
    _, driver = engines
    names_in = select(Image.name).where(Image.name.in_(bindparam("names", expanding=True)))
    returning = insert(User).returning(User.id)
    computed = select(Image.name).where(Image.name == bindparam("n", callable_=lambda: "x"))
    with make_sessionmaker(driver)() as db:
        connection = db.connection()
        assert driver_path.plan(names_in, ["names"], connection) is None
        assert driver_path.plan(returning, ["name", "password"], connection) is None
        assert driver_path.plan(computed, [], connection) is None
        assert driver_path.plan(_PAGE_ID, ["namespace"], connection) is None  # title missing
        assert rows.execute(db, names_in, {"names": ["a", "b"]}).all() == []
