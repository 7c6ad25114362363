"""Upload warnings from the database: a chunk gets the name part of what a whole file gets."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from wikiupload.db.file_models import FileArchive, Image
from wikiupload.db.models import Page
from wikiupload.filerepo.repo import sha1_base36
from wikiupload.upload.warnings import (
    Candidate,
    check_name_warnings,
    check_warnings,
    like_prefix,
)
from wikiupload.wiki import Wiki

WHEN = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
SHA1 = "a" * 40
CONTENT_WARNINGS = ("duplicate", "duplicate-archive", "nochange", "duplicateversions",
                    "large-file", "empty-file")


def test_like_prefix_escapes_wildcards() -> None:
    assert like_prefix("A_b%c/d.") == "A/_b/%c//d.%"


@pytest.fixture
def wiki(wiki_factory: Callable[..., Wiki]) -> Wiki:
    wiki = wiki_factory()
    with wiki.db() as db:
        for name in ("Exists.png", "Similar.jpg", "Thumb.png", "Axb.jpg"):
            db.add(Image(name=name, timestamp=WHEN, sha1=sha1_base36(SHA1)))
        db.add(Page(namespace=6, title="Pageonly.png", touched=WHEN))
        db.add(FileArchive(name="Deleted.png", timestamp=WHEN, deleted_timestamp=WHEN,
                           sha1=sha1_base36(SHA1)))
        db.commit()
    return wiki


@pytest.mark.parametrize(("name", "name_warnings", "expected"), [
    ("Exists.png", {}, {"exists": "Exists.png"}),
    ("Pageonly.png", {}, {"page-exists": "Pageonly.png"}),
    ("Deleted.png", {}, {"was-deleted": "Deleted.png"}),
    ("Similar.png", {}, {"exists-normalized": "Similar.jpg"}),
    ("A_b.png", {}, {}),                                  # "_" is no wildcard
    ("100px-Thumb.png", {"thumb-name": "100px-Thumb.png"}, {"thumb": "100px-Thumb.png"}),
    ("New.png", {"badfilename": "New.png", "bad-prefix": "New.png"},
     {"badfilename": "New.png", "bad-prefix": "New.png"}),
])
def test_chunk_warnings_are_the_name_part_of_the_whole(
        wiki: Wiki, name: str, name_warnings: dict[str, Any],
        expected: dict[str, Any]) -> None:
    with wiki.db() as db:
        chunk = check_name_warnings(db, name, name_warnings)
        whole = check_warnings(db, Candidate(name, SHA1, 10), name_warnings, size_warning=0,
                               may_see_deleted=True)
    assert chunk == expected
    assert list(chunk) == [key for key in whole if key not in CONTENT_WARNINGS]
    assert "duplicate" in whole and whole["duplicate-archive"] == "Deleted.png"
