"""What the database says is stored: one ExpectedObject per object a row points to.

Current versions (``image``) at their public path, old versions (``oldimage``) in the
archive zone, deleted versions (``filearchive``) in the deleted zone (one object per storage
key, however many rows share it) and stash entries (``uploadstash``) in the temp zone.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from wikiupload.db.file_models import FileArchive, Image, OldImage
from wikiupload.db.stash_models import StashedFile
from wikiupload.filerepo.repo import FileRepo, sha1_hex

__all__ = ["TABLES", "ExpectedObject", "expected_objects", "name_of", "referenced",
           "still_expected"]

TABLES = ("image", "oldimage", "filearchive", "uploadstash")
TAIL_MARK = ".tail-"     # chunk stores name their tail objects PATH.tail-END


@dataclass(frozen=True)
class ExpectedObject:
    """An object some row needs: where, how big, which content (hex SHA-1, "" unknown)."""

    path: str
    size: int
    sha1: str
    table: str           # one of TABLES
    name: str            # the file name (DB key), or the stash key for uploadstash
    growing: bool = False    # a chunked upload in progress: may hold an unconfirmed tail

    @property
    def lock_name(self) -> str | None:
        """The file name whose lock guards this object (None: stash rows lock themselves)."""
        return None if self.table == "uploadstash" else self.name


def _hex(base36: str) -> str:
    try:
        return sha1_hex(base36) if base36 else ""
    except ValueError:
        return ""


def expected_objects(db: DbSession, repo: FileRepo) -> Iterator[ExpectedObject]:
    """Every object the rows point to, table by table."""
    for name, size, sha1 in db.execute(select(Image.name, Image.size, Image.sha1)):
        yield ExpectedObject(repo.public_path(name), size, _hex(sha1), "image", name)
    query = select(OldImage.name, OldImage.archive_name, OldImage.size, OldImage.sha1)
    for name, archive_name, size, sha1 in db.execute(query):
        yield ExpectedObject(repo.archive_path(archive_name), size, _hex(sha1), "oldimage",
                             name)
    seen: set[str] = set()
    query_fa = (select(FileArchive.name, FileArchive.storage_key, FileArchive.size,
                       FileArchive.sha1)
                .where(FileArchive.storage_group == "deleted", FileArchive.storage_key != "")
                .order_by(FileArchive.id))
    for name, key, size, sha1 in db.execute(query_fa):
        path = repo.deleted_path(key)
        if path not in seen:
            seen.add(path)
            yield ExpectedObject(path, size, _hex(sha1), "filearchive", name)
    for row in db.scalars(select(StashedFile)):
        yield from _stash_objects(row)


def _stash_objects(row: StashedFile) -> Iterator[ExpectedObject]:
    """A stashed file's object. A chunked upload in progress: on local storage the file
    growing at its path (it may hold the bytes of a chunk whose update never committed);
    in an object store (``assembly`` state) only the tail object waiting to become a part,
    as the parts cannot be read before the upload completes."""
    if row.status != "chunks":
        yield ExpectedObject(row.path, row.size, row.sha1, "uploadstash", row.key)
    elif not row.assembly:
        yield ExpectedObject(row.path, row.size, "", "uploadstash", row.key, growing=True)
    elif (tail := _tail_of(row.assembly)) is not None:
        yield ExpectedObject(tail[0], tail[1], "", "uploadstash", row.key, growing=True)


def _tail_of(assembly: str) -> tuple[str, int] | None:
    """Path and size of the tail object in a chunk store's session state, if any."""
    try:
        state = json.loads(assembly)
    except ValueError:
        return None
    if not isinstance(state, dict) or not state.get("tail"):
        return None
    return str(state["tail"]), int(state.get("tail_size", 0))


def still_expected(db: DbSession, repo: FileRepo, expected: ExpectedObject) -> bool:
    """Whether the row behind ``expected`` still asks for the same object and content."""
    found: ExpectedObject | None = None
    if expected.table == "image":
        row = db.get(Image, expected.name, populate_existing=True)
        if row is not None:
            found = ExpectedObject(repo.public_path(row.name), row.size, _hex(row.sha1),
                                   "image", row.name)
    elif expected.table == "oldimage":
        found = next((candidate for candidate in _old_versions(db, repo, expected.name)
                      if candidate.path == expected.path), None)
    elif expected.table == "filearchive":
        key = expected.path.rpartition("/")[2]
        rows = db.execute(select(FileArchive.size, FileArchive.sha1).where(
            FileArchive.storage_group == "deleted", FileArchive.storage_key == key).limit(1))
        found = next((ExpectedObject(expected.path, size, _hex(sha1), "filearchive",
                                     expected.name) for size, sha1 in rows), None)
    else:
        stash = db.scalars(select(StashedFile).where(StashedFile.key == expected.name)
                           .with_for_update()
                           .execution_options(populate_existing=True)).first()
        found = next((candidate for candidate in
                      (_stash_objects(stash) if stash is not None else ())
                      if candidate.path == expected.path), None)
    return found is not None and found.path == expected.path and found.sha1 == expected.sha1


def _old_versions(db: DbSession, repo: FileRepo, name: str) -> Iterator[ExpectedObject]:
    query = select(OldImage.archive_name, OldImage.size, OldImage.sha1).where(
        OldImage.name == name)
    for archive_name, size, sha1 in db.execute(query):
        yield ExpectedObject(repo.archive_path(archive_name), size, _hex(sha1), "oldimage",
                             name)


def referenced(db: DbSession, repo: FileRepo, path: str) -> bool | None:
    """Whether any row points to ``path``; None when the path is not one rows can name
    (such objects are never removed)."""
    zone, _, rest = path.partition("/")
    if zone == "deleted":
        key = rest.rpartition("/")[2]
        try:
            if repo.deleted_path(key) != path:
                return None
        except ValueError:
            return None
        return db.scalars(select(FileArchive.id).where(
            FileArchive.storage_group == "deleted", FileArchive.storage_key == key)
            .limit(1)).first() is not None
    if zone == "temp":
        owner = path.rpartition(TAIL_MARK)[0] or path
        rows = db.scalars(select(StashedFile).where(StashedFile.path == owner).limit(1))
        return any(candidate.path == path for row in rows for candidate in _stash_objects(row)
                   ) or owner == path and _named_by_stash(db, path)
    location = repo.locate(path)
    if location is None or location.zone == "thumb":
        return None
    if location.zone == "public":
        return db.get(Image, location.name, populate_existing=True) is not None
    return db.scalars(select(OldImage.id).where(
        OldImage.name == location.name, OldImage.archive_name == location.archive_name)
        .limit(1)).first() is not None


def _named_by_stash(db: DbSession, path: str) -> bool:
    """Whether a stash row names ``path`` as its object (an assembled object-store upload
    whose row is still in state ``chunks`` names no object of its own)."""
    return db.scalars(select(StashedFile.key).where(StashedFile.path == path)
                      .limit(1)).first() is not None


def name_of(repo: FileRepo, path: str) -> str | None:
    """The file name whose lock guards a public or archive object."""
    location = repo.locate(path)
    return None if location is None or location.zone == "thumb" else location.name
