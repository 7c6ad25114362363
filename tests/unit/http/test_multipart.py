"""Tests for the streaming multipart/form-data parser."""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from email.generator import BytesGenerator
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from io import BytesIO
from typing import Any

import httpx
import pytest

from wikiupload.http.multipart import (
    Event,
    MultipartError,
    MultipartParser,
    PartData,
    PartEnd,
    PartStart,
    parse_options_header,
)

BOUNDARY = b"xYzZY"

Part = tuple[PartStart, bytes]


def collect(events: Iterable[Event]) -> list[Part]:
    """Group events into (PartStart, data) pairs, checking their order."""
    parts: list[Part] = []
    current: PartStart | None = None
    data = bytearray()
    for event in events:
        if isinstance(event, PartStart):
            assert current is None, "PartStart inside a part"
            current, data = event, bytearray()
        elif isinstance(event, PartData):
            assert current is not None, "PartData outside a part"
            assert event.data, "empty PartData"
            data += event.data
        else:
            assert isinstance(event, PartEnd)
            assert current is not None, "PartEnd outside a part"
            parts.append((current, bytes(data)))
            current = None
    assert current is None, "unterminated part"
    return parts


def parse(
    body: bytes, boundary: bytes = BOUNDARY, pieces: Iterable[bytes] | None = None
) -> list[Part]:
    parser = MultipartParser(boundary)
    events: list[Event] = []
    for piece in [body] if pieces is None else pieces:
        events.extend(parser.feed(piece))
    parser.finish()
    return collect(events)


def simple(parts: list[Part]) -> list[tuple[str, str | None, bytes]]:
    return [(start.name, start.filename, data) for start, data in parts]


def random_pieces(body: bytes, rng: random.Random, max_size: int) -> Iterator[bytes]:
    pos = 0
    while pos < len(body):
        size = rng.randint(0, max_size)
        yield body[pos : pos + size]
        pos += size


def build_body(parts: list[tuple[str, bytes]], newline: bytes = b"\r\n") -> bytes:
    """Build a body from (header lines, data) pairs; header lines use "|" as separator."""
    out = bytearray()
    for headers, data in parts:
        out += b"--" + BOUNDARY + newline
        for line in headers.split("|"):
            out += line.encode() + newline
        out += newline + data + newline
    out += b"--" + BOUNDARY + b"--" + newline
    return bytes(out)


# -- pywikibot-style bodies: reproduces pywikibot.data.api.Request._build_mime_request --


class _BinaryAwareGenerator(BytesGenerator):
    """pywikibot's CTEBinaryBytesGenerator: binary payloads are written raw."""

    def _handle_text(self, msg: Message) -> None:
        if msg["content-transfer-encoding"] == "binary":
            self._fp.write(msg.get_payload(decode=True))  # type: ignore[attr-defined]
        else:
            super()._handle_text(msg)  # type: ignore[misc]

    _writeBody = _handle_text


