"""MIME type detection from file content, in MediaWiki's order (MimeAnalyzer::guessMimeType).

Only the head (16 KiB), the tail (64 KiB, for ZIP end records) and bounded structures are
read; XML documents are parsed as a stream.
"""

from __future__ import annotations

import os
import re
import struct
from dataclasses import dataclass
from typing import IO

from wikiupload.media import mimemap, textsniff
from wikiupload.media.archives import CFB_SIGNATURE, EOCD_SIGNATURE, compound_file_type, zip_type
from wikiupload.media.readable import Readable, open_readable
from wikiupload.media.xmlcheck import check_xml

HEAD_BYTES = 1024
HEAD16K_BYTES = 16384
TAIL_BYTES = 65558

# Checked first, by prefix, in this order.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"MThd", "audio/midi"),
    (b"OggS", "application/ogg"),
    (b"ID3", "audio/mpeg"),
    (b"\xff\xfb", "audio/mpeg"),
    (b"\xff\xf3", "audio/mpeg"),
    (b"\xff\xe3", "audio/mpeg"),
    (b"\x01\x00\x09\x00", "application/x-msmetafile"),
    (b"\xd7\xcd\xc6\x9a", "application/x-msmetafile"),
    (b"%PDF", "application/pdf"),
    (b"gimp xcf", "image/x-xcf"),
    (b"MZ", "application/octet-stream"),           # DOS/Windows executable
    (b"\xca\xfe\xba\xbe", "application/octet-stream"),  # Mach-O
    (b"\x7fELF", "application/octet-stream"),
)
XML_ROOT_TYPES = {
    "http://www.w3.org/2000/svg:svg": "image/svg+xml",
    "svg": "image/svg+xml",
    "http://www.lysator.liu.se/~alla/dia/:diagram": "application/x-dia-diagram",
    "http://www.w3.org/1999/xhtml:html": "text/html",
    "html": "text/html",
}
_EBML = b"\x1a\x45\xdf\xa3"
_JP2 = b"\x00\x00\x00\x0cjP\x20\x20\x0d\x0a\x87\x0a"
_PHP_MARKERS = (b"<?php", b"<\x00?\x00p\x00h\x00p", b"<\x00?\x00 ", b"<\x00?\x00\n",
                b"<\x00?\x00\t", b"<\x00?\x00=")
_VIDEO_CODECS = (b"\x86\x85V_VP8", b"\x86\x85V_VP9", b"\x86\x85V_AV1",
                 b"\x86\x86V_VP8\x00", b"\x86\x86V_VP9\x00", b"\x86\x86V_AV1\x00")
_SHEBANG_BOMS = ((b"#!", "ascii"), (b"\xef\xbb\xbf#!", "ascii"),
                 (b"\xfe\xff\x00#\x00!", "utf-16-be"), (b"\xff\xfe#\x00!", "utf-16-le"))
_INTERPRETER = re.compile(r"/?(\S+/)(\w+)")
_STL_END = re.compile(rb"(?:\r\n|\n|\r)ENDSOLID [^\r\n]*(?:\r\n|\n|\r)?\Z", re.I)


@dataclass(frozen=True)
class FileType:
    """What the content is: ``file_mime`` as detected, ``mime`` refined by the extension."""

    file_mime: str
    mime: str
    media_type: str


@dataclass(frozen=True)
class _Sample:
    head: bytes
    head16k: bytes
    tail: bytes
    size: int


def _read_sample(handle: IO[bytes]) -> _Sample:
    size = handle.seek(0, os.SEEK_END)
    handle.seek(0)
    head16k = handle.read(HEAD16K_BYTES)
    tail_length = min(TAIL_BYTES, size)
    handle.seek(size - tail_length)
    tail = handle.read(tail_length)
    return _Sample(head16k[:HEAD_BYTES], head16k, tail, size)


def _ebml_type(head16k: bytes) -> str:
    at = head16k.find(b"\x42\x82")
    if at > 0:
        doctype = head16k[at + 3:at + 11]
        if doctype.startswith(b"matroska"):
            return "video/x-matroska"
        if doctype.startswith(b"webm"):
            has_video = any(codec in head16k for codec in _VIDEO_CODECS)
            return "video/webm" if has_video else "audio/webm"
    return "unknown/unknown"


def _shebang_type(head: bytes) -> str | None:
    for prefix, codec in _SHEBANG_BOMS:
        if head.startswith(prefix):
            text = head[2:] if codec != "ascii" else head
            decoded = text[:len(text) - len(text) % 2].decode(codec, errors="replace") \
                if codec != "ascii" else text.decode("latin-1")
            folded = "".join(c if ord(c) < 128 else "?" for c in decoded)
            match = _INTERPRETER.search(folded)
            return f"application/x-{match.group(2)}" if match else None
    return None


def _is_zip(tail: bytes) -> bool:
    at = tail.find(EOCD_SIGNATURE)
    if at < 0 or at > len(tail) - 22:
        return False
    comment_length = int(struct.unpack_from("<H", tail, at + 20)[0])
    return at + 22 + comment_length == len(tail)


