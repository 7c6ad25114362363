"""list=filearchive: deleted file versions, by name, then timestamp, then id.

As includes/api/ApiQueryFilearchive.php answers: descriptions need ``deletedhistory``,
metadata ``deletedtext`` or ``undelete``; size, dimensions and bit depth come out as
strings (database values); ``archivename`` only for versions that were old ones;
``facontinue`` is ``<name>|<timestamp>|<id>``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.sql.elements import ColumnElement

from wikiupload.api import registry
from wikiupload.api.context import ApiContext
from wikiupload.api.deletion_support import invalid_title
from wikiupload.api.hashparams import sha1_from_params
from wikiupload.api.params import Param
from wikiupload.api.query import QuerySubmodule
from wikiupload.comments import format_comment
from wikiupload.db.file_models import FileArchive
from wikiupload.errors import ApiError
from wikiupload.filerepo.repo import mw_timestamp, sha1_hex
from wikiupload.files.metadata import api_metadata, stored_metadata
from wikiupload.pages import find_page
from wikiupload.timestamps import iso, utc
from wikiupload.titles import NS_FILE, InvalidTitle, file_title, parse_title

__all__ = ["FileArchiveModule"]

PROPS = ("sha1", "timestamp", "user", "size", "dimensions", "description",
         "parseddescription", "mime", "mediatype", "metadata", "bitdepth", "archivename")
DELETED_FILE, DELETED_COMMENT, DELETED_USER, DELETED_RESTRICTED = 1, 2, 4, 8


@registry.register
class FileArchiveModule(QuerySubmodule):
    name = "filearchive"
    group = "list"
    prefix = "fa"
    class_name = "ApiQueryFilearchive"
    help_url = "https://www.mediawiki.org/wiki/Special:MyLanguage/API:Filearchive"
    description = "Enumerate all deleted files sequentially."
    examples = (("action=query&list=filearchive", "List all deleted files."),)
    params = (
        Param("from", "string", help="The file name to start enumerating from."),
        Param("to", "string", help="The file name to stop enumerating at."),
        Param("prefix", "string", help="Only files whose name begins with this value."),
        Param("dir", ("ascending", "descending"), default="ascending",
              help="The direction in which to list."),
        Param("sha1", "string", help="SHA-1 of the file (hex). Overrides fasha1base36."),
        Param("sha1base36", "string", help="SHA-1 of the file in base 36."),
        Param("prop", PROPS, default="timestamp", multi=True,
              help="Which file information to get."),
        Param("limit", "limit", default=10, min=1, max=500, highmax=5000,
              help="How many files to return in total."),
        Param("continue", "string",
              help="When more results are available, use this to continue."),
    )

    def execute(self, ctx: ApiContext, params: dict[str, Any]) -> None:
        props = set(params["prop"])
        if {"description", "parseddescription"} & props and not ctx.user.can("deletedhistory"):
            raise ApiError("apierror-cantview-deleted-description", code="permissiondenied")
        if "metadata" in props and not (ctx.user.can("deletedtext")
                                        or ctx.user.can("undelete")):
            raise ApiError("apierror-cantview-deleted-metadata", code="permissiondenied")
        state = self.state(ctx)
        if ctx.params.get("falimit", "").strip() == "max":
            state.limits["filearchive"] = int(params["limit"])
        limit = int(params["limit"])
        rows = list(ctx.db.scalars(_query(ctx, params).limit(limit + 1)))
        if len(rows) > limit:
            row = rows[limit]
            state.set_continue("filearchive", "facontinue",
                               f"{row.name}|{mw_timestamp(utc(row.timestamp))}|{row.id}")
            rows = rows[:limit]
        state.out["filearchive"] = [_describe(ctx, row, props) for row in rows]


def _query(ctx: ApiContext, params: dict[str, Any]) -> Any:
    descending = params["dir"] == "descending"
    query = select(FileArchive)
    if params["continue"] is not None:
        query = query.where(_after(params["continue"], descending))
    low, high = _key(ctx, params["from"]), _key(ctx, params["to"])
    if low is not None:
        query = query.where(FileArchive.name <= low if descending else FileArchive.name >= low)
    if high is not None:
        query = query.where(FileArchive.name >= high if descending
                            else FileArchive.name <= high)
    prefix = _key(ctx, params["prefix"])
    if prefix is not None:
        query = query.where(FileArchive.name.startswith(prefix, autoescape=True))
    sha1 = sha1_from_params(params["sha1"], params["sha1base36"])
    if sha1 is not None:
        query = query.where(FileArchive.sha1 == sha1)
        if not ctx.user.can("deletedtext"):
            query = query.where(FileArchive.deleted.op("&")(DELETED_FILE) == 0)
    if descending:
        return query.order_by(FileArchive.name.desc(), FileArchive.timestamp.desc(),
                              FileArchive.id.desc())
    return query.order_by(FileArchive.name, FileArchive.timestamp, FileArchive.id)


def _after(value: str, descending: bool) -> ColumnElement[bool]:
    parts = value.split("|")
    if len(parts) != 3 or not re.fullmatch(r"\d{14}", parts[1]) \
            or not re.fullmatch(r"-?\d+", parts[2]):
        raise ApiError("apierror-badcontinue")
    name, file_id = parts[0], int(parts[2])
    stamp = datetime.strptime(parts[1], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    if descending:
        return or_(FileArchive.name < name, and_(FileArchive.name == name, or_(
            FileArchive.timestamp < stamp,
            and_(FileArchive.timestamp == stamp, FileArchive.id <= file_id))))
    return or_(FileArchive.name > name, and_(FileArchive.name == name, or_(
        FileArchive.timestamp > stamp,
        and_(FileArchive.timestamp == stamp, FileArchive.id >= file_id))))


def _key(ctx: ApiContext, part: str | None) -> str | None:
    """A title fragment as a DB key in the File namespace (ApiQueryBase::titlePartToKey)."""
    if part is None:
        return None
    try:
        title = parse_title(f"File:{part}x", site_name=ctx.settings.sitename)
    except InvalidTitle:
        raise invalid_title(part) from None
    return title.db_key[:-1]


def _can_see(ctx: ApiContext, row: FileArchive, bit: int) -> bool:
    """RevisionRecord::userCanBitfield for a deleted version's hidden parts."""
    if not row.deleted & bit:
        return True
    right = "viewsuppressed" if row.deleted & DELETED_RESTRICTED else "deletedhistory"
    return ctx.user.can(right) or (right == "viewsuppressed"
                                   and ctx.user.can("suppressrevision"))


