"""What the database does for one small upload: the properties its speed rests on.

An upload of a new file commits its rows and only then builds its answer, so the write
transaction (on SQLite: the one write lock of the database) is not held while the answer is
rendered; the new ``image`` row is written by one INSERT and neither a row nor an object
of the name is loaded before or after it; and the upload
needs one transaction: a small file takes no concurrent-upload slot, whose lease would be
committed on its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from tests import media_samples as media
from tests.support import ApiClient, recorded_sql

from wikiupload.api import upload as upload_module
from wikiupload.files.info import file_info
from wikiupload.wiki import Wiki


@contextmanager
def recorded(wiki: Wiki, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The statements and commits on the wiki's engine while the block runs, and ANSWER
    when the upload's answer describes the new file."""
    with recorded_sql(wiki.engine) as seen:
        def answer(*args: Any, **kwargs: Any) -> dict[str, Any]:
            seen.append("ANSWER")
            return file_info(*args, **kwargs)

        monkeypatch.setattr(upload_module, "file_info", answer)
        yield seen


def test_a_new_file_is_written_once_and_answered_after_the_commit(
        wiki: Wiki, uploader: ApiClient, monkeypatch: pytest.MonkeyPatch) -> None:
    uploader.upload("Warm_up.png", media.png("warm up"))     # tokens, first-use caches
    with recorded(wiki, monkeypatch) as seen:
        reply = uploader.upload("Small_upload.png", media.png("small upload"))
    assert reply["upload"]["result"] == "Success", reply
    assert reply["upload"]["imageinfo"]["size"] > 0

    assert seen.count("COMMIT") == 1, seen
    assert not any(sql.startswith(("INSERT INTO upload_lease", "DELETE FROM upload_lease"))
                   for sql in seen), seen
    assert seen[-2:] == ["COMMIT", "ANSWER"], seen         # answered after, from memory
    inserts = [i for i, sql in enumerate(seen) if sql.startswith("INSERT INTO image ")]
    assert len(inserts) == 1, seen
    # A name without a file is looked up (also under the name's lock) by its name alone:
    # no statement before the INSERT loads a whole row.
    whole_rows = [sql for sql in seen[:inserts[0]]
                  if sql.startswith("SELECT") and "image.metadata_json" in sql]
    assert whole_rows == [], seen
    read_back = [sql for sql in seen[inserts[0]:]
                 if sql.startswith("SELECT") and " FROM image " in f"{sql} "]
    assert read_back == []
