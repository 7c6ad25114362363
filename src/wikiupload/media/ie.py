"""What old Internet Explorer versions would sniff a file as (MediaWiki's IE content check).

IE 5-7 ignored the served Content-Type in many cases and guessed from the first 255 bytes.
MediaWiki refuses an upload if any of those guesses is an excluded MIME type
(``filetype-bad-ie-mime``); this module reproduces the guesses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

VERSIONS = ("ie05", "ie06", "ie07", "ie07.strict", "ie07.nohtml")
SAMPLE_BYTES = 256

_AMBIGUOUS = frozenset({"text/plain", "application/octet-stream", "application/x-netcdf"})
_TEXT = frozenset({
    "text/richtext", "image/x-bitmap", "application/postscript", "application/base64",
    "application/macbinhex40", "application/x-cdf", "text/scriptlet",
})
_TEXT_IE7 = _TEXT | {"text/xml", "application/xml"}
_BINARY = frozenset({
    "application/pdf", "audio/x-aiff", "audio/basic", "audio/wav", "image/gif", "image/pjpeg",
    "image/jpeg", "image/tiff", "image/x-png", "image/png", "image/bmp", "image/x-jg",
    "image/x-art", "image/x-emf", "image/x-wmf", "video/avi", "video/x-msvideo", "video/mpeg",
    "application/x-compressed", "application/x-zip-compressed",
    "application/x-gzip-compressed", "application/java", "application/x-msdownload",
})
_HTML_TAGS = (b"html", b"head", b"title", b"body", b"script", b"a href", b"pre", b"img",
              b"plaintext", b"table")
_RDF_URL = b"http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDF_PURL = b"http://purl.org/rss/1.0/"

# The part of the Windows file-extension registry that leads to dangerous types (only
# consulted as a last resort, for ambiguous content, by the extension of the stored file).
_REGISTRY = {
    ".exe": "application/x-msdownload", ".dll": "application/x-msdownload",
    ".htm": "text/html", ".html": "text/html", ".shtml": "text/html",
    ".xml": "text/xml", ".xsl": "text/xml", ".sct": "text/scriptlet", ".wsc": "text/scriptlet",
    ".xht": "application/xhtml+xml", ".xhtml": "application/xhtml+xml",
    ".hxa": "application/xml", ".hxc": "application/xml", ".hxe": "application/xml",
    ".hxf": "application/xml", ".hxk": "application/xml", ".hxt": "application/xml",
    ".hxv": "application/xml", ".txt": "text/plain", ".log": "text/plain",
    ".conf": "text/plain", ".py": "text/plain", ".pyw": "text/plain",
}
_TRANSLATE = {
    "image/pjpeg": "image/jpeg", "image/x-png": "image/png",
    "image/x-wmf": "application/x-msmetafile", "image/bmp": "image/x-bmp",
    "application/x-zip-compressed": "application/zip",
    "application/x-compressed": "application/x-compress",
    "application/x-gzip-compressed": "application/x-gzip", "audio/mid": "audio/midi",
}


@dataclass
class _Sample:
    found: set[str] = field(default_factory=set)
    ctrl: int = 0
    high: int = 0
    low: int = 0
    ff: int = 0

    @property
    def looks_binary(self) -> bool:
        return self.ctrl != 0 and (self.ff + self.low) < (self.ctrl + self.high) * 16


def _data_format(version: str, mime: str) -> str:
    if mime in ("", "(null)") or mime in _AMBIGUOUS:
        return "ambiguous"
    if mime in (_TEXT_IE7 if version >= "ie07" else _TEXT):
        return "text"
    if mime in _BINARY:
        return "binary"
    return "html" if mime == "text/html" else "unknown"


def _starts(data: bytes, prefix: bytes) -> bool:
    return data[:len(prefix)].lower() == prefix.lower()


def _sample_tag(version: str, chunk: bytes, offset: int, sample: _Sample) -> bool:
    """Look at what follows a ``<``; True means stop sampling."""
    rest = chunk[offset + 1:]
    if _starts(rest, b"?xml") and chunk[offset + 5:offset + 6] in (b":", b" ", b"\t"):
        sample.found.add("xml")
    if _starts(rest, b"scriptlet"):
        sample.found.add("scriptlet")
        return True
    if any(_starts(rest, tag) for tag in _HTML_TAGS):
        sample.found.add("html")
    if version < "ie07":
        if _starts(rest, b"channel"):
            sample.found.add("cdf")
        return False
    if _starts(rest, b"rss"):
        sample.found.add("rss")
        return True
    if _starts(rest, b"rdf:RDF"):
        sample.found.add("rdf-tag")
    if _starts(rest, b"feed"):
        sample.found.add("atom")
        return True
    return False


def _sample_text(chunk: bytes, offset: int, sample: _Sample) -> bool:
    """Look at plain text at ``offset``; True means stop sampling."""
    rest = chunk[offset:]
    found = sample.found
    if _starts(rest, _RDF_URL):
        found.add("rdf-url")
        return "rdf-tag" in found and "rdf-purl" in found
    if _starts(rest, _RDF_PURL):
        return "rdf-tag" in found and "rdf-url" in found
    if _starts(rest, b"#define"):
        found.add("xbm1")
        return False
    if rest[:1] == b"_":
        if "xbm2" in found:
            if _starts(rest, b"_bits"):
                found.add("xbm")
                return True
        elif "xbm1" in found and _starts(rest, b"_width"):
            found.add("xbm2")
    if rest.startswith(b"converted with BinHex"):
        found.add("binhex")
    return False


# IE looks at every byte, but only these offsets can change what it finds (a tag, or text
# that _sample_text reacts to): found with one regular expression instead of a byte loop.
_EVENTS = re.compile(rb"(?=[<_]|(?i:#define|http://)|converted with BinHex)")
# Each byte's class for the counts: f(orm feed), l(ow: tab and printable), c(ontrol),
# h(igh bit), and s(kipped: CR, LF).
_CLASSES = bytes(
    ord("s") if byte in (0x0A, 0x0D) else ord("f") if byte == 0x0C
    else ord("l") if byte == 0x09 or 32 <= byte < 128 else ord("c") if byte < 32
    else ord("h") for byte in range(256))


def _sample(version: str, chunk: bytes) -> _Sample:
    """What IE's sampling loop finds: markers (up to the one that stops it) and the counts
    of the bytes it looked at."""
    sample = _Sample()
    end = len(chunk)
    for match in _EVENTS.finditer(chunk):
        offset = match.start()
        stop = (_sample_tag(version, chunk, offset, sample) if chunk[offset] == 0x3C
                else _sample_text(chunk, offset, sample))
        if stop:
            end = offset + 1
            break
    classes = chunk[:end].translate(_CLASSES)
    sample.ff, sample.low = classes.count(b"f"), classes.count(b"l")
    sample.ctrl, sample.high = classes.count(b"c"), classes.count(b"h")
    return sample


def _binary_header(chunk: bytes) -> str | None:
    head4, tag8 = chunk[:4], chunk[8:12]
    signatures: tuple[tuple[bool, str], ...] = (
        (chunk[:5].upper() in (b"GIF87", b"GIF89"), "image/gif"),
        (chunk[:2] == b"\xff\xd8", "image/pjpeg"),
        (chunk[:2] == b"BM" and chunk[6:10] == b"\0\0\0\0", "image/bmp"),
        (head4 == b"RIFF" and tag8 == b"WAVE", "audio/wav"),
        (head4 in (b".sd\0", b".snd", b"\0ds.", b"dns."), "audio/basic"),
        (chunk[:3] == b"MM\0", "image/tiff"),
        (chunk[:2] == b"MZ", "application/x-msdownload"),
        (chunk[:8] == b"\x89PNG\r\n\x1a\n", "image/x-png"),
        (len(chunk) >= 5 and chunk[:2] == b"JG" and 3 <= chunk[2] <= 31 and chunk[4] == 0,
         "image/x-jg"),
        (head4 == b"MROF" or (head4 == b"FORM" and tag8 in (b"AIFF", b"AIFC")), "audio/x-aiff"),
        (head4 == b"RIFF" and tag8 == b"AVI ", "video/avi"),
        (head4 in (b"\0\0\x01\xb3", b"\0\0\x01\xba"), "video/mpeg"),
        (head4 == b"\x01\0\0\0" and chunk[40:44] == b" EMF", "image/x-emf"),
        (head4 == b"\xd7\xcd\xc6\x9a", "image/x-wmf"),
        (head4 == b"\xca\xfe\xba\xbe", "application/java"),
        (chunk[:2] == b"PK", "application/x-zip-compressed"),
        (chunk[:2] == b"\x1f\x9d", "application/x-compressed"),
        (chunk[:2] == b"\x1f\x8b", "application/x-gzip-compressed"),
        (chunk[:5] == b"MThd\0", "audio/mid"),
        (head4 == b"%PDF", "application/pdf"),
    )
    return next((mime for matched, mime in signatures if matched), None)


def _text_header(chunk: bytes) -> str | None:
    if chunk[:4] == b"%PDF":
        return "application/pdf"
    if chunk[:2] == b"%!":
        return "application/postscript"
    if chunk[:5] == b"{\\rtf":
        return "text/richtext"
    return "application/base64" if chunk[:5] == b"begin" else None


def _by_markers(version: str, proposed: str, sample: _Sample) -> str | None:
    """Decisions taken from markup found in the sample, in IE's order."""
    found = sample.found
    strict, nohtml = "strict" in version, "nohtml" in version
    for key, mime in (("cdf", "application/x-cdf"), ("rss", "application/rss+xml"),
                      ("atom", "application/atom+xml")):
        if key in found:
            return mime
    if "xml" in found and (not strict or proposed in ("text/html", "text/xml")):
        return "text/xml"
    if "html" in found and (not nohtml or proposed == "text/plain"):
        return "text/html"
    if "xbm" in found:
        return "image/x-bitmap"
    if "binhex" in found:
        return "application/macbinhex40"
    if "scriptlet" in found and (not strict or proposed in ("text/plain", "text/scriptlet")):
        return "text/scriptlet"
    return None