def _pywikibot_part(
    key: str,
    content: str | bytes,
    keytype: tuple[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> MIMENonMultipart:
    if keytype is None:
        ascii_text = isinstance(content, str) and content.isascii()
        keytype = ("text", "plain") if ascii_text else ("application", "octet-stream")
    part = MIMENonMultipart(*keytype)
    part.add_header("Content-disposition", "form-data", name=key, **(headers or {}))
    if keytype != ("text", "plain"):
        part["Content-Transfer-Encoding"] = "binary"
    part.set_payload(content)
    return part


def pywikibot_request(
    params: dict[str, str | bytes], mime: dict[str, tuple[Any, ...]]
) -> tuple[dict[str, str], bytes]:
    """Return (HTTP headers, body) exactly as pywikibot builds them."""
    container = MIMEMultipart(_subtype="form-data")
    for key, value in params.items():
        container.attach(_pywikibot_part(key, value))
    for key, spec in mime.items():
        container.attach(_pywikibot_part(key, *spec))
    out = BytesIO()
    _BinaryAwareGenerator(out).flatten(container)
    message = out.getvalue()
    body = message[message.find(b"\n\n") + 2 :]
    return dict(container.items()), body


def pywikibot_chunk(data: bytes) -> bytes:
    """pywikibot's T132676 hack: the last chunk gets an extra CR appended."""
    return data + b"\r"


def boundary_of(content_type: str) -> bytes:
    mime_type, params = parse_options_header(content_type)
    assert mime_type == "multipart/form-data"
    return params["boundary"].encode("latin-1")


# -- tests ------------------------------------------------------------------------


def test_httpx_crlf_body() -> None:
    content = bytes(range(256)) * 4 + b"\r\n--not-it\r\n"
    request = httpx.Request(
        "POST",
        "http://wiki.test/api.php",
        data={"action": "upload", "filename": "Äpfel.png", "empty": ""},
        files={"file": ("Äpfel b.png", content, "image/png")},
    )
    body = request.read()
    boundary = boundary_of(request.headers["content-type"])
    parts = parse(body, boundary)
    assert simple(parts) == [
        ("action", None, b"upload"),
        ("filename", None, "Äpfel.png".encode()),
        ("empty", None, b""),
        ("file", "Äpfel b.png", content),
    ]
    assert parts[3][0].content_type == "image/png"
    rng = random.Random(1)
    for _ in range(20):
        assert parse(body, boundary, random_pieces(body, rng, 300)) == parts


def test_pywikibot_body_bare_lf_and_trailing_cr() -> None:
    chunk = b"GIF89a\r\n\x00\n--xx\r\rdata\r"  # ends in CR: pywikibot adds one more
    headers, body = pywikibot_request(
        {"action": "upload", "token": "+\\", "filename": "Fü.png".encode(), "stash": "1"},
        {
            "chunk": (
                pywikibot_chunk(chunk),
                ("application", "octet-stream"),
                {"filename": 'Fü é"x.png'},
            )
        },
    )
    assert headers["MIME-Version"] == "1.0"
    boundary = boundary_of(headers["Content-Type"])
    assert body.startswith(b"--" + boundary + b"\nContent-Type: text/plain\n")  # bare LF
    assert headers["Content-Type"].endswith('"')  # the boundary is quoted

    parts = parse(body, boundary)
    assert simple(parts) == [
        ("action", None, b"upload"),
        ("token", None, b"+\\"),
        ("filename", None, "Fü.png".encode()),
        ("stash", None, b"1"),
        ("chunk", 'Fü é"x.png', chunk),
    ]
    start = parts[4][0]
    assert start.content_type == "application/octet-stream"
    assert ("content-transfer-encoding", "binary") in start.headers
    assert ("mime-version", "1.0") in start.headers


def test_pywikibot_last_chunk_not_ending_in_cr() -> None:
    chunk = b"\x89PNG\r\n\x1a\n" + b"payload"
    headers, body = pywikibot_request(
        {"action": "upload"},
        {"chunk": (pywikibot_chunk(chunk), ("application", "octet-stream"), {"filename": "a"})},
    )
    parts = parse(body, boundary_of(headers["Content-Type"]))
    assert parts[1][1] == chunk


@pytest.mark.parametrize(
    ("newline", "data", "expected"),
    [
        (b"\r\n", b"abc", b"abc"),
        (b"\r\n", b"abc\r", b"abc\r"),
        (b"\n", b"abc\r", b"abc"),
        (b"\n", b"abc\r\r", b"abc\r"),
        (b"\n", b"\r", b""),
        (b"\r\n", b"", b""),
    ],
)
def test_single_cr_before_delimiter_belongs_to_it(
    newline: bytes, data: bytes, expected: bytes
) -> None:
    body = build_body([('Content-Disposition: form-data; name="a"', data)], newline)
    assert simple(parse(body)) == [("a", None, expected)]


def test_delimiter_lookalikes_in_data_are_kept() -> None:
    data = b"\r\n--xYzZ\r\n-- xYzZY\r\n--XYZZY\r--xYzZY\n-xYzZY\r\n\r\n--\r\n\r\r\r\n-\r\n--xYz"
    body = build_body([('Content-Disposition: form-data; name="f"; filename="x"', data)])
    assert simple(parse(body)) == [("f", "x", data)]


def _split_bodies() -> list[tuple[bytes, bytes]]:
    """(body, expected data of part "b"): a bare CR before LF--BOUNDARY is dropped."""
    return [
        (
            build_body(
                [
                    ('Content-Disposition: form-data; name="a"', b"1\r\n2"),
                    ('Content-Disposition: form-data; name="b"; filename="b.bin"', b"\r\r\n--xY\r"),
                    ('Content-Disposition: form-data; name="c"', b""),
                ],
                newline,
            ),
            b_data,
        )
        for newline, b_data in ((b"\r\n", b"\r\r\n--xY\r"), (b"\n", b"\r\r\n--xY"))
    ]


@pytest.mark.parametrize(("body", "b_data"), _split_bodies())
def test_every_split_position(body: bytes, b_data: bytes) -> None:
    expected = parse(body)
    assert simple(expected) == [("a", None, b"1\r\n2"), ("b", "b.bin", b_data), ("c", None, b"")]
    for split in range(len(body) + 1):
        assert parse(body, pieces=[body[:split], body[split:]]) == expected, split
    assert parse(body, pieces=[body[i : i + 1] for i in range(len(body))]) == expected


@pytest.mark.parametrize(("body", "b_data"), _split_bodies())
def test_random_feed_sizes(body: bytes, b_data: bytes) -> None:
    expected = parse(body)
    assert expected[1][1] == b_data
    rng = random.Random(42)
    for _ in range(300):
        assert parse(body, pieces=random_pieces(body, rng, 12)) == expected


def test_boundary_at_start_preamble_epilogue_and_padding() -> None:
    body = (
        b"This is the preamble.\r\n--xYzZ\r\nxx--xYzZY\r\n"  # lookalikes
        b"--xYzZY \t\r\n"
        b'Content-Disposition: form-data; name="a"\r\n\r\n'
        b"1\r\n--xYzZY\t\n"
        b'Content-Disposition: form-data; name="b"\n\n'
        b"2\n--xYzZY--  \r\nepilogue\r\n--xYzZY\r\ngarbage"
    )
    assert simple(parse(body)) == [("a", None, b"1"), ("b", None, b"2")]


def test_form_without_parts() -> None:
    assert parse(b"--xYzZY--\r\n") == []


def test_streams_large_part_without_buffering_it() -> None:
    parser = MultipartParser(BOUNDARY)
    parser.feed(b'--xYzZY\r\nContent-Disposition: form-data; name="f"; filename="f"\r\n\r\n')
    piece = b"\xab" * 65536
    for _ in range(16):
        events = parser.feed(piece)
        assert len(events) == 1
        assert isinstance(events[0], PartData)
        assert len(events[0].data) >= len(piece) - 20
    events = parser.feed(b"\r\n--xYzZY--\r\n")
    assert isinstance(events[-1], PartEnd)
    parser.finish()


def test_header_variants() -> None:
    body = build_body(
        [
            (
                "content-disposition: form-data;|\tname=\"folded\"; filename='x'",
                b"1",
            ),
            ("CONTENT-DISPOSITION:form-data;name=tok;filename=a.txt", b"2"),
            ('Content-Disposition: form-data; name="q\\"\\\\"; filename="C:\\dir\\f.txt"', b"3"),
            (
                'Content-Disposition: form-data; name="u"; '
                "filename*=UTF-8''%E2%82%AC%20rates.txt; filename=\"fallback.txt\"",
                b"4",
            ),
            ('Content-Disposition: form-data; name="raw"; filename="Ünïcødé.png"', b"5"),
            (
                'Content-Disposition: form-data; name="cte"|Content-Transfer-Encoding: 8bit|'
                "Content-Type: text/plain; charset=utf-8",
                b"6",
            ),
            ('Content-Disposition: form-data; name=""; filename=""', b""),
        ]
    )
    parts = parse(body)
    assert simple(parts) == [
        ("folded", "'x'", b"1"),
        ("tok", "a.txt", b"2"),
        ('q"\\', "C:\\dir\\f.txt", b"3"),
        ("u", "€ rates.txt", b"4"),
        ("raw", "Ünïcødé.png", b"5"),
        ("cte", None, b"6"),
        ("", "", b""),
    ]
    assert parts[5][0].content_type == "text/plain; charset=utf-8"
    assert parts[0][0].headers == (
        ("content-disposition", "form-data; name=\"folded\"; filename='x'"),
    )


@pytest.mark.parametrize(
    ("header", "value", "expected"),
    [
        ("multipart/form-data; boundary=abc", "multipart/form-data", {"boundary": "abc"}),
        (
            'Multipart/Form-Data; BOUNDARY="=== a;b ==="',
            "multipart/form-data",
            {"boundary": "=== a;b ==="},
        ),
        (
            "text/plain;charset=UTF-8 ; format=flowed",
            "text/plain",
            {"charset": "UTF-8", "format": "flowed"},
        ),
        ("form-data", "form-data", {}),
        ('attachment; filename="a\\"b"', "attachment", {"filename": 'a"b'}),
        ("attachment; filename*=iso-8859-1'en'%E4.txt", "attachment", {"filename": "ä.txt"}),
        ("attachment; filename=x; filename*=bogus''%E4", "attachment", {"filename": "x"}),
        ("attachment; filename*=utf-8''%FF", "attachment", {}),
    ],
)
def test_parse_options_header(header: str, value: str, expected: dict[str, str]) -> None:
    assert parse_options_header(header) == (value, expected)


def _feed_all(body: bytes, **kwargs: int) -> MultipartParser:
    parser = MultipartParser(BOUNDARY, **kwargs)
    parser.feed(body)
    return parser


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"--xYzZY\r\n\r\ndata\r\n--xYzZY--", "no Content-Disposition"),
        (b"--xYzZY\r\nContent-Type: text/plain\r\n\r\nx\r\n--xYzZY--", "no Content-Disposition"),
        (b"--xYzZY\r\nContent-Disposition: form-data\r\n\r\nx\r\n--xYzZY--", "no name"),
        (b"--xYzZY\r\nno colon here\r\n\r\n", "malformed part header"),
        (b"--xYzZY\r\n folded first\r\n\r\n", "continuation"),
        (b"--xYzZYgarbage\r\n", "after a multipart boundary"),
        (b"--xYzZY\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--xYzZY!", "after a"),
        (
            b"--xYzZY\r\nContent-Disposition: form-data; name=a\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n",
            "Content-Transfer-Encoding",
        ),
    ],
)
def test_malformed_input(body: bytes, message: str) -> None:
    with pytest.raises(MultipartError, match=message):
        _feed_all(body)


