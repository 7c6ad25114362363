"""FileRepo: MediaWiki's file layout and URLs on top of a StorageBackend.

Layout (see includes/filerepo/FileRepo.php, LocalRepo.php, file/LocalFile.php), with two
hash levels taken from the md5 of the DB key (underscores)::

    3/39/Name.png                         current version ("public" zone)
    archive/3/39/20240102030405!Name.png  old versions, named when superseded
    thumb/3/39/Name.png/120px-Name.png    thumbnails
    temp/3/39/20240102030405!stashkey.png stash (hash of the part after "!")
    deleted/a/b/c/<sha1 base 36>.png      deleted versions, one object per content

Callers must serialise changes to one file name (e.g. by locking its ``image`` row): the
repository makes each object change atomic, not a sequence of them.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal
from urllib.parse import quote

from wikiupload.config import Settings
from wikiupload.filerepo.backends import (
    AlreadyExists,
    LocalBackend,
    StorageBackend,
    backend_from_url,
)
from wikiupload.filerepo.background_sync import BackgroundSync

__all__ = [
    "FileRepo",
    "Location",
    "PublishResult",
    "mw_timestamp",
    "normalize_extension",
    "sha1_base36",
    "sha1_hex",
]

ARCHIVE_ZONE = "archive"
THUMB_ZONE = "thumb"
TEMP_ZONE = "temp"
DELETED_ZONE = "deleted"
SHA1_BASE36_LENGTH = 31
_BASE36_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
_ARCHIVE_NAME = re.compile(r"(\d{14})!([^/]+)")
_HASH_DIR = re.compile(r"[0-9a-f]/[0-9a-f]{2}/")
_EXTENSION_ALIASES = {"jpeg": "jpg", "htm": "html", "mpeg": "mpg", "tiff": "tif", "ogv": "ogg"}
_ABSOLUTE_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)


@functools.lru_cache(maxsize=256)      # an upload converts its digest several times
def sha1_base36(hex_digest: str) -> str:
    """A 40-digit hex SHA-1 as MediaWiki stores it: base 36, lowercase, 31 digits."""
    if not re.fullmatch(r"[0-9a-fA-F]{40}", hex_digest):
        raise ValueError(f"not a hex SHA-1: {hex_digest!r}")
    number = int(hex_digest, 16)
    digits = []
    while number:
        number, digit = divmod(number, 36)
        digits.append(_BASE36_DIGITS[digit])
    return "".join(reversed(digits)).rjust(SHA1_BASE36_LENGTH, "0")


def sha1_hex(base36: str) -> str:
    """The inverse of sha1_base36: 40 lowercase hex digits."""
    if not re.fullmatch(r"[0-9a-zA-Z]{1,31}", base36) or int(base36, 36) >= 1 << 160:
        raise ValueError(f"not a base-36 SHA-1: {base36!r}")
    return format(int(base36, 36), "040x")


def normalize_extension(extension: str) -> str:
    """File::normalizeExtension: lowercase, common aliases folded, '' if not [0-9a-z]+."""
    lower = extension.lower()
    lower = _EXTENSION_ALIASES.get(lower, lower)
    return lower if re.fullmatch(r"[0-9a-z]+", lower) else ""


def extension_of(name: str) -> str:
    """The normalised extension of a file name ('' when there is none)."""
    _, dot, extension = name.rpartition(".")
    return normalize_extension(extension) if dot else ""


def mw_timestamp(when: datetime | str) -> str:
    """YYYYMMDDHHMMSS in UTC; naive datetimes are taken as UTC."""
    if isinstance(when, str):
        if not re.fullmatch(r"\d{14}", when):
            raise ValueError(f"not a 14-digit timestamp: {when!r}")
        return when
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return when.strftime("%Y%m%d%H%M%S")


@dataclass(frozen=True)
class PublishResult:
    """What publish() did: the new current object and, if one was kept, the old version."""

    path: str
    archive_name: str | None = None
    archive_path: str | None = None

    @property
    def archived(self) -> bool:
        return self.archive_name is not None


@dataclass(frozen=True)
class Location:
    """A publicly served object, parsed back from its path (see FileRepo.locate)."""

    zone: Literal["public", "archive", "thumb"]
    name: str
    archive_name: str = ""
    thumb_name: str = ""


class FileRepo:
    """Hashed paths, archive names, deleted keys and URLs; file operations for uploads."""

    def __init__(self, backend: StorageBackend, settings: Settings) -> None:
        self.backend = backend
        self.settings = settings

    @classmethod
    def from_settings(cls, settings: Settings) -> FileRepo:
        """The repository at ``settings.storage_url`` (empty: data_dir/images)."""
        options = None
        if settings.storage_url.startswith("s3:"):
            from wikiupload.filerepo.backends.s3 import S3Options

            options = S3Options(
                endpoint_url=settings.s3_endpoint_url, region=settings.s3_region,
                access_key=settings.s3_access_key, secret_key=settings.s3_secret_key,
                addressing_style=settings.s3_addressing_style,
                connect_timeout=settings.s3_connect_timeout,
                read_timeout=settings.s3_read_timeout, max_attempts=settings.s3_max_attempts)
        backend = backend_from_url(settings.storage_url, settings.data_dir / "images", options)
        if isinstance(backend, LocalBackend):
            backend.fsync = settings.fsync
        return cls(backend, settings)

    @property
    def syncs_local_files(self) -> bool:
        """Whether a local file is stored by renaming it into a store that fsyncs (a local
        store with the fsync setting on), so that syncing it early pays."""
        return isinstance(self.backend, LocalBackend) and self.backend.fsync

    def sync_ahead(self, source: Path) -> BackgroundSync | None:
        """Start syncing a local file that is to be stored, in a thread; None when storing
        it needs no fsync (another store, or the fsync setting off)."""
        return BackgroundSync(source) if self.syncs_local_files else None

    # -- paths -------------------------------------------------------------------------------

    @staticmethod
    def hash_path(name: str) -> str:
        """``3/39/``: the md5 of the DB key, one and two hex digits."""
        digest = hashlib.md5(name.encode("utf-8"), usedforsecurity=False).hexdigest()
        return f"{digest[0]}/{digest[:2]}/"

    def public_path(self, name: str) -> str:
        return self.hash_path(_checked_name(name)) + name

    @staticmethod
    def archive_name(timestamp: datetime | str, name: str) -> str:
        """``YYYYMMDDHHMMSS!Name``: how a version superseded at ``timestamp`` is kept."""
        return f"{mw_timestamp(timestamp)}!{_checked_name(name)}"

    def archive_path(self, archive_name: str) -> str:
        match = _ARCHIVE_NAME.fullmatch(archive_name)
        if match is None:
            raise ValueError(f"not an archive name: {archive_name!r}")
        return f"{ARCHIVE_ZONE}/{self.hash_path(match.group(2))}{archive_name}"

    def thumb_dir(self, name: str) -> str:
        return f"{THUMB_ZONE}/{self.public_path(name)}"

    def thumb_path(self, name: str, thumb_name: str) -> str:
        return f"{self.thumb_dir(name)}/{_checked_name(thumb_name)}"

    @staticmethod
    def thumb_name(name: str, width: int, thumb_extension: str = "") -> str:
        """``120px-Name.png``; ``120px-Name.svg.png`` when rendered to another format."""
        thumb_name = f"{width}px-{name}"
        if thumb_extension and normalize_extension(thumb_extension) != extension_of(name):
            thumb_name += f".{thumb_extension}"
        return thumb_name

    def temp_path(self, temp_name: str) -> str:
        """Stash objects: hashed on the part after ``!`` (the whole name if there is none)."""
        hashed = temp_name.partition("!")[2] or temp_name
        return f"{TEMP_ZONE}/{self.hash_path(hashed)}{_checked_name(temp_name)}"

    @staticmethod
    def deleted_key(sha1: str, name: str) -> str:
        """Storage key of deleted content: base-36 SHA-1 plus the normalised extension."""
        if not re.fullmatch(r"[0-9a-z]{31}", sha1):
            raise ValueError(f"not a 31-digit base-36 SHA-1: {sha1!r}")
        extension = extension_of(name)
        return f"{sha1}.{extension}" if extension else sha1

    @staticmethod
    def deleted_path(key: str) -> str:
        if not re.fullmatch(r"[0-9a-z]{31}(\.[0-9a-z]+)?", key):
            raise ValueError(f"not a deleted-file key: {key!r}")
        return f"{DELETED_ZONE}/{key[0]}/{key[1]}/{key[2]}/{key}"

    def locate(self, path: str) -> Location | None:
        """Parse a public path back (current, archive, thumb); None for anything else."""
        zone: Literal["public", "archive", "thumb"] = "public"
        if path.startswith((f"{ARCHIVE_ZONE}/", f"{THUMB_ZONE}/")):
            zone = "archive" if path.startswith(ARCHIVE_ZONE) else "thumb"
            path = path.partition("/")[2]
        if zone == "thumb" and path.startswith(f"{ARCHIVE_ZONE}/"):
            return self._locate_archived_thumb(path.partition("/")[2])
        if not _HASH_DIR.match(path):
            return None
        hashed, rest = path[:5], path[5:]
        parts = rest.split("/")
        if zone == "thumb" and len(parts) == 2 and all(parts):
            location = Location("thumb", parts[0], thumb_name=parts[1])
        elif zone == "archive" and (match := _ARCHIVE_NAME.fullmatch(rest)):
            location = Location("archive", match.group(2), archive_name=rest)
        elif zone == "public" and len(parts) == 1 and rest:
            location = Location("public", rest)
        else:
            return None
        return location if self.hash_path(location.name) == hashed else None

    def _locate_archived_thumb(self, path: str) -> Location | None:
        """``h/hh/<archive name>/<thumb name>``: a thumbnail of an old version."""
        if not _HASH_DIR.match(path):
            return None
        hashed, parts = path[:5], path[5:].split("/")
        if len(parts) != 2 or not parts[1] or not (match := _ARCHIVE_NAME.fullmatch(parts[0])):
            return None
        location = Location("thumb", match.group(2), archive_name=parts[0], thumb_name=parts[1])
        return location if self.hash_path(location.name) == hashed else None

    def archive_thumb_dir(self, archive_name: str) -> str:
        """Where the thumbnails of an old version go (``thumb/archive/h/hh/<archive name>``)."""
        name = archive_name.partition("!")[2]
        return f"{THUMB_ZONE}/{ARCHIVE_ZONE}/{self.hash_path(name)}{archive_name}"

    # -- URLs --------------------------------------------------------------------------------

    @property
    def url_root(self) -> str:
        """``$wgServer$wgUploadPath``, or the upload path itself if it is a full URL."""
        upload_path = self.settings.upload_path.rstrip("/")
        if _ABSOLUTE_URL.match(upload_path):
            return upload_path
        return self.settings.base_url + upload_path

    def url(self, name: str) -> str:
        return f"{self.url_root}/{self.hash_path(name)}{quote(name, safe='')}"

    def archive_url(self, archive_name: str) -> str:
        name = archive_name.partition("!")[2]
        return (f"{self.url_root}/{ARCHIVE_ZONE}/{self.hash_path(name)}"
                f"{quote(archive_name, safe='')}")

    def thumb_url(self, name: str, thumb_name: str) -> str:
        return (f"{self.url_root}/{THUMB_ZONE}/{self.hash_path(name)}{quote(name, safe='')}"
                f"/{quote(thumb_name, safe='')}")

    # -- operations --------------------------------------------------------------------------

    def publish(self, name: str, source: Path, *, timestamp: datetime | str,
                move: bool = True, archive: bool = True,
                source_synced: bool = False) -> PublishResult:
        """Make ``source`` the current version of ``name``.

        With ``archive`` (the caller has a current version on record), the stored current
        object is first copied to ``archive/…/<timestamp>!<name>``; then the current object
        is replaced atomically. If the replacement fails the archive copy is removed again.
        ``source_synced``: the caller has fsynced ``source`` (see ``sync_ahead``).
        """
        return self._publish(name, timestamp, archive, lambda target: self.backend.put_file(
            target, source, move=move, source_synced=source_synced))

    def publish_stored(self, name: str, stored_path: str, *, timestamp: datetime | str,
                       archive: bool = True, move: bool = False) -> PublishResult:
        """publish() from an object already in the store (stash, filerevert, undelete);
        ``move`` renames it into place instead of copying it."""
        transfer = self.backend.move if move else self.backend.copy
        return self._publish(name, timestamp, archive,
                             lambda target: transfer(stored_path, target))

    def _publish(self, name: str, timestamp: datetime | str, archive: bool,
                 store: Callable[[str], None]) -> PublishResult:
        target = self.public_path(name)
        archive_name = archive_path = None
        if archive and self.backend.exists(target):
            archive_name = self.archive_name(timestamp, name)
            archive_path = self.archive_path(archive_name)
            self.backend.copy(target, archive_path, overwrite=False)
        try:
            store(target)
        except BaseException:
            if archive_path is not None:
                self.backend.delete(archive_path, missing_ok=True)
            raise
        return PublishResult(target, archive_name, archive_path)

    def store_deleted(self, path: str, *, sha1: str, name: str) -> str:
        """Move a current or archived object to the deleted zone; returns its storage key.

        Identical content deleted before is kept once: the object is then just removed.
        """
        key = self.deleted_key(sha1, name)
        try:
            self.backend.move(path, self.deleted_path(key), overwrite=False)
        except AlreadyExists:
            self.backend.delete(path)
        return key

    def restore_archived(self, key: str, archive_name: str) -> str:
        """Copy deleted content back as an old version; returns the archive path."""
        target = self.archive_path(archive_name)
        self.backend.copy(self.deleted_path(key), target, overwrite=False)
        return target

    def purge_deleted(self, key: str) -> None:
        """Drop deleted content (once no filearchive row refers to the key)."""
        self.backend.delete(self.deleted_path(key), missing_ok=True)

    def purge_thumbs(self, name: str) -> list[str]:
        """Delete every thumbnail of ``name``; returns the deleted paths."""
        paths = list(self.backend.iter(self.thumb_dir(name) + "/"))
        for path in paths:
            self.backend.delete(path, missing_ok=True)
        return paths


def _checked_name(name: str) -> str:
    """A name usable as one path segment (titles never contain these, but be safe)."""
    if not name or "/" in name or "\\" in name or "\x00" in name or name in (".", ".."):
        raise ValueError(f"not a file name: {name!r}")
    return name
