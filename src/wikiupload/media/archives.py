"""Container formats MediaWiki looks inside: ZIP central directories and OLE compound files.

Only directory structures are read (bounded, seeking), never member contents.
"""

from __future__ import annotations

import re
import struct
from typing import IO

EOCD_SIGNATURE = b"PK\x05\x06"
EOCD_SIZE = 22
MAX_ZIP_COMMENT = 65535
MAX_DIRECTORY_BYTES = 64 * 1024 * 1024
_CLASS_FILE = re.compile(rb"\.class/?$")


class ArchiveError(ValueError):
    """The structure is not readable the way MediaWiki requires."""


def _file_size(handle: IO[bytes]) -> int:
    return handle.seek(0, 2)


def _read_at(handle: IO[bytes], offset: int, length: int) -> bytes:
    if offset < 0 or length < 0:
        raise ArchiveError("negative offset")
    handle.seek(offset)
    data = handle.read(length)
    if len(data) != length:
        raise ArchiveError("read past the end of the file")
    return data


def zip_entry_names(handle: IO[bytes]) -> list[bytes]:
    """Names in a ZIP central directory; ArchiveError if it is not a plain, single-disk ZIP
    whose directory sits right before the end record (no ZIP64)."""
    size = _file_size(handle)
    if size == 0:
        raise ArchiveError("empty file")
    start = max(0, size - MAX_ZIP_COMMENT - 1 - EOCD_SIZE)
    block = _read_at(handle, start, size - start)
    at = block.rfind(EOCD_SIGNATURE)
    if at < 0 or len(block) - at < EOCD_SIZE:
        raise ArchiveError("no end of central directory record")
    (disk, cd_disk, _here, total, cd_size, cd_offset,
     comment_length) = struct.unpack_from("<HHHHIIH", block, at + 4)
    if EOCD_SIZE + comment_length != len(block) - at:
        raise ArchiveError("end record is not at the end of the file")
    if disk or cd_disk:
        raise ArchiveError("multi-disk archive")
    if 0xFFFFFFFF in (cd_size, cd_offset) or total == 0xFFFF:
        raise ArchiveError("ZIP64 archives are not accepted")
    if cd_offset + cd_size != start + at:
        raise ArchiveError("central directory does not precede the end record")
    if cd_size > MAX_DIRECTORY_BYTES:
        raise ArchiveError("central directory too large")
    return _directory_names(_read_at(handle, cd_offset, cd_size))


def _directory_names(directory: bytes) -> list[bytes]:
    names: list[bytes] = []
    pos = 0
    while pos < len(directory):
        if len(directory) - pos < 46 or directory[pos:pos + 4] != b"PK\x01\x02":
            raise ArchiveError("bad central directory entry")
        flags, = struct.unpack_from("<H", directory, pos + 8)
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", directory, pos + 28)
        if flags & (1 << 13):
            raise ArchiveError("encrypted central directory")
        name = directory[pos + 46:pos + 46 + name_len]
        if len(name) != name_len:
            raise ArchiveError("truncated entry name")
        names.append(name)
        pos += 46 + name_len + extra_len + comment_len
    if pos != len(directory):
        raise ArchiveError("truncated central directory")
    return names


def zip_type(handle: IO[bytes]) -> str:
    """The application type of a ZIP file: Java archive, OOXML, ODF, or plain ZIP."""
    try:
        names = zip_entry_names(handle)
    except ArchiveError:
        return "application/zip"
    types: list[str] = []
    for name in names:
        candidates = [name, name.split(b"\x00", 1)[0]] if b"\x00" in name else [name]
        if any(_CLASS_FILE.search(candidate) for candidate in candidates):
            types.append("application/java")
        if name == b"[Content_Types].xml":
            types.append("application/x-opc+zip")
        elif name == b"mimetype":
            types.append("application/vnd.oasis.opendocument")
    if "application/java" in types:
        return "application/java"
    return types[0] if types else "application/zip"


# -- OLE / Compound File Binary ----------------------------------------------------------------

CFB_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_END_OF_CHAIN = 0xFFFFFFFE
_STREAM_MIMES = {
    "Workbook": "application/vnd.ms-excel",
    "WordDocument": "application/msword",
    "PowerPoint Document": "application/vnd.ms-powerpoint",
}
MAX_DIRECTORY_SECTORS = 4096


class _Compound:
    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        header = _read_at(handle, 0, 512)
        if header[:8] != CFB_SIGNATURE:
            raise ArchiveError("not a compound file")
        shift = int(struct.unpack_from("<H", header, 30)[0])
        if not 7 <= shift <= 16:
            raise ArchiveError("bad sector size")
        self.sector = 1 << shift
        self.first_dir = int(struct.unpack_from("<I", header, 48)[0])
        difat_first, difat_count = (int(v) for v in struct.unpack_from("<II", header, 68))
        self.difat = self._difat(header[76:512], difat_first, difat_count)
        self.fat: dict[int, tuple[int, ...]] = {}

    def read_sector(self, sector_id: int) -> bytes:
        return _read_at(self.handle, self.sector * (sector_id + 1), self.sector)

    def _difat(self, raw: bytes, next_sector: int, count: int) -> list[int]:
        for _ in range(min(count, MAX_DIRECTORY_SECTORS)):
            block = self.read_sector(next_sector)
            raw += block[:-4]
            next_sector = int(struct.unpack_from("<I", block, self.sector - 4)[0])
            if next_sector == _END_OF_CHAIN:
                break
        entries: list[int] = []
        for value, in struct.iter_unpack("<I", raw[:len(raw) - len(raw) % 4]):
            if value >= 0xFFFFFFFC:
                break
            entries.append(value)
        return entries

    def next_sector(self, sector_id: int) -> int:
        per_sector = self.sector // 4
        index = sector_id // per_sector
        if index not in self.fat:
            if index >= len(self.difat):
                raise ArchiveError("FAT sector beyond the DIFAT")
            block = self.read_sector(self.difat[index])
            self.fat[index] = tuple(int(v) for v, in struct.iter_unpack("<I", block))
        return self.fat[index][sector_id % per_sector]

    def stream_names(self) -> list[str]:
        names: list[str] = []
        sector, seen = self.first_dir, set[int]()
        while sector != _END_OF_CHAIN:
            if sector in seen or len(seen) >= MAX_DIRECTORY_SECTORS:
                raise ArchiveError("FAT loop")
            seen.add(sector)
            block = self.read_sector(sector)
            for pos in range(0, len(block) - 127, 128):
                length, kind = struct.unpack_from("<HB", block, pos + 64)
                if kind != 0:
                    raw = block[pos:pos + max(0, min(length, 64) - 2)]
                    names.append(raw.decode("utf-16-le", errors="replace"))
            sector = self.next_sector(sector)
        return names


def compound_file_type(handle: IO[bytes]) -> str:
    """Word, Excel or PowerPoint for an OLE file with the matching stream, else unknown."""
    try:
        names = _Compound(handle).stream_names()
    except (ArchiveError, struct.error):
        return "unknown/unknown"
    found = "unknown/unknown"
    for name in names:
        found = _STREAM_MIMES.get(name, found)
    return found