def test_header_too_long() -> None:
    parser = MultipartParser(BOUNDARY, max_header_bytes=100)
    parser.feed(b"--xYzZY\r\nContent-Disposition: form-data; ")
    with pytest.raises(MultipartError, match="headers longer than 100"):
        parser.feed(b"x" * 101)
    body = b"--xYzZY\r\nX-A: " + b"a" * 60 + b"\r\nX-B: " + b"b" * 60 + b"\r\n\r\n"
    with pytest.raises(MultipartError, match="headers longer"):
        _feed_all(body, max_header_bytes=100)
    with pytest.raises(MultipartError, match="headers longer"):
        _feed_all(b"--xYzZY" + b" " * 200, max_header_bytes=100)


def test_too_many_parts() -> None:
    part = ('Content-Disposition: form-data; name="a"', b"x")
    assert len(parse(build_body([part] * 3), pieces=None)) == 3
    with pytest.raises(MultipartError, match="too many parts"):
        _feed_all(build_body([part] * 4), max_parts=3)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "no multipart boundary"),
        (b"just some text\r\n--xYzZ", "no multipart boundary"),
        (b"--xYzZY\r\nContent-Disposition: form-data; name=a\r\n", "ended before"),
        (b"--xYzZY\r\nContent-Disposition: form-data; name=a\r\n\r\ndata", "ended before"),
        (b"--xYzZY\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--xYzZY", "ended"),
        (b"--xYzZY\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--xYzZY-", "ended"),
        (b"--xYzZY\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--xYzZY\r\n", "ended"),
    ],
)
def test_truncated_body(body: bytes, message: str) -> None:
    parser = _feed_all(body)
    assert not parser.complete
    with pytest.raises(MultipartError, match=message):
        parser.finish()


def test_unusable_after_error_or_finish() -> None:
    parser = MultipartParser(BOUNDARY)
    with pytest.raises(MultipartError):
        parser.feed(b"--xYzZY\r\n\r\n")
    with pytest.raises(MultipartError, match="earlier error"):
        parser.feed(b"more")
    parser = _feed_all(b"--xYzZY--")
    assert parser.complete
    parser.finish()
    with pytest.raises(MultipartError, match="finished"):
        parser.feed(b"")


@pytest.mark.parametrize("boundary", [b"", b"a\r\nb", b"x" * 201])
def test_invalid_boundary(boundary: bytes) -> None:
    with pytest.raises(MultipartError, match="boundary"):
        MultipartParser(boundary)
