"""Upload warnings, one function each, assembled in MediaWiki's order and shapes.

The result is a JSON-serialisable ``dict[code, value]`` (jobs store it as it is).

What the database says about the name is one statement (:func:`read_name_state`: a current
version, a page, deleted versions, similarly named files), plus the current version's row
when there is one (:func:`look_up_name`, which the caller may do once for its own checks
too). Every statement is built once, at import, with bound parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, case, select
from sqlalchemy.orm import Session as DbSession

from wikiupload.db.file_models import FileArchive, Image, OldImage
from wikiupload.db.models import Page
from wikiupload.db.rows import execute
from wikiupload.filerepo.repo import normalize_extension, sha1_base36
from wikiupload.timestamps import iso
from wikiupload.upload.filenames import is_thumb_name, split_name

NAME_WARNINGS = ("badfilename", "filetype-unwanted-type")
NAME_ONLY_FAMILY = ("thumb-name", "bad-prefix")

NS_FILE = 6
LIKE_ESCAPE = "/"


@dataclass(frozen=True)
class Candidate:
    """The upload as warnings see it: final DB-key name, content hash and size."""

    name: str
    sha1: str            # hex
    size: int


@dataclass(frozen=True)
class NameState:
    """What the database holds under a name."""

    exists: bool           # a current version
    page_exists: bool      # a description page
    deleted: bool          # deleted versions (filearchive)
    similar: str | None    # the first file named "<base>.<anything>"


# A file, a page, a deleted version and a similarly named file: one statement. The similar
# names (a LIKE, which may scan) are looked for only when the name has no file.
_CURRENT = select(Image.name).where(Image.name == bindparam("name")).scalar_subquery()
_SIMILAR = (select(Image.name).where(Image.name.like(bindparam("prefix"), escape=LIKE_ESCAPE))
            .order_by(Image.name).limit(1).scalar_subquery())
_NAME_STATE = select(
    _CURRENT,
    select(Page.id).where(Page.namespace == NS_FILE, Page.title == bindparam("name"))
    .limit(1).scalar_subquery(),
    select(FileArchive.id).where(FileArchive.name == bindparam("name"))
    .limit(1).scalar_subquery(),
    case((_CURRENT.is_(None), _SIMILAR)),
)
_DUPLICATES = select(Image.name).where(Image.sha1 == bindparam("sha1")).order_by(Image.name)
_ARCHIVED = (select(FileArchive.name, FileArchive.deleted)
             .where(FileArchive.sha1 == bindparam("sha1")).order_by(FileArchive.id).limit(1))
_OLD_VERSIONS = (select(OldImage.timestamp)
                 .where(OldImage.name == bindparam("name"), OldImage.sha1 == bindparam("sha1"))
                 .order_by(OldImage.timestamp.desc()))


def like_prefix(prefix: str) -> str:
    """A LIKE pattern (escape character ``/``) for names starting with ``prefix``."""
    escaped = (prefix.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", LIKE_ESCAPE + "%")
               .replace("_", LIKE_ESCAPE + "_"))
    return escaped + "%"


@dataclass(frozen=True)
class NameLookup:
    """A name's state and its current version (None when there is none)."""

    state: NameState
    current: Image | None


def read_name_state(db: DbSession, name: str) -> NameState:
    base, _ = split_name(name)
    current, page_id, deleted_id, similar = tuple(execute(
        db, _NAME_STATE, {"name": name, "prefix": like_prefix(f"{base}.")}).one())
    return NameState(current is not None, page_id is not None, deleted_id is not None, similar)


def look_up_name(db: DbSession, name: str) -> NameLookup:
    """The name's state, and its current version's row when it has one."""
    state = read_name_state(db, name)
    return NameLookup(state, db.get(Image, name) if state.exists else None)


def size_warnings(size: int, warn_above: int) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if warn_above and size > warn_above:
        found["large-file"] = [{"size": warn_above}, {"size": size}]
    if size == 0:
        found["empty-file"] = True
    return found


