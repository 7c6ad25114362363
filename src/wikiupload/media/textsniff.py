"""Last-resort content classification, where MediaWiki falls back to libmagic (``finfo``).

Covers what the classic ``file`` magic says for text (plain, HTML, XML, SVG, JSON, CSV, RTF,
PostScript) and a set of common binary containers; anything else is
``application/octet-stream``.
"""

from __future__ import annotations

import codecs
import json
import re

SAMPLE_BYTES = 1024 * 1024  # what libmagic reads
ENCODING_BYTES = 65536       # what it looks at to decide text or binary
MARKUP_WINDOW = 4096
JSON_PROBE_BYTES = 4096

_NON_TEXT = bytes([*range(0, 7), *range(14, 27), *range(28, 32), 127])
_HTML = re.compile(
    rb"<(?:title|script|style|table|head|html)[\s>]|<a\s+href=|<!doctype\s+html", re.I)
_TRAILING_COMMA = re.compile(r",\s*([\]}])")
MIN_TEXT_BYTES = 3      # shorter files without a signature are "very short", not text

# Text formats ``file`` recognises by their first lines (a common subset of its magic).
_TEXT_FORMATS: tuple[tuple[re.Pattern[bytes], str], ...] = (
    (re.compile(rb"-----BEGIN PGP SIGNATURE-----"), "application/pgp-signature"),
    (re.compile(rb"-----BEGIN PGP PUBLIC KEY BLOCK-----"), "application/pgp-keys"),
    (re.compile(rb"-----BEGIN PGP (?:SIGNED )?MESSAGE-----"), "application/pgp-encrypted"),
    (re.compile(rb"(?i)BEGIN:VCARD"), "text/vcard"),
    (re.compile(rb"(?:diff |Index: |--- [^\n]*\n\+\+\+ )"), "text/x-diff"),
    (re.compile(rb"(?:From|Received|Return-Path|Message-ID|Subject|To): ", re.I),
     "message/rfc822"),
)
_SOURCE_FORMATS: tuple[tuple[re.Pattern[bytes], str], ...] = (
    (re.compile(rb"(?m)^#include|^#[ \t]*pragma|^(?:struct|union)[ \t\n]+[A-Za-z_]\w*[ \t\n]*\{"
                rb"|^(?:int|void)[ \t]+main[ \t]*\("), "text/x-c"),
    (re.compile(rb"(?m)^#[ \t]*if(?:n?def)?\b(?s:.*)#endif"), "text/x-c"),
    (re.compile(rb"(?m)^from[ \t\f\r\n]+[\w.]+[ \t\f\r\n]+import|^[ \t]{0,64}def +[A-Za-z_]"
                rb"\w*\([^)\n]*\):[ \t]*$"), "text/x-script.python"),
    (re.compile(rb"(?m)^\\(?:documentclass|begin\{document\}|input\{|chapter\{|section\{)"),
     "text/x-tex"),
)


def _ftyp_type(head: bytes) -> str | None:
    if head[4:8] != b"ftyp":
        return None
    brand = head[8:12]
    brands = {b"qt  ": "video/quicktime", b"M4A ": "audio/x-m4a", b"avif": "image/avif",
              b"heic": "image/heic", b"heix": "image/heic"}
    return brands.get(brand, "video/mp4")


