"""The name lookups of every upload use indexes, whatever the number of files.

The exists-normalized warning looks for a file named ``<base>.<anything>`` on every new
name (and every chunk): a LIKE on ``image.name``, which scanned the whole table (21 ms at
300,000 files) until migration 0010 gave it an index of its own on each database.
"""

from __future__ import annotations

from sqlalchemy import text
from tests import media_samples as media
from tests.support import ApiClient

from wikiupload.upload.warnings import like_prefix, read_name_state
from wikiupload.wiki import Wiki

_SIMILAR = "SELECT name FROM image WHERE name LIKE :prefix ESCAPE '/' ORDER BY name LIMIT 1"


def test_the_similar_name_search_uses_an_index(wiki: Wiki, uploader: ApiClient) -> None:
    uploader.upload("Some_photo.jpeg", media.jpeg("similar"))
    prefix = like_prefix("Some_photo.")
    with wiki.db() as db:
        state = read_name_state(db, "Some_photo.png")
        assert state.similar == "Some_photo.jpeg"      # the search itself, through the API's
        if db.get_bind().dialect.name == "sqlite":
            plan = " ".join(str(row[-1]) for row in db.execute(
                text(f"EXPLAIN QUERY PLAN {_SIMILAR}"), {"prefix": prefix}))
            assert "USING COVERING INDEX ix_image_name_nocase" in plan
        else:     # a small table is scanned by choice: ask whether the index can serve
            db.execute(text("SET LOCAL enable_seqscan = off"))
            plan = " ".join(str(row[0]) for row in db.execute(
                text(f"EXPLAIN {_SIMILAR.replace(':prefix', repr(prefix))}")))
            assert "ix_image_name_pattern" in plan
        db.rollback()
