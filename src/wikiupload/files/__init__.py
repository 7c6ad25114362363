"""File descriptions for the API: imageinfo entries, thumbnails, upload warnings."""

from __future__ import annotations

from wikiupload.files.info import (
    IMAGEINFO_PROPS,
    STASH_PROPS,
    STASH_RESULT_PROPS,
    UPLOAD_RESULT_PROPS,
    InfoOptions,
    file_info,
    missing_file_info,
    stash_info,
)
from wikiupload.files.thumbnails import ThumbRequest, ensure_thumbnail

__all__ = [
    "IMAGEINFO_PROPS",
    "STASH_PROPS",
    "STASH_RESULT_PROPS",
    "UPLOAD_RESULT_PROPS",
    "InfoOptions",
    "ThumbRequest",
    "ensure_thumbnail",
    "file_info",
    "missing_file_info",
    "stash_info",
]
