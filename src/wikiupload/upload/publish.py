"""Publish a verified file: new current version, archived old one, log entry, description page.

The rows are written first (image, oldimage, log, description page) and flushed; then a
publish intent is stored (``filerepo.intents``) and the bytes move into place (a rename where
storage allows): the old version is copied to the archive, then the current object is
replaced atomically. A failure before the move changes no stored file. The caller commits;
the commit removes the intent, and a rollback — or, after a crash, the next start — puts the
objects back as the rows say (``upload.recovery``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession
from sqlalchemy.orm import make_transient_to_detached

from wikiupload.auth.users import Principal
from wikiupload.db.file_models import Image, OldImage
from wikiupload.db.rows import execute, insert_statement
from wikiupload.db.stash_models import StashedFile
from wikiupload.errors import ApiError
from wikiupload.expiry import Expiry
from wikiupload.filerepo.background_sync import BackgroundSync
from wikiupload.filerepo.failures import storage_errors
from wikiupload.filerepo.intents import Intent, write_intent
from wikiupload.filerepo.repo import FileRepo, PublishResult, mw_timestamp, sha1_base36
from wikiupload.logentries import add_log_entry
from wikiupload.pages import SavedEdit, add_revision, find_page, latest_revision
from wikiupload.timestamps import now as utc_now
from wikiupload.timestamps import utc
from wikiupload.titles import file_title
from wikiupload.upload.recovery import lock_file, settle_when_done
from wikiupload.upload.stash import FileFacts
from wikiupload.watchlist import note_change, watch

_INSERT_IMAGE = insert_statement(Image)
VERSION_COLUMNS = ("size", "width", "height", "bits", "metadata_json", "media_type",
                   "major_mime", "minor_mime", "description", "user_id", "user_text",
                   "timestamp", "sha1")


@dataclass(frozen=True)
class PublishRequest:
    name: str                 # DB key, underscores
    facts: FileFacts
    user: Principal
    comment: str
    text: str | None
    tags: tuple[str, ...] = ()
    watch: bool = False                 # add the file page to the uploader's watchlist
    watch_expiry: Expiry | None = None


@dataclass(frozen=True)
class Published:
    image: Image
    overwritten: bool
    log_id: int


@dataclass(frozen=True)
class Storer:
    """How the new bytes reach the store: a local file (renamed into place when on the same
    filesystem) or an object already stored (a stashed file is moved, an old version copied)."""

    local: Path | None = None
    stored: str = ""
    move: bool = False
    synced: BackgroundSync | None = None    # the local file's fsync, started earlier

    @property
    def moved_from(self) -> str:
        """The stored object this publish moves away ('' if none)."""
        return self.stored if self.move else ""

    def __call__(self, repo: FileRepo, name: str, stamp: datetime,
                 archive: bool) -> PublishResult:
        if self.local is not None:
            synced = self.synced is not None and self.synced.on_disk()
            return repo.publish(name, self.local, timestamp=stamp, move=self.move,
                                archive=archive, source_synced=synced)
        return repo.publish_stored(name, self.stored, timestamp=stamp, archive=archive,
                                   move=self.move)


def from_local_file(path: Path, synced: BackgroundSync | None = None) -> Storer:
    """Store a local temp file (renamed into place when on the same filesystem); ``synced``:
    its fsync, started earlier (``FileRepo.sync_ahead``)."""
    return Storer(local=path, move=True, synced=synced)


def from_stored(stored_path: str, *, move: bool) -> Storer:
    """Store an object already in the repository (a stashed file: moved, no copy)."""
    return Storer(stored=stored_path, move=move)


def lock_stashed(db: DbSession, key: str) -> None:
    """Hold the stash entry about to be published until the transaction ends (take it
    before the name's lock). Another request publishing the same key waits here and then
    finds the entry gone, instead of both moving the same bytes."""
    query = select(StashedFile.key).where(StashedFile.key == key).with_for_update()
    if db.scalars(query).first() is None:
        raise ApiError("uploadstash-file-not-found", key)


def _new_timestamp(current: Image | None) -> datetime:
    stamp = utc_now()
    if current is not None and stamp <= utc(current.timestamp):
        stamp = utc(current.timestamp) + timedelta(seconds=1)
    return stamp


def _metadata_json(facts: FileFacts) -> str:
    metadata = facts.metadata if isinstance(facts.metadata, dict) else {
        "metadata": facts.metadata, "commonmetadata": []}
    return json.dumps(metadata)


def _fill(row: Image, request: PublishRequest, stamp: datetime) -> None:
    major, _, minor = request.facts.mime.partition("/")
    row.size = request.facts.size
    row.width = request.facts.width
    row.height = request.facts.height
    row.bits = request.facts.bits
    row.metadata_json = _metadata_json(request.facts)
    row.media_type = request.facts.media_type
    row.major_mime = major or "unknown"
    row.minor_mime = minor or "unknown"
    row.description = request.comment
    row.user_id = request.user.id
    row.user_text = request.user.name
    row.timestamp = stamp
    row.sha1 = sha1_base36(request.facts.sha1)


def publish(db: DbSession, repo: FileRepo, request: PublishRequest, store: Storer) -> Published:
    """Record and store a new version of ``request.name``; the caller commits."""
    current = lock_file(db, repo, request.name)
    sha1 = sha1_base36(request.facts.sha1)
    if current is not None and current.sha1 == sha1:
        title = file_title(request.name)
        raise ApiError("fileexists-no-change", title.prefixed())
    stamp = _new_timestamp(current)
    archive_name = repo.archive_name(stamp, request.name) if current else ""
    image, archived = _record_versions(db, request, current, stamp, archive_name)
    edit = _describe(db, request, stamp)
    log_id = _log(db, request, "overwrite" if archived else "upload", stamp, sha1,
                  edit.page_id)
    if edit.created:   # the create/create entry MediaWiki adds after an upload
        add_log_entry(db, "create", "create", request.user, file_title(request.name),
                      timestamp=stamp, page_id=edit.page_id, comment=request.comment,
                      params=[])
    _record_change(db, repo, request, stamp)
    db.flush()
    # The bytes move last, so that a failure during the database work leaves the stored
    # files untouched; the intent covers what remains between the move and the commit.
    intent = Intent(request.name, mw_timestamp(stamp), sha1, request.facts.size,
                    archive_name=archive_name, moved_from=store.moved_from)
    with storage_errors():   # nothing was changed: the store failed before or while writing
        write_intent(repo.backend, intent)
        settle_when_done(db, repo, intent)
        result = store(repo, request.name, stamp, current is not None)
    if archived is not None and result.archive_name is None:
        archived.archive_name = ""      # the current object was missing: nothing archived
        db.flush()
    return Published(image, archived is not None, log_id)


def _record_versions(db: DbSession, request: PublishRequest, current: Image | None,
                     stamp: datetime, archive_name: str) -> tuple[Image, OldImage | None]:
    """The new current row, and the superseded one copied to ``oldimage`` (if any)."""
    if current is None:
        # One statement writes the row; the object then joins the session as if it had
        # been read back (no unit-of-work flush, no second SELECT).
        image = Image(name=request.name)
        _fill(image, request, stamp)
        execute(db, _INSERT_IMAGE, {column: getattr(image, column)
                                    for column in ("name", *VERSION_COLUMNS)})
        make_transient_to_detached(image)
        db.add(image)
        return image, None
    archived = OldImage(name=request.name, archive_name=archive_name, deleted=0,
                        **{column: getattr(current, column) for column in VERSION_COLUMNS})
    db.add(archived)
    _fill(current, request, stamp)
    return current, archived


def _record_change(db: DbSession, repo: FileRepo, request: PublishRequest,
                   stamp: datetime) -> None:
    """Other watchers notified; the uploader's watch, if wanted."""
    title = file_title(request.name)
    note_change(db, title, request.user.id, stamp)
    if request.watch:
        watch(db, repo.settings, request.user.id, title, request.watch_expiry)


def _log(db: DbSession, request: PublishRequest, action: str, stamp: datetime, sha1: str,
         page_id: int) -> int:
    """The upload/upload or upload/overwrite entry, with the upload's tags."""
    params: dict[str, Any] = {"img_sha1": sha1, "img_timestamp": mw_timestamp(stamp)}
    return add_log_entry(db, "upload", action, request.user, file_title(request.name),
                         page_id=page_id, comment=request.comment, params=params,
                         tags=request.tags, timestamp=stamp)


def _describe(db: DbSession, request: PublishRequest, stamp: datetime) -> SavedEdit:
    """Create the description page, or add a null revision carrying the comment."""
    title = file_title(request.name)
    page = find_page(db, title)
    if page is None:
        text = request.text if request.text is not None else request.comment
        return add_revision(db, title, None, text, request.comment, request.user,
                            tags=request.tags, timestamp=stamp)
    latest = latest_revision(db, page)
    return add_revision(db, title, page, latest.content if latest else "", request.comment,
                        request.user, tags=request.tags, timestamp=stamp, count_edit=False)
