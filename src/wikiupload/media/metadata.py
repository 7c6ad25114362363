"""Format metadata the way MediaWiki's bitmap handlers extract it (PNG, GIF, JPEG segments).

These readers walk the container structure only (chunk/block/segment headers and small text
payloads); pixel data is skipped, never decoded. Each returns a dict in MediaWiki's key order
or raises :class:`BrokenFile`.
"""

from __future__ import annotations

import struct
import zlib
from datetime import UTC, datetime
from typing import IO, Any

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_PNG_CHUNK = 3 * 1024 * 1024
MAX_JPEG_SEGMENTS = 200
MAX_GIF_SUBBLOCKS = 262144
EXIF_TIME = "%Y:%m:%d %H:%M:%S"

# PNG text keywords MediaWiki keeps, and the metadata names they become.
PNG_TEXT_KEYS = {
    "xml:com.adobe.xmp": "xmp", "artist": "Artist", "model": "Model", "make": "Make",
    "author": "Artist", "comment": "PNGFileComment", "description": "ImageDescription",
    "title": "ObjectName", "copyright": "Copyright", "source": "Model", "software": "Software",
    "disclaimer": "Disclaimer", "warning": "ContentWarning", "url": "Identifier",
    "label": "Label", "creation time": "DateTimeDigitized",
}
_PNG_COLOUR_TYPES = {0: "greyscale", 2: "truecolour", 3: "index-coloured", 4: "greyscale-alpha",
                     6: "truecolour-alpha"}
_SOF_MARKERS = frozenset(b"\xc0\xc1\xc2\xc3\xc5\xc6\xc7\xc9\xca\xcb\xcd\xce\xcf")


class BrokenFile(ValueError):
    """The structure cannot be read; MediaWiki records ``{"_error": "0"}`` for such files."""


def _read(handle: IO[bytes], size: int) -> bytes:
    data = handle.read(size)
    if len(data) != size:
        raise BrokenFile("unexpected end of file")
    return data


