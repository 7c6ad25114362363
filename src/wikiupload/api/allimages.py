"""list=allimages (also a generator): current file versions by name or upload time.

Sorted by name (``aifrom``/``aito``/``aiprefix``) or by timestamp (``aistart``/``aiend``,
``aiuser``, ``aifilterbots``); filters by size, SHA-1 (hex or base 36) and MIME type. Ties
in timestamp order are broken by name (MediaWiki leaves them to the database).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.sql.elements import ColumnElement

from wikiupload.api import registry
from wikiupload.api.context import ApiContext
from wikiupload.api.hashparams import sha1_from_params
from wikiupload.api.params import Param
from wikiupload.api.query import QuerySubmodule
from wikiupload.auth.users import groups_with_right
from wikiupload.db.file_models import Image
from wikiupload.db.models import UserGroup
from wikiupload.errors import ApiError
from wikiupload.filerepo.repo import mw_timestamp
from wikiupload.files.info import IMAGEINFO_PROPS, file_info
from wikiupload.pages import find_pages
from wikiupload.timestamps import utc
from wikiupload.titles import NS_FILE, InvalidTitle, file_title, parse_title

PATH = "query+allimages"
PROPS = tuple(p for p in IMAGEINFO_PROPS if p not in ("archivename", "thumbmime",
                                                       "uploadwarning"))


@registry.register
class AllImagesModule(QuerySubmodule):
    name = "allimages"
    group = "list"
    prefix = "ai"
    generator = True
    class_name = "ApiQueryAllImages"
    help_url = "https://www.mediawiki.org/wiki/Special:MyLanguage/API:Allimages"
    description = "Enumerate all images sequentially."
    params = (
        Param("sort", ("name", "timestamp"), default="name", help="Property to sort by."),
        Param("dir", ("ascending", "descending", "newer", "older"), default="ascending",
              help="The direction in which to list."),
        Param("from", "string", help="The image title to start enumerating from. Can only "
                                     "be used with aisort=name."),
        Param("to", "string", help="The image title to stop enumerating at. Can only be "
                                   "used with aisort=name."),
        Param("continue", "string",
              help="When more results are available, use this to continue."),
        Param("start", "timestamp", help="The timestamp to start enumerating from. Can only "
                                         "be used with aisort=timestamp."),
        Param("end", "timestamp", help="The timestamp to end enumerating. Can only be used "
                                       "with aisort=timestamp."),
        Param("prop", PROPS, default="timestamp|url", multi=True,
              help="Which file information to get."),
        Param("prefix", "string", help="Search for all image titles that begin with this "
                                       "value. Can only be used with aisort=name."),
        Param("minsize", "integer", help="Limit to images with at least this many bytes."),
        Param("maxsize", "integer", help="Limit to images with at most this many bytes."),
        Param("sha1", "string", help="SHA1 hash of image. Overrides aisha1base36."),
        Param("sha1base36", "string", help="SHA1 hash of image in base 36 (used in "
                                           "MediaWiki)."),
        Param("user", "user", user_types=("name", "ip", "interwiki", "id"),
              help="Only return files where the last version was uploaded by this user. "
                   "Can only be used with aisort=timestamp. Cannot be used together with "
                   "aifilterbots."),
        Param("filterbots", ("all", "bots", "nobots"), default="all",
              help="How to filter files uploaded by bots. Can only be used with "
                   "aisort=timestamp. Cannot be used together with aiuser."),
        Param("mime", "string", multi=True,
              help="What MIME types to search for, e.g. image/jpeg."),
        Param("limit", "limit", default=10, min=1, max=500, highmax=5000,
              help="How many images in total to return."),
    )

    def execute(self, ctx: ApiContext, params: dict[str, Any]) -> None:
        generator = bool(params.get("__generator__"))
        prefix = "gai" if generator else "ai"
        state = self.state(ctx)
        if ctx.params.get(f"{prefix}limit", "").strip() == "max":
            state.limits["allimages"] = int(params["limit"])
        query = _query(ctx, params, prefix)
        limit = int(params["limit"])
        rows = list(ctx.db.scalars(query.limit(limit + 1))) if query is not None else []
        if len(rows) > limit:
            last = rows[limit]
            value = (last.name if params["sort"] == "name"
                     else f"{mw_timestamp(utc(last.timestamp))}|{last.name}")
            if generator:
                state.set_generator_continue("gaicontinue", value)
            else:
                state.set_continue("allimages", "aicontinue", value)
            rows = rows[:limit]
        site = ctx.settings.sitename
        if generator:
            state.out["__generated__"] = [file_title(row.name).prefixed(site) for row in rows]
            return
        state.out["allimages"] = _describe(ctx, rows, set(params["prop"]))


def _describe(ctx: ApiContext, rows: list[Image], props: set[str]) -> list[dict[str, Any]]:
    pages = find_pages(ctx.db, [file_title(row.name) for row in rows])
    site = ctx.settings.sitename
    found = []
    for row in rows:
        title = file_title(row.name)
        page = pages.get(title)
        info = file_info(ctx, row, props, name=row.name, page_id=page.id if page else 0)
        found.append({"name": row.name, **info, "ns": NS_FILE, "title": title.prefixed(site)})
    return found


def _mix_error(prefix: str, name: str, sort: str) -> ApiError:
    return ApiError("apierror-invalidparammix-mustusewith", f"{prefix}{name}",
                    f"\"{prefix}sort={sort}\"", code="invalidparammix")


def _name_column(ctx: ApiContext) -> Any:
    """Image names compared byte-wise (as MediaWiki's binary columns are)."""
    bind = ctx.db.get_bind()
    if bind.dialect.name == "postgresql":
        return Image.name.collate("C")
    return Image.name


def _query(ctx: ApiContext, params: dict[str, Any], prefix: str) -> Any:
    ascending = params["dir"] not in ("descending", "older")
    name = _name_column(ctx)
    query = select(Image)
    if params["sort"] == "name":
        query = _by_name(ctx, query, params, prefix, ascending)
        order = [name if ascending else name.desc()]
    else:
        query = _by_timestamp(ctx, query, params, prefix, ascending)
        order = ([Image.timestamp, name] if ascending
                 else [Image.timestamp.desc(), name.desc()])
    query = _filters(query, params)
    mimes = _mime_condition(ctx, params, prefix)
    if mimes is False:
        return None
    if mimes is not None:
        query = query.where(mimes)
    return query.order_by(*order)


def _by_name(ctx: ApiContext, query: Any, params: dict[str, Any], prefix: str,
             ascending: bool) -> Any:
    for key in ("start", "end", "user"):
        if params[key] is not None:
            raise _mix_error(prefix, key, "timestamp")
    if params["filterbots"] != "all":
        raise _mix_error(prefix, "filterbots", "timestamp")
    name = _name_column(ctx)
    if params["continue"] is not None:
        if "|" in params["continue"]:
            raise ApiError("apierror-badcontinue")
        query = query.where(name >= params["continue"] if ascending
                            else name <= params["continue"])
    low = _key(ctx, params["from"])
    high = _key(ctx, params["to"])
    if low is not None:
        query = query.where(name >= low if ascending else name <= low)
    if high is not None:
        query = query.where(name <= high if ascending else name >= high)
    if params["prefix"] is not None:
        start = _key(ctx, params["prefix"]) or ""
        query = query.where(name.startswith(start, autoescape=True))
    return query


def _by_timestamp(ctx: ApiContext, query: Any, params: dict[str, Any], prefix: str,
                  ascending: bool) -> Any:
    for key in ("from", "to", "prefix"):
        if params[key] is not None:
            raise _mix_error(prefix, key, "name")
    if params["user"] is not None and params["filterbots"] != "all":
        raise ApiError("apierror-invalidparammix-cannotusewith", f"{prefix}user",
                       f"\"{prefix}filterbots\"")
    first, last = params["start"], params["end"]
    if first is not None:
        query = query.where(Image.timestamp >= utc(first) if ascending
                            else Image.timestamp <= utc(first))
    if last is not None:
        query = query.where(Image.timestamp <= utc(last) if ascending
                            else Image.timestamp >= utc(last))
    if params["continue"] is not None:
        query = query.where(_after(ctx, params["continue"], ascending))
    if params["user"] is not None:
        query = query.where(Image.user_text == _user_name(params["user"]))
    if params["filterbots"] != "all":
        query = query.where(_bots(ctx, params["filterbots"] == "bots"))
    return query


def _after(ctx: ApiContext, value: str, ascending: bool) -> ColumnElement[bool]:
    parts = value.split("|")
    if len(parts) != 2 or not re.fullmatch(r"\d{14}", parts[0]):
        raise ApiError("apierror-badcontinue")
    stamp = datetime.strptime(parts[0], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    name = _name_column(ctx)
    if ascending:
        return or_(Image.timestamp > stamp, and_(Image.timestamp == stamp, name >= parts[1]))
    return or_(Image.timestamp < stamp, and_(Image.timestamp == stamp, name <= parts[1]))


def _bots(ctx: ApiContext, bots: bool) -> ColumnElement[bool]:
    groups = groups_with_right(ctx.settings, "bot")
    now = datetime.now(UTC)
    in_bot_group = select(UserGroup.user_id).where(
        UserGroup.group.in_(groups),
        or_(UserGroup.expiry.is_(None), UserGroup.expiry >= now))
    member = Image.user_id.in_(in_bot_group)
    return member if bots else ~member


def _user_name(value: str) -> str:
    text = value.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _key(ctx: ApiContext, part: str | None) -> str | None:
    """ApiQueryBase::titlePartToKey: a title fragment as a DB key (first letter upper)."""
    if part is None:
        return None
    try:
        title = parse_title(f"File:{part}x", site_name=ctx.settings.sitename)
    except InvalidTitle as error:
        raise ApiError("apierror-invalidtitle", part, code="invalidtitle") from error
    return title.db_key[:-1]


def _filters(query: Any, params: dict[str, Any]) -> Any:
    if params["minsize"] is not None:
        query = query.where(Image.size >= int(params["minsize"]))
    if params["maxsize"] is not None:
        query = query.where(Image.size <= int(params["maxsize"]))
    sha1 = sha1_from_params(params["sha1"], params["sha1base36"])
    if sha1 is not None:
        query = query.where(Image.sha1 == sha1)
    return query


def _mime_condition(ctx: ApiContext, params: dict[str, Any],
                    prefix: str) -> ColumnElement[bool] | None | bool:
    """None: no filter; False: an empty list was given (no files at all)."""
    if f"{prefix}mime" not in ctx.params:
        return None
    conditions = []
    for mime in params["mime"]:
        major, _, minor = mime.partition("/")
        conditions.append(and_(Image.major_mime == major,
                               Image.minor_mime == (minor if _ else "unknown")))
    return or_(*conditions) if conditions else False


__all__ = ["AllImagesModule"]
