"""File metadata as the API shows it: ``metadata``, ``commonmetadata`` and ``extmetadata``.

Versions store ``metadata_json`` as ``{"metadata": [...], "commonmetadata": [...]}`` with
MediaWiki's ``[{"name": …, "value": …}]`` lists (a handler's plain dict is accepted too);
stashed files keep ``{"metadata": …}`` in ``props``. ``iimetadataversion=1`` (the API's
default) flattens the array values of EXIF metadata as MediaWiki's EXIF handler does.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from wikiupload.api.output import JSON_NULL, Fv1Bool
from wikiupload.media.images import name_value_list
from wikiupload.timestamps import iso

__all__ = ["api_metadata", "convert_version", "derive_common", "ext_metadata",
           "rotation_of", "stash_metadata", "stored_metadata"]

NameValues = list[dict[str, Any]]
_EXIF_TYPES = frozenset({"image/jpeg", "image/tiff"})
_ROTATIONS = {3: 180, 6: 90, 8: 270}
# Fields of $wgMetadataFields ("metadata-fields"); others get "hidden" in extmetadata.
VISIBLE_FIELDS = frozenset({"make", "model", "datetimeoriginal", "exposuretime", "fnumber",
                            "isospeedratings", "focallength", "artist", "copyright",
                            "imagedescription", "gpslatitude", "gpslongitude", "gpsaltitude"})


def _as_list(value: Any) -> NameValues | None:
    if value is None or value == "":
        return None
    if isinstance(value, dict):
        return name_value_list(value)
    if isinstance(value, list):
        return value
    return None


def stored_metadata(row: Any) -> tuple[NameValues | None, NameValues | None]:
    """(metadata, commonmetadata) of an Image/OldImage row; None where nothing is stored."""
    try:
        data = json.loads(row.metadata_json) if row.metadata_json else None
    except ValueError:
        return None, None
    if isinstance(data, dict) and ("metadata" in data or "commonmetadata" in data):
        return _as_list(data.get("metadata")), _as_list(data.get("commonmetadata"))
    return _as_list(data), None


def stash_metadata(props_json: str) -> tuple[NameValues | None, NameValues | None]:
    """(metadata, commonmetadata) of a stashed file's ``props``."""
    try:
        props = json.loads(props_json or "{}")
    except ValueError:
        return None, None
    if not isinstance(props, dict):
        return None, None
    return _as_list(props.get("metadata")), _as_list(props.get("commonmetadata"))


def _value(items: NameValues | None, name: str) -> Any:
    for item in items or ():
        if item.get("name") == name:
            return item.get("value")
    return None


def derive_common(mime: str, metadata: NameValues | None) -> NameValues:
    """The format-independent part, for rows stored without ``commonmetadata``."""
    if not metadata:
        return []
    if mime in ("image/png", "image/gif"):
        inner = _value(metadata, "metadata")
        return [i for i in inner or () if i.get("name") not in ("_MW_PNG_VERSION",
                                                                 "_MW_GIF_VERSION")]
    if mime in _EXIF_TYPES:
        return [i for i in metadata if i.get("name") not in ("MEDIAWIKI_EXIF_VERSION",
                                                             "_error")]
    return []


def rotation_of(mime: str, metadata: NameValues | None) -> int:
    """The EXIF orientation code of a JPEG/TIFF that needs rotating (0: none)."""
    if mime not in _EXIF_TYPES:
        return 0
    orientation = _value(metadata, "Orientation")
    return orientation if isinstance(orientation, int) and orientation in _ROTATIONS else 0


def _version_number(version: str) -> int:
    head = version.split(";", 1)[0].strip()
    digits = ""
    for char in head:
        if not char.isdigit():
            break
        digits += char
    return int(digits) if digits else 0


def convert_version(mime: str, metadata: NameValues | None, version: str) -> NameValues | None:
    """ExifBitmapHandler::convertMetadataVersion: version 1 flattens array values."""
    if not metadata or version == "latest" or mime not in _EXIF_TYPES:
        return metadata
    if _version_number(version) != 1 or _value(metadata, "MEDIAWIKI_EXIF_VERSION") != 2:
        return metadata
    out: NameValues = []
    for item in metadata:
        name, value = item.get("name"), item.get("value")
        if name in ("LocationShown", "LocationCreated") and not isinstance(value, str):
            continue
        if name == "MEDIAWIKI_EXIF_VERSION":
            value = 1
        elif isinstance(value, list):
            value = _flatten(value)
        out.append({"name": name, "value": value})
    return out


def _flatten(items: NameValues) -> Any:
    """FormatMetadata::flattenArrayReal without HTML, for one level of values."""
    values = {str(i.get("name")): i.get("value") for i in items}
    kind = values.pop("_type", "ul")
    if len(values) == 1 and kind != "lang" and "0" in values:
        return values["0"]
    if not values:
        return ""
    if kind == "lang":
        default = values.get("x-default")
        return default if default is not None else next(iter(values.values()))
    marker = "#" if kind == "ol" else "*"
    return "".join(f"\n{marker}{value}" for value in values.values())


def api_metadata(items: Iterable[dict[str, Any]] | None) -> Any:
    """A stored list for the result: booleans stay booleans in formatversion 1 and nulls
    stay null (ApiResult's META_BC_BOOLS on ``value``)."""
    if items is None:
        return JSON_NULL
    return [{"name": item.get("name"), "value": _api_value(item.get("value"))}
            for item in items]


def _api_value(value: Any) -> Any:
    if isinstance(value, bool):
        return Fv1Bool(value)
    if value is None:
        return JSON_NULL
    if isinstance(value, list):
        return api_metadata(value)
    return value


def ext_metadata(title_text: str, timestamp: datetime,
                 fields: Iterable[str] = ()) -> dict[str, Any]:
    """What MediaWiki core gives for a local file (no extension adds more): the upload time
    and the title without its extension; both are outside the visible fields."""
    dot = title_text.rfind(".")
    name = title_text[:dot] if dot > 0 else title_text
    found = {
        "DateTime": {"value": iso(timestamp), "source": "mediawiki-metadata"},
        "ObjectName": {"value": name, "source": "mediawiki-metadata"},
    }
    for key, entry in found.items():
        if key.lower() not in VISIBLE_FIELDS:
            entry["hidden"] = ""
    wanted = set(fields)
    return {k: v for k, v in found.items() if not wanted or k in wanted}