def exists_family(db: DbSession, name: str, state: NameState,
                  name_warning: tuple[str, str] | None) -> tuple[str, str] | None:
    """(warning code, name to report) for the first matching case, or None.

    ``name_warning`` is the name-only member of the family (``thumb-name`` or ``bad-prefix``)
    that the title check found; the repository may turn it into a stronger one.
    """
    if state.exists:
        return "exists", name
    if state.page_exists:
        return "page-exists", name
    base, extension = split_name(name)
    normalized = normalize_extension(extension) if extension else ""
    if normalized != extension and db.get(Image, f"{base}.{normalized}") is not None:
        return "exists-normalized", f"{base}.{normalized}"
    if state.similar is not None:
        return "exists-normalized", state.similar
    if is_thumb_name(name):
        original = f"{base.split('-', 1)[1]}.{extension}"
        return ("thumb" if db.get(Image, original) is not None else "thumb-name"), name
    return name_warning


def duplicates(db: DbSession, sha1_b36: str, exclude: str | None) -> list[str]:
    names = execute(db, _DUPLICATES, {"sha1": sha1_b36}).scalars()
    return [n for n in names if n != exclude]


def archived_duplicate(db: DbSession, sha1_b36: str, may_see_deleted: bool) -> str | None:
    row = execute(db, _ARCHIVED, {"sha1": sha1_b36}).first()
    if row is None:
        return None
    name, deleted = tuple(row)
    hidden = bool(deleted & 1)
    return str(name) if may_see_deleted or not hidden else ""


def _family_member(name_warnings: dict[str, Any]) -> tuple[str, str] | None:
    return next(((k, v) for k, v in name_warnings.items() if k in NAME_ONLY_FAMILY), None)


def _name_part(db: DbSession, name: str, name_warnings: dict[str, Any], state: NameState,
               ) -> tuple[bool, tuple[str, str] | None]:
    """(was deleted, exists-family member) for the name."""
    return state.deleted and not state.exists, exists_family(db, name, state,
                                                             _family_member(name_warnings))


def check_name_warnings(db: DbSession, name: str, name_warnings: dict[str, Any],
                        ) -> dict[str, Any]:
    """The warnings that depend on the name alone, keyed and ordered as ApiUpload reports
    them (what a chunk gets: the content warnings wait for the whole file)."""
    found: dict[str, Any] = {key: name_warnings[key] for key in NAME_WARNINGS
                             if key in name_warnings}
    deleted, existing = _name_part(db, name, name_warnings, read_name_state(db, name))
    if deleted:
        found["was-deleted"] = name
    if existing is not None:
        found[existing[0]] = existing[1]
    return found


def check_warnings(db: DbSession, candidate: Candidate, name_warnings: dict[str, Any], *,
                   size_warning: int, may_see_deleted: bool,
                   foreign_duplicates: list[str] | None = None,
                   lookup: NameLookup | None = None) -> dict[str, Any]:
    """All warnings for an upload, keyed and ordered as ApiUpload reports them.

    ``name_warnings`` are those of the title check (badfilename, filetype-unwanted-type and
    a name-only exists-family member). ``foreign_duplicates`` are the names of files with
    the same content in foreign repositories: RepoGroup::findBySha1 merges them with the
    local ones, sorted by name, and never drops them for being the target itself. The exists
    family looks at the local file only, as UploadBase::checkWarnings does in 1.39.
    ``lookup``: the name as the caller looked it up in this transaction (else done here).
    """
    found: dict[str, Any] = {key: name_warnings[key] for key in NAME_WARNINGS
                             if key in name_warnings}
    found.update(size_warnings(candidate.size, size_warning))
    lookup = lookup or look_up_name(db, candidate.name)
    deleted, existing = _name_part(db, candidate.name, name_warnings, lookup.state)
    sha1_b36 = sha1_base36(candidate.sha1)
    if deleted:
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
        found.update(_version_warnings(db, candidate.name, lookup.current, sha1_b36))
    return found


def _version_warnings(db: DbSession, name: str, current: Image | None,
                      sha1_b36: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if current is not None and current.sha1 == sha1_b36:
        found["nochange"] = {"timestamp": iso(current.timestamp)}
    old = execute(db, _OLD_VERSIONS, {"name": name, "sha1": sha1_b36}).scalars()
    versions = [{"timestamp": iso(stamp)} for stamp in old]
    if versions:
        found["duplicateversions"] = versions
    return found
