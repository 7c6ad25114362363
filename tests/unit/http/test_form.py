"""Tests for the multipart form reader and urlencoded parsing."""

from __future__ import annotations

import asyncio
import hashlib
import random
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

import httpx
import pytest

from wikiupload.http.form import (
    BodyTimeout,
    BodyTooLarge,
    FieldTooLarge,
    FormData,
    UploadedFile,
    parse_urlencoded,
    read_multipart,
    with_idle_timeout,
)
from wikiupload.http.multipart import MultipartError

BOUNDARY = "xYzZY"


class ClientGone(Exception):
    """Stands in for a client disconnect surfacing from the body stream."""


async def _stream(pieces: Iterable[bytes], fail_after: int | None = None) -> AsyncIterator[bytes]:
    for index, piece in enumerate(pieces):
        if index == fail_after:
            raise ClientGone
        yield piece
        await asyncio.sleep(0)
    if fail_after is not None:
        raise ClientGone


def read(
    body: bytes,
    spool: Path,
    *,
    piece_size: int = 1000,
    fail_after: int | None = None,
    boundary: str = BOUNDARY,
    max_field_bytes: int = 10 * 1024 * 1024,
    max_body_bytes: int | None = None,
    file_fields: frozenset[str] = frozenset({"file", "chunk"}),
    write_back: bool = False,
) -> FormData:
    pieces = [body[i : i + piece_size] for i in range(0, len(body), piece_size)]
    reader = read_multipart(
        _stream(pieces, fail_after),
        boundary,
        spool,
        max_field_bytes=max_field_bytes,
        max_body_bytes=max_body_bytes,
        file_fields=file_fields,
        write_back=write_back,
    )
    return asyncio.run(reader)


def part(headers: str, data: bytes, newline: bytes = b"\r\n") -> bytes:
    lines = [b"--" + BOUNDARY.encode(), *(h.encode() for h in headers.split("|")), b""]
    return newline.join(lines) + newline + data + newline


def body_of(*parts: bytes, newline: bytes = b"\r\n") -> bytes:
    return b"".join(parts) + b"--" + BOUNDARY.encode() + b"--" + newline


def spooled(spool: Path) -> list[Path]:
    return sorted(spool.iterdir())


def test_httpx_form(tmp_path: Path) -> None:
    content = random.Random(3).randbytes(5000)
    request = httpx.Request(
        "POST",
        "http://wiki.test/api.php",
        data={"action": "upload", "comment": "Grüße"},
        files={"file": ("Bild ä.jpg", content, "image/jpeg")},
    )
    boundary = request.headers["content-type"].split("boundary=")[1]
    form = read(request.read(), tmp_path, piece_size=333, boundary=boundary)

    assert form.fields == {"action": "upload", "comment": "Grüße"}
    uploaded = form.files["file"]
    assert (uploaded.field, uploaded.filename, uploaded.content_type) == (
        "file",
        "Bild ä.jpg",
        "image/jpeg",
    )
    assert uploaded.path.parent == tmp_path
    assert uploaded.path.name.startswith("upload-")
    assert uploaded.path.read_bytes() == content
    assert uploaded.size == len(content)
    assert uploaded.sha1 == hashlib.sha1(content).hexdigest()
    form.discard_files()
    assert spooled(tmp_path) == []
    uploaded.discard()  # already gone: no error


def test_chunk_parts_are_hashed_on_first_use(tmp_path: Path) -> None:
    """A chunk is not hashed while it arrives; its SHA-1 is still the right one when asked."""
    content = bytes(range(256)) * 5000
    body = body_of(
        part('Content-Disposition: form-data; name="chunk"; filename="blob"', content),
        part('Content-Disposition: form-data; name="file"; filename="f.png"', content),
    )
    form = read(body, tmp_path, piece_size=4096)
    chunk, file = form.files["chunk"], form.files["file"]
    assert chunk.received_sha1 == ""
    assert file.received_sha1 == hashlib.sha1(content).hexdigest()
    assert chunk.sha1 == file.sha1
    assert chunk.received_sha1 == chunk.sha1   # computed once
    form.discard_files()


def test_file_fields_and_filenames_decide_spooling(tmp_path: Path) -> None:
    body = body_of(
        part('Content-disposition: form-data; name="chunk"', b"raw chunk\r", newline=b"\n"),
        part('Content-Disposition: form-data; name="other"; filename=""', b""),
        part('Content-Disposition: form-data; name="text"', b"\xff bad utf-8"),
        part('Content-Disposition: form-data; name="empty"', b""),
    )
    form = read(body, tmp_path)
    assert form.fields == {"text": "\ufffd bad utf-8", "empty": ""}
    assert set(form.files) == {"chunk", "other"}
    assert form.files["chunk"].path.read_bytes() == b"raw chunk"
    assert form.files["chunk"].filename is None
    assert form.files["other"].size == 0
    assert form.files["other"].sha1 == hashlib.sha1(b"").hexdigest()

    form.discard_files()
    form = read(body, tmp_path, file_fields=frozenset())
    assert set(form.files) == {"other"}
    assert form.fields["chunk"] == "raw chunk"
    form.discard_files()


