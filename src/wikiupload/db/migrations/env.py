"""Alembic environment: runs on the connection handed over by wikiupload.db.engine.migrate."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import create_engine

import wikiupload.db.archive_models  # noqa: F401
import wikiupload.db.file_models  # noqa: F401  (registers the file tables on Base.metadata)
import wikiupload.db.limit_models  # noqa: F401
import wikiupload.db.stash_models  # noqa: F401
import wikiupload.db.watch_models  # noqa: F401
from wikiupload.db.file_models import DIALECT_INDEXES
from wikiupload.db.models import Base

config = context.config
target_metadata = Base.metadata


def include_object(obj: Any, name: str | None, kind: str, reflected: bool,
                   compare_to: Any) -> bool:
    """Autogenerate leaves alone the indexes only the migrations make (DIALECT_INDEXES)."""
    return not (kind == "index" and name in DIALECT_INDEXES)


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=True, include_object=include_object)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=target_metadata,
                          render_as_batch=True, include_object=include_object)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"),
                      target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run()
