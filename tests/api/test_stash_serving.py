"""Special:UploadStash/file/KEY and …/thumb/KEY/NAME: stashed bytes for their owner only."""

from __future__ import annotations

import hashlib
import io

import requests
from PIL import Image as PILImage

from tests import media_samples as media
from tests.api.test_mystashedfiles import age, stash
from tests.support import Accounts, ApiClient, error_of
from wikiupload.web.files import CSP_SANDBOX
from wikiupload.wiki import Wiki

PRIVATE = "private, must-revalidate, max-age=0"


def fetch(client: ApiClient | None, url: str, method: str = "GET",
          **headers: str) -> requests.Response:
    http = client.http if client is not None else requests
    return http.request(method, url, headers=headers, timeout=30, allow_redirects=False)


def test_owner_gets_the_bytes(uploader: ApiClient) -> None:
    data = media.png("served", 30, 20)
    upload = stash(uploader, "Served.png", data)
    url = upload["imageinfo"]["url"]
    assert "/wiki/Special:UploadStash/file/" in url
    got = fetch(uploader, url)
    assert got.status_code == 200 and got.content == data
    assert got.headers["content-type"] == "image/png"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["etag"] == f'"{hashlib.sha1(data).hexdigest()}"'
    assert got.headers["cache-control"] == PRIVATE and got.headers["vary"] == "Cookie"
    assert got.headers["content-length"] == str(len(data))
    assert "content-security-policy" not in got.headers
    head = fetch(uploader, url, "HEAD")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(data))


def test_ranges_and_validators(uploader: ApiClient) -> None:
    data = media.png("ranges", 30, 20)
    url = stash(uploader, "Ranges.png", data)["imageinfo"]["url"]
    part = fetch(uploader, url, Range="bytes=0-9")
    assert part.status_code == 206 and part.content == data[:10]
    assert part.headers["content-range"] == f"bytes 0-9/{len(data)}"
    tail = fetch(uploader, url, Range="bytes=-5")
    assert tail.status_code == 206 and tail.content == data[-5:]
    beyond = fetch(uploader, url, Range=f"bytes={len(data)}-")
    assert beyond.status_code == 416
    etag = fetch(uploader, url, "HEAD").headers["etag"]
    unchanged = fetch(uploader, url, **{"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.headers["cache-control"] == PRIVATE


def test_index_php_path_and_main_login(wiki: Wiki, api_url: str, accounts: Accounts) -> None:
    client = ApiClient(api_url)
    try:
        client.login_main("Uploader", accounts.uploader_password)
        data = media.png("indexphp")
        key = stash(client, "Index.png", data)["filekey"]
        base = api_url.removesuffix("/api.php")
        got = fetch(client, f"{base}/index.php/Special:UploadStash/file/{key}")
        assert got.status_code == 200 and got.content == data
    finally:
        client.close()


def test_svg_is_sandboxed(uploader: ApiClient) -> None:
    data = media.svg("sandbox")
    got = fetch(uploader, stash(uploader, "Drawing.svg", data)["imageinfo"]["url"])
    assert got.status_code == 200 and got.content == data
    assert got.headers["content-type"] == "image/svg+xml"
    assert got.headers["content-security-policy"] == CSP_SANDBOX


def test_refusals(uploader: ApiClient, admin: ApiClient, plain: ApiClient) -> None:
    upload = stash(uploader, "Private.png", media.png("private"))
    url, key = upload["imageinfo"]["url"], upload["filekey"]
    for stranger in (None, plain):
        refused = fetch(stranger, url)
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "text/plain; charset=utf-8"
        assert refused.text == ("The action you have requested is limited to users in one of "
                                "the groups: sysop, uploader.\n")
    other = fetch(admin, url)
    assert (other.status_code, other.text) == (
        403, f"This file ({key}) doesn't belong to the current user.\n")
    assert other.headers["x-content-type-options"] == "nosniff"
    unknown = url.replace(key, "1abc.def.3.png")
    assert (fetch(uploader, unknown).status_code, fetch(uploader, unknown).text) == (
        404, 'Key "1abc.def.3.png" not found in stash.\n')
    bad = fetch(uploader, url.replace(key, "abc"))
    assert (bad.status_code, bad.text) == (400, 'Key "abc" is not in a proper format.\n')


def test_expired_entry_is_gone(wiki: Wiki, uploader: ApiClient) -> None:
    upload = stash(uploader, "Expiring.png", media.png("expiring"))
    assert fetch(uploader, upload["imageinfo"]["url"]).status_code == 200
    age(wiki, upload["filekey"], wiki.settings.upload_stash_max_age + 1)
    assert fetch(uploader, upload["imageinfo"]["url"]).status_code == 404
    publish = uploader.post(action="upload", filename="Expiring.png",
                            filekey=upload["filekey"], token=uploader.csrf)
    assert publish["error"]["code"] == "uploadstash-file-not-found"


def test_thumbnail(uploader: ApiClient) -> None:
    upload = stash(uploader, "Thumbed.png", media.png("thumbed", 40, 20))
    key = upload["filekey"]
    info = uploader.get(action="query", prop="stashimageinfo", siifilekey=key,
                        siiprop="url", siiurlwidth="10")["query"]["stashimageinfo"][0]
    assert f"/Special:UploadStash/thumb/{key}/10px-" in info["thumburl"]
    got = fetch(uploader, info["thumburl"])
    assert got.status_code == 200 and got.headers["content-type"] == "image/png"
    with PILImage.open(io.BytesIO(got.content)) as image:
        assert image.size == (10, 5)
    assert fetch(uploader, info["thumburl"]).content == got.content    # made once, reused
    assert fetch(None, info["thumburl"]).status_code == 403
    too_big = info["thumburl"].replace("/10px-", "/400px-")
    assert (fetch(uploader, too_big).status_code, fetch(uploader, too_big).text) == (
        404, "No local path for scaled item.\n")
    garbage = info["thumburl"].rsplit("/", 1)[0] + "/garbage"
    assert (fetch(uploader, garbage).status_code, fetch(uploader, garbage).text) == (
        400, "Unrecognized thumb name.\n")


def test_chunk_session_serves_the_bytes_so_far(uploader: ApiClient) -> None:
    data = media.png("partial", 64, 40)
    key = uploader.chunk("Partial.png", data[:2048], 0, len(data) + 4096)["upload"]["filekey"]
    info = uploader.get(action="query", prop="stashimageinfo", siifilekey=key, siiprop="url")
    got = fetch(uploader, info["query"]["stashimageinfo"][0]["url"])
    assert got.status_code == 200 and got.content == data[:2048]


def test_expired_chunk_session(wiki: Wiki, uploader: ApiClient, api_url: str) -> None:
    data = media.png("stale", 64, 40)
    key = uploader.chunk("Stale.png", data[:2048], 0, len(data))["upload"]["filekey"]
    age(wiki, key, wiki.settings.upload_stash_max_age + 1)
    assert uploader.chunk("Stale.png", data[2048:], 2048, len(data), key) == error_of(
        api_url, "uploadstash-file-not-found", f'Key "{key}" not found in stash.')
    status = uploader.post(action="upload", checkstatus="1", filekey=key, token=uploader.csrf)
    assert status["error"]["code"] == "missingresult"