def _describe(ctx: ApiContext, row: FileArchive, props: set[str]) -> dict[str, Any]:
    title = file_title(row.name)
    out: dict[str, Any] = {"id": row.id, "name": row.name, "ns": NS_FILE,
                           "title": title.prefixed(ctx.settings.sitename)}
    if {"description", "parseddescription"} & props and _can_see(ctx, row, DELETED_COMMENT):
        if "parseddescription" in props:
            out["parseddescription"] = format_comment(
                row.description, title, ctx.settings, lambda t: find_page(ctx.db, t) is not None)
        out["description"] = row.description
    if "user" in props and _can_see(ctx, row, DELETED_USER):
        out["userid"] = row.user_id
        out["user"] = row.user_text
    _file_fields(ctx, row, props, out)
    if "archivename" in props and row.archive_name is not None:
        out["archivename"] = row.archive_name
    for bit, flag in ((DELETED_FILE, "filehidden"), (DELETED_COMMENT, "commenthidden"),
                      (DELETED_USER, "userhidden"), (DELETED_RESTRICTED, "suppressed")):
        if row.deleted & bit:
            out[flag] = True
    return out


def _file_fields(ctx: ApiContext, row: FileArchive, props: set[str],
                 out: dict[str, Any]) -> None:
    visible = _can_see(ctx, row, DELETED_FILE)
    if "sha1" in props and visible and row.sha1:
        out["sha1"] = sha1_hex(row.sha1)
    if "timestamp" in props:
        out["timestamp"] = iso(row.timestamp)
    if {"size", "dimensions"} & props and visible:
        out["size"] = str(row.size)
        out["height"] = str(row.height)
        out["width"] = str(row.width)
    if "mediatype" in props and visible:
        out["mediatype"] = row.media_type
    if "metadata" in props and visible:
        metadata, _ = stored_metadata(row)
        out["metadata"] = api_metadata(metadata)
    if "bitdepth" in props and visible:
        out["bitdepth"] = str(row.bits)
    if "mime" in props and visible:
        out["mime"] = row.mime
