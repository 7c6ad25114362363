"""From the ``filename`` an uploader asked for to the file's name (UploadBase::getTitle rules).

Pure functions: no storage access. :func:`analyse_name` returns a :class:`NameCheck` that
says which name MediaWiki would use, or which error it would report and with what data.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from wikiupload.media.css import decode_char_references
from wikiupload.titles import NAMESPACE_ALIASES, NAMESPACES, NS_FILE

MAX_NAME_BYTES = 240        # archive names add a 14-digit timestamp and "!" (255 bytes)
MAX_TITLE_BYTES = 255
ILLEGAL_FILE_CHARS = ":/\\"

# Digital cameras' automatic names (MediaWiki's "filename-prefix-blacklist" message).
CAMERA_PREFIXES = ("CIMG", "DSC_", "DSCF", "DSCN", "DUW", "IMG", "JD", "MGP", "PICT")

_TITLE_LEGAL_ASCII = frozenset(
    " %!\"$&'()*,-./0123456789:;=?@ABCDEFGHIJKLMNOPQRSTUVWXYZ\\^_`abcdefghijklmnopqrstuvwxyz~+")
_SPACES = re.compile(r"[ _\u00a0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
_BIDI = re.compile(r"[\u200e\u200f\u202a-\u202e]+")
_INVALID_SEQUENCE = re.compile(r"%[0-9A-Fa-f]{2}|&[A-Za-z0-9\x80-\U0010ffff]+;")
_PREFIX = re.compile(r"(.+?)_*:_*(.*)", re.S)

# Error codes, as UploadBase names them.
ILLEGAL_FILENAME = "illegal-filename"
FILENAME_TOO_LONG = "filename-toolong"
FILETYPE_MISSING = "filetype-missing"
FILETYPE_BANNED = "filetype-banned"
FILENAME_TOO_SHORT = "filename-tooshort"


@dataclass(frozen=True)
class NameCheck:
    """The outcome: ``name`` (DB key) when ``error`` is empty.

    ``extension`` is the final extension as far as it was determined (content checks use it
    even when the name is refused); ``filtered`` is the name after character filtering
    (reported with ``illegal-filename``); ``prohibited`` lists the banned extensions found.
    """

    name: str = ""
    error: str = ""
    extension: str = ""
    filtered: str | None = None
    prohibited: tuple[str, ...] = field(default_factory=tuple)


def ucfirst(text: str) -> str:
    """Upper-case the first character as MediaWiki's Language::ucfirst does."""
    if not text or ord(text[0]) < 96:
        return text
    return text[0].upper() + text[1:]


def _legal(char: str) -> bool:
    return ord(char) >= 0x80 or char in _TITLE_LEGAL_ASCII


def strip_illegal_chars(name: str) -> str:
    """Characters not allowed in titles, and ``:`` ``/`` ``\\``, become ``-``."""
    return "".join(c if _legal(c) and c not in ILLEGAL_FILE_CHARS else "-" for c in name)


def _clean_dbkey(text: str) -> str | None:
    """Whitespace folded to ``_``, bidi marks removed, edges trimmed; None if invalid UTF-8."""
    dbkey = _SPACES.sub("_", _BIDI.sub("", text.replace(" ", "_"))).strip("_")
    return None if "\ufffd" in dbkey else dbkey


def _valid_key(dbkey: str) -> str | None:
    """The checks every title's DB key must pass, then first-letter capitalisation."""
    if any(not _legal(c) for c in dbkey) or _INVALID_SEQUENCE.search(dbkey):
        return None
    if "." in dbkey and (dbkey in (".", "..") or dbkey.startswith(("./", "../"))
                         or "/./" in dbkey or "/../" in dbkey
                         or dbkey.endswith(("/.", "/.."))):
        return None
    if "~~~" in dbkey or len(dbkey.encode()) > MAX_TITLE_BYTES or dbkey.startswith(":"):
        return None
    dbkey = ucfirst(dbkey)
    return dbkey or None


def _namespace_of(prefix: str) -> int | None:
    wanted = prefix.replace("_", " ").lower()
    for namespace in NAMESPACES:
        if namespace.canonical and namespace.canonical.lower() == wanted:
            return namespace.id
    return next((ns for alias, ns in NAMESPACE_ALIASES if alias.lower() == wanted), None)


