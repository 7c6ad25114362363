"""The ``imageinfo`` entry of one file version (ApiQueryImageInfo::getInfo's output).

:func:`file_info` describes a current (``Image``) or old (``OldImage``) version,
:func:`stash_info` a stashed file and :func:`missing_file_info` a name without a file. The
result is a plain dict in MediaWiki's key order; booleans are converted for the
formatversion by the output layer (metadata booleans stay booleans in formatversion 1).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from wikiupload.api.context import ApiContext
from wikiupload.comments import format_comment
from wikiupload.db.file_models import Image, OldImage
from wikiupload.db.stash_models import StashedFile
from wikiupload.filerepo.repo import FileRepo, sha1_hex
from wikiupload.files import metadata as meta
from wikiupload.files.thumbnails import (
    ThumbRequest,
    ThumbSource,
    archived_source,
    current_source,
    has_handler,
    thumb_type,
    transform,
)
from wikiupload.files.warning_html import upload_warning_html
from wikiupload.pages import find_page, page_url
from wikiupload.timestamps import iso
from wikiupload.titles import NS_SPECIAL, Title, file_title
from wikiupload.upload.chunks import partial_sha1
from wikiupload.upload.stash import thumb_dir as stash_thumb_dir

__all__ = ["IMAGEINFO_PROPS", "STASH_PROPS", "STASH_RESULT_PROPS", "UPLOAD_RESULT_PROPS",
           "InfoOptions", "file_info", "missing_file_info", "stash_info", "stash_source"]

IMAGEINFO_PROPS = ("archivename", "badfile", "bitdepth", "canonicaltitle", "comment",
                   "commonmetadata", "dimensions", "extmetadata", "mediatype", "metadata",
                   "mime", "parsedcomment", "sha1", "size", "thumbmime", "timestamp",
                   "uploadwarning", "url", "user", "userid")
STASH_PROPS = tuple(p for p in IMAGEINFO_PROPS if p not in (
    "user", "userid", "comment", "parsedcomment", "mediatype", "archivename", "uploadwarning"))
# action=upload reports every property of the published version / the stashed file.
UPLOAD_RESULT_PROPS = frozenset(IMAGEINFO_PROPS)
STASH_RESULT_PROPS = frozenset(STASH_PROPS)

DELETED_FILE, DELETED_COMMENT, DELETED_USER, DELETED_RESTRICTED = 1, 2, 4, 8


@dataclass(frozen=True)
class InfoOptions:
    """iimetadataversion, iiextmetadatafilter; ``revdel_viewer``: whether the caller's
    rights decide on hidden fields (the query modules) rather than hiding them always."""

    metadata_version: str = "latest"
    ext_filter: tuple[str, ...] = ()
    revdel_viewer: bool = False


@dataclass
class _View:
    """What getInfo reads from a file object."""

    title: Title
    name: str
    exists: bool = True
    timestamp: datetime | None = None
    user_name: str = ""
    user_id: int = 0
    size: int = 0
    width: int = 0
    height: int = 0
    bits: int = 0
    mime: str = "unknown/unknown"
    media_type: str = "UNKNOWN"
    comment: str = ""
    sha1: str = ""
    metadata: list[dict[str, Any]] | None = None
    common: list[dict[str, Any]] = field(default_factory=list)
    archive_name: str | None = None
    deleted: int = 0
    url: str = ""
    description_url: str = ""
    short_url: str | None = None
    source: ThumbSource | None = None
    current: Image | None = None     # when the view is of the current version
    duration: float = 0.0


def _short_url(ctx: ApiContext, page_id: int | None, title: Title) -> str | None:
    if page_id is None:
        page = find_page(ctx.db, title)
        page_id = page.id if page is not None else 0
    if not page_id:
        return None
    script = str(ctx.settings.script_path).rstrip("/")
    return f"{ctx.settings.base_url}{script}/index.php?curid={page_id}"


def _duration(mime: str, metadata: list[dict[str, Any]] | None) -> float:
    if mime not in ("image/png", "image/gif"):
        return 0.0
    for item in metadata or ():
        if item.get("name") == "duration" and isinstance(item.get("value"), int | float):
            return float(item["value"])
    return 0.0


def _version_view(ctx: ApiContext, version: Image | OldImage, name: str,
                  page_id: int | None) -> _View:
    repo = ctx.wiki.filerepo
    title = file_title(name)
    stored, common = meta.stored_metadata(version)
    view = _View(title, name, True, version.timestamp, version.user_text, version.user_id,
                 version.size, version.width, version.height, version.bits, version.mime,
                 version.media_type, version.description, _hex(version.sha1), stored,
                 common if common is not None else meta.derive_common(version.mime, stored))
    view.description_url = page_url(ctx.settings, title)
    view.short_url = _short_url(ctx, page_id, title)
    view.duration = _duration(version.mime, stored)
    rotation = meta.rotation_of(version.mime, stored)
    if isinstance(version, OldImage):
        view.archive_name, view.deleted = version.archive_name, version.deleted
        view.url = repo.archive_url(version.archive_name)
        view.source = archived_source(repo, version, rotation)
    else:
        view.url = repo.url(name)
        view.source = current_source(repo, version, rotation)
        view.current = version
    return view


def _hex(sha1: str) -> str:
    try:
        return sha1_hex(sha1) if len(sha1) != 40 else sha1.lower()
    except ValueError:
        return ""


def file_info(ctx: ApiContext, version: Image | OldImage, props: Collection[str], *,
              name: str, thumb: ThumbRequest | None = None, page_id: int | None = None,
              options: InfoOptions | None = None) -> dict[str, Any]:
    """The imageinfo entry of one version of the file ``name`` (DB key).

    ``page_id``: the description page's id when known (0: no page yet, as for the result
    of a first upload: no ``descriptionshorturl``); None looks it up.
    """
    view = _version_view(ctx, version, name, page_id)
    return _info(ctx, view, set(props), thumb, options or InfoOptions())


def missing_file_info(ctx: ApiContext, name: str, props: Collection[str]) -> dict[str, Any]:
    """The stub entry for a name without a file (uploadwarning/badfile requested)."""
    title = file_title(name)
    view = _View(title, name, exists=False)
    view.description_url = page_url(ctx.settings, title)
    view.short_url = _short_url(ctx, None, title)
    return _info(ctx, view, set(props), None, InfoOptions())


def _stash_sha1(ctx: ApiContext, row: StashedFile, props: Collection[str]) -> str:
    """The SHA-1 of a stashed file; of the bytes so far for a chunked upload in progress
    (clients compare it with their file to resume)."""
    if row.status != "chunks" or "sha1" not in props:
        return row.sha1.lower()
    return partial_sha1(ctx.wiki.filerepo, row)


def stash_info(ctx: ApiContext, row: StashedFile, props: Collection[str], *,
               thumb: ThumbRequest | None = None) -> dict[str, Any]:
    """The entry of a stashed file (prop=stashimageinfo, stash results of action=upload)."""
    title = file_title(row.temp_name or row.key)
    stored, common = meta.stash_metadata(row.props)
    source = stash_source(ctx.wiki.filerepo, row)
    view = _View(title, title.db_key, True, row.timestamp, size=row.size, width=row.width,
                 height=row.height, bits=row.bits, mime=row.mime, media_type=row.media_type,
                 sha1=_stash_sha1(ctx, row, props), metadata=stored,
                 common=common if common is not None else meta.derive_common(row.mime, stored),
                 url=source.url, description_url=source.url, source=source)
    allowed = set(props) & set(STASH_PROPS)
    return _info(ctx, view, allowed, thumb, InfoOptions())


def stash_source(repo: FileRepo, row: StashedFile) -> ThumbSource:
    """A stashed file as a thumbnail source: served at ``Special:UploadStash/file/KEY``, its
    thumbnails at ``Special:UploadStash/thumb/KEY/<thumb name>``, stored under ``thumb/temp/``."""
    name = file_title(row.temp_name or row.key).db_key
    stored, _common = meta.stash_metadata(row.props)
    url = page_url(repo.settings, Title(NS_SPECIAL, f"UploadStash/file/{row.key}"))
    thumbs = page_url(repo.settings, Title(NS_SPECIAL, f"UploadStash/thumb/{row.key}"))
    return ThumbSource(name, row.mime, row.width, row.height, row.path, url,
                       stash_thumb_dir(row.path), thumbs, meta.rotation_of(row.mime, stored),
                       url_safe="!")


def _can_show(ctx: ApiContext, view: _View, bit: int, options: InfoOptions) -> bool:
    if not view.deleted & bit:
        return True
    if not options.revdel_viewer:
        return False
    if view.deleted & DELETED_RESTRICTED:
        return ctx.user.can("suppressrevision") or ctx.user.can("viewsuppressed")
    return ctx.user.can("deletedhistory")


def _info(ctx: ApiContext, view: _View, props: set[str], thumb: ThumbRequest | None,
          options: InfoOptions) -> dict[str, Any]:
    vals: dict[str, Any] = {}
    hidden = False
    if "timestamp" in props and view.exists and view.timestamp is not None:
        vals["timestamp"] = iso(view.timestamp)
    if props & {"user", "userid"} and view.exists:
        hidden |= _user_fields(ctx, view, props, options, vals)
    if props & {"size", "dimensions"} and view.exists:
        vals.update(size=view.size, width=view.width, height=view.height)
        if view.duration:
            vals["duration"] = view.duration
    if props & {"comment", "parsedcomment"} and view.exists:
        hidden |= _comment_fields(ctx, view, props, options, vals)
    if "uploadwarning" in props:
        vals["html"] = _warning(ctx, view)
    if view.deleted & DELETED_FILE:
        vals["filehidden"] = True
        hidden = True
    if hidden and view.deleted & DELETED_RESTRICTED:
        vals["suppressed"] = True
    if view.deleted & DELETED_FILE:
        return vals
    if "canonicaltitle" in props:
        vals["canonicaltitle"] = view.title.prefixed(ctx.settings.sitename)
    if "url" in props:
        _url_fields(ctx, view, props, thumb, vals)
    if not view.exists:
        vals["filemissing"] = True
        return vals
    _content_fields(view, props, options, vals)
    return vals


def _user_fields(ctx: ApiContext, view: _View, props: set[str], options: InfoOptions,
                 vals: dict[str, Any]) -> bool:
    hidden = bool(view.deleted & DELETED_USER)
    if hidden:
        vals["userhidden"] = True
    if _can_show(ctx, view, DELETED_USER, options):
        if "user" in props:
            vals["user"] = view.user_name
        if "userid" in props:
            vals["userid"] = view.user_id
        if view.user_id == 0:
            vals["anon"] = True
    return hidden


def _comment_fields(ctx: ApiContext, view: _View, props: set[str], options: InfoOptions,
                    vals: dict[str, Any]) -> bool:
    hidden = bool(view.deleted & DELETED_COMMENT)
    if hidden:
        vals["commenthidden"] = True
    if _can_show(ctx, view, DELETED_COMMENT, options):
        if "parsedcomment" in props:
            vals["parsedcomment"] = format_comment(
                view.comment, view.title, ctx.settings,
                lambda title: find_page(ctx.db, title) is not None)
        if "comment" in props:
            vals["comment"] = view.comment
    return hidden


def _warning(ctx: ApiContext, view: _View) -> str:
    if view.current is not None:     # the view is of the current version: described already
        return upload_warning_html(ctx, view.name, view.current, view.source)
    current = ctx.db.get(Image, view.name) if view.exists else None
    source = None
    if current is not None:
        stored, _common = meta.stored_metadata(current)
        source = current_source(ctx.wiki.filerepo, current,
                                meta.rotation_of(current.mime, stored))
    return upload_warning_html(ctx, view.name, current, source)


def _url_fields(ctx: ApiContext, view: _View, props: set[str], thumb: ThumbRequest | None,
                vals: dict[str, Any]) -> None:
    if view.exists and thumb is not None and view.source is not None:
        _thumb_fields(ctx, view, props, thumb, vals)
    if view.exists:
        vals["url"] = view.url
    vals["descriptionurl"] = view.description_url
    if view.short_url is not None:
        vals["descriptionshorturl"] = view.short_url


def _thumb_fields(ctx: ApiContext, view: _View, props: set[str], thumb: ThumbRequest,
                  vals: dict[str, Any]) -> None:
    assert view.source is not None
    repo = ctx.wiki.filerepo
    shown = transform(repo, view.source, thumb)
    if shown is None:
        return
    if not shown.ok:
        vals["thumberror"] = shown.error
        return
    vals["thumburl"] = shown.url
    same = shown.url == view.url
    vals["thumbwidth"] = view.width if same else shown.width
    vals["thumbheight"] = view.height if same else shown.height
    if "thumbmime" in props and has_handler(view.mime):
        vals["thumbmime"] = shown.mime if same else thumb_type(view.mime)[1]
    responsive: dict[str, str] = {}
    for density, factor in (("1.5", 1.5), ("2", 2.0)):
        width = int(vals["thumbwidth"] * factor + 0.5)
        height = int(vals["thumbheight"] * factor + 0.5)
        scaled = transform(repo, view.source, ThumbRequest(width, height))
        if scaled is not None and scaled.ok and scaled.url != shown.url:
            responsive[density] = scaled.url
    if responsive:
        vals["responsiveUrls"] = responsive


def _content_fields(view: _View, props: set[str], options: InfoOptions,
                    vals: dict[str, Any]) -> None:
    if "sha1" in props:
        vals["sha1"] = view.sha1
    if "metadata" in props:
        converted = meta.convert_version(view.mime, view.metadata, options.metadata_version)
        vals["metadata"] = meta.api_metadata(converted or None)
    if "commonmetadata" in props:
        vals["commonmetadata"] = meta.api_metadata(view.common)
    if "extmetadata" in props and view.timestamp is not None:
        vals["extmetadata"] = meta.ext_metadata(view.title.text, view.timestamp,
                                                options.ext_filter)
    if "mime" in props:
        vals["mime"] = view.mime
    if "mediatype" in props:
        vals["mediatype"] = view.media_type
    if "archivename" in props and view.archive_name is not None:
        vals["archivename"] = view.archive_name
    if "bitdepth" in props:
        vals["bitdepth"] = view.bits
