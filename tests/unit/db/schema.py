"""The schema the migrations make against the one the models declare."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect

from wikiupload.db.file_models import DIALECT_INDEXES
from wikiupload.db.models import Base

# The dialect's own index of DIALECT_INDEXES: made by migration 0010, absent from the models.
EXPECTED = {"sqlite": "ix_image_name_nocase", "postgresql": "ix_image_name_pattern"}


def schema_diffs(connection: Connection, **options: Any) -> list[Any]:
    """Alembic's differences, less the dialect's index that only the migrations make (which
    must be there)."""
    indexes = {index["name"] for index in inspect(connection).get_indexes("image")}
    assert EXPECTED[connection.dialect.name] in indexes
    assert not indexes & DIALECT_INDEXES - {EXPECTED[connection.dialect.name]}
    diffs = compare_metadata(MigrationContext.configure(connection, opts=options),
                             Base.metadata)
    return [diff for diff in diffs
            if not (diff[0] == "remove_index" and diff[1].name in DIALECT_INDEXES)]