def _text_value(raw: bytes) -> str:
    """UTF-8 if valid, else Windows-1252 (how MediaWiki reads GIF and JPEG comments)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="ignore")


# -- PNG --------------------------------------------------------------------------------------

def _png_text(kind: bytes, data: bytes) -> tuple[str, str, str] | None:
    """(metadata name, language, text) of a tEXt/zTXt/iTXt chunk MediaWiki keeps."""
    keyword, sep, rest = data.partition(b"\x00")
    name = PNG_TEXT_KEYS.get(keyword.decode("latin-1").lower()) if sep and keyword else None
    if name is None:
        return None
    try:
        if kind == b"tEXt":
            return name, "x-default", rest.decode("latin-1")
        if kind == b"zTXt":
            if rest[:1] != b"\x00":
                return None
            return name, "x-default", zlib.decompress(rest[1:]).decode("latin-1")
        compressed, method, rest = rest[:1], rest[1:2], rest[2:]
        if compressed not in (b"\x00", b"\x01") or method != b"\x00" or len(keyword) > 79:
            return None
        language, _, rest = rest.partition(b"\x00")
        _translated, _, text = rest.partition(b"\x00")
        if compressed == b"\x01":
            text = zlib.decompress(text)
        return name, language.decode("latin-1").lower() or "x-default", text.decode("utf-8")
    except (zlib.error, UnicodeDecodeError):
        return None


def _png_chunk(kind: bytes, data: bytes, state: dict[str, Any], text: dict[str, Any]) -> None:
    if kind == b"IHDR" and len(data) >= 10:
        state["width"], state["height"] = struct.unpack(">II", data[:8])
        state["bitDepth"] = data[8]
        state["colorType"] = _PNG_COLOUR_TYPES.get(data[9], "unknown")
    elif kind == b"acTL" and len(data) >= 8:
        state["frameCount"], state["loopCount"] = struct.unpack(">II", data[:8])
    elif kind == b"fcTL" and len(data) >= 24:
        numerator, denominator = struct.unpack(">HH", data[20:24])
        state["duration"] += numerator / (denominator or 100) if numerator else 0.0
    elif kind in (b"tEXt", b"zTXt", b"iTXt"):
        found = _png_text(kind, data)
        if found is not None:
            name, language, value = found
            entry = text.setdefault(name, {})
            entry[language] = value
            entry["_type"] = "lang"
    elif kind == b"tIME" and len(data) == 7:
        year, month, day, hour, minute, second = struct.unpack(">HBBBBB", data)
        text["DateTime"] = f"{year:04d}:{month:02d}:{day:02d} {hour:02d}:{minute:02d}:{second:02d}"
    elif kind == b"pHYs" and len(data) == 9:
        x, y, unit = struct.unpack(">IIB", data)
        if unit == 1 and x > 0 and y > 0:
            text.update({"XResolution": f"{x}/100", "YResolution": f"{y}/100",
                         "ResolutionUnit": 3})


# The chunks metadata comes from; the others (image data above all) are skipped unread.
_PNG_CHUNKS_READ = frozenset((b"IHDR", b"acTL", b"fcTL", b"tEXt", b"zTXt", b"iTXt", b"tIME",
                              b"pHYs", b"IEND"))


def png_metadata(handle: IO[bytes]) -> dict[str, Any]:
    """width, height, frameCount, loopCount, duration, bitDepth, colorType, metadata."""
    if _read(handle, 8) != PNG_SIGNATURE:
        raise BrokenFile("not a PNG file")
    state: dict[str, Any] = {"width": 0, "height": 0, "frameCount": 0, "loopCount": 1,
                             "duration": 0.0, "bitDepth": 0, "colorType": "unknown"}
    text: dict[str, Any] = {}
    while True:
        size, kind = struct.unpack(">I4s", _read(handle, 8))
        if size > MAX_PNG_CHUNK or kind not in _PNG_CHUNKS_READ:
            handle.seek(size + 4, 1)
            continue
        data, crc = _read(handle, size), _read(handle, 4)
        if zlib.crc32(data, zlib.crc32(kind)) != struct.unpack(">I", crc)[0]:
            continue
        if kind == b"IEND":
            break
        _png_chunk(kind, data, state, text)
    if state["loopCount"] > 1:
        state["duration"] *= state["loopCount"]
    text.pop("xmp", None)
    for language, value in text.get("DateTimeDigitized", {}).items():
        if language != "_type":
            text["DateTimeDigitized"][language] = exif_datetime(value) or value
    return {**state, "metadata": {**text, "_MW_PNG_VERSION": 1}}


# -- GIF --------------------------------------------------------------------------------------

def _skip_blocks(handle: IO[bytes]) -> None:
    while True:
        length = _read(handle, 1)[0]
        if length == 0:
            return
        handle.seek(length, 1)


def _read_blocks(handle: IO[bytes]) -> bytes:
    data, count = [], 0
    while (length := _read(handle, 1)[0]) != 0:
        count += 1
        if count > MAX_GIF_SUBBLOCKS:
            raise BrokenFile("too many sub-blocks")
        data.append(handle.read(length))
    return b"".join(data)


def _gif_extension(handle: IO[bytes], state: dict[str, Any], comments: list[str]) -> None:
    code = _read(handle, 1)[0]
    if code == 0xF9:
        block = _read(handle, 6)
        state["duration"] += struct.unpack("<H", block[2:4])[0] * 0.01
        if block[5] != 0:
            raise BrokenFile("malformed graphics control extension")
    elif code == 0xFE:
        comment = _read_blocks(handle)
        if not comment:
            raise BrokenFile("empty comment block")
        text = _text_value(comment)
        if not comments or comments[-1] != text:
            comments.append(text)
    elif code == 0xFF:
        length = _read(handle, 1)[0]
        ident = _read(handle, length)
        if length == 11 and ident == b"NETSCAPE2.0":
            if _read(handle, 2) != b"\x03\x01":
                raise BrokenFile("bad NETSCAPE2.0 block")
            if struct.unpack("<H", _read(handle, 2))[0] != 1:
                state["looped"] = True
            _read(handle, 1)
        else:
            _skip_blocks(handle)
    else:
        _skip_blocks(handle)


def gif_metadata(handle: IO[bytes]) -> dict[str, Any]:
    """frameCount, looped, duration, width, height, bits and comments (GIFFileComment)."""
    header = _read(handle, 13)
    if header[:6] not in (b"GIF87a", b"GIF89a"):
        raise BrokenFile("not a GIF file")
    width, height = struct.unpack("<HH", header[6:10])
    state: dict[str, Any] = {"frameCount": 0, "looped": False, "duration": 0.0}
    comments: list[str] = []
    bits = (header[10] & 7) + 1
    if header[10] & 0x80:
        handle.seek(3 * 2 ** bits, 1)
    while (marker := handle.read(1)) != b";":
        if marker == b",":
            state["frameCount"] += 1
            flags = _read(handle, 9)[8]
            bits = (flags & 7) + 1
            if flags & 0x80:
                handle.seek(3 * 2 ** bits, 1)
            _read(handle, 1)
            _skip_blocks(handle)
        elif marker == b"!":
            _gif_extension(handle, state, comments)
        else:
            raise BrokenFile("unknown block")
    native = {"GIFFileComment": comments} if comments else {}
    return {**state, "metadata": {**native, "_MW_GIF_VERSION": 1},
            "width": width, "height": height, "bits": bits}


# -- JPEG -------------------------------------------------------------------------------------

def _jpeg_segment(handle: IO[bytes]) -> bytes:
    size = struct.unpack(">H", _read(handle, 2))[0]
    if size < 2:
        raise BrokenFile("invalid marker size")
    return _read(handle, size - 2)


def _next_marker(handle: IO[bytes]) -> int | None:
    """The next marker byte after any garbage and 0xFF padding; None at the end."""
    byte = handle.read(1)
    while byte and byte != b"\xff":
        byte = handle.read(1)
    while byte == b"\xff":
        byte = handle.read(1)
    return byte[0] if byte else None


def jpeg_segments(handle: IO[bytes]) -> dict[str, Any]:
    """``COM`` (list of comments) and ``SOF`` ((bits, height, width) if found)."""
    if _read(handle, 2) != b"\xff\xd8":
        raise BrokenFile("not a JPEG file")
    found: dict[str, Any] = {"COM": []}
    for _ in range(MAX_JPEG_SEGMENTS):
        marker = _next_marker(handle)
        if marker is None:
            raise BrokenFile("reached the end of the file")
        if marker == 0xFE:
            comment = _jpeg_segment(handle).strip(b" \t\n\r\0\x0b")
            try:
                found["COM"].append(comment.decode("utf-8"))
            except UnicodeDecodeError:
                found["COM"].append(comment.decode("cp1252", errors="ignore"))
        elif marker in (0xD9, 0xDA):
            return found
        elif marker in _SOF_MARKERS:
            segment = _jpeg_segment(handle)
            if len(segment) >= 5:
                found["SOF"] = struct.unpack(">BHH", segment[:5])
        else:
            size = struct.unpack(">H", _read(handle, 2))[0]
            if size < 2:
                raise BrokenFile("invalid marker size")
            handle.seek(size - 2, 1)
    raise BrokenFile("too many segments")


def exif_datetime(value: str) -> str | None:
    """A timestamp in EXIF form, or None."""
    for pattern in (EXIF_TIME, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(value.strip()[:19], pattern).replace(tzinfo=UTC).strftime(
                EXIF_TIME)
        except ValueError:
            continue
    return None


# -- WebP -------------------------------------------------------------------------------------

MAX_RIFF_CHUNKS = 100


def _webp_chunk(kind: bytes, header: bytes) -> dict[str, Any]:
    if kind == b"VP8 ":
        if header[11:14] != b"\x9d\x01\x2a" or len(header) < 18:
            return {}
        width, height = struct.unpack("<HH", header[14:18])
        return {"compression": "lossy", "width": width & 0x3FFF, "height": height & 0x3FFF}
    if kind == b"VP8L":
        if header[8:9] != b"\x2f" or len(header) < 13:
            return {}
        b = header[9:13]
        return {"compression": "lossless", "width": (b[0] | ((b[1] & 0x3F) << 8)) + 1,
                "height": (((b[1] & 0xC0) >> 6) | (b[2] << 2) | ((b[3] & 0x03) << 10)) + 1}
    if len(header) < 18:
        return {}
    flags = header[8]
    return {"compression": "unknown", "animated": bool(flags & 0x02),
            "transparency": bool(flags & 0x10),
            "width": int.from_bytes(header[12:15], "little") + 1,
            "height": int.from_bytes(header[15:18], "little") + 1}


def webp_metadata(handle: IO[bytes]) -> dict[str, Any]:
    """compression, [animated, transparency,] width, height (from the RIFF chunk headers)."""
    header = _read(handle, 12)
    if header[:4] != b"RIFF" or header[8:12] != b"WEBP":
        raise BrokenFile("not a WebP file")
    found: dict[str, Any] = {}
    for _ in range(MAX_RIFF_CHUNKS):
        start = handle.tell()
        chunk = handle.read(32)
        if len(chunk) < 8:
            break
        kind, size = chunk[:4], struct.unpack("<I", chunk[4:8])[0]
        if kind in (b"VP8 ", b"VP8L", b"VP8X"):
            found.update(_webp_chunk(kind, chunk))
            if kind != b"VP8X":
                break
        handle.seek(start + 8 + size + (size & 1))
    if not found:
        raise BrokenFile("no image data chunk")
    return found
