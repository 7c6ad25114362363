"""Writing single rows with one Core statement, for hot paths that read nothing back.

An ORM ``add`` + ``flush`` goes through the unit of work (about four times the cost of the
statement on SQLite); a row that no code reads back as an object in the same transaction
can be written directly on the model's table.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Insert, Table
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Session as DbSession

__all__ = ["insert_statement", "insert_row", "table_of"]


def table_of(model: type[DeclarativeBase]) -> Table:
    return cast(Table, model.__table__)


def insert_statement(model: type[DeclarativeBase]) -> Insert:
    """The INSERT of one row into the model's table (build it once, at import)."""
    return table_of(model).insert()


def insert_row(db: DbSession, statement: Insert, values: dict[str, Any]) -> int:
    """Run an ``insert_statement`` in the session's transaction; the new row's id."""
    key = cast(CursorResult[Any], db.execute(statement, values)).inserted_primary_key
    assert key is not None     # an INSERT of one row
    return int(key[0])
