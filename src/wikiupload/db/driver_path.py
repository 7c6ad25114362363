"""Hot statements on SQLite, run on the driver's cursor.

SQLAlchemy's path for one statement (execution context, events, result objects) costs two to
four times what SQLite itself takes for a one-row statement, and a small upload runs sixteen
of them. On SQLite, a statement built once (at import, as ``db.rows`` asks) is compiled once
for the parameter names it is given, with its types' bind and result processors, then runs on
the driver's cursor in the session's transaction; its rows come back as named tuples, its
errors as SQLAlchemy's. Only public SQLAlchemy API is used: ``compile``, ``binds``,
``construct_expanded_state`` (the parameters' order and values), ``selected_columns``, and
``TypeEngine.dialect_impl`` with its ``bind_processor`` and ``result_processor``.

A statement this path could not run as SQLAlchemy would is left to SQLAlchemy (``plan``
returns None): a parameter that expands (``IN``), is rendered or computed at execution, a
column default computed by a function or set on update, RETURNING. The engine's statement
events do not see what runs here; SQLite's own trace callback does.
"""

from __future__ import annotations

import sqlite3
from collections import namedtuple
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnDefault, Connection, Executable, Insert, Select, Table, Update
from sqlalchemy.exc import (
    DBAPIError,
    InvalidRequestError,
    MultipleResultsFound,
    NoResultFound,
)

__all__ = ["DriverRows", "Plan", "plan", "run"]

Processor = Callable[[Any], Any] | None


@dataclass
class Plan:
    """A statement compiled for SQLite and the names of the parameters it is given."""

    sql: str
    names: tuple[str, ...]                  # the parameters, in the statement's order
    fixed: Mapping[str, Any]                # values of parameters the caller does not give
    binds: tuple[Processor, ...]            # bind processor of each parameter
    results: tuple[Processor, ...] | None   # result processor of each column (None: DML)
    rowid_key: bool = False                 # an INSERT whose new key is SQLite's rowid
    # Rows named as the cursor names the columns (the labels SQLAlchemy rendered, which
    # name its rows too): made at the first run.
    row: type[tuple[Any, ...]] | None = None

    def values(self, params: Mapping[str, Any]) -> list[Any]:
        values = []
        for name, process in zip(self.names, self.binds, strict=True):
            value = params[name] if name in params else self.fixed[name]
            values.append(value if process is None else process(value))
        return values


class DriverRows:
    """What a statement run on the cursor returned: the part of SQLAlchemy's ``Result``
    that ``db.rows`` callers use."""

    def __init__(self, rows: list[tuple[Any, ...]], rowcount: int, lastrowid: int | None
                 ) -> None:
        self._rows = rows
        self.rowcount = rowcount
        self.inserted_primary_key = None if lastrowid is None else (lastrowid,)

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self._rows)

    def all(self) -> list[tuple[Any, ...]]:
        return list(self._rows)

    def first(self) -> tuple[Any, ...] | None:
        return self._rows[0] if self._rows else None

    def one(self) -> tuple[Any, ...]:
        if not self._rows:
            raise NoResultFound("No row was found when one was required")
        if len(self._rows) > 1:
            raise MultipleResultsFound("Multiple rows were found when exactly one was required")
        return self._rows[0]

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None

    def scalars(self) -> list[Any]:
        return [row[0] for row in self._rows]


def plan(statement: Executable, keys: Sequence[str], connection: Connection) -> Plan | None:
    """How to run ``statement`` with parameters named ``keys`` on the cursor; None when
    only SQLAlchemy can run it as it would."""
    dialect = connection.dialect
    if isinstance(statement, Insert | Update):
        if _has_unrendered_defaults(statement, keys) or statement.returning_column_descriptions:
            return None
        compiled = statement.compile(dialect=dialect, column_keys=list(keys))
    elif isinstance(statement, Select):
        compiled = statement.compile(dialect=dialect)
    else:
        return None
    if any(bind.callable is not None for bind in compiled.binds.values()):
        return None                 # a value computed at every execution
    try:
        state = compiled.construct_expanded_state(dict.fromkeys(keys))
    except InvalidRequestError:
        return None                 # a value is missing: SQLAlchemy says which
    if state.parameter_expansion or state.positiontup is None \
            or state.statement != compiled.string:
        return None                 # expanded or rendered at execution
    names = tuple(state.positiontup)
    fixed = {name: state.parameters[name] for name in names if name not in keys}
    if isinstance(statement, Insert):
        fixed |= _scalar_defaults(statement, names, keys)
    binds = tuple(compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
                  for name in names)
    results = None
    if isinstance(statement, Select):
        results = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None)
                        for column in statement.selected_columns)
    return Plan(compiled.string, names, fixed, binds, results,
                isinstance(statement, Insert) and _new_rowid(statement, keys))


def run(connection: Connection, found: Plan, params: Mapping[str, Any]) -> DriverRows:
    """Run the plan on the driver's cursor (in the connection's transaction)."""
    driver = connection.connection.driver_connection
    assert isinstance(driver, sqlite3.Connection)
    values = found.values(params)
    try:
        cursor = driver.cursor()
        try:
            cursor.execute(found.sql, values)
            fetched = cursor.fetchall() if found.results is not None else []
            if found.results is not None and found.row is None:
                found.row = _row_type([column[0] for column in cursor.description])
            counted, rowid = cursor.rowcount, cursor.lastrowid
        finally:
            cursor.close()
    except sqlite3.Error as error:
        raise DBAPIError.instance(found.sql, values, error, sqlite3.Error) from error
    rows = [_row(found, raw) for raw in fetched]
    return DriverRows(rows, counted, rowid if found.rowid_key else None)


def _row_type(fields: list[str]) -> type[tuple[Any, ...]]:
    """Rows with the columns' names (renamed where one is not a name, or repeated)."""
    return namedtuple("Row", fields, rename=True)


def _row(found: Plan, raw: tuple[Any, ...]) -> tuple[Any, ...]:
    assert found.row is not None and found.results is not None
    return found.row(*(value if process is None else process(value)
                       for value, process in zip(raw, found.results, strict=True)))


def _has_unrendered_defaults(statement: Insert | Update, keys: Sequence[str]) -> bool:
    """A default SQLAlchemy would compute at execution for a column not given (a function),
    or an update default."""
    for column in _table(statement).columns:
        if column.key in keys:
            continue
        if isinstance(statement, Update) and column.onupdate is not None:
            return True
        default = column.default
        if isinstance(statement, Insert) and default is not None \
                and not (default.is_scalar or default.is_clause_element):
            return True
    return False


def _table(statement: Insert | Update) -> Table:
    return cast(Table, statement.table)


def _new_rowid(statement: Insert, keys: Sequence[str]) -> bool:
    """Whether the row's key is one integer column the INSERT leaves to the database."""
    key = list(_table(statement).primary_key.columns)
    return len(key) == 1 and key[0].key not in keys \
        and key[0].type.python_type is int


def _scalar_defaults(statement: Insert, names: Sequence[str], keys: Sequence[str]
                     ) -> dict[str, Any]:
    """The scalar defaults of the columns not given, by parameter name."""
    found = {}
    for name in names:
        if name in keys:
            continue
        column = _table(statement).columns.get(name)
        if column is not None and isinstance(column.default, ColumnDefault) \
                and column.default.is_scalar:
            found[name] = column.default.arg
    return found
