"""Every migration runs down to nothing and up again, and head matches the models."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import inspect
from tests.unit.db.schema import schema_diffs

import wikiupload.db.archive_models  # noqa: F401
import wikiupload.db.file_models  # noqa: F401
import wikiupload.db.stash_models  # noqa: F401
import wikiupload.db.watch_models  # noqa: F401
from wikiupload.db.engine import alembic_config, make_engine, migrate
from wikiupload.db.models import Base


def test_full_downgrade_and_upgrade(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'wiki.sqlite'}")
    migrate(engine)
    config = alembic_config(str(engine.url))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate(engine)
    assert set(inspect(engine).get_table_names()) >= set(Base.metadata.tables)
    engine.dispose()


def test_head_matches_the_models(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'wiki.sqlite'}")
    migrate(engine)
    with engine.connect() as connection:
        diffs = schema_diffs(connection)
    engine.dispose()
    assert diffs == []
