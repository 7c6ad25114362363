"""Engine settings that the rest relies on."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError

from wikiupload.db import engine as engine_module
from wikiupload.db.engine import make_engine


def test_sqlite_reuses_the_connection_returned_last(tmp_path: Path) -> None:
    """A request runs on the connection of the request before it, whose page cache the
    last write left valid, not on the longest idle one."""
    engine = make_engine(f"sqlite:///{tmp_path / 'wiki.sqlite'}")
    try:
        first, second = engine.connect(), engine.connect()
        first_dbapi = first.connection.dbapi_connection
        second_dbapi = second.connection.dbapi_connection
        first.close()
        second.close()
        with engine.connect() as again:
            assert again.connection.dbapi_connection is second_dbapi
        with engine.connect() as again, engine.connect() as other:
            assert again.connection.dbapi_connection is second_dbapi
            assert other.connection.dbapi_connection is first_dbapi
    finally:
        engine.dispose()


def _driver(connection: Connection) -> sqlite3.Connection:
    driver = connection.connection.driver_connection
    assert isinstance(driver, sqlite3.Connection)
    return driver


def _impatient(engine: Engine) -> Connection:
    """A connection without a busy timeout: had its transaction not waited its turn, SQLite
    would refuse it. (Made before the turn is taken: setting it takes a turn too.)"""
    connection = engine.connect()
    connection.exec_driver_sql("PRAGMA busy_timeout=0")     # a setting of the connection
    connection.commit()
    return connection


def _started_in_thread(connection: Connection, done: list[str], name: str) -> threading.Thread:
    """A thread that runs a transaction on ``connection``, records ``name`` and commits."""
    def run() -> None:
        with connection, connection.begin():
            connection.execute(text("INSERT INTO t VALUES (1)"))
            done.append(name)
    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.parametrize("end", ["commit", "rollback", "pool reset", "close"])
def test_sqlite_writers_take_turns_without_polling(tmp_path: Path, end: str) -> None:
    """A transaction waits for the one before it to end however it ends (not on SQLite's
    busy handler), and starts as soon as it has."""
    engine = make_engine(f"sqlite:///{tmp_path / 'wiki.sqlite'}")
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (x INTEGER)"))
        impatient = _impatient(engine)
        holder = engine.connect()
        holder.begin()
        holder.execute(text("INSERT INTO t VALUES (0)"))
        done: list[str] = []
        waiter = _started_in_thread(impatient, done, "waiter")
        waiter.join(0.3)
        assert done == [] and waiter.is_alive()        # waiting its turn
        if end == "commit":
            holder.commit()
        elif end == "rollback":
            holder.rollback()
        elif end == "pool reset":      # returned to the pool with its transaction open
            holder.close()
        else:                          # invalidated: its DBAPI connection closed
            holder.invalidate()
        waiter.join(10)
        assert done == ["waiter"]
        if end != "close":
            holder.close()
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT x FROM t ORDER BY x")).scalars().all()
        assert rows == ([0, 1] if end == "commit" else [1])
    finally:
        engine.dispose()


def test_sqlite_a_turn_not_given_back_in_time_is_an_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A writer that waits longer than the busy timeout fails, as SQLite's own wait would."""
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_SECONDS", 0.2)
    engine = make_engine(f"sqlite:///{tmp_path / 'wiki.sqlite'}")
    try:
        with engine.connect() as holder, engine.connect() as waiter:
            holder.execute(text("SELECT 1"))        # its transaction has begun
            with pytest.raises(OperationalError, match="no turn to write"):
                waiter.execute(text("SELECT 1"))
            assert not _driver(waiter).in_transaction
            waiter.rollback()
            holder.rollback()
            waiter.execute(text("SELECT 1"))        # the failed wait left nothing behind
            waiter.rollback()
    finally:
        engine.dispose()