def _shortcut(version: str, proposed: str, sample: _Sample, binary: str | None) -> str | None:
    """Cases where IE keeps the proposed type because the content agrees with it."""
    if proposed == "text/html" and "html" in sample.found:
        return "text/html"
    if proposed == "image/gif" and binary == "image/gif":
        return proposed
    if proposed in ("image/pjpeg", "image/jpeg") and binary == "image/pjpeg":
        return proposed
    if version >= "ie07" and proposed in ("image/x-png", "image/png") and binary == "image/x-png":
        return proposed
    return None


class _Content:
    """The first 255 bytes as IE saw them; what the versions share is computed once (the
    sample differs only between IE 5-6 and IE 7, which also look for feeds)."""

    def __init__(self, chunk: bytes) -> None:
        self.chunk = chunk[:255]
        self.binary = _binary_header(self.chunk)
        self.text = _text_header(self.chunk)
        self._samples: dict[bool, _Sample] = {}

    def sample(self, version: str) -> _Sample:
        ie7 = version >= "ie07"
        found = self._samples.get(ie7)
        if found is None:
            found = self._samples[ie7] = _sample(version, self.chunk)
        return found


def _guess_for_version(version: str, file_name: str, content: _Content, proposed: str) -> str:
    proposed = proposed.split(";", 1)[0]
    proposed_format = _data_format(version, proposed)
    if proposed_format == "unknown" and proposed not in ("multipart/mixed",
                                                         "multipart/x-mixed-replace"):
        return proposed
    if not content.chunk:
        return proposed
    sample = content.sample(version)
    binary, text = content.binary, content.text
    decided = (_shortcut(version, proposed, sample, binary)
               or _by_markers(version, proposed, sample))
    if decided is not None:
        return decided
    is_binary = sample.looks_binary
    if is_binary:
        guess = binary or text or "application/octet-stream"
    else:
        guess = text or binary or "text/plain"
    if _data_format(version, guess) != "ambiguous":
        return guess
    if (proposed_format == "text" and not is_binary) or (proposed_format == "binary"
                                                         and is_binary) \
            or proposed_format == "html":
        return proposed
    dot = file_name.rfind(".")
    return _REGISTRY.get(file_name[dot:], guess) if dot >= 0 else guess


def ie_mime_types(chunk: bytes, proposed: str, file_name: str = "") -> list[str]:
    """The type each emulated IE version would use for content starting with ``chunk``.

    ``proposed`` is the type the server would send (the type of the file's extension, or
    ``""``); ``file_name`` is the stored file's name (only its extension is used).
    """
    content = _Content(chunk[:SAMPLE_BYTES])
    return [_TRANSLATE.get(t, t) for t in
            (_guess_for_version(v, file_name, content, proposed) for v in VERSIONS)]
