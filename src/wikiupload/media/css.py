"""Character references and CSS as MediaWiki's upload filters see them.

* :func:`decode_char_references` - HTML character references (named HTML5 entities and
  numeric references; invalid code points become U+FFFD; unknown names stay as written).
* :func:`normalize_css` - CSS escapes decoded and comments removed, so that obfuscated
  keywords become visible.
* :func:`is_unsafe_css` - whether CSS could pull in remote or executable content.
"""

from __future__ import annotations

import re
from html.entities import html5

REPLACEMENT = "\ufffd"
_CHAR_REF = re.compile(
    r"&([A-Za-z0-9\x80-\xff]+;)|&#([0-9]+);|&#[xX]([0-9A-Fa-f]+);")
_CSS_ESCAPE = re.compile(
    r"\\(?:(\n|\r\n|\r|\f)|([0-9A-Fa-f]{1,6})[ \t\r\n\f]?|(.)|())")
_ONLY_COMMENT = re.compile(r"\s*/\*[^*/]*\*/\s*")
_FONT_FACE_DATA = re.compile(r"(@font-face\s*\{[^}]*src:)url(\(\"data:;base64,)", re.I)
_EXECUTABLE = re.compile(r"expression|-o-link\s*:|-o-link-source\s*:|-o-replace\s*:", re.I)
_URL_START = re.compile(r"(?:url|image-set|image)\s*\(\s*", re.I)
_LOCAL_URL = re.compile(r"(?:url|image|image-set)\s*\(\s*(?:#|'#|\"#)", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _valid_codepoint(cp: int) -> bool:
    return (cp in (0x09, 0x0A) or 0x20 <= cp <= 0x7E or 0xA0 <= cp <= 0xD7FF
            or 0xE000 <= cp <= 0xFFFD or 0x10000 <= cp <= 0x10FFFF)


def _decode_reference(match: re.Match[str]) -> str:
    name, decimal, hexadecimal = match.groups()
    if name:
        return html5.get(name, f"&{name}")
    codepoint = int(decimal) if decimal else int(hexadecimal, 16)
    return chr(codepoint) if _valid_codepoint(codepoint) else REPLACEMENT


def decode_char_references(text: str) -> str:
    return _CHAR_REF.sub(_decode_reference, text)


def _decode_css_escape(match: re.Match[str]) -> str:
    newline, hexadecimal, literal, _end = match.groups()
    if newline is not None:
        return ""
    if hexadecimal:
        codepoint = int(hexadecimal, 16)
        char = chr(codepoint) if codepoint <= 0x10FFFF else REPLACEMENT
    elif literal is not None:
        char = literal
    else:
        char = "\\"
    if char in ("\n", '"', "'", "\\"):
        return f"\\{ord(char):x} "
    return char


def _replace_comments(value: str) -> str:
    out, pos = [], 0
    while True:
        start = value.find("/*", pos)
        end = value.find("*/", start + 2) if start >= 0 else -1
        if start < 0 or end < 0:
            out.append(value[pos:])
            return "".join(out)
        out.append(value[pos:start] + " ")
        pos = end + 2


def normalize_css(value: str) -> str:
    value = decode_char_references(value)
    value = _CSS_ESCAPE.sub(_decode_css_escape, value)
    if not _ONLY_COMMENT.fullmatch(value):
        value = _replace_comments(value)
        cut = value.find("/*")
        if cut >= 0:
            value = value[:cut]
    return value


def _url_calls(value: str) -> list[str]:
    """Each ``url(``/``image(``/``image-set(`` call whose argument does not start with ``#``,
    extended to the closing parenthesis the way MediaWiki's pattern extends it."""
    calls: list[str] = []
    pos = 0
    while True:
        match = _URL_START.search(value, pos)
        if match is None:
            return calls
        begin = value.rfind("(", match.start(), match.end()) + 1
        if begin >= len(value) or value[begin] == "#":
            pos = match.start() + 1
            continue
        hash_at = value.find("#", begin)
        hash_at = len(value) if hash_at < 0 else hash_at
        close = value.find(")", hash_at)
        if close < 0:
            close = value.rfind(")", begin + 1, hash_at)
        if close < 0:
            pos = match.start() + 1
            continue
        calls.append(value[match.start():close + 1])
        pos = close + 1


def is_unsafe_css(value: str) -> bool:
    """Remote stylesheets, executable CSS, non-local URLs or control characters."""
    if "@import" in value.lower():
        return True
    value = _FONT_FACE_DATA.sub(r"\1\2", value)
    if _EXECUTABLE.search(value):
        return True
    if any(not _LOCAL_URL.search(call) for call in _url_calls(value)):
        return True
    return bool(_CONTROL.search(value))
