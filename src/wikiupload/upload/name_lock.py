"""The lock that serialises every change to one file name, across server processes."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session as DbSession

__all__ = ["lock_name"]


def lock_name(db: DbSession, name: str) -> None:
    """Serialise changes to one file name across processes until the transaction ends.

    PostgreSQL: a transaction-level advisory lock on the name (a row lock cannot guard a row
    that does not exist yet). SQLite: every transaction already holds the write lock.
    """
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:name, 0))"),
                   {"name": f"file:{name}"})
