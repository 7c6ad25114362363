"""Extension <-> MIME type lookups and media type classes (MediaWiki's MimeAnalyzer rules)."""

from __future__ import annotations

from wikiupload.media.mimedata import (
    MEDIA_TYPE_OF_MIME,
    MIME_ALIASES,
    MIME_EXTENSIONS,
    RECOGNIZABLE_EXTENSIONS,
)

UNKNOWN_MIME = "unknown/unknown"


def _build_reverse() -> dict[str, tuple[str, ...]]:
    reverse: dict[str, list[str]] = {}
    for mime, exts in MIME_EXTENSIONS.items():
        for ext in exts:
            reverse.setdefault(ext, []).append(mime)
    return {ext: tuple(mimes) for ext, mimes in reverse.items()}


_MIMES_OF_EXTENSION = _build_reverse()


def canonical_mime(mime: str) -> str:
    """Resolve one level of aliasing (``image/bmp`` -> ``image/x-bmp``)."""
    return MIME_ALIASES.get(mime, mime)


def extensions_for_mime(mime: str) -> tuple[str, ...]:
    """Extensions registered for a MIME type (aliases resolved when the type itself is unknown)."""
    mime = mime.lower()
    if mime not in MIME_EXTENSIONS and mime in MIME_ALIASES:
        mime = MIME_ALIASES[mime]
    return MIME_EXTENSIONS.get(mime, ())


def mimes_for_extension(ext: str) -> tuple[str, ...]:
    return _MIMES_OF_EXTENSION.get(ext.lower(), ())


def mime_for_extension(ext: str) -> str | None:
    """The first MIME type registered for an extension, or None."""
    mimes = mimes_for_extension(ext)
    return mimes[0] if mimes else None


def extension_for_mime(mime: str) -> str | None:
    """The canonical extension of a MIME type (``image/jpeg`` -> ``jpeg``), or None."""
    exts = extensions_for_mime(mime)
    return exts[0] if exts else None


def is_matching_extension(ext: str, mime: str) -> bool | None:
    """True/False whether ``ext`` is registered for ``mime``; None if the MIME type is unknown."""
    exts = extensions_for_mime(mime)
    if not exts:
        return None
    return ext.lower() in exts


def is_recognizable_extension(ext: str) -> bool:
    """Whether content of this type is expected to be identified from its bytes."""
    return ext.lower() in RECOGNIZABLE_EXTENSIONS


def _media_type_of(key: str) -> str:
    """Media type for a MIME type, or for an extension given as ``.ext``."""
    candidates = mimes_for_extension(key[1:]) if key.startswith(".") else (canonical_mime(key),)
    for mime in candidates:
        found = MEDIA_TYPE_OF_MIME.get(mime)
        if found is not None:
            return found
    return "UNKNOWN"


def media_type(mime: str, ext: str = "", ogg_head: bytes = b"") -> str:
    """The ``mediatype`` class: by MIME type, then by extension, then by major type.

    For ``application/ogg`` the first 256 bytes of the file (``ogg_head``) decide between
    VIDEO, AUDIO and MULTIMEDIA as MediaWiki does (codec names in the head).
    """
    if mime == "application/ogg" and ogg_head:
        return _ogg_media_type(ogg_head)
    for key in (mime, f".{ext.lower()}" if ext else "", mime.split("/", 1)[0] if "/" in mime
                else ""):
        if key:
            found = _media_type_of(key)
            if found != "UNKNOWN":
                return found
    return "UNKNOWN"


def _ogg_media_type(head: bytes) -> str:
    text = head[:256].lower().replace(b"ffmpeg2theora", b"")
    if b"theora" in text:
        return "VIDEO"
    if any(codec in text for codec in (b"vorbis", b"flac", b"speex", b"opus")):
        return "AUDIO"
    return "MULTIMEDIA"


def improve_type_from_extension(mime: str, ext: str) -> str | None:
    """Refine a generic detected type using the file's extension (None: unknown and unhelpful)."""
    improved: str | None = mime
    if mime == UNKNOWN_MIME:
        if not is_recognizable_extension(ext):
            improved = mime_for_extension(ext)
    elif mime in ("application/x-opc+zip", "application/vnd.oasis.opendocument"):
        improved = mime_for_extension(ext) if is_matching_extension(ext, mime) \
            else "application/zip"
    elif mime == "text/plain" and _media_type_of(f".{ext}") == "TEXT":
        improved = mime_for_extension(ext)
    if improved is not None:
        improved = canonical_mime(improved)
    return improved
