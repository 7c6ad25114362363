"""Tiny real media files made in code, for upload tests (no binary fixtures needed)."""

from __future__ import annotations

import io
import random
import struct
import zlib

from PIL import Image


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def png(seed: str, width: int = 16, height: int = 16) -> bytes:
    """An RGB PNG with pixels derived from ``seed`` and a tEXt Comment holding it."""
    rnd = random.Random(seed)
    raw = b"".join(b"\x00" + rnd.randbytes(width * 3) for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"tEXt", b"Comment\x00" + seed.encode())
            + _chunk(b"IDAT", zlib.compress(raw, 9)) + _chunk(b"IEND", b""))


def jpeg(seed: str, width: int = 8, height: int = 8) -> bytes:
    rnd = random.Random(seed)
    image = Image.new("RGB", (width, height), tuple(rnd.randbytes(3)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, comment=seed.encode())
    return out.getvalue()


def gif(seed: str) -> bytes:
    rnd = random.Random(seed)
    image = Image.new("P", (4, 4), rnd.randrange(256))
    out = io.BytesIO()
    image.save(out, "GIF", comment=seed.encode())
    return out.getvalue()


def svg(seed: str, script: bool = False) -> bytes:
    extra = '<script type="text/javascript">alert(1)</script>' if script else ""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10" '
            f'viewBox="0 0 20 10"><!-- {seed} --><rect width="20" height="10" fill="#3a7"/>'
            f'{extra}</svg>\n').encode()


def text(seed: str) -> bytes:
    return f"Plain text test file.\nseed: {seed}\n".encode()


def html(seed: str) -> bytes:
    return (f"<html><head><title>x</title></head><body><script>alert('{seed}')</script>"
            "</body></html>\n").encode()


def exe(seed: str) -> bytes:
    return b"MZ\x90\x00" + seed.encode() + b"\x00" * 60
