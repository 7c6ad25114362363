"""Single statements for hot paths, on the session's connection.

``Session.execute`` runs every statement through the ORM's per-statement work (about twice
the cost of the statement itself on SQLite, for a one-row SELECT); an ORM ``add`` + ``flush``
goes through the unit of work (about four times). A statement whose result is columns, not
objects, can run on the session's connection instead (``execute``), and a row that no code
reads back as an object in the same transaction can be written directly on the model's
table (``insert_row``). Pending objects are flushed first, as ``Session.execute`` would.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import CursorResult, Executable, Insert, Result, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Session as DbSession

__all__ = ["execute", "insert_statement", "insert_row", "table_of", "upsert_of"]

# The INSERT constructs that have ``on_conflict_do_nothing`` and ``on_conflict_do_update``.
_UPSERTS: dict[str, Any] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def table_of(model: type[DeclarativeBase]) -> Table:
    return cast(Table, model.__table__)


def upsert_of(dialect: str) -> Any:
    """The INSERT construct of a dialect (by name) that can say what a conflict does."""
    try:
        return _UPSERTS[dialect]
    except KeyError:
        raise RuntimeError(f"no upsert for the {dialect} dialect") from None


def insert_statement(model: type[DeclarativeBase]) -> Insert:
    """The INSERT of one row into the model's table (build it once, at import)."""
    return table_of(model).insert()


def execute(db: DbSession, statement: Executable,
            params: Mapping[str, Any] | None = None) -> Result[Any]:
    """Run a statement built once (columns in, rows of columns out) in the session's
    transaction, without the ORM's per-statement work."""
    if db.autoflush:
        db.flush()      # what the statement reads includes the session's pending changes
    return db.connection().execute(statement, params)


def insert_row(db: DbSession, statement: Insert, values: dict[str, Any]) -> int:
    """Run an ``insert_statement`` in the session's transaction; the new row's id."""
    key = cast(CursorResult[Any], execute(db, statement, values)).inserted_primary_key
    assert key is not None     # an INSERT of one row
    return int(key[0])