def _binary_type(head: bytes) -> str:
    riff = head[8:12] if head[:4] == b"RIFF" else b""
    signatures: tuple[tuple[bool, str], ...] = (
        (riff == b"WAVE", "audio/x-wav"),
        (riff == b"AVI ", "video/x-msvideo"),
        (head[:4] == b"fLaC", "audio/flac"),
        (head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"), "audio/x-aiff"),
        (head[:8] == b"AT&TFORM" and head[12:16] in (b"DJVU", b"DJVM"), "image/vnd.djvu"),
        (head[:2] == b"\x1f\x8b", "application/gzip"),
        (head[:3] == b"BZh", "application/x-bzip2"),
        (head[:6] == b"\xfd7zXZ\x00", "application/x-xz"),
        (head[:6] == b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
        (head[:6] == b"Rar!\x1a\x07", "application/x-rar"),
        (head[257:262] == b"ustar", "application/x-tar"),
        (head[:4] == b"OTTO", "application/vnd.ms-opentype"),
        (head[:4] == b"wOFF", "font/woff"),
        (head[:4] == b"wOF2", "font/woff2"),
        (head[:16] == b"SQLite format 3\x00", "application/x-sqlite3"),
    )
    found = next((mime for matched, mime in signatures if matched), None)
    return found or _ftyp_type(head) or "application/octet-stream"


def is_text(data: bytes) -> bool:
    """Whether ``file`` would call these bytes text (ASCII, UTF-8, ISO-8859 or extended)."""
    return len(data.translate(None, _NON_TEXT)) == len(data)


def _may_be_json(data: bytes) -> bool:
    """Whether the first non-blank character (of the text as decoded for the JSON check)
    opens a JSON document: decoded piece by piece, so other text is not decoded whole."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    for start in range(0, len(data), JSON_PROBE_BYTES):
        end = start + JSON_PROBE_BYTES
        text = decoder.decode(data[start:end], final=end >= len(data)).lstrip()
        if text:
            return text[0] in "{["
    return False


def _looks_like_json(text: str) -> bool:
    stripped = text.lstrip()
    if not stripped.startswith(("{", "[")):
        return False
    try:
        json.JSONDecoder().raw_decode(_TRAILING_COMMA.sub(r"\1", stripped))
    except ValueError:
        return False
    return True


def _looks_like_csv(data: bytes) -> bool:
    """Comma-separated: the same number (>= 1) of unquoted commas on each of the first lines.

    A double quote opens a quoted stretch and the next one closes it; commas and newlines in
    it do not count. The stretches between quotes and newlines are found and counted with
    bytes methods, so the cost follows the number of quotes and lines looked at, not bytes.
    """
    if b"\n" not in data:
        return False
    fields = newlines = expected = 0
    pos, size = 0, len(data)
    next_quote = data.find(b'"')
    next_newline = data.find(b"\n")
    while pos < size:
        if next_quote < 0:
            next_quote = size
        if next_newline < 0:
            next_newline = size
        end = min(next_quote, next_newline)
        fields += data.count(b",", pos, end)
        if end == size:
            break
        if end == next_quote:   # skip the quoted stretch, up to and with its closing quote
            close = data.find(b'"', end + 1)
            if close < 0:
                break
            pos = close + 1
            next_quote = data.find(b'"', pos)
            if next_newline < pos:
                next_newline = data.find(b"\n", pos)
            continue
        newlines += 1
        if expected == 0:
            if fields == 0:
                return False
            expected = fields
        elif fields != expected:
            return False
        if newlines == 10:
            return True
        fields = 0
        pos = end + 1
        next_newline = data.find(b"\n", pos)
    return expected > 0 and newlines > 2


def _text_type(data: bytes) -> str:
    if _may_be_json(data) and _looks_like_json(data.decode("utf-8", errors="replace")):
        return "application/json"
    if _looks_like_csv(data):
        return "text/csv"
    if len(data) < MIN_TEXT_BYTES:
        return "application/octet-stream"
    window = data[:MARKUP_WINDOW]
    if data[:5].lower() == b"<?xml":
        return "image/svg+xml" if b"<svg" in window else "text/xml"
    if data.startswith(b"<svg") or data[:13].lower() == b"<!doctype svg":
        return "image/svg+xml"
    if _HTML.search(window.lstrip(b"\xef\xbb\xbf")):
        return "text/html"
    if data.startswith(b"{\\rtf"):
        return "text/rtf"
    if data.startswith(b"%!"):
        return "application/postscript"
    for pattern, mime in _TEXT_FORMATS:
        if pattern.match(data):
            return mime
    for pattern, mime in _SOURCE_FORMATS:
        if pattern.search(data[:8192]):
            return mime
    return "text/plain"


def classify(data: bytes) -> str:
    """The MIME type for the first bytes of a file (at most :data:`SAMPLE_BYTES`; only the
    first :data:`ENCODING_BYTES` decide between text and binary)."""
    if not data:
        return "application/x-empty"
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            decoded = data[2:len(data) - (len(data) % 2)].decode(codec, errors="replace")
            return _text_type(decoded.encode("utf-8"))
    if data[:2] == b"\xff\xd8":
        return "image/jpeg"
    if data[:4] == b"GIF8":
        return "image/gif"
    if is_text(data[:ENCODING_BYTES]):
        return _text_type(data)
    return _binary_type(data)
