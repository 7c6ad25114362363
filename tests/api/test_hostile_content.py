"""Hostile content over HTTP: decompression bombs, polyglots, XML entity tricks, executables
and scripts under image or text names. Each is refused whole and through chunks, and
nothing of it stays behind."""

from __future__ import annotations

import io
import resource
import struct
import time
import zipfile
import zlib
from typing import Any

import pytest

from tests import media_samples as media
from tests.support import ApiClient
from wikiupload.wiki import Wiki

POLYGLOT_INFO = ("This file hides another file (an archive, a script or a web page) after "
                 "the end of the image.")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A valid PNG header declaring ``width`` x ``height`` RGB pixels, with one compressed
    row of data: decoding it would need width * height * 3 bytes."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    row = zlib.compress(b"\x00" * (width * 3 + 1), 9)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", row)
            + _chunk(b"IEND", b""))


def gif_bomb() -> bytes:
    """A GIF whose logical screen is 65535 x 65535 pixels."""
    data = bytearray(media.gif("bomb"))
    data[6:10] = struct.pack("<HH", 65535, 65535)
    return bytes(data)


def zip_archive() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payload.html", "<script>alert(document.cookie)</script>")
        archive.writestr("evil.php", "<?php system($_GET['c']); ?>")
    return out.getvalue()


def _max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _refused(reply: dict[str, Any]) -> dict[str, Any]:
    assert "error" in reply, reply
    return reply["error"]  # type: ignore[no-any-return]


def _nothing_left(client: ApiClient, wiki: Wiki, name: str) -> None:
    page = client.get(action="query", titles=f"File:{name}", formatversion="2")
    assert page["query"]["pages"][0].get("missing") is True
    assert [p for p in wiki.temp_dir.iterdir() if p.name.startswith("upload-")] == []


# -- decompression bombs -------------------------------------------------------------------

def test_png_declaring_ten_gigapixels_is_refused_without_decoding(
        uploader: ApiClient, wiki: Wiki) -> None:
    before, started = _max_rss_mib(), time.monotonic()
    error = _refused(uploader.upload("Bomb.png", png_bomb()))
    assert time.monotonic() - started < 10
    assert _max_rss_mib() - before < 200       # 30 GB of pixels were never allocated
    assert error["code"] == "verification-error"
    assert error["details"] == ["upload-too-many-pixels", 100_000_000]
    assert error["info"] == "This image has too many pixels: at most 100000000 are accepted."
    _nothing_left(uploader, wiki, "Bomb.png")


def test_bombs_are_refused_in_chunks_and_as_gif(uploader: ApiClient, wiki: Wiki) -> None:
    data = png_bomb(60_000, 60_000) + b"\x00" * 3000
    replies = uploader.chunked("Bomb chunks.png", data, 1024)
    error = _refused(replies[-1])
    assert error["code"] == "stashfailed"
    assert "too many pixels" in error["info"]
    assert _refused(uploader.upload("Bomb.gif", gif_bomb()))["details"][0] == \
        "upload-too-many-pixels"


def test_pixel_limit_is_a_setting(wiki_factory: Any, app_holder: dict[str, Any],
                                  accounts: Any, api_url: str) -> None:
    from tests.conftest import UPLOADER_BOT_PASSWORD, populate

    small = wiki_factory(max_image_pixels=100)
    populate(small, accounts)
    app_holder["app"].state.wiki = small
    client = ApiClient(api_url)
    client.login("Uploader@bot", UPLOADER_BOT_PASSWORD)
    assert client.upload("Ten.png", media.png("ten", 10, 10))["upload"]["result"] == "Success"
    error = _refused(client.upload("Eleven.png", media.png("eleven", 11, 10)))
    assert error["details"] == ["upload-too-many-pixels", 100]
    client.close()


# -- polyglots -----------------------------------------------------------------------------

def _large(maker: Any, seed: str) -> bytes:
    """An image larger than every window MediaWiki's content sniffing looks at."""
    return maker(seed, 160, 160)  # type: ignore[no-any-return]


@pytest.mark.parametrize(("name", "data"), [
    ("Zip after png.png", media.png("zip") + zip_archive()),
    ("Zip after jpeg.jpg", media.jpeg("zip") + zip_archive()),
    ("Zip after gif.gif", media.gif("zip") + zip_archive()),
    ("Html after iend.png", media.png("html") + b"<html><body><script>alert(1)</script>"),
    ("Php after iend.png", media.png("php") + b"<?php system($_GET['c']); ?>"),
    ("Php after eoi.jpg", media.jpeg("php") + b"\n<?php echo 'x'; ?>\n"),
    ("Svg after trailer.gif", media.gif("svg") + b"<svg onload=alert(1)>"),
])
def test_polyglots_are_refused(uploader: ApiClient, wiki: Wiki, name: str,
                               data: bytes) -> None:
    """Small ones are already caught by MediaWiki's checks (the type found from the ZIP
    directory or the script in the first kilobyte); the polyglot check catches the rest."""
    error = _refused(uploader.upload(name, data))
    assert error["code"] == "verification-error"
    assert error["details"][0] in ("uploadpolyglot", "filetype-badmime", "uploadscripted",
                                   "filetype-mime-mismatch")
    _nothing_left(uploader, wiki, name)


