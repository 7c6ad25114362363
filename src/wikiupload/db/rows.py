"""Single statements for hot paths, on the session's connection.

``Session.execute`` runs every statement through the ORM's per-statement work (about twice
the cost of the statement itself on SQLite, for a one-row SELECT); an ORM ``add`` + ``flush``
goes through the unit of work (about four times). A statement whose result is columns, not
objects, can run on the session's connection instead (``execute``), and a row that no code
reads back as an object in the same transaction can be written directly on the model's
table (``insert_row``). Pending objects are flushed first, as ``Session.execute`` would.
On SQLite such a statement skips SQLAlchemy's execution path too (``db.driver_path``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol, cast

from sqlalchemy import Connection, Executable, Insert, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Session as DbSession

from wikiupload.db import driver_path

__all__ = ["Rows", "execute", "insert_statement", "insert_row", "table_of", "upsert_of"]

# Plans of the statements run so far, by statement and parameter names (the statements are
# built once, so this stays small; past the cap, further ones go through SQLAlchemy).
_PLANS: dict[tuple[int, frozenset[str]], tuple[Executable, driver_path.Plan | None]] = {}
PLAN_CAP = 512


class Rows(Protocol):
    """What a statement returned: SQLAlchemy's ``Result`` or ``driver_path.DriverRows``."""

    @property
    def rowcount(self) -> int: ...

    @property
    def inserted_primary_key(self) -> Any: ...

    def all(self) -> Any: ...

    def first(self) -> Any: ...

    def one(self) -> Any: ...

    def scalar(self) -> Any: ...

    def scalars(self) -> Iterable[Any]: ...

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
            params: Mapping[str, Any] | None = None) -> Rows:
    """Run a statement built once (columns in, rows of columns out) in the session's
    transaction, without the ORM's per-statement work."""
    if db.autoflush:
        db.flush()      # what the statement reads includes the session's pending changes
    connection = db.connection()
    given = params or {}
    if connection.dialect.name == "sqlite":
        found = _plan(statement, given, connection)
        if found is not None:
            return driver_path.run(connection, found, given)
    return connection.execute(statement, params)


def _plan(statement: Executable, params: Mapping[str, Any],
          connection: Connection) -> driver_path.Plan | None:
    key = (id(statement), frozenset(params))
    cached = _PLANS.get(key)
    if cached is not None and cached[0] is statement:
        return cached[1]
    found = driver_path.plan(statement, list(params), connection)
    if len(_PLANS) < PLAN_CAP:
        _PLANS[key] = (statement, found)    # the statement itself: its id stays its own
    return found


def insert_row(db: DbSession, statement: Insert, values: dict[str, Any]) -> int:
    """Run an ``insert_statement`` in the session's transaction; the new row's id."""
    key = execute(db, statement, values).inserted_primary_key
    assert key is not None     # an INSERT of one row
    return int(key[0])
