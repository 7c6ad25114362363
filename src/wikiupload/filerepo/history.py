"""A file's version history: deleting versions, restoring them, reverting to an old one.

Facts from includes/filerepo/file/LocalFileDeleteBatch.php, LocalFileRestoreBatch.php and
includes/api/ApiFileRevert.php:

* Deleting moves each version's row to ``filearchive`` (the current version first, with no
  archive name; old versions keep theirs) and its bytes to the deleted zone under
  ``<sha1 base 36>.<ext>``; identical content is stored once.
* Restoring takes the requested ``filearchive`` rows newest first: if the file has no
  current version the newest becomes it, every other one becomes an old version under its
  old archive name (or, for a deleted current version, one made from the deletion time).
  Deleted objects no other ``filearchive`` row needs are then removed.
* Reverting publishes a copy of an old version as a new current version.

Ordering (``byte_changes``): bytes are copied to their destination first, then rows change
in the caller's transaction, and only once it has committed are the sources removed. A
failure (or a crash) before that leaves every object the committed rows need; one after it
leaves only unreferenced copies. Callers hold the name's lock (``lock_file``) for the whole
operation.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import event, select
from sqlalchemy.orm import Session as DbSession

from wikiupload.auth.users import Principal
from wikiupload.db.file_models import FileArchive, Image, OldImage
from wikiupload.filerepo.backends import AlreadyExists, StorageError
from wikiupload.filerepo.digests import content_sha1
from wikiupload.filerepo.repo import (
    THUMB_ZONE,
    FileRepo,
    mw_timestamp,
    sha1_base36,
    sha1_hex,
)
from wikiupload.pages import Actor
from wikiupload.timestamps import now, utc
from wikiupload.upload.publish import (
    VERSION_COLUMNS,
    Published,
    PublishRequest,
    from_stored,
    publish,
)
from wikiupload.upload.recovery import lock_file
from wikiupload.upload.stash import FileFacts

__all__ = ["ByteChanges", "MissingArchivedVersion", "byte_changes", "delete_versions",
           "find_old_version", "lock_file", "restore_versions", "revert_to"]

log = logging.getLogger(__name__)


class MissingArchivedVersion(LookupError):
    """A requested ``filearchive`` id is not a deleted version of this file."""

    def __init__(self, file_id: int) -> None:
        super().__init__(file_id)
        self.file_id = file_id


def find_old_version(db: DbSession, name: str, archive_name: str) -> OldImage | None:
    return db.scalars(select(OldImage).where(OldImage.name == name,
                                             OldImage.archive_name == archive_name)).first()


class ByteChanges:
    """The object changes of one operation: copies are made at once, removals wait for
    finish() (with a session: for its commit); undo() puts back what was done."""

    def __init__(self, repo: FileRepo, db: DbSession | None = None) -> None:
        self.repo = repo
        self.db = db
        self.created: list[str] = []
        self.removals: list[tuple[str, str]] = []      # (path, a copy of it), not yet done
        self.removed: list[tuple[str, str]] = []

    def copy(self, src: str, dst: str, *, overwrite: bool) -> None:
        try:
            self.repo.backend.copy(src, dst, overwrite=overwrite)
        except AlreadyExists:
            return      # the same content, stored by an earlier deletion
        self.created.append(dst)

    def remove_later(self, path: str, copy: str) -> None:
        """Remove ``path`` in finish(); ``copy`` holds the same bytes until then."""
        self.removals.append((path, copy))

    def finish(self) -> None:
        if self.db is not None and self.removals:
            _AfterCommit(self.db, list(self.removals), self.repo)
            self.removals.clear()
            return
        try:
            for path, copy in self.removals:
                self.repo.backend.delete(path, missing_ok=True)
                self.removed.append((path, copy))
        except BaseException:
            self.undo()
            raise
        self.removals.clear()

    def undo(self) -> None:
        backend = self.repo.backend
        for path, copy in reversed(self.removed):
            try:
                backend.copy(copy, path, overwrite=False)
            except AlreadyExists:
                pass
            except StorageError:
                log.exception("could not put %s back from %s", path, copy)
        for path in reversed(self.created):
            try:
                backend.delete(path, missing_ok=True)
            except StorageError:
                log.exception("could not remove %s", path)
        self.created.clear()
        self.removed.clear()
        self.removals.clear()


class _AfterCommit:
    """Remove objects once the session's transaction has committed; forget them if it
    rolls back. A crash before the commit then leaves every object its rows need; one
    after it leaves only unreferenced copies (``wikiupload check --repair`` removes them)."""

    def __init__(self, db: DbSession, removals: list[tuple[str, str]], repo: FileRepo) -> None:
        self.removals = removals
        self.repo = repo
        event.listen(db, "after_commit", self.committed)
        event.listen(db, "after_rollback", self.rolled_back)

    def committed(self, _db: DbSession) -> None:
        removals, self.removals = self.removals, []
        for path, _copy in removals:
            try:
                self.repo.backend.delete(path, missing_ok=True)
            except StorageError:
                log.exception("could not remove %s after the commit", path)

    def rolled_back(self, _db: DbSession) -> None:
        self.removals = []


@contextmanager
def byte_changes(repo: FileRepo, db: DbSession | None = None) -> Iterator[ByteChanges]:
    """Object changes that are undone if the block fails, and whose removals happen when
    it succeeds (run the block's database work inside it) or, given the session, when the
    session's transaction commits."""
    changes = ByteChanges(repo, db)
    try:
        yield changes
    except BaseException:
        changes.undo()
        raise
    changes.finish()


# -- deleting -------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Stored:
    row: Image | OldImage
    path: str
    archive_name: str | None


def delete_versions(db: DbSession, changes: ByteChanges, name: str, actor: Actor,
                    reason: str, *, current: Image | None,
                    archive_name: str | None = None) -> int:
    """Move all versions of ``name`` (or only the old one ``archive_name``) to the archive;
    returns how many. ``current`` is the locked current row."""
    repo = changes.repo
    versions = _stored_versions(db, repo, name, current, archive_name)
    stamp = now()
    for version in versions:
        key = repo.deleted_key(version.row.sha1 or _sha1_of(repo, version.path), name)
        if repo.backend.exists(version.path):
            changes.copy(version.path, repo.deleted_path(key), overwrite=False)
            changes.remove_later(version.path, repo.deleted_path(key))
        db.add(_archived(version, name, key, actor, reason, stamp))
        db.delete(version.row)
    db.flush()
    _purge_thumbnails(repo, name, versions)
    return len(versions)


def _stored_versions(db: DbSession, repo: FileRepo, name: str, current: Image | None,
                     archive_name: str | None) -> list[_Stored]:
    query = select(OldImage).where(OldImage.name == name)
    if archive_name is not None:
        query = query.where(OldImage.archive_name == archive_name)
    olds = db.scalars(query.order_by(OldImage.timestamp, OldImage.id)).all()
    versions = [_Stored(old, repo.archive_path(old.archive_name), old.archive_name)
                for old in olds]
    if archive_name is None and current is not None:
        versions.insert(0, _Stored(current, repo.public_path(name), None))
    return versions


def _archived(version: _Stored, name: str, key: str, actor: Actor, reason: str,
              stamp: datetime) -> FileArchive:
    columns = {column: getattr(version.row, column) for column in VERSION_COLUMNS}
    deleted = version.row.deleted if isinstance(version.row, OldImage) else 0
    return FileArchive(name=name, archive_name=version.archive_name, storage_group="deleted",
                       storage_key=key, deleted_user_id=actor.id,
                       deleted_user_text=actor.name, deleted_timestamp=stamp,
                       deleted_reason=reason, deleted=deleted, **columns)


def _sha1_of(repo: FileRepo, path: str) -> str:
    """Base-36 SHA-1 of a stored object (for rows recorded without one)."""
    return sha1_base36(content_sha1(repo.backend, path))


def _purge_thumbnails(repo: FileRepo, name: str, versions: Sequence[_Stored]) -> None:
    """Thumbnails are derived data: removed after the fact, failures only logged."""
    prefixes = [f"{repo.thumb_dir(name)}/" if version.archive_name is None else
                f"{THUMB_ZONE}/archive/{repo.hash_path(name)}{version.archive_name}/"
                for version in versions]
    for prefix in prefixes:
        try:
            for path in list(repo.backend.iter(prefix)):
                repo.backend.delete(path, missing_ok=True)
        except StorageError:
            log.exception("could not purge thumbnails under %s", prefix)


# -- restoring ------------------------------------------------------------------------------

def restore_versions(db: DbSession, changes: ByteChanges, name: str,
                     file_ids: Sequence[int], *, current: Image | None) -> int:
    """Restore the deleted versions ``file_ids`` of ``name`` (all when empty); returns how
    many. Raises MissingArchivedVersion before changing anything if an id is unknown."""
    query = select(FileArchive).where(FileArchive.name == name)
    if file_ids:
        query = query.where(FileArchive.id.in_(file_ids))
    rows = db.scalars(query.order_by(FileArchive.timestamp.desc(), FileArchive.id.desc())
                      .with_for_update()).all()
    found = {row.id for row in rows}
    for file_id in file_ids:
        if file_id not in found:
            raise MissingArchivedVersion(file_id)
    restored = _restore_rows(db, changes, name, rows, current)
    for row in rows:
        db.delete(row)
    db.flush()
    _drop_unneeded(db, changes, restored)
    return len(rows)


def _restore_rows(db: DbSession, changes: ByteChanges, name: str,
                  rows: Sequence[FileArchive], current: Image | None) -> dict[str, str]:
    """New image/oldimage rows with their bytes; returns storage key -> a restored copy."""
    repo = changes.repo
    taken = set(db.scalars(select(OldImage.archive_name).where(OldImage.name == name)))
    restored: dict[str, str] = {}
    for index, row in enumerate(rows):
        columns = {column: getattr(row, column) for column in VERSION_COLUMNS}
        if index == 0 and current is None:
            db.add(Image(name=name, **columns))
            target = repo.public_path(name)
        else:
            archive_name = _free_archive_name(row, name, taken)
            taken.add(archive_name)
            db.add(OldImage(name=name, archive_name=archive_name, deleted=row.deleted,
                            **columns))
            target = repo.archive_path(archive_name)
        source = repo.deleted_path(row.storage_key)
        if row.storage_key and repo.backend.exists(source):
            changes.copy(source, target, overwrite=True)
            restored.setdefault(row.storage_key, target)
    return restored


def _free_archive_name(row: FileArchive, name: str, taken: set[str]) -> str:
    """The version's old archive name, or one made from its deletion time."""
    if row.archive_name and row.archive_name not in taken:
        return row.archive_name
    second = int(utc(row.deleted_timestamp).timestamp())
    while True:
        candidate = f"{mw_timestamp(datetime.fromtimestamp(second, UTC))}!{name}"
        if candidate not in taken:
            return candidate
        second += 1


def _drop_unneeded(db: DbSession, changes: ByteChanges, restored: dict[str, str]) -> None:
    """Remove (later) deleted objects that no remaining filearchive row refers to."""
    for key, copy in restored.items():
        still_used = db.scalars(select(FileArchive.id).where(
            FileArchive.storage_group == "deleted", FileArchive.storage_key == key).limit(1))
        if still_used.first() is None:
            changes.remove_later(changes.repo.deleted_path(key), copy)


# -- reverting ------------------------------------------------------------------------------

def revert_to(db: DbSession, repo: FileRepo, old: OldImage, user: Principal,
              comment: str) -> Published:
    """Publish a copy of the old version ``old`` as the new current version.

    Raises ApiError ``fileexists-no-change`` when it equals the current version.
    """
    try:
        metadata = json.loads(old.metadata_json) if old.metadata_json else None
    except ValueError:
        metadata = None
    facts = FileFacts(size=old.size, sha1=sha1_hex(old.sha1), mime=old.mime,
                      media_type=old.media_type, width=old.width, height=old.height,
                      bits=old.bits, metadata=metadata)
    request = PublishRequest(old.name, facts, user, comment.strip(), None)
    return publish(db, repo, request,
                   from_stored(repo.archive_path(old.archive_name), move=False))
