"""Upload verification in MediaWiki's order: size, content, then name (UploadBase).

Every check returns a :class:`Verification`. A failed one carries the API error ``code``,
the ``message`` for the ``info`` text, ``data`` (the extra fields of the error object, in
wire order) and, for content failures, ``details`` (message key and parameters, also found
in ``data["details"]``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from wikiupload.config import Settings
from wikiupload.i18n.messages import Message
from wikiupload.media import mimemap, polyglot
from wikiupload.media.css import decode_char_references
from wikiupload.media.ie import SAMPLE_BYTES, ie_mime_types
from wikiupload.media.images import ImageTooLarge, ensure_decodable
from wikiupload.media.mimemap import media_type
from wikiupload.media.readable import Readable, open_readable
from wikiupload.media.sniff import FileType, detect_file_type, guess_mime_type
from wikiupload.media.svg import check_svg, has_unsafe_xml_encoding
from wikiupload.upload import filenames
from wikiupload.upload.filenames import NameCheck

SCRIPT_SCAN_BYTES = 1024
TEXT_WINDOW = 1024 * 1024
TEXT_OVERLAP = 8192
_DOCTYPE_HTML = re.compile(r"<!doctype *x?html", re.I)
_HTML_TAGS = ("<body", "<head", "<html", "<script")
_SCRIPT_KEYWORDS = ("ecma", "java")   # each of _SCRIPT_PATTERNS needs one of them
_SCRIPT_PATTERNS = (
    re.compile(r"type\s*=\s*['\"]?\s*(?:\w*/)?(?:ecma|java)", re.I | re.S),
    re.compile(r"(?:href|src|data)\s*=\s*['\"]?\s*(?:ecma|java)script:", re.I | re.S),
    re.compile(r"url\s*\(\s*['\"]?\s*(?:ecma|java)script:", re.I | re.S),
)


@dataclass(frozen=True)
class Verification:
    """Outcome of one check. ``ok`` checks have no code, message or data.

    ``recoverable``: MediaWiki stashes the file and adds ``filekey``/``sessionkey`` and
    ``invalidparameter: "filename"`` to the error (name problems). ``extension``: the final
    extension as far as the name check determined it (content checks need it even when the
    name is refused). ``mime``: of content that passed the checks, its type as detected
    and refined by the extension (what the stored file is described as).
    """

    ok: bool
    code: str = ""
    details: tuple[Any, ...] = ()
    message: Message | None = None
    data: dict[str, Any] = field(default_factory=dict)
    recoverable: bool = False
    extension: str = ""
    mime: str = ""


PASSED = Verification(ok=True)


def _simple(key: str, **extra: Any) -> Verification:
    return Verification(ok=False, code=key, message=Message(key), **extra)


def content_error(key: str, *params: Any) -> Verification:
    """``verification-error`` whose info text is the detail message."""
    details = (key, *params)
    return Verification(ok=False, code="verification-error", details=details,
                        message=Message(key, tuple(params)), data={"details": list(details)})


# -- size ----------------------------------------------------------------------------------

def check_size(size: int, settings: Settings) -> Verification:
    """``empty-file`` for 0 bytes, ``file-too-large`` above $wgMaxUploadSize."""
    if size == 0:
        return _simple("empty-file")
    if size > settings.max_upload_size:
        return _simple("file-too-large")
    return PASSED


# -- name ----------------------------------------------------------------------------------

def _banned(check: NameCheck, settings: Settings) -> Verification:
    allowed = list(dict.fromkeys(settings.file_extensions))
    data: dict[str, Any] = {"filetype": check.extension, "allowed": allowed}
    shown: Any = check.extension
    count = 1
    if check.prohibited:
        shown, count = list(check.prohibited), len(check.prohibited)
        data["blacklisted"] = list(check.prohibited)
    message = Message("filetype-banned-type", (shown, allowed, len(allowed), count))
    return Verification(ok=False, code="filetype-banned", message=message, data=data,
                        extension=check.extension)


def _name_error(check: NameCheck, settings: Settings) -> Verification:
    if check.error == filenames.FILETYPE_BANNED:
        return _banned(check, settings)
    data = {"filename": check.filtered} if check.error == filenames.ILLEGAL_FILENAME else {}
    return _simple(check.error, data=data, recoverable=True, extension=check.extension)


def unwanted_type_warning(extension: str, settings: Settings) -> list[Any] | None:
    """The ``filetype-unwanted-type`` warning value, if the extension is not a listed one."""
    allowed = list(dict.fromkeys(settings.file_extensions))
    if settings.check_file_extensions and extension.lower() not in allowed:
        return [extension, ", ".join(allowed), len(allowed)]
    return None


def _guesser(path: Readable | None) -> Callable[[], str | None] | None:
    if path is None:
        return None

    def guess() -> str | None:
        mime = guess_mime_type(path)
        return None if mime == mimemap.UNKNOWN_MIME else mimemap.extension_for_mime(mime)
    return guess


def analyse_title(filename: object, settings: Settings,
                  path: Readable | None = None) -> NameCheck:
    """The raw name analysis (see :mod:`wikiupload.upload.filenames`)."""
    return filenames.analyse_name(
        filename, settings.file_extensions, settings.prohibited_file_extensions,
        strict=settings.check_file_extensions and settings.strict_file_extensions,
        guess_extension=_guesser(path))


def _title_outcome(check: NameCheck, filename: object, settings: Settings,
                   ) -> tuple[str | Verification, dict[str, Any]]:
    if check.error or not isinstance(filename, str):
        return _name_error(check, settings), {}
    warnings: dict[str, Any] = {}
    bad = filenames.bad_filename_warning(check.name, filename)
    if bad is not None:
        warnings["badfilename"] = bad
    unwanted = unwanted_type_warning(check.extension, settings)
    if unwanted is not None:
        warnings["filetype-unwanted-type"] = unwanted
    if filenames.is_thumb_name(check.name):
        warnings["thumb-name"] = check.name
    elif filenames.camera_prefix(check.name) is not None:
        warnings["bad-prefix"] = check.name
    return check.name, warnings


def check_title(filename: object, settings: Settings,
                path: Readable | None = None,
                ) -> tuple[str | Verification, dict[str, Any]]:
    """The final file name (DB key) or the name error, and the name-based warnings.

    ``path``: the uploaded content, used to add an extension when the name has none.
    Warnings, in MediaWiki's order: ``badfilename``, ``filetype-unwanted-type``, then one
    name-only member of the "exists" family (``thumb-name`` or ``bad-prefix``) which the caller
    must replace by ``exists``/``page-exists``/``exists-normalized``/``thumb`` when the
    repository says so.
    """
    return _title_outcome(analyse_title(filename, settings, path), filename, settings)


def check_extension(name: str, settings: Settings) -> Verification:
    """Extension rules alone, for an already normalised name."""
    check = analyse_title(name, settings)
    if check.error in (filenames.FILETYPE_BANNED, filenames.FILETYPE_MISSING):
        return _name_error(check, settings)
    return PASSED


# -- content -------------------------------------------------------------------------------

def verify_extension(mime: str, extension: str) -> bool:
    """Whether content of type ``mime`` may carry ``extension``."""
    if not mime or mime in ("unknown", mimemap.UNKNOWN_MIME):
        return not mimemap.is_recognizable_extension(extension)
    match = mimemap.is_matching_extension(extension, mime)
    if match is None:
        return not mimemap.mimes_for_extension(extension)
    return match


def _script_in(text: str, check_tags: bool = True) -> bool:
    """HTML or a script reference in lower-cased ``text`` (see :func:`_windows`).

    The regular expressions are case-insensitive and slow on large texts; each runs only
    where a plain substring test finds what it needs (none of these letters has a case
    variant beyond ASCII, in ``re.IGNORECASE`` or in ``str.lower``).
    """
    if "<!doctype" in text and _DOCTYPE_HTML.search(text):
        return True
    if check_tags and any(tag in text for tag in _HTML_TAGS):
        return True
    decoded = decode_char_references(text) if "&" in text else text
    folded = decoded.lower() if decoded is not text else text
    if not any(keyword in folded for keyword in _SCRIPT_KEYWORDS):
        return False
    return any(pattern.search(decoded) for pattern in _SCRIPT_PATTERNS)


def _windows(path: Readable, whole: bool) -> Iterator[str]:
    """The lower-cased content to scan, UTF-16 decoded when it has a byte order mark."""
    with open_readable(path) as handle:
        first = handle.read(TEXT_WINDOW if whole else SCRIPT_SCAN_BYTES)
        codec = {b"\xfe\xff": "utf-16-be", b"\xff\xfe": "utf-16-le"}.get(first.lower()[:2])
        block, carry = first, b""
        while block:
            data = (carry + block).lower()
            if codec:
                data = data[:len(data) - len(data) % 2].decode(codec, "ignore").encode(
                    "ascii", "ignore")
            yield data.decode("latin-1")
            if not whole:
                return
            carry = block[-TEXT_OVERLAP:]
            block = handle.read(TEXT_WINDOW)


def detect_script(path: Readable, mime: str, extension: str) -> bool:
    """HTML or script that a browser might run (UploadBase::detectScript): the first KiB, or
    the whole file (in overlapping windows) for ``text/*`` types."""
    first = True
    for window in _windows(path, mime.startswith("text/")):
        text = window.strip(" \t\n\r\0\x0b") if first else window
        if first and not text:
            return False
        if first and "<!doctype" in text and _DOCTYPE_HTML.search(text):
            return True
        if first and (extension == "svg" or mime.startswith("image/svg")) \
                and has_unsafe_xml_encoding(path):
            return True
        if _script_in(text):
            return True
        first = False
    return False


def _excluded(mime: str, settings: Settings) -> bool:
    return mime.lower() in settings.mime_type_exclusions


def _check_mime(path: Readable, file_mime: str, extension: str,
                settings: Settings, stored_name: str) -> Verification:
    if not settings.verify_mime_type:
        return PASSED
    if _excluded(file_mime, settings):
        return content_error("filetype-badmime", file_mime)
    with open_readable(path) as handle:
        chunk = handle.read(SAMPLE_BYTES)
    proposed = mimemap.mime_for_extension(extension) or ""
    for ie_type in ie_mime_types(chunk, proposed, stored_name):
        if _excluded(ie_type, settings):
            return content_error("filetype-bad-ie-mime", ie_type)
    return PASSED


def _check_svg(path: Readable, extension: str, mime: str,
               partial: bool) -> Verification:
    if extension == "svg" or mime == "image/svg+xml":
        verdict = check_svg(path, partial=partial)
        if verdict:
            return content_error(*verdict)
    return PASSED


def verify_partial_file(path: Readable, extension: str, settings: Settings,
                        file_type: FileType | None = None, stored_name: str = "",
                        ) -> Verification:
    """The checks that also apply to a single chunk: excluded and IE-sniffed MIME types,
    HTML/script, SVG filter (an incomplete document passes)."""
    file_type = file_type or detect_file_type(path, extension)
    file_mime = file_type.file_mime
    verdict = _check_mime(path, file_mime, extension, settings, stored_name)
    if not verdict.ok:
        return verdict
    if detect_script(path, file_mime, extension):
        return content_error("uploadscripted")
    return _check_svg(path, extension, file_mime, partial=True)


def verify_file(path: Readable, extension: str, settings: Settings,
                *, partial: bool = False, stored_name: str = "") -> Verification:
    """Content verification of an uploaded file (UploadBase::verifyFile).

    ``extension``: the final extension from the name check (``""`` if there is none);
    ``partial``: only the chunk-safe checks; ``stored_name``: the stored temporary file's
    name (its extension feeds the Internet Explorer emulation; MediaWiki uses its temp path).
    """
    file_type = detect_file_type(path, extension)
    verdict = verify_partial_file(path, extension, settings, file_type, stored_name)
    if partial or not verdict.ok:
        return verdict
    if settings.verify_mime_type and extension \
            and not verify_extension(file_type.mime, extension):
        return content_error("filetype-mime-mismatch", extension, file_type.mime)
    verdict = _check_svg(path, extension, file_type.mime, partial=False)
    if not verdict.ok:
        return verdict
    verdict = check_hostile_image(path, file_type.mime, settings)
    return replace(verdict, mime=file_type.mime) if verdict.ok else verdict


# -- beyond MediaWiki ----------------------------------------------------------------------

def check_hostile_image(path: Readable, mime: str,
                        settings: Settings) -> Verification:
    """Decompression bombs (refused from the header, before any decoding) and polyglots
    (an archive or markup after the end of the image)."""
    if media_type(mime) == "BITMAP":
        limit = settings.max_image_pixels
        try:
            ensure_decodable(path, limit if limit > 0 else 2**62)
        except ImageTooLarge:
            return content_error("upload-too-many-pixels", limit)
        except (OSError, SyntaxError, ValueError):
            pass    # not readable by Pillow: the type checks above judge such files
    if settings.refuse_polyglots and polyglot.hidden_payload(path, mime):
        return content_error("uploadpolyglot")
    return PASSED


def verify_upload(path: Readable, size: int, filename: object,
                  settings: Settings, stored_name: str = "",
                  ) -> tuple[Verification, str | None, dict[str, Any]]:
    """Everything UploadBase::verifyUpload does, in its order: size, content, then name.

    Returns the first failure (or a passed outcome with the content's ``mime``), the final
    name when the name is valid, and the name-based warnings (see :func:`check_title`). A
    name failure also carries the ``mime`` when the content passed.
    """
    check = analyse_title(filename, settings, path)
    size_check = check_size(size, settings)
    if not size_check.ok:
        return size_check, None, {}
    content = verify_file(path, check.extension, settings, stored_name=stored_name)
    if not content.ok:
        return content, None, {}
    title, warnings = _title_outcome(check, filename, settings)
    if isinstance(title, Verification):
        return replace(title, mime=content.mime), None, {}
    return content, title, warnings