def test_repeated_fields_last_wins(tmp_path: Path) -> None:
    body = body_of(
        part('Content-Disposition: form-data; name="a"', b"1"),
        part('Content-Disposition: form-data; name="file"; filename="1"', b"first"),
        part('Content-Disposition: form-data; name="a"', b"2"),
        part('Content-Disposition: form-data; name="file"; filename="2"', b"second"),
    )
    form = read(body, tmp_path)
    assert form.fields == {"a": "2"}
    assert form.files["file"].filename == "2"
    assert spooled(tmp_path) == [form.files["file"].path]  # the replaced file was deleted
    form.discard_files()


def test_pywikibot_style_chunk(tmp_path: Path) -> None:
    chunk = b"\x00\r\n--" + BOUNDARY.encode()[:-1] + b"\n\r"
    body = (
        part(
            "Content-Type: text/plain|MIME-Version: 1.0|"
            'Content-disposition: form-data; name="filekey"',
            b"abc.123",
            newline=b"\n",
        )
        + part(
            "Content-Type: application/octet-stream|MIME-Version: 1.0|"
            "Content-disposition: form-data; name=\"chunk\";| filename*=utf-8''%C3%A4.png|"
            "Content-Transfer-Encoding: binary",
            chunk + b"\r",  # pywikibot appends one CR to the last chunk
            newline=b"\n",
        )
        + b"--"
        + BOUNDARY.encode()
        + b"--\n"
    )
    form = read(body, tmp_path, piece_size=7)
    assert form.fields == {"filekey": "abc.123"}
    assert form.files["chunk"].filename == "ä.png"
    assert form.files["chunk"].path.read_bytes() == chunk
    form.discard_files()


def test_large_part_sha1_and_size(tmp_path: Path) -> None:
    content = random.Random(20).randbytes(20 * 1024 * 1024)
    body = body_of(part('Content-Disposition: form-data; name="file"; filename="big"', content))
    form = read(body, tmp_path, piece_size=64 * 1024)
    uploaded = form.files["file"]
    assert uploaded.size == len(content)
    assert uploaded.sha1 == hashlib.sha1(content).hexdigest()
    assert uploaded.path.stat().st_size == len(content)
    form.discard_files()


_FILE_THEN_TRUNCATED = part(
    'Content-Disposition: form-data; name="file"; filename="a"', b"x" * 5000
) + part('Content-Disposition: form-data; name="chunk"', b"y" * 5000)


def test_malformed_body_removes_temp_files(tmp_path: Path) -> None:
    with pytest.raises(MultipartError, match="ended before"):
        read(_FILE_THEN_TRUNCATED, tmp_path)
    assert spooled(tmp_path) == []


@pytest.mark.parametrize("fail_after", [0, 3, 8, 100])  # 100: after the last piece
def test_client_disconnect_removes_temp_files(tmp_path: Path, fail_after: int) -> None:
    with pytest.raises(ClientGone):
        read(_FILE_THEN_TRUNCATED, tmp_path, fail_after=fail_after)
    assert spooled(tmp_path) == []


def test_cancellation_removes_temp_files(tmp_path: Path) -> None:
    async def scenario() -> None:
        gate = asyncio.Event()

        async def stream() -> AsyncIterator[bytes]:
            yield _FILE_THEN_TRUNCATED[:7000]
            await gate.wait()  # never set: the client stalls
            yield b""

        task = asyncio.create_task(read_multipart(stream(), BOUNDARY, tmp_path))
        while not spooled(tmp_path):
            await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(scenario())
    assert spooled(tmp_path) == []


async def _pieces_after(delays: list[float]) -> AsyncIterator[bytes]:
    for index, delay in enumerate(delays):
        await asyncio.sleep(delay)
        yield bytes([index])


async def _collect(stream: AsyncIterator[bytes], work: float = 0.0) -> list[bytes]:
    received = []
    async for piece in stream:
        received.append(piece)
        await asyncio.sleep(work)     # the reader's own work between pieces
    return received


def test_idle_timeout_counts_the_wait_for_a_piece_only() -> None:
    slow_reader = _collect(with_idle_timeout(_pieces_after([0, 0, 0]), 0.05), work=0.15)
    assert asyncio.run(slow_reader) == [b"\0", b"\1", b"\2"]
    stalled = _collect(with_idle_timeout(_pieces_after([0, 0.01, 0.5]), 0.1))
    with pytest.raises(BodyTimeout, match="no data received for 0.1 seconds"):
        asyncio.run(stalled)
    assert asyncio.run(_collect(with_idle_timeout(_pieces_after([0, 0.01]), None))) == [
        b"\0", b"\1"]


