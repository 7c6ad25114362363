"""The streaming multipart parser and form reader (http/) on generated and random bodies:
any split of a body gives the same parts, arbitrary bytes give parts or MultipartError,
and a failed read leaves no temp file behind."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from wikiupload.http.form import FormError, read_multipart
from wikiupload.http.multipart import MultipartError, MultipartParser, PartData, PartStart

BOUNDARY_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'()+_,-./:=?"
boundaries = st.text(alphabet=BOUNDARY_CHARS, min_size=1, max_size=70).filter(
    lambda b: not b.endswith(" "))
field_names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12)
parts = st.lists(st.tuples(field_names, st.booleans(), st.binary(max_size=3000)),
                 min_size=1, max_size=6, unique_by=lambda p: p[0])


def encode(boundary: str, items: list[tuple[str, bool, bytes]], newline: bytes) -> bytes:
    out = b""
    for name, is_file, data in items:
        disposition = f'form-data; name="{name}"' + (f'; filename="{name}.bin"'
                                                     if is_file else "")
        out += b"--" + boundary.encode() + newline
        out += f"Content-Disposition: {disposition}".encode() + newline + newline
        out += data + newline
    return out + b"--" + boundary.encode() + b"--" + newline


def unambiguous(boundary: str, items: list[tuple[str, bool, bytes]], newline: bytes) -> bool:
    """Data that holds the delimiter, or ends in CR before a bare-LF delimiter (which the
    lenient parser reads as CRLF), cannot round-trip in any parser."""
    delimiter = b"\n--" + boundary.encode()
    return not any(delimiter in b"\n" + data or (newline == b"\n" and data.endswith(b"\r"))
                   for _, _, data in items)


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    pieces, last = [], 0
    for point in points:
        pieces.append(data[last:point])
        last = point
    return [*pieces, data[last:]]


def collect(boundary: str, pieces: list[bytes]) -> list[tuple[str, bool, bytes]]:
    parser = MultipartParser(boundary.encode())
    found: list[tuple[str, bool, bytes]] = []
    for piece in pieces:
        for event in parser.feed(piece):
            if isinstance(event, PartStart):
                found.append((event.name, event.filename is not None, b""))
            elif isinstance(event, PartData):
                name, is_file, data = found[-1]
                found[-1] = (name, is_file, data + event.data)
    parser.finish()
    return found


@given(boundary=boundaries, items=parts, cuts=st.lists(st.integers(0, 20000), max_size=12),
       newline=st.sampled_from([b"\r\n", b"\n"]))
def test_any_split_gives_the_same_parts(boundary: str, items: list[tuple[str, bool, bytes]],
                                        cuts: list[int], newline: bytes) -> None:
    assume(unambiguous(boundary, items, newline))
    body = encode(boundary, items, newline)
    assert collect(boundary, split(body, cuts)) == items


@given(boundary=boundaries, body=st.binary(max_size=4000),
       cuts=st.lists(st.integers(0, 5000), max_size=6))
def test_random_bytes_are_parts_or_multipart_error(boundary: str, body: bytes,
                                                   cuts: list[int]) -> None:
    with contextlib.suppress(MultipartError):
        collect(boundary, split(body, cuts))


@given(boundary=boundaries, items=parts, cuts=st.lists(st.integers(0, 20000), max_size=8),
       garbage=st.binary(max_size=200), truncate=st.integers(0, 20000))
def test_mutated_bodies_are_parts_or_multipart_error(
        boundary: str, items: list[tuple[str, bool, bytes]], cuts: list[int], garbage: bytes,
        truncate: int) -> None:
    body = encode(boundary, items, b"\r\n")
    cut = truncate % (len(body) + 1)
    with contextlib.suppress(MultipartError):
        collect(boundary, split(body[:cut] + garbage + body[cut:][len(garbage):], cuts))


async def _stream(pieces: list[bytes]) -> AsyncIterator[bytes]:
    for piece in pieces:
        yield piece


@pytest.fixture
def spool(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("spool")


@given(boundary=boundaries, items=parts, cuts=st.lists(st.integers(0, 20000), max_size=8),
       truncate=st.one_of(st.none(), st.integers(0, 20000)))
def test_form_reader_spools_files_or_leaves_nothing(
        spool: Path, boundary: str, items: list[tuple[str, bool, bytes]], cuts: list[int],
        truncate: int | None) -> None:
    assume(unambiguous(boundary, items, b"\r\n"))
    body = encode(boundary, items, b"\r\n")
    if truncate is not None:
        body = body[:truncate % len(body)]
    try:
        form = asyncio.run(read_multipart(_stream(split(body, cuts)), boundary, spool,
                                          max_field_bytes=2000, max_text_bytes=5000))
    except (MultipartError, FormError):
        assert list(spool.iterdir()) == []
        return
    for name, is_file, data in items:
        if is_file:
            uploaded = form.files[name]
            assert uploaded.path.read_bytes() == data and uploaded.size == len(data)
            assert uploaded.sha1 == hashlib.sha1(data).hexdigest()
        else:
            assert form.fields[name] == data.decode("utf-8", "replace")
    form.discard_files()
    assert list(spool.iterdir()) == []
