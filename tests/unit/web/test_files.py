"""web/files.py: serving repository files with types, validators, ranges and safe headers."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import formatdate
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.types import Message, Scope

from wikiupload.db.file_models import Image, OldImage
from wikiupload.filerepo import FileRepo, sha1_base36
from wikiupload.web.files import CSP_SANDBOX, serve_file
from wikiupload.wiki import Wiki

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
WHEN = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)

Get = Callable[..., httpx.Response]


@pytest.fixture
def wiki(wiki_factory: Callable[..., Wiki]) -> Wiki:
    return wiki_factory()


@pytest.fixture
def repo(wiki: Wiki) -> FileRepo:
    return FileRepo.from_settings(wiki.settings)


@pytest.fixture
def get(wiki: Wiki) -> Get:
    route = Route(f"{wiki.settings.upload_path}/{{path:path}}", serve_file,
                  methods=["GET", "HEAD"])
    app = Starlette(routes=[route])
    app.state.wiki = wiki

    def request(url: str, method: str = "GET", **headers: str) -> httpx.Response:
        async def run() -> httpx.Response:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://wiki") as client:
                return await client.request(method, url, headers=headers)

        return asyncio.run(run())

    return request


def sha1_of(data: bytes) -> str:
    return sha1_base36(hashlib.sha1(data).hexdigest())


def add_image(wiki: Wiki, name: str, data: bytes, mime: str, **extra: Any) -> Image:
    major, _, minor = mime.partition("/")
    row = Image(name=name, size=len(data), major_mime=major, minor_mime=minor,
                sha1=sha1_of(data), timestamp=WHEN, user_text="Uploader", **extra)
    with wiki.db() as db:
        db.add(row)
        db.commit()
    return row


def publish(repo: FileRepo, name: str, data: bytes) -> str:
    repo.backend.put_bytes(repo.public_path(name), data)
    return f"/images/{repo.public_path(name)}"


def test_current_version(wiki: Wiki, repo: FileRepo, get: Get) -> None:
    url = publish(repo, "Example.png", PNG)
    add_image(wiki, "Example.png", PNG, "image/png")
    response = get(url)
    assert response.status_code == 200
    assert response.content == PNG
    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-length"] == str(len(PNG))
    assert response.headers["etag"] == f'"{sha1_of(PNG)}"'
    mtime = repo.backend.stat("7/70/Example.png").mtime
    assert response.headers["last-modified"] == formatdate(mtime, usegmt=True)
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in response.headers


def test_type_comes_from_the_image_row(wiki: Wiki, repo: FileRepo, get: Get) -> None:
    url = publish(repo, "Clip.ogg", b"OggS video")
    assert get(url).headers["content-type"] == "audio/ogg"  # by extension
    add_image(wiki, "Clip.ogg", b"OggS video", "video/ogg")
    assert get(url).headers["content-type"] == "video/ogg"


def test_no_row_falls_back_to_extension_and_stat_etag(repo: FileRepo, get: Get) -> None:
    url = publish(repo, "Orphan.webp", b"RIFF....WEBP")
    response = get(url)
    assert response.headers["content-type"] == "image/webp"
    etag = response.headers["etag"]
    assert etag.startswith(f'"{len(b"RIFF....WEBP"):x}-')
    assert get(url, **{"If-None-Match": etag}).status_code == 304


def test_stale_row_does_not_lend_its_sha1(wiki: Wiki, repo: FileRepo, get: Get) -> None:
    url = publish(repo, "Example.png", PNG + b"more")
    add_image(wiki, "Example.png", PNG, "image/png")
    assert get(url).headers["etag"] != f'"{sha1_of(PNG)}"'


def test_svg_and_unknown_types_are_sandboxed(wiki: Wiki, repo: FileRepo, get: Get) -> None:
    svg_url = publish(repo, "Drawing.svg", SVG)
    add_image(wiki, "Drawing.svg", SVG, "image/svg+xml", media_type="DRAWING")
    response = get(svg_url)
    assert response.headers["content-type"] == "image/svg+xml"
    assert response.headers["content-security-policy"] == CSP_SANDBOX
    assert response.headers["x-content-type-options"] == "nosniff"
    for name, expected in (("Page.html", "application/octet-stream"),
                           ("Data.xml", "application/octet-stream"),
                           ("Orphan.svg", "image/svg+xml")):
        response = get(publish(repo, name, b"<html><script>x</script></html>"))
        assert response.headers["content-type"] == expected
        assert response.headers["content-security-policy"] == CSP_SANDBOX
    for name in ("Doc.pdf", "Song.mp3", "Photo.JPG"):
        assert "content-security-policy" not in get(publish(repo, name, b"x")).headers


def test_conditional_requests(wiki: Wiki, repo: FileRepo, get: Get) -> None:
    url = publish(repo, "Example.png", PNG)
    add_image(wiki, "Example.png", PNG, "image/png")
    etag = f'"{sha1_of(PNG)}"'
    for value in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        response = get(url, **{"If-None-Match": value})
        assert response.status_code == 304, value
        assert response.content == b""
        assert response.headers["etag"] == etag
    assert get(url, **{"If-None-Match": '"other"'}).status_code == 200
    last_modified = get(url).headers["last-modified"]
    assert get(url, **{"If-Modified-Since": last_modified}).status_code == 304
    assert get(url, **{"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}).status_code \
        == 200
    assert get(url, **{"If-Modified-Since": "garbage"}).status_code == 200
    # If-None-Match wins over If-Modified-Since.
    assert get(url, **{"If-None-Match": '"other"', "If-Modified-Since": last_modified}
               ).status_code == 200


@pytest.mark.parametrize(("header", "start", "end"), [
    ("bytes=0-9", 0, 9), ("bytes=10-", 10, len(PNG) - 1), ("bytes=-5", len(PNG) - 5,
                                                           len(PNG) - 1),
    ("bytes=100-100000", 100, len(PNG) - 1), ("bytes=-100000", 0, len(PNG) - 1),
])
def test_ranges(repo: FileRepo, get: Get, header: str, start: int, end: int) -> None:
    url = publish(repo, "Example.png", PNG)
    response = get(url, Range=header)
    assert response.status_code == 206
    assert response.content == PNG[start:end + 1]
    assert response.headers["content-range"] == f"bytes {start}-{end}/{len(PNG)}"
    assert response.headers["content-length"] == str(end - start + 1)
    assert response.headers["content-type"] == "image/png"


@pytest.mark.parametrize("header", [f"bytes={len(PNG)}-", "bytes=99999-100000", "bytes=-0"])
def test_unsatisfiable_range(repo: FileRepo, get: Get, header: str) -> None:
    response = get(publish(repo, "Example.png", PNG), Range=header)
    assert response.status_code == 416
    assert response.headers["content-range"] == f"bytes */{len(PNG)}"


@pytest.mark.parametrize("header", ["bytes=0-1,4-5", "bytes=5-1", "items=0-1", "bytes=x-"])
def test_ranges_we_ignore(repo: FileRepo, get: Get, header: str) -> None:
    response = get(publish(repo, "Example.png", PNG), Range=header)
    assert response.status_code == 200
    assert response.content == PNG


def test_if_range(wiki: Wiki, repo: FileRepo, get: Get) -> None:
    url = publish(repo, "Example.png", PNG)
    add_image(wiki, "Example.png", PNG, "image/png")
    etag = f'"{sha1_of(PNG)}"'
    last_modified = get(url).headers["last-modified"]
    assert get(url, Range="bytes=0-1", **{"If-Range": etag}).status_code == 206
    assert get(url, Range="bytes=0-1", **{"If-Range": last_modified}).status_code == 206
    assert get(url, Range="bytes=0-1", **{"If-Range": '"old"'}).status_code == 200
    assert get(url, Range="bytes=0-1", **{"If-Range": f"W/{etag}"}).status_code == 200


def test_head(repo: FileRepo, get: Get) -> None:
    url = publish(repo, "Example.png", PNG)
    response = get(url, "HEAD")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == str(len(PNG))
    ranged = get(url, "HEAD", Range="bytes=0-9")
    assert ranged.status_code == 206
    assert ranged.headers["content-length"] == "10"


def test_large_file_is_streamed_whole(repo: FileRepo, get: Get) -> None:
    data = os.urandom(3 * 1024 * 1024 + 5)
    response = get(publish(repo, "Big.png", data))
    assert response.status_code == 200
    assert response.content == data


def test_archived_versions_and_thumbs(wiki: Wiki, repo: FileRepo, get: Get) -> None:
    old_name = "20240102030405!Example.png"
    repo.backend.put_bytes(repo.archive_path(old_name), b"old")
    repo.backend.put_bytes(repo.thumb_path("Drawing.svg", "120px-Drawing.svg.png"), PNG)
    with wiki.db() as db:
        db.add(OldImage(name="Example.png", archive_name=old_name, size=3,
                        major_mime="image", minor_mime="png", sha1=sha1_of(b"old"),
                        timestamp=WHEN))
        db.commit()
    response = get(repo.archive_url(old_name).removeprefix(repo.settings.base_url))
    assert response.status_code == 200
    assert response.content == b"old"
    assert response.headers["etag"] == f'"{sha1_of(b"old")}"'
    thumb = get("/images/thumb/" + repo.hash_path("Drawing.svg")
                + "Drawing.svg/120px-Drawing.svg.png")
    assert thumb.status_code == 200
    assert thumb.headers["content-type"] == "image/png"
    assert "content-security-policy" not in thumb.headers


def test_hidden_old_version_is_not_served(wiki: Wiki, repo: FileRepo, get: Get) -> None:
    old_name = "20240102030405!Example.png"
    repo.backend.put_bytes(repo.archive_path(old_name), b"old")
    with wiki.db() as db:
        db.add(OldImage(name="Example.png", archive_name=old_name, size=3, deleted=1,
                        sha1=sha1_of(b"old"), timestamp=WHEN))
        db.commit()
    assert get(f"/images/{repo.archive_path(old_name)}").status_code == 404


def test_encoded_names(repo: FileRepo, get: Get) -> None:
    name = "Ñame_(1)!&+%.png"
    repo.backend.put_bytes(repo.public_path(name), PNG)
    url = repo.url(name).removeprefix(repo.settings.base_url)
    assert "%C3%91ame_%281%29%21%26%2B%25.png" in url
    response = get(url)
    assert response.status_code == 200
    assert response.content == PNG


@pytest.mark.parametrize("path", [
    "deleted/p/h/o/phoiac9h4m842xq45sp7s6u21eteeq1.png",
    "temp/7/70/20240102030405!Example.png",
    "0/00/Example.png",
    "7/70/Missing.png",
    "7/70/%2e%2e/%2e%2e/secret",
    "..%2f..%2fsecret",
    "thumb/7/70/Example.png",
    "thumb/7/70/Example.png/..",
    "thumb/7/70/Example.png/a%5Cb",
    "7/70/Example.png%00",
])
def test_private_missing_and_malformed_paths(repo: FileRepo, get: Get, path: str) -> None:
    repo.backend.put_bytes("deleted/p/h/o/phoiac9h4m842xq45sp7s6u21eteeq1.png", PNG)
    repo.backend.put_bytes("temp/7/70/20240102030405!Example.png", PNG)
    repo.backend.put_bytes("0/00/Example.png", PNG)
    response = get(f"/images/{path}")
    assert response.status_code == 404
    assert response.headers["x-content-type-options"] == "nosniff"


def test_dot_segments_that_reach_the_app_are_refused(wiki: Wiki, repo: FileRepo) -> None:
    """Clients normalise ``..`` away, but a raw request can carry it to the endpoint."""
    repo.backend.put_bytes(repo.public_path("Example.png"), PNG)
    app = Starlette(routes=[Route("/images/{path:path}", serve_file)])
    app.state.wiki = wiki
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    for path in ("/images/thumb/7/70/Example.png/..", "/images/7/70/../70/Example.png",
                 "/images/archive/7/70/20240102030405!Example.png/../../../7/70/Example.png"):
        scope: Scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(),
                 "query_string": b"", "headers": [], "scheme": "http",
                 "server": ("wiki", 80), "root_path": "", "asgi": {"version": "3.0"}}
        sent.clear()
        asyncio.run(app(scope, receive, send))
        assert sent[0]["status"] == 404, path