def file_page_key(text: str) -> str | None:
    """The DB key if ``text`` is a valid title in the File namespace (``File:X``/``Image:X``)."""
    dbkey = _clean_dbkey(unicodedata.normalize("NFC", decode_char_references(text)))
    if dbkey is None:
        return None
    dbkey = dbkey[1:].lstrip("_") if dbkey.startswith(":") else dbkey
    match = _PREFIX.fullmatch(dbkey)
    if match is None or _namespace_of(match.group(1)) != NS_FILE:
        return None
    dbkey = match.group(2)
    if "#" in dbkey:
        dbkey = dbkey.split("#", 1)[0].rstrip("_")
    return _valid_key(dbkey)


def make_file_key(name: str) -> str | None:
    """Normalise a filtered name as a File: title (Title::makeTitleSafe); None if invalid."""
    dbkey = _clean_dbkey(name)
    return _valid_key(dbkey) if dbkey else None


def _extension_error(pieces: Sequence[str], final: str, allowed: Sequence[str],
                     prohibited: Sequence[str], strict: bool) -> NameCheck | None:
    banned = tuple(p.lower() for p in pieces if p.lower() in prohibited)
    if not final:
        return NameCheck(error=FILETYPE_MISSING)
    if banned or (strict and final.lower() not in allowed):
        return NameCheck(error=FILETYPE_BANNED, extension=final, prohibited=banned)
    return None


def analyse_name(desired: object, allowed: Sequence[str], prohibited: Sequence[str],
                 strict: bool = True,
                 guess_extension: Callable[[], str | None] | None = None) -> NameCheck:
    """Apply MediaWiki's upload name rules to the requested ``filename``.

    ``allowed``/``prohibited``: extension lists; ``strict``: refuse extensions not in
    ``allowed`` ($wgCheckFileExtensions && $wgStrictFileExtensions); ``guess_extension``:
    called when the name has no extension, returns the canonical extension of the content.
    """
    if not isinstance(desired, str):
        return NameCheck(error=ILLEGAL_FILENAME)
    desired = unicodedata.normalize("NFC", desired)
    filtered = file_page_key(desired) or desired
    if len(filtered.encode()) > MAX_NAME_BYTES:
        return NameCheck(error=FILENAME_TOO_LONG)
    filtered = strip_illegal_chars(filtered)
    name = make_file_key(filtered)
    if name is None:
        return NameCheck(error=ILLEGAL_FILENAME, filtered=filtered)
    base, *pieces = name.split(".")
    final = pieces[-1].strip(" \t\n\r\0\x0b") if pieces else ""
    if not pieces and guess_extension is not None:
        final = guess_extension() or ""
        if final:
            pieces, filtered = [final], f"{name}.{final}"
            guessed = make_file_key(filtered)
            if guessed is None:
                return NameCheck(error=ILLEGAL_FILENAME, extension=final, filtered=filtered)
            name = guessed
    failure = _extension_error(pieces, final, allowed, prohibited, strict)
    if failure is not None:
        return failure
    if not ".".join([base, *pieces[:-1]]):
        return NameCheck(error=FILENAME_TOO_SHORT, extension=final)
    return NameCheck(name=name, extension=final)


def bad_filename_warning(final_name: str, desired: str) -> str | None:
    """The ``badfilename`` warning value: the final name if it differs from the request
    beyond spaces-vs-underscores and the first letter's case."""
    comparable = ucfirst(desired.replace(" ", "_"))
    return final_name if final_name not in (desired, comparable) else None


def split_name(name: str) -> tuple[str, str]:
    """(part before the last dot, extension); no extension if the dot is first or absent."""
    dot = name.rfind(".")
    return (name[:dot], name[dot + 1:]) if dot > 0 else (name, "")


def is_thumb_name(name: str) -> bool:
    """Names like ``120px-Foo.jpg`` that look like thumbnails."""
    part = split_name(name)[0]
    return (part[3:6] == "px-" or part[2:5] == "px-") and re.search(r"[0-9]{2}", part[:2]) \
        is not None


def camera_prefix(name: str, prefixes: Sequence[str] = CAMERA_PREFIXES) -> str | None:
    """The camera-style prefix the name starts with (``bad-prefix`` warning), or None."""
    part = split_name(name)[0]
    return next((prefix for prefix in prefixes if part.startswith(prefix)), None)
