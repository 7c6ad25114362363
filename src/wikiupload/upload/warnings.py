"""Upload warnings, one function each, assembled in MediaWiki's order and shapes.

The result is a JSON-serialisable ``dict[code, value]`` (jobs store it as it is).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from wikiupload.db.file_models import FileArchive, Image, OldImage
from wikiupload.db.models import Page
from wikiupload.filerepo.repo import normalize_extension, sha1_base36
from wikiupload.timestamps import iso

# Camera-generated name prefixes (the default of MediaWiki's filename-prefix-blacklist).
CAMERA_PREFIXES = ("CIMG", "DSC_", "DSCF", "DSCN", "DUW", "IMG", "JD", "MGP", "PICT")
NS_FILE = 6


@dataclass(frozen=True)
class Candidate:
    """The upload as warnings see it: final DB-key name, requested name, content hash."""

    name: str
    requested: str
    sha1: str            # hex
    size: int
    extension: str


def bad_filename(candidate: Candidate) -> str | None:
    comparable = candidate.requested.replace(" ", "_")
    comparable = comparable[:1].upper() + comparable[1:]
    if candidate.name not in (candidate.requested, comparable):
        return candidate.name
    return None


def unwanted_type(extension: str, allowed: list[str], check: bool) -> list[Any] | None:
    extensions = list(dict.fromkeys(allowed))
    if not check or extension.lower() in extensions:
        return None
    return [extension, ", ".join(extensions), len(extensions)]


def size_warnings(size: int, warn_above: int) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if warn_above and size > warn_above:
        found["large-file"] = [{"size": warn_above}, {"size": size}]
    if size == 0:
        found["empty-file"] = True
    return found


def _split(name: str) -> tuple[str, str]:
    if "." not in name[1:]:
        return name, ""
    base, _, extension = name.rpartition(".")
    return base, extension


def is_thumb_name(name: str) -> bool:
    base, _ = _split(name)
    return (base[3:6] == "px-" or base[2:5] == "px-") and bool(re.match(r"\d{2}", base[:2]))


def exists_family(db: DbSession, name: str) -> tuple[str, str] | None:
    """(warning code, name to report) for the first matching case, or None."""
    if db.get(Image, name) is not None:
        return "exists", name
    page = db.scalars(select(Page.id).where(Page.namespace == NS_FILE, Page.title == name))
    if page.first() is not None:
        return "page-exists", name
    base, extension = _split(name)
    normalized = normalize_extension(extension) if extension else ""
    if normalized != extension and db.get(Image, f"{base}.{normalized}") is not None:
        return "exists-normalized", f"{base}.{normalized}"
    similar = db.scalars(select(Image.name).where(Image.name.startswith(f"{base}.",
                                                                        autoescape=True))
                         .order_by(Image.name).limit(1)).first()
    if similar is not None:
        return "exists-normalized", similar
    if is_thumb_name(name):
        original = f"{base.split('-', 1)[1]}.{extension}"
        return ("thumb" if db.get(Image, original) is not None else "thumb-name"), name
    if any(base.startswith(prefix) for prefix in CAMERA_PREFIXES):
        return "bad-prefix", name
    return None


def was_deleted(db: DbSession, name: str) -> bool:
    if db.get(Image, name) is not None:
        return False
    found = db.scalars(select(FileArchive.id).where(FileArchive.name == name).limit(1))
    return found.first() is not None


def duplicates(db: DbSession, sha1_b36: str, exclude: str | None) -> list[str]:
    names = db.scalars(select(Image.name).where(Image.sha1 == sha1_b36).order_by(Image.name))
    return [n for n in names if n != exclude]


def archived_duplicate(db: DbSession, sha1_b36: str, may_see_deleted: bool) -> str | None:
    row = db.scalars(select(FileArchive).where(FileArchive.sha1 == sha1_b36)
                     .order_by(FileArchive.id).limit(1)).first()
    if row is None:
        return None
    hidden = bool(row.deleted & 1)
    return row.name if may_see_deleted or not hidden else ""


def check_warnings(db: DbSession, candidate: Candidate, *, allowed_extensions: list[str],
                   check_extensions: bool, size_warning: int,
                   may_see_deleted: bool) -> dict[str, Any]:
    """All warnings for an upload, keyed and ordered as ApiUpload reports them."""
    found: dict[str, Any] = {}
    bad = bad_filename(candidate)
    if bad is not None:
        found["badfilename"] = bad
    unwanted = unwanted_type(candidate.extension, allowed_extensions, check_extensions)
    if unwanted is not None:
        found["filetype-unwanted-type"] = unwanted
    found.update(size_warnings(candidate.size, size_warning))
    sha1_b36 = sha1_base36(candidate.sha1)
    existing = exists_family(db, candidate.name)
    if was_deleted(db, candidate.name):
        found["was-deleted"] = candidate.name
    dupes = duplicates(db, sha1_b36, candidate.name if existing else None)
    if dupes:
        found["duplicate"] = dupes
    archived = archived_duplicate(db, sha1_b36, may_see_deleted)
    if archived is not None:
        found["duplicate-archive"] = archived
    if existing is not None:
        found[existing[0]] = existing[1]
        found.update(_version_warnings(db, candidate.name, sha1_b36))
    return found


def _version_warnings(db: DbSession, name: str, sha1_b36: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    current = db.get(Image, name)
    if current is not None and current.sha1 == sha1_b36:
        found["nochange"] = {"timestamp": iso(current.timestamp)}
    old = db.scalars(select(OldImage).where(OldImage.name == name, OldImage.sha1 == sha1_b36)
                     .order_by(OldImage.timestamp.desc()))
    versions = [{"timestamp": iso(row.timestamp)} for row in old]
    if versions:
        found["duplicateversions"] = versions
    return found
