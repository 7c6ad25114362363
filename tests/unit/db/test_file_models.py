"""The file tables: migration 0003 matches the models, and the models round-trip."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import inspect, select
from tests.unit.db.schema import schema_diffs

from wikiupload.db.engine import alembic_config, make_engine, migrate
from wikiupload.db.file_models import FileArchive, Image, LogEntry, OldImage
from wikiupload.wiki import Wiki

FILE_TABLES = {"image", "oldimage", "filearchive", "logging"}
WHEN = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def _table_of(diff: Any) -> str:
    """The table a compare_metadata entry is about."""
    item = diff[0] if isinstance(diff, list) else diff
    if item[0] in ("add_column", "remove_column") or item[0].startswith("modify_"):
        return str(item[2])
    table = getattr(item[1], "table", item[1])
    return str(getattr(table, "name", ""))


def test_migration_matches_models(wiki_factory: Callable[..., Wiki]) -> None:
    wiki = wiki_factory()
    with wiki.engine.connect() as connection:
        diffs = schema_diffs(connection, compare_type=True)
    assert set(inspect(wiki.engine).get_table_names()) >= FILE_TABLES
    assert [d for d in diffs if _table_of(d) in FILE_TABLES] == []


def test_downgrade_and_upgrade(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'wiki.sqlite'}")
    migrate(engine)
    config = alembic_config(str(engine.url))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    assert not FILE_TABLES & set(inspect(engine).get_table_names())
    migrate(engine)
    assert set(inspect(engine).get_table_names()) >= FILE_TABLES
    engine.dispose()


def test_rows_round_trip(wiki_factory: Callable[..., Wiki]) -> None:
    wiki = wiki_factory()
    sha1 = "phoiac9h4m842xq45sp7s6u21eteeq1"
    big = 5 * 1024**3  # larger than a 32-bit integer
    with wiki.db() as db:
        db.add(Image(name="Example.png", size=big, width=10, height=20, bits=8,
                     metadata_json='{"data":[]}', media_type="BITMAP", major_mime="image",
                     minor_mime="png", description="first", user_id=2,
                     user_text="Uploader", timestamp=WHEN, sha1=sha1))
        db.add(OldImage(name="Example.png", archive_name="20240102030405!Example.png",
                        timestamp=WHEN, sha1=sha1))
        db.add(FileArchive(name="Old.png", storage_key=f"{sha1}.png", deleted_timestamp=WHEN,
                           deleted_reason="spam", timestamp=WHEN, sha1=sha1))
        db.add(LogEntry(log_type="upload", log_action="upload", timestamp=WHEN, user_id=2,
                        user_text="Uploader", namespace=6, title="Example.png",
                        params=json.dumps({"img_sha1": sha1})))
        db.commit()
    with wiki.db() as db:
        image = db.get(Image, "Example.png")
        assert image is not None
        assert (image.size, image.mime, image.metadata_json) == (big, "image/png",
                                                                  '{"data":[]}')
        assert db.scalars(select(Image.name).where(Image.sha1 == sha1)).all() == [
            "Example.png"]
        old = db.scalars(select(OldImage)).one()
        assert (old.id, old.deleted, old.mime, old.size) == (1, 0, "unknown/unknown", 0)
        deleted = db.scalars(select(FileArchive)).one()
        assert (deleted.archive_name, deleted.storage_group) == (None, "deleted")
        entry = db.scalars(select(LogEntry)).one()
        assert (entry.id, entry.page_id, entry.comment, entry.deleted) == (1, 0, "", 0)
