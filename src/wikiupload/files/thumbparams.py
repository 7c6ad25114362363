"""The thumbnail parameters of prop=imageinfo and prop=stashimageinfo.

``urlwidth``/``urlheight``/``urlparam`` become one :class:`ThumbRequest` per file, with
MediaWiki's warnings (unparsable ``urlparam``, conflicting widths, no image handler) and
its error when the parameters cannot be normalised for the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from wikiupload.api.context import ApiContext
from wikiupload.errors import ApiError
from wikiupload.files.thumbnails import (
    MAX_THUMB_LIMIT,
    ThumbRequest,
    has_handler,
    normalise,
)
from wikiupload.i18n.messages import Message

__all__ = ["Scale", "merge_thumb_params", "scale_of"]

_PX = re.compile(r"(\d+)px")


@dataclass(frozen=True)
class Scale:
    """What the request asked for; ``width`` None: fit to ``height``."""

    width: int | None
    height: int | None
    url_param: str


def scale_of(params: dict[str, Any]) -> Scale | None:
    """ApiQueryImageInfo::getScale: None when no thumbnail is wanted."""
    width, height, url_param = params["urlwidth"], params["urlheight"], params["urlparam"]
    if width != -1:
        return Scale(int(width), int(height), url_param or "")
    if height != -1:
        return Scale(None, int(height), url_param or "")
    if url_param:
        return Scale(None, None, url_param)
    return None


def merge_thumb_params(ctx: ApiContext, module: str, prefix: str, scale: Scale | None, *,
                       name: str, mime: str, width: int, height: int,
                       ) -> ThumbRequest | None:
    """The thumbnail request for one file (``name``: its DB key), or None for none."""
    if scale is None:
        return None
    wanted: dict[str, int] = {}
    if scale.width is not None:
        wanted = {"width": scale.width, "height": scale.height if scale.height is not None
                  else -1}
    elif scale.height is not None:
        wanted = {"width": width if width > 0 else MAX_THUMB_LIMIT, "height": scale.height}
    if scale.url_param:
        wanted = _with_url_param(ctx, module, prefix, scale.url_param, wanted, name, mime)
        if wanted.get("__nohandler__"):
            return ThumbRequest(wanted.get("width"), wanted.get("height", -1))
    _check(name, mime, width, height, wanted)
    return ThumbRequest(wanted.get("width"), wanted.get("height", -1))


def _with_url_param(ctx: ApiContext, module: str, prefix: str, url_param: str,
                    wanted: dict[str, int], name: str, mime: str) -> dict[str, int]:
    if not has_handler(mime):
        ctx.warn(module, Message("apiwarn-nothumb-noimagehandler", (name,)))
        return {**wanted, "__nohandler__": 1}
    match = _PX.fullmatch(url_param)
    if match is None:
        ctx.warn(module, Message("apiwarn-badurlparam", (prefix, name)))
        return wanted
    param_width = int(match.group(1))
    if "width" in wanted and param_width != wanted["width"]:
        ctx.warn(module, Message("apiwarn-urlparamwidth",
                                 (prefix, str(param_width), str(wanted["width"]))))
    if param_width <= 0:
        raise ApiError("apierror-invalidurlparam", prefix, "width", match.group(1))
    return {"width": param_width, **wanted}


def _check(name: str, mime: str, width: int, height: int, wanted: dict[str, int]) -> None:
    """checkParameterNormalise: files with a handler must accept the parameters."""
    if not has_handler(mime):
        return
    if "width" not in wanted or normalise(
            width, height, ThumbRequest(wanted["width"], wanted.get("height", -1))) is None:
        raise ApiError("apierror-urlparamnormal", name, code="urlparamnormal")
