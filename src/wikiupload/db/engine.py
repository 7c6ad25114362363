"""Engines and sessions; schema creation and migration through Alembic."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).with_name("migrations")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None   # transactions are begun by _sqlite_begin
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    """Every transaction takes SQLite's write lock up front (BEGIN IMMEDIATE).

    In WAL mode readers are not blocked by it; writers queue on the busy timeout instead of
    failing with "database is locked" when a deferred transaction tries to upgrade, and a
    transaction that reads a row and then writes it cannot race another one.

    Sent on the driver's connection itself: the engine's statement path (events, result
    set-up) costs several times the statement, twice per upload.
    """
    connection.connection.driver_connection.execute("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    """An engine for the URL; SQLite gets WAL, a busy timeout, foreign keys and
    write-locking transactions.

    SQLite's pool hands out the connection returned last: each connection keeps its own
    page cache, which a write through another connection invalidates. Taken in turns, every
    transaction started on a connection that another had written since, and read its
    pages from the file again (68 read calls for a small upload against 26).
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               pool_use_lifo=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
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