def test_a_reader_cancelled_while_it_waits_is_cancelled_not_timed_out() -> None:
    async def scenario() -> None:
        task = asyncio.create_task(_collect(with_idle_timeout(_pieces_after([0, 5]), 3)))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(scenario())


def test_body_too_large(tmp_path: Path) -> None:
    body = body_of(_FILE_THEN_TRUNCATED)
    assert read(body, tmp_path, max_body_bytes=len(body)).files["file"].size == 5000
    for uploaded in spooled(tmp_path):
        uploaded.unlink()
    with pytest.raises(BodyTooLarge):
        read(body, tmp_path, max_body_bytes=len(body) - 1)
    assert spooled(tmp_path) == []


def test_field_too_large(tmp_path: Path) -> None:
    body = body_of(
        part('Content-Disposition: form-data; name="file"; filename="a"', b"x" * 5000),
        part('Content-Disposition: form-data; name="text"', b"t" * 101),
    )
    with pytest.raises(FieldTooLarge, match="'text'"):
        read(body, tmp_path, max_field_bytes=100)
    assert spooled(tmp_path) == []
    assert read(body, tmp_path, max_field_bytes=101).fields["text"] == "t" * 101


def test_uploaded_file_discard(tmp_path: Path) -> None:
    path = tmp_path / "upload-x"
    path.write_bytes(b"data")
    uploaded = UploadedFile("file", None, None, path, 4, hashlib.sha1(b"data").hexdigest())
    uploaded.discard()
    assert not path.exists()
    uploaded.discard()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"", {}),
        (b"a=1&b=&c&a=2", {"a": "2", "b": "", "c": ""}),
        (b"t=%2B%5C&s=a+b%20c", {"t": "+\\", "s": "a b c"}),
        (b"u=%C3%BC%E2%82%AC&raw=\xc3\xbc", {"u": "ü€", "raw": "ü"}),
        (b"bad=%FF\xfe&%C3%A4=k", {"bad": "\ufffd\ufffd", "ä": "k"}),
    ],
)
def test_parse_urlencoded(body: bytes, expected: dict[str, str]) -> None:
    assert parse_urlencoded(body) == expected


def test_a_large_file_part_is_hashed_in_a_thread_and_written_back_early(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import threading

    from wikiupload.http import form as form_module

    advised: list[tuple[int, int, int]] = []
    hashed_on: set[str] = set()

    real_sha1 = hashlib.sha1

    class Recording:
        def __init__(self) -> None:
            self.real = real_sha1()

        def update(self, data: bytes) -> None:
            hashed_on.add(threading.current_thread().name)
            self.real.update(data)

        def hexdigest(self) -> str:
            return self.real.hexdigest()

    monkeypatch.setattr(form_module.hashlib, "sha1", Recording)
    monkeypatch.setattr(os, "posix_fadvise",
                        lambda fd, offset, length, advice: advised.append((offset, length, advice)))
    content = random.Random(21).randbytes(3 * form_module.WRITE_BACK_EVERY + 1024 * 1024)
    body = body_of(part('Content-Disposition: form-data; name="file"; filename="big"', content),
                   part('Content-Disposition: form-data; name="chunk"', content))
    form = read(body, tmp_path, piece_size=64 * 1024, write_back=True)
    assert form.files["file"].sha1 == real_sha1(content).hexdigest()
    assert {"MainThread", "wikiupload-hash"} <= hashed_on
    # the file part in order from its start, every WRITE_BACK_EVERY bytes; not the chunk
    assert [offset for offset, _, _ in advised] == [
        sum(length for _, length, _ in advised[:i]) for i in range(len(advised))]
    assert len(advised) == 3 and {a for _, _, a in advised} == {os.POSIX_FADV_DONTNEED}
    assert all(length >= form_module.WRITE_BACK_EVERY for _, length, _ in advised)
    assert not [t for t in threading.enumerate() if t.name == "wikiupload-hash"]
    form.discard_files()
    advised.clear()             # not asked for (another store, or fsync off): none
    read(body, tmp_path, piece_size=64 * 1024).discard_files()
    assert advised == []


def test_a_client_gone_in_a_large_part_ends_its_hashing_thread(tmp_path: Path) -> None:
    import threading

    content = random.Random(22).randbytes(6 * 1024 * 1024)
    body = part('Content-Disposition: form-data; name="file"; filename="big"', content)
    with pytest.raises(ClientGone):
        read(body, tmp_path, piece_size=64 * 1024, fail_after=60)
    assert spooled(tmp_path) == []
    assert not [t for t in threading.enumerate() if t.name == "wikiupload-hash"]
