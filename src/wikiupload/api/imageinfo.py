"""prop=imageinfo: file versions of the File pages in the set (ApiQueryImageInfo).

Each file page gets ``imagerepository`` ("local", a foreign repository's name for a file
only it has — unless iilocalonly —, or "" without a file), ``badfile`` when
asked, and ``imageinfo``: the current version, then old versions newest first, limited by
iilimit and iistart/iiend. With one file the history continues with ``iistart``; with
several, ``iicontinue`` (``<name>|<timestamp>``) resumes where a request stopped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from wikiupload.api import registry
from wikiupload.api.context import ApiContext
from wikiupload.api.params import Param
from wikiupload.api.query import PageEntry, QueryState, QuerySubmodule
from wikiupload.db.file_models import Image, OldImage
from wikiupload.errors import ApiError
from wikiupload.filerepo.repo import mw_timestamp
from wikiupload.files.badfiles import BadFiles
from wikiupload.files.info import IMAGEINFO_PROPS, InfoOptions, file_info, missing_file_info
from wikiupload.files.thumbnails import TRANSFORM_LIMIT
from wikiupload.files.thumbparams import Scale, merge_thumb_params, scale_of
from wikiupload.foreign import find_foreign_file, imageinfo_entry
from wikiupload.timestamps import iso, utc
from wikiupload.titles import NS_FILE, InvalidTitle, Title, parse_title

PATH = "query+imageinfo"


@dataclass
class _Run:
    """One execution: what is asked, and the transform count (at most 50 thumbnails)."""

    ctx: ApiContext
    state: QueryState
    props: set[str]
    limit: int
    end: datetime | None
    scale: Scale | None
    options: InfoOptions
    single: bool
    context_title: Title | None
    bad: BadFiles | None
    transforms: int = 0
    stopped: bool = False
    local_only: bool = False

    def stop(self, key: str, start: datetime | None, stamp: datetime) -> None:
        """Resume here next time: ``iistart`` for one file, ``iicontinue`` for several."""
        self.stopped = True
        if self.single:
            self.state.set_continue("imageinfo", "iistart", iso(start or stamp))
        else:
            self.state.set_continue("imageinfo", "iicontinue",
                                    f"{key}|{mw_timestamp(utc(start or stamp))}")


@registry.register
class ImageInfoModule(QuerySubmodule):
    name = "imageinfo"
    group = "prop"
    prefix = "ii"
    class_name = "ApiQueryImageInfo"
    help_url = "https://www.mediawiki.org/wiki/Special:MyLanguage/API:Imageinfo"
    description = "Returns file information and upload history."
    params = (
        Param("prop", IMAGEINFO_PROPS, default="timestamp|user", multi=True,
              help="Which file information to get."),
        Param("limit", "limit", default=1, min=1, max=500, highmax=5000,
              help="How many file revisions to return per file."),
        Param("start", "timestamp", help="Timestamp to start listing from."),
        Param("end", "timestamp", help="Timestamp to stop listing at."),
        Param("urlwidth", "integer", default=-1,
              help="If iiprop=url is set, a URL to an image scaled to this width will be "
                   "returned. For performance reasons if this option is used, no more than "
                   "50 scaled images will be returned."),
        Param("urlheight", "integer", default=-1, help="Similar to iiurlwidth."),
        Param("metadataversion", "string", default="1",
              help="Version of metadata to use. If latest is specified, use latest "
                   "version. Defaults to 1 for backwards compatibility."),
        Param("extmetadatalanguage", "string", default="en",
              help="What language to fetch extmetadata in."),
        Param("extmetadatamultilang", "boolean", default=False,
              help="If translations for extmetadata property are available, fetch all of "
                   "them."),
        Param("extmetadatafilter", "string", multi=True,
              help="If specified and non-empty, only these keys will be returned for "
                   "iiprop=extmetadata."),
        Param("urlparam", "string", default="",
              help="A handler specific parameter string. For example, PDFs might use "
                   "page15-100px. iiurlwidth must be used and be consistent with "
                   "iiurlparam."),
        Param("badfilecontexttitle", "string",
              help="If badfilecontexttitlefile=badfile is set, this is the page title used "
                   "when evaluating the MediaWiki:Bad image list"),
        Param("continue", "string",
              help="When more results are available, use this to continue."),
        Param("localonly", "boolean", default=False,
              help="Look only for files in the local repository."),
    )

    def execute(self, ctx: ApiContext, params: dict[str, Any]) -> None:
        state = self.state(ctx)
        if ctx.params.get("iilimit", "").strip() == "max":
            state.limits["imageinfo"] = int(params["limit"])
        props = set(params["prop"])
        context_title = _context_title(ctx, params["badfilecontexttitle"])
        files = sorted(((e.title.db_key, e) for e in state.pageset.good()
                        if e.title is not None and e.title.namespace == NS_FILE),
                       key=lambda pair: pair[0])
        run = _Run(ctx, state, props, int(params["limit"]), params["end"], scale_of(params),
                   InfoOptions(str(params["metadataversion"]),
                               tuple(params["extmetadatafilter"]), revdel_viewer=True),
                   len(files) == 1, context_title,
                   BadFiles(ctx.db, ctx.settings.sitename) if "badfile" in props else None,
                   local_only=bool(params["localonly"]))
        start_of: dict[str, datetime | None] = {}
        if params["continue"] is not None:
            files, start_of = _after_continue(files, params["continue"])
        for key, entry in files:
            _describe(run, key, entry, start_of.get(key, params["start"]))
            if run.stopped:
                break


def _context_title(ctx: ApiContext, value: str | None) -> Title | None:
    if value is None:
        return None
    try:
        return parse_title(value, site_name=ctx.settings.sitename)
    except InvalidTitle as error:
        raise ApiError("apierror-bad-badfilecontexttitle", "ii", code="invalid-title") \
            from error


def _after_continue(files: list[tuple[str, PageEntry]], value: str,
                    ) -> tuple[list[tuple[str, PageEntry]], dict[str, datetime | None]]:
    """Drop the files before ``<name>|<timestamp>``; that one starts at the timestamp."""
    parts = value.split("|")
    if len(parts) != 2:
        raise ApiError("apierror-badcontinue")
    name, stamp = parts
    try:
        start = datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        start = None
    kept = [(key, entry) for key, entry in files if key >= name]
    return kept, {name: start}


def _in_range(stamp: datetime, start: datetime | None, end: datetime | None) -> bool:
    moment = utc(stamp)
    return (start is None or moment <= utc(start)) and (end is None or moment >= utc(end))


def _describe(run: _Run, key: str, entry: PageEntry, start: datetime | None) -> None:
    ctx = run.ctx
    image = ctx.db.get(Image, key)
    if image is None and not run.local_only and _describe_foreign(run, key, entry):
        return
    if image is None and not run.props & {"uploadwarning", "badfile"}:
        entry.data["imagerepository"] = ""
        return
    if run.transforms >= TRANSFORM_LIMIT:
        run.stop(key, start, image.timestamp if image is not None else datetime.now(UTC))
        return
    entry.data["imagerepository"] = "local" if image is not None else ""
    if run.bad is not None:
        entry.data["badfile"] = run.bad.is_bad(key, run.context_title)
    if image is None:
        if run.end is None:
            _add(entry, missing_file_info(ctx, key, run.props))
        return
    thumb = merge_thumb_params(ctx, PATH, "ii", run.scale, name=key, mime=image.mime,
                               width=image.width, height=image.height)
    page_id = entry.page.id if entry.page is not None else 0
    count = 0
    if _in_range(image.timestamp, start, run.end):
        count = 1
        _add(entry, file_info(ctx, image, run.props, name=key, thumb=thumb, page_id=page_id,
                              options=run.options))
        run.transforms += 1 if thumb is not None and "url" in run.props else 0
    for old in _history(ctx, key, run.limit - count + 1, start, run.end):
        count += 1
        if count > run.limit:
            if run.single:
                run.state.set_continue("imageinfo", "iistart", iso(old.timestamp))
            return
        if run.transforms >= TRANSFORM_LIMIT:
            run.stop(key, None, old.timestamp)
            return
        _add(entry, file_info(ctx, old, run.props, name=key, thumb=thumb, page_id=page_id,
                              options=run.options))
        run.transforms += 1 if thumb is not None and "url" in run.props else 0


def _describe_foreign(run: _Run, key: str, entry: PageEntry) -> bool:
    """A file only a foreign repository has: its name there and its imageinfo entry."""
    scale = run.scale
    found = find_foreign_file(
        run.ctx.wiki, key,
        url_width=scale.width or -1 if scale is not None and "url" in run.props else -1,
        url_height=scale.height or -1 if scale is not None and "url" in run.props else -1)
    if found is None:
        return False
    entry.data["imagerepository"] = found.repo
    if run.bad is not None:
        entry.data["badfile"] = run.bad.is_bad(key, run.context_title)
    _add(entry, imageinfo_entry(found, run.props))
    return True


def _add(entry: PageEntry, info: dict[str, Any]) -> None:
    entry.data.setdefault("imageinfo", []).append(info)


def _history(ctx: ApiContext, name: str, limit: int, start: datetime | None,
             end: datetime | None) -> list[OldImage]:
    """Old versions, newest first (LocalFile::getHistory)."""
    query = select(OldImage).where(OldImage.name == name)
    if start is not None:
        query = query.where(OldImage.timestamp <= utc(start))
    if end is not None:
        query = query.where(OldImage.timestamp >= utc(end))
    query = query.order_by(OldImage.timestamp.desc(), OldImage.id.desc()).limit(max(limit, 0))
    return list(ctx.db.scalars(query))


__all__ = ["ImageInfoModule"]
