"""Image properties for file records: size, bit depth, media type and metadata.

Nothing here decodes pixel data. Pillow is used to read headers (dimensions, mode, EXIF) of
bitmap formats; PNG, GIF and JPEG structures are walked as MediaWiki's handlers walk them
(:mod:`wikiupload.media.metadata`) so the values match MediaWiki's; SVG sizes come from the
root element. Before Pillow reads anything beyond the header, the header's dimensions are
checked against a pixel limit (:class:`ImageTooLarge`), so decompression bombs are refused
before any decoding can happen.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from PIL import ExifTags, Image, TiffImagePlugin, UnidentifiedImageError

from wikiupload.media import metadata as formats
from wikiupload.media.mimemap import media_type
from wikiupload.media.readable import Readable, open_readable
from wikiupload.media.sniff import detect_file_type
from wikiupload.media.xmlcheck import check_xml

MAX_IMAGE_PIXELS = 100_000_000      # refuse to hand larger images to Pillow at all
SVG_METADATA_VERSION = 2
EXIF_VERSION = 2
_ORIENTATION_SWAPS = (6, 8)         # rotated by 270 / 90 degrees: width and height swap
_SVG_UNITS = {"px": 1.0, "pt": 1.25, "pc": 15.0, "mm": 3.543307, "cm": 35.43307, "in": 90.0,
              "em": 16.0, "ex": 12.0, "": 1.0}
_SVG_LENGTH = re.compile(
    r"\s*([-+]?\d*(?:\.\d+|\d+)(?:[Ee][-+]?\d+)?)\s*(em|ex|px|pt|pc|cm|mm|in|%|)\s*")
_SVG_NS = "http://www.w3.org/2000/svg"
_EXIF_VERSION_TAGS = frozenset({"ExifVersion", "FlashPixVersion", "InteroperabilityVersion"})
_EXIF_SKIPPED = frozenset({"ExifOffset", "GPSInfo", "ExifImageWidth", "ExifImageHeight"})


class ImageTooLarge(ValueError):
    """The header declares more pixels than the limit; the image was not decoded."""


@dataclass(frozen=True)
class ImageInfo:
    """``metadata`` is the handler's nested dict (None when no handler applies);
    ``common_metadata`` its format-independent part. Use :func:`name_value_list` for the API."""

    mime: str
    media_type: str
    width: int = 0
    height: int = 0
    bits: int = 0
    metadata: dict[str, Any] | None = None
    common_metadata: dict[str, Any] = field(default_factory=dict)


def _api_value(value: Any) -> Any:
    if isinstance(value, dict | list | tuple):
        return name_value_list(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)       # PHP's JSON encoder writes 0.0 as 0
    return value


def name_value_list(value: dict[Any, Any] | list[Any] | tuple[Any, ...]) -> list[dict[str, Any]]:
    """MediaWiki's metadata shape: ``[{"name": key, "value": ...}, ...]``, recursively;
    list items are named by their index."""
    items = value.items() if isinstance(value, dict) else enumerate(value)
    return [{"name": key, "value": _api_value(item)} for key, item in items]


@contextmanager
def open_header(path: Readable, max_pixels: int = MAX_IMAGE_PIXELS,
                ) -> Iterator[Image.Image]:
    """Open an image reading its header only; ImageTooLarge if it declares more than
    ``max_pixels`` pixels (or more than Pillow itself accepts). Decode only inside."""
    with open_readable(path) as handle:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                image = Image.open(handle)
        except Image.DecompressionBombError as error:
            raise ImageTooLarge(str(error)) from error
        with image:
            width, height = image.size
            if width * height > max_pixels:
                raise ImageTooLarge(f"{width}x{height} exceeds {max_pixels} pixels")
            yield image


def ensure_decodable(path: Readable, max_pixels: int = MAX_IMAGE_PIXELS) -> None:
    """Raise ImageTooLarge (or Pillow's errors for unreadable files) before decoding a bomb."""
    with open_header(path, max_pixels):
        pass


def _exif_value(value: Any) -> Any:
    if isinstance(value, TiffImagePlugin.IFDRational):
        return f"{value.numerator}/{value.denominator}"
    if isinstance(value, bytes):
        return None
    if isinstance(value, str):
        return value.rstrip("\x00").strip()
    if isinstance(value, tuple):
        items = [_exif_value(v) for v in value]
        if any(v is None for v in items):
            return None
        return items[0] if len(items) == 1 else items
    return value if isinstance(value, int | float) else None


def _gps_degrees(value: Any, reference: Any) -> float | None:
    """Degrees/minutes/seconds to signed decimal degrees (MediaWiki's GPS form)."""
    try:
        degrees: float = sum(float(part) / 60 ** i for i, part in enumerate(value))
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return -degrees if str(reference).strip("\x00") in ("S", "W") else degrees


def _exif_directory(entries: dict[int, Any], names: dict[int, str]) -> dict[str, Any]:
    tags: dict[str, Any] = {}
    for tag in sorted(entries):
        name, raw = names.get(tag), entries[tag]
        if name in _EXIF_VERSION_TAGS and isinstance(raw, bytes):
            value: Any = raw.decode("ascii", errors="ignore")
        else:
            value = _exif_value(raw)
        if name and name not in _EXIF_SKIPPED and value not in (None, ""):
            tags[name] = value
    return tags


def _exif(image: Image.Image) -> dict[str, Any]:
    """EXIF tags by name (main, Exif and GPS directories, each in tag order), values as
    MediaWiki stores them (rationals as "n/d", GPS positions in decimal degrees)."""
    exif = image.getexif()
    tags = _exif_directory(dict(exif), ExifTags.TAGS)
    tags.update(_exif_directory(dict(exif.get_ifd(ExifTags.IFD.Exif)), ExifTags.TAGS))
    gps = dict(exif.get_ifd(ExifTags.IFD.GPSInfo))
    for value_tag, reference_tag, name in ((2, 1, "GPSLatitude"), (4, 3, "GPSLongitude")):
        if value_tag in gps:
            degrees = _gps_degrees(gps.pop(value_tag), gps.pop(reference_tag, ""))
            if degrees is not None:
                tags[name] = degrees
    tags.update(_exif_directory(gps, ExifTags.GPSTAGS))
    return tags


def _png(path: Readable) -> tuple[int, int, int, dict[str, Any]]:
    with open_readable(path) as handle:
        found = formats.png_metadata(handle)
    width, height = found.pop("width"), found.pop("height")
    return width, height, found["bitDepth"], found


def _gif(path: Readable) -> tuple[int, int, int, dict[str, Any]]:
    with open_readable(path) as handle:
        found = formats.gif_metadata(handle)
    return found.pop("width"), found.pop("height"), found.pop("bits"), found


def _jpeg(path: Readable, max_pixels: int,
          ) -> tuple[int, int, int, dict[str, Any]]:
    with open_readable(path) as handle:
        segments = formats.jpeg_segments(handle)
    found: dict[str, Any] = {}
    if segments["COM"]:
        found["JPEGFileComment"] = segments["COM"]
    try:
        with open_header(path, max_pixels) as image:
            found.update(_exif(image))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        pass
    found["MEDIAWIKI_EXIF_VERSION"] = EXIF_VERSION
    bits, height, width = segments.get("SOF", (0, 0, 0))
    if found.get("Orientation") in _ORIENTATION_SWAPS:
        width, height = height, width
    return width, height, bits, found


def _webp(path: Readable) -> tuple[int, int, int, dict[str, Any]]:
    with open_readable(path) as handle:
        found = formats.webp_metadata(handle)
    found["metadata"] = {"_MW_WEBP_VERSION": 1}
    return found.get("width", 0), found.get("height", 0), 0, found


def _bitmap(path: Readable, mime: str, max_pixels: int,
            ) -> tuple[int, int, int, dict[str, Any] | None]:
    """Other bitmap formats: dimensions from Pillow's header parse; TIFF also has EXIF tags.
    MediaWiki records no bit depth for these."""
    try:
        with open_header(path, max_pixels) as image:
            width, height = image.size
            if mime != "image/tiff":
                return width, height, 0, None
            return width, height, 0, {**_exif(image), "MEDIAWIKI_EXIF_VERSION": EXIF_VERSION}
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return 0, 0, 0, None


def svg_length(length: str, viewport: float = 512) -> float:
    """An SVG length in pixels (MediaWiki's unit table; unknown forms read as a number)."""
    match = _SVG_LENGTH.fullmatch(length)
    if match is None:
        try:
            return float(length)
        except ValueError:
            return 0.0
    number, unit = float(match.group(1)), match.group(2)
    return number * 0.01 * viewport if unit == "%" else number * _SVG_UNITS[unit]


def _svg_size(attrs: dict[str, str], found: dict[str, Any]) -> None:
    default_width, default_height, aspect = 512.0, 512.0, 1.0
    view_box = re.split(r"\s*[\s,]\s*", attrs.get("viewBox", "").strip())
    if len(view_box) == 4:
        view_width, view_height = svg_length(view_box[2]), svg_length(view_box[3])
        if view_width > 0 and view_height > 0:
            aspect = view_width / view_height
            default_height = default_width / aspect
    width = height = None
    if attrs.get("width"):
        width = svg_length(attrs["width"], default_width)
        found["originalWidth"] = attrs["width"]
    if attrs.get("height"):
        height = svg_length(attrs["height"], default_height)
        found["originalHeight"] = attrs["height"]
    if width is None:
        width = height * aspect if height is not None else default_width
    if height is None:
        height = width / aspect
    if width > 0 and height > 0:
        found["width"], found["height"] = round(width), round(height)


def _svg(path: Readable) -> tuple[int, int, int, dict[str, Any]]:
    with open_readable(path) as handle:
        parsed = check_xml(handle)
    found: dict[str, Any] = {"version": SVG_METADATA_VERSION}
    if parsed.root_element != f"{_SVG_NS}:svg":
        found["error"] = {"message": "Expected <svg> tag", "code": 0}
        return 0, 0, 0, found
    found.update({"width": 512, "height": 512, "originalWidth": "100%",
                  "originalHeight": "100%"})
    _svg_size(parsed.root_attributes, found)
    found["translations"] = {}
    return found["width"], found["height"], 0, found


def _common(mime: str, found: dict[str, Any] | None) -> dict[str, Any]:
    if found is None or mime in ("image/svg+xml", "image/webp"):
        return {}
    if mime in ("image/png", "image/gif"):
        inner = dict(found.get("metadata", {}))
        inner.pop("_MW_PNG_VERSION", None)
        inner.pop("_MW_GIF_VERSION", None)
        return inner
    return {k: v for k, v in found.items() if k not in ("MEDIAWIKI_EXIF_VERSION", "_error")}


def describe(path: Readable, mime: str | None = None, ext: str = "",
             max_pixels: int = MAX_IMAGE_PIXELS) -> ImageInfo:
    """Width, height, bit depth and metadata of a file (zeros and no metadata if it has no
    image handler). ``mime``: the file's type if already known. Huge images are described
    from their headers like any other (use :func:`ensure_decodable` before decoding)."""
    mime = mime or detect_file_type(path, ext).mime
    kind = media_type(mime, ext)
    readers = {"image/png": _png, "image/gif": _gif, "image/svg+xml": _svg,
               "image/webp": _webp}
    found: dict[str, Any] | None
    try:
        if mime in readers:
            width, height, bits, found = readers[mime](path)
        elif mime == "image/jpeg":
            width, height, bits, found = _jpeg(path, max_pixels)
        elif kind == "BITMAP":
            width, height, bits, found = _bitmap(path, mime, max_pixels)
        else:
            return ImageInfo(mime, kind)
    except formats.BrokenFile:
        broken = "-1" if mime == "image/jpeg" else "0"
        return ImageInfo(mime, kind, metadata={"_error": broken})
    return ImageInfo(mime, kind, width, height, bits, found, _common(mime, found))
