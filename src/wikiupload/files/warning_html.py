"""``iiprop=uploadwarning``: the HTML Special:Upload shows when a name is taken.

For an existing file that is the "file exists" notice with a framed thumbnail (default
thumbnail width 300 pixels, never wider than a bitmap itself); a description page without
a file gives the "page exists" notice. The other notices of Special:Upload (similar names,
thumbnail-like names, camera prefixes) are not produced: their HTML is empty here.
"""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import quote

from wikiupload.api.context import ApiContext
from wikiupload.db.file_models import Image
from wikiupload.files.thumbnails import ThumbRequest, ThumbSource, transform
from wikiupload.pages import find_page, page_url
from wikiupload.titles import Title, file_title

__all__ = ["DEFAULT_THUMB_WIDTH", "upload_warning_html"]

DEFAULT_THUMB_WIDTH = 300       # $wgThumbLimits[default "thumbsize" option]
_EXISTS = ("<p>A file with this name exists already, please check <strong>{link}</strong> "
           "if you are not sure if you want to overwrite it.\n</p>\n{frame}")
_PAGE_EXISTS = ("<p>The description page for this file has already been created at "
                "<strong>{link}</strong>, but no file with this name currently exists.\n"
                "The summary you enter will not appear on the description page.\n"
                "To make your summary appear there, you will need to manually edit it.\n"
                "</p>\n{frame}")


def _escape(text: str) -> str:
    return html.escape(text, quote=True).replace("&#x27;", "&#039;")


def _local(ctx: ApiContext, url: str) -> str:
    """A URL on this server without the server part, as links in page HTML are."""
    base = str(ctx.settings.base_url)
    return url[len(base):] if url.startswith(base) else url


def upload_warning_html(ctx: ApiContext, name: str, image: Image | None,
                        source: ThumbSource | None) -> str:
    """The notice for uploading to ``name`` now (``image``: its current version)."""
    title = file_title(name)
    prefixed = title.prefixed(ctx.settings.sitename)
    link = f"<a class=\"mw-selflink selflink\">{_escape(prefixed)}</a>"
    if image is not None and source is not None:
        return _EXISTS.format(link=link, frame=_frame(ctx, title, image, source))
    if find_page(ctx.db, title) is not None:
        return _PAGE_EXISTS.format(link=link, frame=_missing_frame(ctx, title))
    return ""


def _frame(ctx: ApiContext, title: Title, image: Image, source: ThumbSource) -> str:
    width = DEFAULT_THUMB_WIDTH
    if image.width < width and image.mime != "image/svg+xml":
        width = image.width
    href = _escape(_local(ctx, page_url(ctx.settings, title)))
    shown = transform(ctx.wiki.filerepo, source, ThumbRequest(width), render_now=False)
    if shown is None or not shown.ok:
        inner = _error_box(width, image, shown.error if shown else "")
        outer = width
    else:
        attrs = _img_attrs(ctx, title, source, shown.url, shown.width, shown.height)
        inner = f"<a href=\"{href}\" class=\"image\"><img {attrs} /></a>"
        outer = shown.width
    caption = (f"<div class=\"thumbcaption\"><div class=\"magnify\"><a href=\"{href}\" "
               "class=\"internal\" title=\"Enlarge\"></a></div></div>")
    return (f"<div class=\"thumb tright\"><div class=\"thumbinner\" style=\"width:"
            f"{outer + 2}px;\">{inner}  {caption}</div></div>")


def _img_attrs(ctx: ApiContext, title: Title, source: ThumbSource, url: str, width: int,
               height: int) -> str:
    parts: list[tuple[str, Any]] = [("alt", title.text), ("src", _local(ctx, url)),
                                    ("decoding", "async"), ("width", width),
                                    ("height", height), ("class", "thumbimage")]
    srcset = _srcset(ctx, source, url, width)
    if srcset:
        parts.append(("srcset", srcset))
    return " ".join(f"{key}=\"{_escape(str(value))}\"" for key, value in parts)


def _srcset(ctx: ApiContext, source: ThumbSource, url: str, width: int) -> str:
    """Linker::processResponsiveImages: 1.5x and 2x versions when they differ."""
    found: list[str] = []
    for density, factor in (("1.5", 1.5), ("2", 2.0)):
        scaled = transform(ctx.wiki.filerepo, source,
                           ThumbRequest(int(width * factor + 0.5)), render_now=False)
        if scaled is not None and scaled.ok and scaled.url != url:
            found.append(f"{_local(ctx, scaled.url)} {density}x")
    return ", ".join(found)


def _error_box(width: int, image: Image, error: str | None) -> str:
    height = image.height * width // image.width if image.width else 0
    return (f"<div class=\"MediaTransformError\" style=\"width: {width}px; height: "
            f"{height}px; display:inline-block;\">{_escape(error or '')}</div>")


def _missing_frame(ctx: ApiContext, title: Title) -> str:
    """The frame of a file that does not exist: a link to upload it."""
    script = str(ctx.settings.script_path).rstrip("/")
    key = quote(title.db_key, safe=";@$!*(),/~:")
    prefixed = _escape(title.prefixed(ctx.settings.sitename))
    link = (f"<a href=\"{script}/index.php?title=Special:Upload&amp;wpDestFile={key}\" "
            f"class=\"new\" title=\"{prefixed}\">{prefixed}</a>")
    return (f"<div class=\"thumb tright\"><div class=\"thumbinner\" style=\"width:182px;\">"
            f"{link}  <div class=\"thumbcaption\"></div></div></div>")