@pytest.mark.parametrize(("name", "data"), [
    ("Late html.png", _large(media.png, "html") + b"<html><body><script>alert(1)</script>"),
    ("Late php.png", _large(media.png, "php") + b"<?php system($_GET['c']); ?>"),
    ("Late php.jpg", _large(media.jpeg, "php") + b"\n<?php echo 'x'; ?>\n"),
    ("Late zip.jpg", _large(media.jpeg, "zip") + zip_archive() + b"\x00" * 70_000),
])
def test_payload_beyond_the_sniffed_windows_is_a_polyglot(uploader: ApiClient, wiki: Wiki,
                                                           name: str, data: bytes) -> None:
    error = _refused(uploader.upload(name, data))
    assert (error["code"], error["details"], error["info"]) == (
        "verification-error", ["uploadpolyglot"], POLYGLOT_INFO)
    _nothing_left(uploader, wiki, name)


def test_polyglot_in_chunks_is_refused_at_assembly(uploader: ApiClient) -> None:
    image = _large(media.png, "chunked polyglot")
    pad = b"\x00" * (3 * 4096 + 2000 - len(image) % 4096)
    data = image + pad + b"<script>alert(1)</script>"
    error = _refused(uploader.chunked("Chunked polyglot.png", data, 4096)[-1])
    assert (error["code"], error["info"]) == ("stashfailed", POLYGLOT_INFO)


def test_harmless_trailing_bytes_are_accepted(uploader: ApiClient) -> None:
    """Padding and vendor trailers after the image are common in real files."""
    padded = media.jpeg("padded") + b"\x00" * 64 + b"SEFT vendor trailer"
    assert uploader.upload("Padded.jpg", padded)["upload"]["result"] == "Success"
    tiny = media.png("progressive")
    assert uploader.upload("Tiny.png", tiny + b"\n")["upload"]["result"] == "Success"


# -- XML entity tricks ---------------------------------------------------------------------

def _svg_with_doctype(subset: str, body: str) -> bytes:
    return (f'<?xml version="1.0"?>\n<!DOCTYPE svg [\n{subset}\n]>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
            f'<text>{body}</text></svg>').encode()


BILLION_LAUGHS = _svg_with_doctype(
    '<!ENTITY lol "lol">\n' + "\n".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)), "&lol9;")
EXTERNAL_ENTITY = _svg_with_doctype('<!ENTITY xxe SYSTEM "file:///etc/passwd">', "&xxe;")
PARAMETER_ENTITY = _svg_with_doctype(
    '<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd">\n%remote;', "x")


@pytest.mark.parametrize(("name", "data"), [
    ("Laughs.svg", BILLION_LAUGHS),
    ("External.svg", EXTERNAL_ENTITY),
    ("Parameter.svg", PARAMETER_ENTITY),
])
def test_xml_entity_tricks_are_refused_quickly(uploader: ApiClient, wiki: Wiki, name: str,
                                               data: bytes) -> None:
    started = time.monotonic()
    error = _refused(uploader.upload(name, data))
    assert time.monotonic() - started < 10
    assert error["code"] in ("verification-error", "uploadinvalidxml")
    _nothing_left(uploader, wiki, name)


def test_billion_laughs_in_chunks(uploader: ApiClient) -> None:
    data = BILLION_LAUGHS + b"<!--" + b"x" * 3000 + b"-->"
    assert _refused(uploader.chunked("Laughs chunks.svg", data, 1024)[-1])


# -- executables and scripts ---------------------------------------------------------------

@pytest.mark.parametrize(("name", "data"), [
    ("Program.exe", media.exe("exe")),
    ("Program.png", media.exe("png")),
    ("Script.php", b"<?php system($_GET['c']); ?>"),
    ("Shell.txt", b"#!/bin/sh\nrm -rf /\n"),
    ("Page.txt", media.html("txt")),
    ("Page.png", media.html("png")),
    ("Script.svg", media.svg("script", script=True)),
    ("Program.jpg.exe", media.jpeg("double")),
    ("Evil.php.png", media.png("double")),
])
def test_executables_and_scripts_are_refused(uploader: ApiClient, wiki: Wiki, name: str,
                                             data: bytes) -> None:
    error = _refused(uploader.upload(name, data))
    assert error["code"] in ("filetype-banned", "verification-error", "uploadscripted")
    _nothing_left(uploader, wiki, name)