def _is_stl(sample: _Sample) -> bool:
    if sample.size >= 15 and sample.head[:6].upper() == b"SOLID " and _STL_END.search(sample.tail):
        return True
    if sample.size > 84 and len(sample.head) >= 84:
        triangles = int(struct.unpack_from("<I", sample.head, 80)[0])
        return sample.size == 84 + triangles * 50
    return False


def _early_type(handle: IO[bytes], sample: _Sample) -> str | None:
    """Signatures MediaWiki tests before trying XML."""
    head = sample.head
    for magic, mime in _MAGIC:
        if head.startswith(magic):
            return mime
    if sample.head16k.startswith(_EBML):
        return _ebml_type(sample.head16k)
    if head.startswith(b"RIFF") and head[8:15] == b"WEBPVP8":
        return "image/webp"
    if head.startswith(_JP2) and head[16:24] in (b"ftypjp2 ", b"ftypjpx "):
        return "image/jp2" if head[16:24] == b"ftypjp2 " else "image/jpx"
    if head.startswith(CFB_SIGNATURE):
        return compound_file_type(handle)
    if any(marker in head for marker in _PHP_MARKERS):
        return "application/x-php"
    return None


def _late_type(handle: IO[bytes], sample: _Sample) -> str:
    """Shebang scripts, ZIP variants, STL, image headers, then the generic classifier."""
    script = _shebang_type(sample.head)
    if script is not None:
        return script
    if _is_zip(sample.tail):
        return zip_type(handle)
    if _is_stl(sample):
        return "application/sla"
    image = image_signature_type(sample.head16k)
    if image is not None:
        return image
    handle.seek(0)
    found = textsniff.classify(handle.read(textsniff.SAMPLE_BYTES))
    return "unknown/unknown" if "unknown" in found else found


def guess_type(handle: IO[bytes]) -> str:
    """The content's MIME type (``unknown/unknown`` if nothing matches), one alias resolved."""
    sample = _read_sample(handle)
    mime = _early_type(handle, sample)
    if mime is None:
        xml = check_xml(handle)
        if xml.well_formed:
            mime = XML_ROOT_TYPES.get(xml.root_element, "application/xml")
        else:
            mime = _late_type(handle, sample)
    return mimemap.canonical_mime(mime)


def guess_mime_type(path: Readable) -> str:
    with open_readable(path) as handle:
        return guess_type(handle)


def detect_file_type(path: Readable, ext: str) -> FileType:
    """Detected type, type refined by the extension ``ext``, and the media type class."""
    with open_readable(path) as handle:
        file_mime = guess_type(handle)
        handle.seek(0)
        head = handle.read(256)
    mime = mimemap.improve_type_from_extension(file_mime, ext) or file_mime
    return FileType(file_mime, mime, mimemap.media_type(mime, "", head))


# -- image headers (what PHP's getimagesize() recognises) --------------------------------------

def _wbmp(head: bytes) -> bool:
    """Wireless bitmap: type 0, header bytes, then non-zero width and height below 2048."""
    if len(head) < 4 or head[0] != 0:
        return False
    pos = 1
    while pos < len(head) and head[pos] & 0x80:
        pos += 1
    pos += 1
    dims = []
    for _ in range(2):
        value = 0
        while True:
            if pos >= len(head):
                return False
            byte = head[pos]
            pos += 1
            value = (value << 7) | (byte & 0x7F)
            if value > 2048:
                return False
            if not byte & 0x80:
                break
        dims.append(value)
    return all(dims)


_XBM = re.compile(rb"#define\s+\S*_width\s+\d+\s*\n\s*#define\s+\S*_height\s+\d+")


def image_signature_type(head: bytes) -> str | None:
    """The MIME type getimagesize() would report for this header, or None."""
    checks: tuple[tuple[bool, str], ...] = (
        (head[:3] == b"GIF" and len(head) >= 10, "image/gif"),
        (head[:3] == b"\xff\xd8\xff", "image/jpeg"),
        (head[:8] == b"\x89PNG\r\n\x1a\n" and len(head) >= 25, "image/png"),
        (head[:3] in (b"FWS", b"CWS", b"ZWS") and len(head) >= 9, "application/x-shockwave-flash"),
        (head[:4] == b"8BPS" and len(head) >= 26, "image/psd"),
        (head[:2] == b"BM" and len(head) >= 26, "image/bmp"),
        (head[:3] == b"\xff\x4f\xff", "application/octet-stream"),
        (head[:4] in (b"II*\x00", b"MM\x00*") and len(head) >= 8, "image/tiff"),
        (head[:12] == _JP2, "image/jp2"),
        (head[:4] == b"\x00\x00\x01\x00" and len(head) >= 22, "image/vnd.microsoft.icon"),
        (head[:4] == b"RIFF" and head[8:12] == b"WEBP", "image/webp"),
        (head[4:12] in (b"ftypavif", b"ftypavis"), "image/avif"),
        (_wbmp(head[:64]), "image/vnd.wap.wbmp"),
        (bool(_XBM.match(head.lstrip())), "image/xbm"),
    )
    return next((mime for matched, mime in checks if matched), None)
