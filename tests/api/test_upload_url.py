"""action=upload with url=: MediaWiki's answers (transcripts url_upload_*), the limits, and
the SSRF protections, against a real HTTP server on 127.0.0.1 (see url_helpers.py).

The wiki here allows 127.0.0.0/8 (``copy_uploads_private_networks``) so it can fetch from
that server; tests that need other settings parametrize ``wiki_settings``.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from sqlalchemy import select

from tests import media_samples as media
from tests.api.url_helpers import FileServer, closed_port
from tests.conftest import UPLOADER_BOT_PASSWORD, populate
from tests.support import Accounts, ApiClient, error_of
from wikiupload.db.stash_models import StashedFile
from wikiupload.wiki import Wiki

LOCAL = {"copy_uploads_private_networks": ["127.0.0.0/8", "::1/128"], "copy_upload_timeout": 10}
BAD_DOMAIN = "Uploads by URL are not allowed from this domain."
IMAGEINFO_KEYS = ["timestamp", "user", "userid", "size", "width", "height", "parsedcomment",
                  "comment", "html", "canonicaltitle", "url", "descriptionurl", "sha1",
                  "metadata", "commonmetadata", "extmetadata", "mime", "mediatype", "bitdepth"]


@pytest.fixture
def wiki_settings() -> dict[str, Any]:
    return {}


@pytest.fixture
def wiki(wiki_factory: Any, app_holder: dict[str, Any], accounts: Accounts,
         wiki_settings: dict[str, Any]) -> Wiki:
    """The reference wiki, allowed to fetch from 127.0.0.0/8 unless the test says otherwise."""
    built: Wiki = wiki_factory(**{**LOCAL, **wiki_settings})
    populate(built, accounts)
    app_holder["app"].state.wiki = built
    return built


@pytest.fixture
def files() -> Iterator[FileServer]:
    server = FileServer()
    yield server
    server.close()


def by_url(client: ApiClient, filename: str, url: str, **params: Any) -> dict[str, Any]:
    return client.post(action="upload", filename=filename, url=url, token=client.csrf,
                       **params)


def _ok(reply: dict[str, Any]) -> dict[str, Any]:
    assert reply.get("upload", {}).get("result") == "Success", reply
    return reply["upload"]  # type: ignore[no-any-return]


# -- the transcripts ---------------------------------------------------------------------

def test_url_upload_success(uploader: ApiClient, files: FileServer) -> None:
    data = media.png("urlok")
    result = _ok(by_url(uploader, "Urlok.png", files.put("ok.png", data), comment="from url"))
    assert list(result) == ["result", "filename", "imageinfo"]
    info = result["imageinfo"]
    assert list(info) == IMAGEINFO_KEYS
    assert result["filename"] == "Urlok.png" and info["user"] == "Uploader"
    assert (info["size"], info["width"], info["height"]) == (len(data), 16, 16)
    assert info["sha1"] == hashlib.sha1(data).hexdigest()
    assert info["comment"] == info["parsedcomment"] == "from url"
    assert requests.get(info["url"], timeout=10).content == data
    assert files.requests[0][1]["user-agent"].startswith("wikiupload/")
    assert files.requests[0][1]["accept-encoding"] == "identity"


def test_url_upload_404(uploader: ApiClient, files: FileServer, api_url: str) -> None:
    assert by_url(uploader, "Url404.png", files.base + "/missing.png") == error_of(
        api_url, "http-bad-status", "There was a problem during the HTTP request: 404 Not Found")
    assert by_url(uploader, "Url500.png", files.base + "/status/500") == error_of(
        api_url, "http-bad-status",
        "There was a problem during the HTTP request: 500 Internal Server Error")


def test_url_upload_bad_type(uploader: ApiClient, files: FileServer, api_url: str) -> None:
    exe = files.put("prog.exe", b"MZ\x90\x00abcdef", "application/octet-stream")
    assert by_url(uploader, "Urlexe.exe", exe) == error_of(
        api_url, "verification-error",
        'Cannot upload this file because Internet Explorer would detect it as '
        '"application/x-msdownload", which is a disallowed and potentially dangerous file '
        'type.', details=["filetype-bad-ie-mime", "application/x-msdownload"])
    html = files.put("page.html", b"<html><body>Hello</body></html>\n", "text/html")
    assert by_url(uploader, "Urlhtml.png", html) == error_of(
        api_url, "verification-error",
        'Files of the MIME type "text/html" are not allowed to be uploaded.',
        details=["filetype-badmime", "text/html"])


def test_get_instead_of_post(uploader: ApiClient, files: FileServer, api_url: str) -> None:
    reply = uploader.get(action="upload", filename="Get.png", url=files.base + "/x.png",
                         token=uploader.csrf)
    assert reply == error_of(api_url, "mustpostparams", "The following parameter was found "
                             "in the query string, but must be in the POST body: token.")
    assert files.requests == []


# -- mode selection, rights, URL syntax ----------------------------------------------------

@pytest.mark.parametrize("url", ["notaurl", "ftp://127.0.0.1/x.png", "file:///etc/passwd",
                                 "gopher://127.0.0.1:70/_x", "HTTP://127.0.0.1/x.png",
                                 "http:///x.png", "http://[::1/x.png", "dict://127.0.0.1/"])
def test_only_http_and_https_urls(uploader: ApiClient, api_url: str, url: str) -> None:
    assert by_url(uploader, "Bad.png", url) == error_of(api_url, "http-invalid-url",
                                                        f"Invalid URL: {url}")


@pytest.mark.parametrize("wiki_settings", [{"allow_copy_uploads": False}])
def test_copy_uploads_disabled(uploader: ApiClient, files: FileServer, api_url: str) -> None:
    assert by_url(uploader, "Off.png", files.put("off.png", media.png("off"))) == error_of(
        api_url, "copyuploaddisabled", "Upload by URL disabled.")
    assert files.requests == []


@pytest.mark.parametrize("wiki_settings", [{"copy_upload_domains": ["*.example.org",
                                                                    "127.0.0.*"]}])
def test_allowed_domains_with_wildcards(uploader: ApiClient, files: FileServer,
                                        api_url: str) -> None:
    _ok(by_url(uploader, "Dom.png", files.put("dom.png", media.png("dom"))))
    for url in (f"http://localhost:{files.port}/files/dom.png",
                f"http://127.0.0.1.example.org:{files.port}/files/dom.png"):
        assert by_url(uploader, "Dom2.png", url) == error_of(
            api_url, "copyuploadbaddomain", BAD_DOMAIN)
    away = f"{files.base}/to?http://localhost:{files.port}/files/dom.png"
    assert by_url(uploader, "Dom3.png", away) == error_of(
        api_url, "copyuploadbaddomain", BAD_DOMAIN)


def test_rights_are_checked_before_fetching(plain: ApiClient, anon: ApiClient,
                                            files: FileServer, api_url: str) -> None:
    url = files.put("r.png", media.png("r"))
    assert by_url(plain, "R.png", url) == error_of(
        api_url, "permissiondenied", "The action you have requested is limited to users in "
        "one of the groups: [[RefWiki:Administrators|Administrators]], uploader.")
    anon.csrf = "+\\"
    assert by_url(anon, "R.png", url) == error_of(
        api_url, "mustbeloggedin", "You must be logged in to upload this file.")
    assert files.requests == []


def test_stash_then_publish(uploader: ApiClient, files: FileServer, wiki: Wiki) -> None:
    data = media.png("urlstash")
    stashed = _ok(by_url(uploader, "Urlstash.png", files.put("s.png", data), stash="1"))
    key = stashed["filekey"]
    assert stashed["imageinfo"]["sha1"] == hashlib.sha1(data).hexdigest()
    with wiki.db() as db:
        row = db.scalars(select(StashedFile).where(StashedFile.key == key)).one()
        assert row.source_type == "url"
    published = _ok(uploader.post(action="upload", filename="Urlstash.png", filekey=key,
                                  token=uploader.csrf))
    assert published["imageinfo"]["size"] == len(data)


def test_warnings_stash_the_download(uploader: ApiClient, files: FileServer) -> None:
    url = files.put("w.png", media.png("urlwarn"))
    _ok(by_url(uploader, "Urlwarn.png", url))
    warned = by_url(uploader, "Urlwarn2.png", url)["upload"]
    assert warned["result"] == "Warning" and warned["warnings"] == {
        "duplicate": ["Urlwarn.png"]}
    assert warned["filekey"] == warned["sessionkey"]


def test_no_temp_file_left(uploader: ApiClient, files: FileServer, wiki: Wiki) -> None:
    by_url(uploader, "Tmp.png", files.put("page.html", b"<html></html>", "text/html"))
    _ok(by_url(uploader, "Tmp2.png", files.put("t.png", media.png("tmp"))))
    by_url(uploader, "Tmp3.png", files.base + "/short/5000")
    assert list(wiki.temp_dir.iterdir()) == []


# -- HTTP failures, limits ---------------------------------------------------------------

def test_redirects_are_followed_up_to_the_limit(uploader: ApiClient, files: FileServer,
                                                api_url: str) -> None:
    files.put("c.png", media.png("chain"))
    _ok(by_url(uploader, "Chain.png", files.base + "/chain/4/c.png"))
    assert by_url(uploader, "Chain2.png", files.base + "/chain/5/c.png") == error_of(
        api_url, "upload-too-many-redirects", "The URL contained too many redirects")
    assert by_url(uploader, "Chain3.png", files.base + "/to?ftp://127.0.0.1/c.png") == error_of(
        api_url, "http-invalid-url", "Invalid URL: ftp://127.0.0.1/c.png")


def test_connection_refused(uploader: ApiClient, api_url: str) -> None:
    error = by_url(uploader, "Refused.png", f"http://127.0.0.1:{closed_port()}/x.png")["error"]
    assert error["code"] == "http-curl-error"
    assert re.fullmatch(r"Error fetching URL: Failed to connect to 127\.0\.0\.1 port \d+ "
                        r"after \d+ ms: Couldn't connect to server", error["info"])


@pytest.mark.parametrize("wiki_settings", [{"copy_upload_timeout": 1}])
@pytest.mark.parametrize("path", ["/slow/4", "/trickle/t.png"])
def test_slow_server_times_out(uploader: ApiClient, files: FileServer, api_url: str,
                               path: str) -> None:
    files.put("t.png", media.png("trickle", 64, 64))
    started = time.monotonic()
    assert by_url(uploader, "Slow.png", files.base + path) == error_of(
        api_url, "http-timed-out", "HTTP request timed out.")
    assert time.monotonic() - started < 2.5


@pytest.mark.parametrize("wiki_settings", [{"max_upload_size": 100_000}])
def test_size_limit(uploader: ApiClient, files: FileServer, api_url: str) -> None:
    too_large = error_of(api_url, "file-too-large", "The file you submitted was too large.")
    started = time.monotonic()
    assert by_url(uploader, "Huge.png", files.base + "/huge/100001") == too_large
    assert time.monotonic() - started < 2   # refused on the announced length, body unread
    assert by_url(uploader, "Unsized.png", files.base + "/unsized/5000000") == too_large
    _ok(by_url(uploader, "Fits.png", files.put("fits.png", media.png("fits"))))


def test_body_is_cut_at_the_announced_length(uploader: ApiClient, files: FileServer,
                                             api_url: str) -> None:
    data = media.png("more")
    files.put("more.png", data)
    info = _ok(by_url(uploader, "More.png", files.base + "/more/more.png"))["imageinfo"]
    assert (info["size"], info["sha1"]) == (len(data), hashlib.sha1(data).hexdigest())
    assert by_url(uploader, "Short.png", files.base + "/short/1000") == error_of(
        api_url, "http-curl-error",
        "Error fetching URL: transfer closed with 990 bytes remaining to read")


# -- SSRF --------------------------------------------------------------------------------

@pytest.mark.parametrize("wiki_settings", [{"copy_uploads_private_networks": []}])
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "2130706433", "0177.0.0.1",
                                  "0x7f.1", "127.1", "0x7f000001", "[::ffff:127.0.0.1]",
                                  "[::1]", "127.0.0.1.", "%31%32%37.0.0.1"])
def test_loopback_is_refused_by_default(uploader: ApiClient, files: FileServer, api_url: str,
                                        host: str) -> None:
    files.put("p.png", media.png("private"))
    reply = by_url(uploader, "Private.png", f"http://{host}:{files.port}/files/p.png")
    assert reply == error_of(api_url, "copyuploadbaddomain", BAD_DOMAIN)
    assert files.requests == []


@pytest.mark.parametrize(("host", "sent"), [
    ("2130706433", "2130706433"), ("0x7f.1", "0x7f.1"), ("localhost", "localhost"),
    ("[::ffff:127.0.0.1]", "[::ffff:127.0.0.1]"),
    ("0177.0.0.1", "127.0.0.1"),    # httpx refuses this host: it is rewritten first
])
def test_allowed_private_network_in_any_spelling(uploader: ApiClient, files: FileServer,
                                                 host: str, sent: str) -> None:
    files.put("p.png", media.png("spelled"))
    _ok(by_url(uploader, "Spelled.png", f"http://{host}:{files.port}/files/p.png"))
    assert files.requests[0][1]["host"] == f"{sent}:{files.port}"


@pytest.mark.parametrize("target", ["http://169.254.169.254/latest/meta-data/",
                                    "http://10.0.0.1/x.png", "http://[fd00::1]/x.png",
                                    "http://[::ffff:10.0.0.1]/x.png", "http://100.64.0.1/",
                                    "http://[64:ff9b::a00:1]/x.png", "http://0xa9fea9fe/"])
def test_redirect_to_a_private_address_is_refused(uploader: ApiClient, files: FileServer,
                                                  api_url: str, target: str) -> None:
    started = time.monotonic()
    reply = by_url(uploader, "Meta.png", f"{files.base}/to?{target}")
    assert reply == error_of(api_url, "copyuploadbaddomain", BAD_DOMAIN)
    assert time.monotonic() - started < 2   # refused before any connection attempt
    assert files.paths() == [f"/to?{target}"]


# -- async=1 -----------------------------------------------------------------------------

def poll(client: ApiClient, filename: str, url: str, timeout: float = 20) -> dict[str, Any]:
    """checkstatus for an async URL upload: found by file name and URL, as in MediaWiki."""
    deadline = time.monotonic() + timeout
    while True:
        reply = client.post(action="upload", checkstatus="1", filename=filename, url=url,
                            token=client.csrf)
        if reply.get("upload", {}).get("result") != "Poll" or time.monotonic() > deadline:
            return reply
        time.sleep(0.05)


def test_async_url_upload(uploader: ApiClient, files: FileServer, job_worker: Any) -> None:
    data = media.png("urlasync")
    url = files.put("async.png", data)
    queued = by_url(uploader, "Urlasync.png", url, comment="async", **{"async": "1"})
    assert queued == {"upload": {"result": "Poll", "stage": "queued",
                                 "filename": "Urlasync.png"}}
    done = poll(uploader, "Urlasync.png", url)["upload"]
    assert (done["result"], done["stage"], done["filename"]) == (
        "Success", "publish", "Urlasync.png")
    assert done["imageinfo"]["sha1"] == hashlib.sha1(data).hexdigest()
    assert done["imageinfo"]["comment"] == "async"


def test_async_warnings_stash_for_a_filekey_publish(uploader: ApiClient, files: FileServer,
                                                    job_worker: Any) -> None:
    url = files.put("aw.png", media.png("asyncwarn"))
    _ok(by_url(uploader, "Asyncwarn.png", url))
    by_url(uploader, "Asyncwarn2.png", url, **{"async": "1"})
    warned = poll(uploader, "Asyncwarn2.png", url)["upload"]
    assert (warned["result"], warned["stage"]) == ("Warning", "publish")
    assert warned["warnings"] == {"duplicate": ["Asyncwarn.png"]}
    published = _ok(uploader.post(action="upload", filename="Asyncwarn2.png",
                                  filekey=warned["filekey"], ignorewarnings="1",
                                  token=uploader.csrf))
    assert published["filename"] == "Asyncwarn2.png"


def test_async_failures_are_reported(uploader: ApiClient, files: FileServer, api_url: str,
                                     wiki: Wiki, job_worker: Any) -> None:
    missing = files.base + "/missing.png"
    by_url(uploader, "Amissing.png", missing, **{"async": "1"})
    assert poll(uploader, "Amissing.png", missing) == error_of(
        api_url, "stashfailed", "There was a problem during the HTTP request: 404 Not Found")
    html = files.put("a.html", b"<html><body>x</body></html>", "text/html")
    by_url(uploader, "Ahtml.png", html, **{"async": "1"})
    assert poll(uploader, "Ahtml.png", html) == error_of(
        api_url, "stashfailed",
        'Files of the MIME type "text/html" are not allowed to be uploaded.')
    assert list(wiki.temp_dir.iterdir()) == []


def test_async_checks_in_the_request(uploader: ApiClient, files: FileServer,
                                     api_url: str) -> None:
    assert by_url(uploader, "A.png", "ftp://127.0.0.1/a.png", **{"async": "1"}) == error_of(
        api_url, "http-invalid-url", "Invalid URL: ftp://127.0.0.1/a.png")
    banned = by_url(uploader, "A.exe", files.base + "/a.exe", **{"async": "1"})
    assert banned["error"]["code"] == "filetype-banned"
    url = files.put("q.png", media.png("queued"))
    by_url(uploader, "Queued.png", url, **{"async": "1"})   # no worker: stays queued
    assert by_url(uploader, "Queued.png", url, **{"async": "1"}) == error_of(
        api_url, "publishfailed", "Upload from stash already in progress.")
    assert poll(uploader, "Queued.png", url, timeout=0)["upload"] == {
        "result": "Poll", "stage": "queued"}
    assert poll(uploader, "Other.png", url) == error_of(
        api_url, "missingresult", "No result in status data.")
    assert files.requests == []


def test_async_with_stash_fetches_at_once(uploader: ApiClient, files: FileServer) -> None:
    stashed = _ok(by_url(uploader, "Astash.png", files.put("as.png", media.png("astash")),
                         stash="1", **{"async": "1"}))
    assert set(stashed) == {"result", "filekey", "sessionkey", "imageinfo"}


# -- a real client -----------------------------------------------------------------------

@pytest.mark.clients
def test_mwclient_upload_from_url(uploader: ApiClient, files: FileServer, port: int) -> None:
    import mwclient
    from mwclient import errors as mwerrors

    site = mwclient.Site(f"127.0.0.1:{port}", path="/", scheme="http", max_retries=1,
                         retry_timeout=1, clients_useragent="wikiupload-tests/1.0")
    site.login("Uploader@bot", UPLOADER_BOT_PASSWORD)
    data = media.png("mwclient-url")
    url = files.put("mw.png", data)
    result = site.upload(url=url, filename="Mwclient-url.png", description="From a URL")
    assert result["result"] == "Success"
    assert result["imageinfo"]["sha1"] == hashlib.sha1(data).hexdigest()
    with pytest.raises(mwerrors.FileExists):
        site.upload(url=files.put("mw2.png", media.png("mw2")), filename="Mwclient-url.png")
    site.connection.close()
