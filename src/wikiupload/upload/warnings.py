"""Upload warnings, one function each, assembled in MediaWiki's order and shapes.

The result is a JSON-serialisable ``dict[code, value]`` (jobs store it as it is).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from wikiupload.db.file_models import FileArchive, Image, OldImage
from wikiupload.db.models import Page
from wikiupload.filerepo.repo import normalize_extension, sha1_base36
from wikiupload.timestamps import iso
from wikiupload.upload.filenames import is_thumb_name, split_name

NAME_WARNINGS = ("badfilename", "filetype-unwanted-type")
NAME_ONLY_FAMILY = ("thumb-name", "bad-prefix")

NS_FILE = 6


@dataclass(frozen=True)
class Candidate:
    """The upload as warnings see it: final DB-key name, content hash and size."""

    name: str
    sha1: str            # hex
    size: int


def size_warnings(size: int, warn_above: int) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if warn_above and size > warn_above:
        found["large-file"] = [{"size": warn_above}, {"size": size}]
    if size == 0:
        found["empty-file"] = True
    return found


def exists_family(db: DbSession, name: str, name_warning: tuple[str, str] | None,
                  ) -> tuple[str, str] | None:
    """(warning code, name to report) for the first matching case, or None.

    ``name_warning`` is the name-only member of the family (``thumb-name`` or ``bad-prefix``)
    that the title check found; the repository may turn it into a stronger one.
    """
    if db.get(Image, name) is not None:
        return "exists", name
    page = db.scalars(select(Page.id).where(Page.namespace == NS_FILE, Page.title == name))
    if page.first() is not None:
        return "page-exists", name
    base, extension = split_name(name)
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
    return name_warning


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


def check_warnings(db: DbSession, candidate: Candidate, name_warnings: dict[str, Any], *,
                   size_warning: int, may_see_deleted: bool,
                   foreign_duplicates: list[str] | None = None) -> dict[str, Any]:
    """All warnings for an upload, keyed and ordered as ApiUpload reports them.

    ``name_warnings`` are those of the title check (badfilename, filetype-unwanted-type and
    a name-only exists-family member). ``foreign_duplicates`` are the names of files with
    the same content in foreign repositories: RepoGroup::findBySha1 merges them with the
    local ones, sorted by name, and never drops them for being the target itself. The exists
    family looks at the local file only, as UploadBase::checkWarnings does in 1.39.
    """
    found: dict[str, Any] = {key: name_warnings[key] for key in NAME_WARNINGS
                             if key in name_warnings}
    found.update(size_warnings(candidate.size, size_warning))
    family = next(((k, v) for k, v in name_warnings.items() if k in NAME_ONLY_FAMILY), None)
    existing = exists_family(db, candidate.name, family)
    sha1_b36 = sha1_base36(candidate.sha1)
    if was_deleted(db, candidate.name):
        found["was-deleted"] = candidate.name
    dupes = duplicates(db, sha1_b36, candidate.name if existing else None)
    if foreign_duplicates:
        dupes = sorted([*dupes, *foreign_duplicates])
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
