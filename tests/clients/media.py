"""Small real files for the client tests (uploads), generated in code and deterministic.

``make_png(seed)`` gives a valid PNG whose pixels depend on ``seed``: different seeds give
different bytes (and SHA-1s, so no ``duplicate`` warning between them), the same seed gives
the same bytes (use it to provoke ``duplicate``). ``make_png(seed, size=(800, 600),
noise=True)`` is incompressible and larger than 1 MiB, so mwclient uploads it in chunks.
"""

from __future__ import annotations

import hashlib
import io
import random

from PIL import Image, PngImagePlugin

MIB = 1024 * 1024


def make_png(seed: int | str, size: tuple[int, int] = (16, 16), noise: bool = False) -> bytes:
    """A PNG of ``size`` pixels that depends only on ``seed``."""
    digest = hashlib.sha256(str(seed).encode()).digest()
    width, height = size
    if noise:
        data = random.Random(digest).randbytes(width * height * 3)
        image = Image.frombytes("RGB", size, data)
    else:
        image = Image.new("RGB", size, (digest[0], digest[1], digest[2]))
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", f"wikiupload client test {seed}")
    buffer = io.BytesIO()
    image.save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


def sha1_hex(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()
