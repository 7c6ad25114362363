"""Thumbnails: MediaWiki's scaling arithmetic, rendering, caching and refusals."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image as PILImage
from tests.api.file_helpers import gif, jpeg, png, store_file

from wikiupload.config import load
from wikiupload.filerepo import FileRepo, MemoryBackend
from wikiupload.files import thumbnails
from wikiupload.files.thumbnails import (
    ThumbRequest,
    ThumbSource,
    ensure_thumbnail,
    fit_box_width,
    normalise,
    scale_height,
    transform,
)
from wikiupload.wiki import Wiki


def _repo(tmp_path: Path) -> FileRepo:
    return FileRepo(MemoryBackend(), load(env={}, data_dir=tmp_path))


def _source(repo: FileRepo, name: str, data: bytes, mime: str, size: tuple[int, int],
            ) -> ThumbSource:
    repo.backend.put_bytes(repo.public_path(name), data)
    thumb_url = repo.thumb_url(name, "x").rsplit("/", 1)[0]
    return ThumbSource(name, mime, size[0], size[1], repo.public_path(name), repo.url(name),
                       repo.thumb_dir(name), thumb_url)


def _size(repo: FileRepo, path: str) -> tuple[int, int]:
    with repo.backend.open(path) as stream, PILImage.open(io.BytesIO(stream.read())) as im:
        return im.size


def test_scaling_arithmetic() -> None:
    assert scale_height(400, 300, 120) == 90
    assert scale_height(3, 1, 1) == 0 and scale_height(0, 5, 10) == 0
    assert scale_height(200, 101, 100) == 51       # 50.5 rounds up, as PHP's round()
    assert fit_box_width(400, 300, 60) == 80
    assert normalise(400, 300, ThumbRequest(120)) == (120, 90, 120, 90)
    assert normalise(400, 300, ThumbRequest(120, 60)) == (80, 60, 80, 60)
    assert normalise(400, 300, ThumbRequest(None, 30)) == (40, 30, 40, 30)
    assert normalise(400, 300, ThumbRequest(0)) is None
    assert normalise(0, 0, ThumbRequest(10)) is None


def test_render_store_and_reuse(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    source = _source(repo, "Big.png", png(400, 300), "image/png", (400, 300))
    result = transform(repo, source, ThumbRequest(120))
    assert result is not None and result.ok
    path = repo.thumb_path("Big.png", "120px-Big.png")
    assert result.url == repo.thumb_url("Big.png", "120px-Big.png")
    assert (result.width, result.height, result.mime) == (120, 90, "image/png")
    assert _size(repo, path) == (120, 90)
    repo.backend.put_bytes(path, b"cached")        # a second request reuses the object
    assert transform(repo, source, ThumbRequest(120)) == result
    with repo.backend.open(path) as stream:
        assert stream.read() == b"cached"


def test_no_upscaling_returns_the_original(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    source = _source(repo, "Small.png", png(16, 16), "image/png", (16, 16))
    result = transform(repo, source, ThumbRequest(50))
    assert result is not None and result.url == source.url
    assert list(repo.backend.iter("thumb/")) == []


@pytest.mark.parametrize(("name", "data", "mime", "size", "thumb", "fmt"), [
    ("Photo.jpg", jpeg(80, 60), "image/jpeg", (80, 60), "40px-Photo.jpg", "JPEG"),
    ("Anim.gif", gif(20, 10), "image/gif", (20, 10), "10px-Anim.gif", "GIF"),
])
def test_formats(tmp_path: Path, name: str, data: bytes, mime: str, size: tuple[int, int],
                 thumb: str, fmt: str) -> None:
    repo = _repo(tmp_path)
    source = _source(repo, name, data, mime, size)
    result = transform(repo, source, ThumbRequest(size[0] // 2))
    assert result is not None and result.ok and result.url.endswith(thumb)
    with repo.backend.open(repo.thumb_path(name, thumb)) as stream, \
            PILImage.open(io.BytesIO(stream.read())) as image:
        assert image.format == fmt
        assert image.size == (size[0] // 2, size[1] // 2)


def _png_header(width: int, height: int) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + header
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(header)) + chunk
            + struct.pack(">I", zlib.crc32(chunk)) + b"\x00\x00\x00\x00IEND\xaeB`\x82")


def test_bombs_are_refused(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    huge = _source(repo, "Huge.png", _png_header(20000, 20000), "image/png", (20000, 20000))
    result = transform(repo, huge, ThumbRequest(100))
    assert result is not None and result.error == (
        "Error creating thumbnail: File with dimensions greater than 12.5 MP")
    # A header that lies about a small size is still checked before decoding.
    liar = _source(repo, "Liar.png", _png_header(20000, 20000), "image/png", (400, 300))
    lied = transform(repo, liar, ThumbRequest(100))
    assert lied is not None and lied.error is not None
    assert list(repo.backend.iter("thumb/")) == []


def test_svg_without_renderer_gives_the_original(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(thumbnails, "svg_renderer", lambda: None)
    repo = _repo(tmp_path)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200"/>'
    source = _source(repo, "Vec.svg", svg, "image/svg+xml", (400, 200))
    result = transform(repo, source, ThumbRequest(100))
    assert result is not None and result.url == source.url
    assert (result.width, result.height) == (100, 50)


def test_files_without_handler_get_an_icon(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    source = _source(repo, "Notes.txt", b"hello\n", "text/plain", (0, 0))
    result = transform(repo, source, ThumbRequest(120))
    assert result is not None
    assert result.url.endswith("/resources/assets/file-type-icons/fileicon-txt.png")
    assert (result.width, result.height, result.mime) == (120, 120, None)


def test_ensure_thumbnail(wiki: Wiki) -> None:
    store_file(wiki, "Wide.png", png(400, 300))
    repo = wiki.filerepo
    assert ensure_thumbnail(wiki, "Wide.png", "200px-Wide.png")
    assert _size(repo, repo.thumb_path("Wide.png", "200px-Wide.png")) == (200, 150)
    assert ensure_thumbnail(wiki, "Wide.png", "200px-Wide.png")          # already there
    assert not ensure_thumbnail(wiki, "Wide.png", "800px-Wide.png")      # no upscaling
    assert not ensure_thumbnail(wiki, "Wide.png", "200px-Other.png")
    assert not ensure_thumbnail(wiki, "Nope.png", "200px-Nope.png")
    assert not ensure_thumbnail(wiki, "Wide.png", "abc-Wide.png")
