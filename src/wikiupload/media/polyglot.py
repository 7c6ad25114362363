"""Polyglots: an archive, a script or a web page hidden after the end of an image.

A PNG ends with its IEND chunk, a GIF with its trailer byte, a JPEG with its EOI marker;
viewers ignore whatever follows, but the same bytes read as a ZIP (whose directory sits at
the end of the file), as PHP, or sniffed as HTML by a browser are another file altogether.
The image's structure is walked (headers and lengths only, never pixel data) to find where
it really ends; what follows is refused if it holds an archive signature or markup. Other
trailing bytes (padding, the video of a "motion photo", vendor trailers) are let through.
"""

from __future__ import annotations

import re
import struct
from typing import IO

from wikiupload.media.readable import Readable, open_readable, readable_size

__all__ = ["image_end", "hidden_payload"]

BLOCK = 1024 * 1024
OVERLAP = 64
_SUSPICIOUS = re.compile(
    rb"PK\x03\x04|PK\x05\x06|PK\x01\x02|Rar!\x1a\x07|7z\xbc\xaf\x27\x1c"
    rb"|<\?php|<\?=|<%|<script|<html|<body|<head|<!doctype|<iframe|<object|<embed|<svg"
    rb"|<meta|<a\s|<img|<form|<\?xml-stylesheet|#!/",
    re.I,
)
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})   # TEM, RST0-7: no length


def _png_end(handle: IO[bytes], size: int) -> int | None:
    if handle.read(8) != _PNG_SIGNATURE:
        return None
    offset = 8
    while offset + 12 <= size:
        handle.seek(offset)
        header = handle.read(8)
        length, kind = struct.unpack(">I4s", header)
        offset += 12 + length
        if kind == b"IEND":
            return offset if offset <= size else None
    return None


def _skip_sub_blocks(handle: IO[bytes]) -> bool:
    while True:
        count = handle.read(1)
        if not count:
            return False
        if count[0] == 0:
            return True
        handle.seek(count[0], 1)


def _gif_end(handle: IO[bytes], size: int) -> int | None:
    header = handle.read(13)
    if len(header) < 13 or header[:6] not in (b"GIF87a", b"GIF89a"):
        return None
    if header[10] & 0x80:
        handle.seek(3 * (2 << (header[10] & 0x07)), 1)
    while True:
        introducer = handle.read(1)
        if not introducer:
            return None
        if introducer == b";":
            return handle.tell()
        if introducer == b"!":
            handle.seek(1, 1)
        elif introducer == b",":
            descriptor = handle.read(9)
            if len(descriptor) < 9:
                return None
            if descriptor[8] & 0x80:
                handle.seek(3 * (2 << (descriptor[8] & 0x07)), 1)
            handle.seek(1, 1)                       # LZW minimum code size
        else:
            return None
        if not _skip_sub_blocks(handle) or handle.tell() > size:
            return None


def _next_marker_after_scan(handle: IO[bytes]) -> int | None:
    """Offset of the first marker after entropy-coded data (FF00, RSTn and fill bytes are
    part of the data)."""
    base = handle.tell()
    data = handle.read(BLOCK)
    index = 0
    while data:
        index = data.find(b"\xff", index)
        if index < 0 or index + 1 >= len(data):
            keep = data[-1:] if data.endswith(b"\xff") else b""
            base += len(data) - len(keep)
            more = handle.read(BLOCK)
            if not more:
                return None
            data, index = keep + more, 0
            continue
        following = data[index + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            index += 1
            continue
        return base + index
    return None


def _jpeg_end(handle: IO[bytes], size: int) -> int | None:
    if handle.read(2) != b"\xff\xd8":
        return None
    offset = 2
    while offset + 2 <= size:
        handle.seek(offset)
        marker = handle.read(2)
        if marker[0] != 0xFF:
            return None
        kind = marker[1]
        if kind == 0xFF:                            # fill byte
            offset += 1
            continue
        if kind == 0xD9:
            return offset + 2
        if kind in _JPEG_STANDALONE:
            offset += 2
            continue
        length_bytes = handle.read(2)
        if len(length_bytes) < 2:
            return None
        offset += 2 + struct.unpack(">H", length_bytes)[0]
        if kind == 0xDA:                            # start of scan: entropy data follows
            handle.seek(offset)
            found = _next_marker_after_scan(handle)
            if found is None:
                return None
            offset = found
    return None


_FINDERS = {"image/png": _png_end, "image/gif": _gif_end, "image/jpeg": _jpeg_end}


def image_end(path: Readable, mime: str) -> int | None:
    """Where the image of type ``mime`` ends (None: unknown type or broken structure)."""
    finder = _FINDERS.get(mime)
    if finder is None:
        return None
    size = readable_size(path)
    with open_readable(path) as handle:
        try:
            return finder(handle, size)
        except (struct.error, ValueError, OSError):
            return None


def hidden_payload(path: Readable, mime: str) -> bool:
    """Whether an archive or markup follows the end of the image."""
    end = image_end(path, mime)
    if end is None:
        return False
    with open_readable(path) as handle:
        handle.seek(end)
        carry = b""
        while block := handle.read(BLOCK):
            if _SUSPICIOUS.search(carry + block):
                return True
            carry = block[-OVERLAP:]
    return False
