"""The upload stash: files kept in the repository's temp zone until published, per user."""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session as DbSession

from wikiupload.db.stash_models import StashedFile
from wikiupload.errors import ApiError
from wikiupload.filerepo.background_sync import BackgroundSync
from wikiupload.filerepo.chunkstore import chunk_store_for
from wikiupload.filerepo.failures import storage_errors
from wikiupload.filerepo.repo import THUMB_ZONE, FileRepo, mw_timestamp, normalize_extension
from wikiupload.timestamps import utc

KEY_PATTERN = re.compile(r"^[\w\-.]+\.\w*$")
_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"
# A stashed file by its key, with a statement built once (every chunk and publish reads one).
BY_KEY = select(StashedFile).where(StashedFile.key == bindparam("key"))


def base36(number: int) -> str:
    digits = ""
    while True:
        number, rest = divmod(number, 36)
        digits = _B36[rest] + digits
        if number == 0:
            return digits


def new_key(user_id: int, extension: str) -> str:
    """``<time base 36>.<random base 36>.<user id>.<ext>``, the shape of MediaWiki's keys."""
    stamp = base36(int(time.time() * 1_000_000))
    return f"{stamp}.{base36(secrets.randbits(32))}.{user_id}.{extension}"


def key_is_valid(key: str) -> bool:
    return bool(KEY_PATTERN.match(key))


def expiry_cutoff(max_age: int, now: datetime | None = None) -> datetime:
    """Stash rows last touched before this moment have expired (``upload_stash_max_age``)."""
    return (now or datetime.now(UTC)) - timedelta(seconds=max_age)


def thumb_dir(path: str) -> str:
    """Where the thumbnails of the stashed object at ``path`` (``temp/…``) are kept."""
    return f"{THUMB_ZONE}/{path}"


@dataclass(frozen=True)
class FileFacts:
    """What verification learned about a file, kept with the stashed copy."""

    size: int
    sha1: str
    mime: str
    media_type: str = "UNKNOWN"
    width: int = 0
    height: int = 0
    bits: int = 0
    metadata: Any = None


class UploadStash:
    """Stash rows plus their bytes under ``temp/`` of the file repository."""

    def __init__(self, db: DbSession, repo: FileRepo) -> None:
        self.db = db
        self.repo = repo

    def store(self, source: Path, *, user_id: int, orig_name: str, facts: FileFacts,
              source_type: str = "file", move: bool = True,
              synced: BackgroundSync | None = None) -> StashedFile:
        """Move (or copy) a local file into the stash and record it (``synced``: its fsync,
        started earlier)."""
        row = self._new_row(user_id, orig_name, facts, source_type)
        with storage_errors("stashfailed"):
            on_disk = synced is not None and synced.on_disk()
            self.repo.backend.put_file(row.path, source, move=move, source_synced=on_disk)
        self.db.add(row)
        self.db.flush()
        return row

    def record(self, *, user_id: int, orig_name: str, facts: FileFacts,
               source_type: str = "file") -> StashedFile:
        """A new row whose bytes the caller stores at ``row.path`` (chunk sessions)."""
        row = self._new_row(user_id, orig_name, facts, source_type)
        self.db.add(row)
        self.db.flush()
        return row

    def adopt(self, path: str, *, user_id: int, orig_name: str, facts: FileFacts,
              source_type: str = "file") -> StashedFile:
        """Record an object already stored in the temp zone under a new key (no copy)."""
        row = self._new_row(user_id, orig_name, facts, source_type)
        row.path = path
        self.db.add(row)
        self.db.flush()
        return row

    def _new_row(self, user_id: int, orig_name: str, facts: FileFacts,
                 source_type: str) -> StashedFile:
        extension = normalize_extension(orig_name.rsplit(".", 1)[-1]) if "." in orig_name else ""
        key = new_key(user_id, extension)
        now = datetime.now(UTC).replace(microsecond=0)
        temp_name = f"{mw_timestamp(now)}!{key}"
        return StashedFile(
            key=key, user_id=user_id, path=self.repo.temp_path(temp_name), orig_name=orig_name,
            temp_name=temp_name, size=facts.size, sha1=facts.sha1, mime=facts.mime,
            media_type=facts.media_type, width=facts.width, height=facts.height,
            bits=facts.bits, props=json.dumps({"metadata": facts.metadata}),
            source_type=source_type, status="finished", chunk_index=0, timestamp=now,
            assembly="")

    def get(self, key: str, user_id: int) -> StashedFile:
        """The stashed file for a key, with MediaWiki's checks and error codes in order."""
        if not key_is_valid(key):
            raise ApiError("uploadstash-bad-path-bad-format", key)
        if user_id == 0:
            raise ApiError("stashnotloggedin")
        row = self.db.scalars(BY_KEY, {"key": key}).first()
        if row is None or self.is_expired(row):
            raise ApiError("uploadstash-file-not-found", key)
        if row.status == "finished" and row.size == 0:
            raise ApiError("uploadstash-zero-length")
        if row.status == "finished" and not self.repo.backend.exists(row.path):
            raise ApiError("uploadstash-bad-path")
        if row.user_id != user_id:
            raise ApiError("uploadstash-wrong-owner", key)
        return row

    def is_expired(self, row: StashedFile) -> bool:
        """Older than ``upload_stash_max_age``: treated as gone before cleanup removes it."""
        return utc(row.timestamp) < expiry_cutoff(self.repo.settings.upload_stash_max_age)

    def remove(self, row: StashedFile) -> None:
        """Forget a stashed file and delete its bytes (of a chunk session: its parts too)."""
        store = chunk_store_for(self.repo) if row.status == "chunks" else None
        with storage_errors("stashfailed"):
            if store is not None:
                store.discard(row.path, row.assembly, row.key)
            else:
                self.repo.backend.delete(row.path, missing_ok=True)
        self.forget(row)

    def forget(self, row: StashedFile) -> None:
        """Forget a stashed file whose bytes were moved elsewhere (published)."""
        self.db.execute(delete(StashedFile).where(StashedFile.key == row.key))

    def files_of(self, user_id: int) -> list[StashedFile]:
        return list(self.db.scalars(select(StashedFile).where(StashedFile.user_id == user_id)
                                    .order_by(StashedFile.timestamp)))

    @staticmethod
    def metadata(row: StashedFile) -> Any:
        return json.loads(row.props or "{}").get("metadata")
