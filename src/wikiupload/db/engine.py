"""Engines and sessions; schema creation and migration through Alembic."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).with_name("migrations")


BUSY_TIMEOUT_SECONDS = 30

# One queue per database file, shared by the process's connections to it.
_WRITER_QUEUES: dict[str, threading.Lock] = {}
_WRITER_QUEUES_LOCK = threading.Lock()


def _writer_queue(database: str) -> threading.Lock:
    with _WRITER_QUEUES_LOCK:
        return _WRITER_QUEUES.setdefault(database, threading.Lock())


class QueuedWriterConnection(sqlite3.Connection):
    """A SQLite connection whose transactions take turns with the process's other
    connections to the same database.

    A transaction that finds SQLite's write lock taken has SQLite sleep and retry (1, 2,
    5, 10 ... ms): with transactions of a few milliseconds, the other threads mostly sleep.
    Waiting on a lock instead, the next transaction starts the moment the last one ends.
    The turn is taken before BEGIN and given back when the transaction ends: commit,
    rollback (also the pool's, for a connection returned with a transaction open) or
    close. Other processes are kept out by SQLite's own lock, as before.

    Once set up (``begins_transactions``), the connection begins every transaction itself,
    with BEGIN IMMEDIATE, when the first statement asks for a cursor outside one: in WAL
    mode readers are not blocked by that lock; writers queue instead of failing with
    "database is locked" when a deferred transaction tries to upgrade, and a transaction
    that reads a row and then writes it cannot race another one. (An engine "begin" event
    would do the same, but any engine event sends every statement through the engine's
    event dispatch, a few percent of a small upload.)
    """

    writer_queue: threading.Lock | None = None      # set when the connection is made
    begins_transactions = False                     # set once the connection is set up
    _in_turn = False

    def cursor(self, *args: Any, **kwargs: Any) -> Any:   # what the cursor factory makes
        if self.begins_transactions and not self.in_transaction:
            self.wait_turn()
            try:
                super().cursor().execute("BEGIN IMMEDIATE")
            except BaseException:
                self.rollback()     # gives the turn back (there is no transaction to end)
                raise
        return super().cursor(*args, **kwargs)

    def wait_turn(self) -> None:
        queue = self.writer_queue
        if queue is None or self._in_turn:
            return
        if not queue.acquire(timeout=BUSY_TIMEOUT_SECONDS):
            raise sqlite3.OperationalError("database is locked (no turn to write within "
                                           f"{BUSY_TIMEOUT_SECONDS} s)")
        self._in_turn = True

    def _end_turn(self) -> None:
        if self._in_turn and self.writer_queue is not None:
            self._in_turn = False
            self.writer_queue.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._end_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._end_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._end_turn()


def _database_file(dbapi_connection: sqlite3.Connection) -> str:
    """The main database's file ('' for an in-memory or temporary one)."""
    for _seq, name, file in dbapi_connection.execute("PRAGMA database_list"):
        if name == "main":
            return str(file or "")
    return ""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None   # the connection begins its transactions
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
    cursor.close()
    if isinstance(dbapi_connection, QueuedWriterConnection):
        database = _database_file(dbapi_connection)
        dbapi_connection.writer_queue = _writer_queue(database) if database else None
        dbapi_connection.begins_transactions = True


def make_engine(url: str) -> Engine:
    """An engine for the URL; SQLite gets WAL, a busy timeout, foreign keys and
    write-locking transactions (``QueuedWriterConnection``).

    SQLite's pool hands out the connection returned last: each connection keeps its own
    page cache, which a write through another connection invalidates. Taken in turns, every
    transaction started on a connection that another had written since, and read its
    pages from the file again (68 read calls for a small upload against 26).
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False,
                                                  "timeout": BUSY_TIMEOUT_SECONDS,
                                                  "factory": QueuedWriterConnection},
                               pool_use_lifo=True)
        event.listen(engine, "connect", _sqlite_pragmas)    # a pool event: statements
        return engine                                       # go on without dispatch
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


# Key of the PostgreSQL advisory lock held while the schema is migrated.
MIGRATION_LOCK = 0x77696B69_75706C64  # "wikiupld"


def migrate(engine: Engine) -> None:
    """Create or upgrade the schema to the newest revision.

    Several server processes may start at once against one PostgreSQL database: they take
    turns through an advisory lock (held until the migrating transaction ends), so the second
    finds the schema current instead of racing to create it. SQLite's BEGIN IMMEDIATE
    serialises them already.
    """
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                               {"key": MIGRATION_LOCK})
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
