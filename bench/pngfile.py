"""The test files: valid PNGs of an exact size that the server accepts as ``image/png``.

An 8-bit PNG whose zlib stream uses stored (uncompressed) deflate blocks of random bytes: one
scanline (filter byte + pixels) per block, ROWS_PER_IDAT scanlines per IDAT chunk (about 1 MiB
for wide rows, like the IDAT sizes real encoders write), and a private ancillary chunk
("bnPd", 1 MiB each) before IEND that pad the file to the exact size. The image itself is at
most MAX_IMAGE_BYTES: from about 12 MiB on it has more pixels than $wgMaxImageArea, so no
thumbnail is rendered and the file's path through the server is what is measured, and never
more than the server's pixel limit (100 MP), whatever the file size.
"""

from __future__ import annotations

import hashlib
import os
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.units import MIB, BenchError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_STORED_BLOCK = 65535
ROWS_PER_IDAT = 16
CHUNK_OVERHEAD = 12                      # length, type, CRC
ZLIB_OVERHEAD = 2 + 4                    # header, Adler-32
STORED_BLOCK_OVERHEAD = 5
PADDING_CHUNK = b"bnPd"
PADDING_CHUNK_SIZE = MIB                 # a whole padding chunk, overhead included
MAX_IMAGE_BYTES = 48 * MIB               # about 50 MP of 8-bit grey
COLOUR_TYPES = {1: 0, 3: 2, 4: 6}        # channels -> PNG colour type (grey, RGB, RGBA)
# Random bytes without "M" (0x4D): a chunk of an upload can then never start with "MZ",
# which Internet Explorer would take for an executable (the server refuses such a chunk, as
# MediaWiki does; with 5 GiB in 5 MiB chunks that happens once in about 64 uploads). And
# without "<": a file's first KiB could otherwise hold an HTML tag ("<pre", "<img"), which
# Internet Explorer would render (refused too: it happened once in about 2,000 small
# uploads). Otherwise all byte values occur, NULs included, so the content sniffs as binary,
# like real image data.
_SAFE_BYTES = bytes(range(256)).replace(b"M", b"N").replace(b"<", b"=")


def random_bytes(count: int) -> bytes:
    return os.urandom(count).translate(_SAFE_BYTES)


@dataclass(frozen=True)
class PngLayout:
    row_bytes: int                       # filter byte + pixels
    rows: int
    padding: int = 0                     # bytes of the padding chunks (overhead included)
    channels: int = 1                    # 1 grey, 3 RGB, 4 RGBA (8 bits each)

    @property
    def width(self) -> int:
        return (self.row_bytes - 1) // self.channels

    @property
    def size(self) -> int:
        return _png_size(self.row_bytes, self.rows) + self.padding

    @property
    def description(self) -> str:
        kind = {1: "grey", 3: "RGB", 4: "RGBA"}[self.channels]
        return f"{self.width}x{self.rows} {kind}"


def _png_size(row_bytes: int, rows: int) -> int:
    idat_chunks = -(-rows // ROWS_PER_IDAT)
    fixed = len(PNG_SIGNATURE) + (CHUNK_OVERHEAD + 13) + CHUNK_OVERHEAD + ZLIB_OVERHEAD
    return fixed + idat_chunks * CHUNK_OVERHEAD + rows * (STORED_BLOCK_OVERHEAD + row_bytes)


def png_layout(size: int) -> PngLayout:
    """Row width, row count and padding giving a PNG of exactly ``size`` bytes."""
    image = min(size, MAX_IMAGE_BYTES)
    row_bytes = max(2, min(MAX_STORED_BLOCK, image // 64))
    rows = max(1, (image - _png_size(row_bytes, 0)) // (STORED_BLOCK_OVERHEAD + row_bytes))
    while rows > 1 and _png_size(row_bytes, rows) > image:
        rows -= 1
    while rows > 1 and 0 < size - _png_size(row_bytes, rows) < CHUNK_OVERHEAD:
        rows -= 1
    rest = size - _png_size(row_bytes, rows)
    if rest < 0 or 0 < rest < CHUNK_OVERHEAD:
        raise ValueError(f"cannot lay out a PNG of {size} bytes")
    return PngLayout(row_bytes, rows, rest)


def padding_lengths(total: int) -> list[int]:
    """Data lengths of the padding chunks that take ``total`` bytes (0, or 12 at least)."""
    count, rest = divmod(total, PADDING_CHUNK_SIZE)
    lengths = [PADDING_CHUNK_SIZE - CHUNK_OVERHEAD] * count
    if rest >= CHUNK_OVERHEAD:
        lengths.append(rest - CHUNK_OVERHEAD)
    elif rest:
        lengths[-1] += rest      # total >= 12, so there is a whole chunk to grow
    return lengths


def image_layout(width: int, height: int, channels: int = 4) -> PngLayout:
    """A PNG of these dimensions, no padding."""
    return PngLayout(1 + width * channels, height, channels=channels)


def png_chunk(kind: bytes, data: bytes | bytearray) -> bytes:
    crc = zlib.crc32(data, zlib.crc32(kind))
    return struct.pack(">I", len(data)) + kind + bytes(data) + struct.pack(">I", crc)


def _idat_payloads(layout: PngLayout) -> Iterator[bytearray]:
    """The zlib stream, cut into IDAT payloads of ROWS_PER_IDAT stored blocks each."""
    adler = 1
    block_header = struct.pack("<BHH", 0, layout.row_bytes, layout.row_bytes ^ 0xFFFF)
    for first in range(0, layout.rows, ROWS_PER_IDAT):
        payload = bytearray(b"\x78\x01" if first == 0 else b"")
        for row in range(first, min(first + ROWS_PER_IDAT, layout.rows)):
            line = b"\x00" + random_bytes(layout.row_bytes - 1)
            adler = zlib.adler32(line, adler)
            final = row == layout.rows - 1
            payload += (b"\x01" if final else b"\x00") + block_header[1:] + line
        if first + ROWS_PER_IDAT >= layout.rows:
            payload += struct.pack(">I", adler)
        yield payload


def write_png(path: Path, layout: PngLayout) -> str:
    """Write a valid PNG laid out as ``layout``; returns its SHA-1 (hex)."""
    digest = hashlib.sha1()
    header = struct.pack(">IIBBBBB", layout.width, layout.rows, 8,
                         COLOUR_TYPES[layout.channels], 0, 0, 0)
    with open(path, "wb") as out:
        def put(data: bytes) -> None:
            digest.update(data)
            out.write(data)
        put(PNG_SIGNATURE + png_chunk(b"IHDR", header))
        for payload in _idat_payloads(layout):
            put(png_chunk(b"IDAT", payload))
        for length in padding_lengths(layout.padding):
            put(png_chunk(PADDING_CHUNK, random_bytes(length)))
        put(png_chunk(b"IEND", b""))
        out.flush()
        os.fsync(out.fileno())  # no dirty pages of ours left to flush during the timing
    if path.stat().st_size != layout.size:
        raise BenchError(f"generated {path.stat().st_size} bytes instead of {layout.size}")
    return digest.hexdigest()

