"""Tiny real files for the media and upload tests, generated in code."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

from PIL import Image, PngImagePlugin

# The reference wiki's $wgMimeTypeExclusions (MediaWiki 1.39's default).
MW_MIME_EXCLUSIONS = [
    "text/html", "application/javascript", "text/javascript", "text/x-javascript",
    "application/x-shellscript", "application/x-php", "text/x-php", "text/x-python",
    "text/x-perl", "text/x-bash", "text/x-sh", "text/x-csh", "text/scriptlet",
    "application/x-msdownload", "application/x-msmetafile", "application/java",
    "application/xml", "text/xml",
]
REFERENCE_EXTENSIONS = ["png", "gif", "jpg", "jpeg", "webp", "svg", "pdf", "txt", "ogg"]


def image_bytes(fmt: str, mode: str = "RGB", size: tuple[int, int] = (16, 16),
                **options: object) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, "red" if mode in ("RGB", "RGBA") else 1).save(buffer, fmt, **options)
    return buffer.getvalue()


def png(comment: str = "seed") -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", comment)
    return image_bytes("PNG", pnginfo=info)


def jpeg(comment: bytes = b"seed") -> bytes:
    return image_bytes("JPEG", size=(8, 8), comment=comment)


def gif() -> bytes:
    return image_bytes("GIF", "P", size=(4, 4), comment=b"seed")


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares a huge size but carries (almost) no pixel data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0"))
            + chunk(b"IEND", b""))


def svg(body: str = "", head: str = '<?xml version="1.0" encoding="UTF-8"?>\n',
        attrs: str = "") -> bytes:
    return (head + '<svg xmlns="http://www.w3.org/2000/svg" '
            'xmlns:xlink="http://www.w3.org/1999/xlink" width="20" height="10" '
            f'viewBox="0 0 20 10"{attrs}>' + body + "</svg>\n").encode()


PAD = "<!-- " + "x" * 1100 + " -->"     # pushes content past the 1 KiB script scan


def html(seed: str = "seed") -> bytes:
    return (f"<html><head><title>x</title></head><body><script>alert('{seed}')</script>"
            "</body></html>\n").encode()


def text(seed: str = "seed") -> bytes:
    return f"Plain text test file.\nseed: {seed}\n".encode()


def exe(seed: str = "seed") -> bytes:
    return b"MZ\x90\x00" + seed.encode() + b"\x00" * 60


def zip_bytes(names: list[str], prefix: bytes = b"") -> bytes:
    """A ZIP archive; with ``prefix`` the archive is appended to it with correct offsets."""
    buffer = io.BytesIO()
    buffer.write(prefix)
    with zipfile.ZipFile(buffer, "a") as archive:
        for name in names:
            archive.writestr(name, "x")
    return buffer.getvalue()


def write(directory: Path, name: str, data: bytes) -> Path:
    path = directory / name
    path.write_bytes(data)
    return path
