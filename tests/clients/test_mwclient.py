"""The real mwclient 0.11 against the running test server: site set-up, logins, rights.

mwclient is driven exactly as its users do (``Site(host, path='/', scheme='http')``), so these
tests cover the request sequence recorded in /work/shared/spec/clients.md §2 (siteinfo and
userinfo with a repeated ``meta`` value, login tokens by GET, login/clientlogin by POST).
The upload cases follow the same spec (§2 and §4): direct, automatic chunking above
``site.chunk_size``, re-upload, ``FileExists``, the ``duplicate`` warning and publishing a
stashed filekey; ``tests/clients/media.py`` makes the files.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import mwclient
import pytest
from mwclient import errors as mwerrors

from tests.clients.media import MIB, make_png, sha1_hex
from tests.conftest import UPLOADER_BOT_PASSWORD
from tests.support import Accounts
from wikiupload.wiki import Wiki

pytestmark = pytest.mark.clients


def connect(port: int) -> mwclient.Site:
    """A fresh mwclient site (own cookie jar); fail fast instead of retrying for minutes."""
    return mwclient.Site(f"127.0.0.1:{port}", path="/", scheme="http",
                         max_retries=1, retry_timeout=1,
                         clients_useragent="wikiupload-tests/1.0")


@pytest.fixture
def site(wiki: Wiki, port: int) -> Iterator[mwclient.Site]:
    client = connect(port)
    yield client
    client.connection.close()


def test_anonymous_site_init(site: mwclient.Site) -> None:
    assert site.version is not None and site.version[:2] == (1, 39)
    assert site.site["generator"].startswith("MediaWiki 1.39")
    assert site.namespaces[6] == "File"
    assert site.namespaces[0] == ""
    assert site.logged_in is False
    assert "upload" not in site.rights


def test_login_with_bot_password(site: mwclient.Site) -> None:
    site.login("Uploader@bot", UPLOADER_BOT_PASSWORD)

    assert site.logged_in is True
    assert site.username == "Uploader"
    assert "uploader" in site.groups
    assert {"upload", "reupload", "edit"} <= set(site.rights)
    # the session works for the next call, and mwclient gets a real csrf token
    assert site.get_token("csrf") not in ("", "+\\")
    userinfo = site.api("query", meta="userinfo")["query"]["userinfo"]
    assert userinfo["name"] == "Uploader"
    assert "anon" not in userinfo


def test_clientlogin_with_main_password(site: mwclient.Site, accounts: Accounts) -> None:
    assert site.clientlogin(username="Admin", password=accounts.admin_password) is True
    # clientlogin returns without refreshing the user data; site_init does (as users do)
    site.site_init()

    assert site.logged_in is True
    assert site.username == "Admin"
    assert {"sysop", "uploader"} <= set(site.groups)
    assert {"upload", "reupload", "upload_by_url"} <= set(site.rights)
    assert site.get_token("csrf") not in ("", "+\\")


def test_login_with_main_password_through_action_login(site: mwclient.Site,
                                                        accounts: Accounts) -> None:
    """Deprecated in MediaWiki but still accepted: ``login()`` with a main password."""
    site.login("Admin", accounts.admin_password)

    assert site.logged_in is True
    assert site.username == "Admin"
    assert "upload" in site.rights


def test_wrong_bot_password_raises_login_error(site: mwclient.Site) -> None:
    with pytest.raises(mwerrors.LoginError) as caught:
        site.login("Uploader@bot", "x" * 32)

    assert caught.value.code == "Failed"
    assert "Incorrect username or password" in str(caught.value.info)
    site.site_init()
    assert site.logged_in is False


def test_wrong_main_password_raises_login_error(site: mwclient.Site) -> None:
    with pytest.raises(mwerrors.LoginError) as caught:
        site.clientlogin(username="Admin", password="not the password")

    assert caught.value.code == "FAIL"
    assert "Incorrect username or password" in str(caught.value.info)
    site.site_init()
    assert site.logged_in is False


def test_user_without_upload_right_is_refused_client_side(site: mwclient.Site,
                                                          accounts: Accounts) -> None:
    """Plain has no ``upload`` right: mwclient raises before sending the upload."""
    assert site.clientlogin(username="Plain", password=accounts.plain_password) is True
    site.site_init()
    assert site.username == "Plain"
    assert "upload" not in site.rights

    with pytest.raises(mwerrors.InsufficientPermission):
        site.upload(io.BytesIO(make_png("plain")), filename="Plain upload.png",
                    description="should not be sent")


# -- uploads ---------------------------------------------------------------------------


class Recorder:
    """Records the ``action=upload`` requests mwclient sends (through ``Site.raw_call``)."""

    def __init__(self, site: mwclient.Site) -> None:
        self.uploads: list[dict[str, Any]] = []
        original = site.raw_call

        def raw_call(script: str, data: Any, files: Any = None, *args: Any,
                     **kwargs: Any) -> Any:
            if isinstance(data, dict) and data.get("action") == "upload":
                self.uploads.append({**data, "parts": sorted(files or {})})
            return original(script, data, files, *args, **kwargs)

        site.raw_call = raw_call


@pytest.fixture
def uploader_site(site: mwclient.Site) -> mwclient.Site:
    site.login("Uploader@bot", UPLOADER_BOT_PASSWORD)
    return site


def versions(site: mwclient.Site, name: str) -> list[dict[str, Any]]:
    """The file's history through mwclient (prop=imageinfo with iilimit), newest first."""
    return list(site.images[name].imagehistory())


def test_direct_upload_with_description(uploader_site: mwclient.Site) -> None:
    site = uploader_site
    data = make_png("direct")
    recorder = Recorder(site)

    reply = site.upload(io.BytesIO(data), filename="Mwclient direct.png",
                        description="== Summary ==\nA direct upload", comment="first version")

    assert reply["result"] == "Success"
    assert reply["filename"] == "Mwclient_direct.png"
    assert reply["imageinfo"]["sha1"] == sha1_hex(data)
    assert [(u.get("stash"), u["parts"]) for u in recorder.uploads] == [(None, ["file"])]
    image = site.images["Mwclient direct.png"]
    assert image.exists
    assert image.imageinfo["sha1"] == sha1_hex(data)
    assert image.imageinfo["size"] == len(data)
    assert image.imageinfo["mime"] == "image/png"
    assert image.imageinfo["user"] == "Uploader"
    assert image.imageinfo["comment"] == "first version"
    assert image.text() == "== Summary ==\nA direct upload"
    assert image.download() == data


def test_description_alone_is_comment_and_page_text(uploader_site: mwclient.Site) -> None:
    """``upload(description=...)`` without ``comment`` sends it as the comment only."""
    reply = uploader_site.upload(io.BytesIO(make_png("descr")), filename="Descr.png",
                                 description="only a description")
    assert reply["result"] == "Success"
    image = uploader_site.images["Descr.png"]
    assert image.imageinfo["comment"] == "only a description"
    assert image.text() == "only a description"


def test_large_file_is_uploaded_in_chunks(uploader_site: mwclient.Site) -> None:
    site = uploader_site
    data = make_png("chunked", size=(2600, 2600), noise=True)   # 20 MB in 1 MiB chunks
    recorder = Recorder(site)

    reply = site.upload(io.BytesIO(data), filename="Mwclient chunked.png",
                        description="chunked text", comment="chunked upload")

    # chunk_upload returns the whole API reply of the publish
    assert reply["upload"]["result"] == "Success"
    assert reply["upload"]["imageinfo"]["sha1"] == sha1_hex(data)
    chunks = [u for u in recorder.uploads if "chunk" in u["parts"]]
    assert len(data) > 20_000_000
    assert [u["offset"] for u in chunks] == list(range(0, len(data), MIB))
    assert all(u["stash"] == 1 and u["filesize"] == len(data) for u in chunks)
    assert "filekey" not in chunks[0]
    assert all(c["filekey"] == chunks[1]["filekey"] for c in chunks[1:])
    publish = recorder.uploads[-1]
    assert publish["parts"] == [] and publish["filekey"] != chunks[1]["filekey"]
    image = site.images["Mwclient chunked.png"]
    assert image.imageinfo["sha1"] == sha1_hex(data)
    assert image.imageinfo["size"] == len(data)
    assert (image.imageinfo["width"], image.imageinfo["height"]) == (2600, 2600)
    assert image.text() == "chunked text"


def test_reupload_with_ignore_keeps_both_versions(uploader_site: mwclient.Site) -> None:
    site = uploader_site
    first, second = make_png("v1"), make_png("v2")
    assert site.upload(io.BytesIO(first), filename="Versions.png",
                       description="v1")["result"] == "Success"

    reply = site.upload(io.BytesIO(second), filename="Versions.png", description="v2",
                        ignore=True)

    assert reply["result"] == "Success"
    assert reply["warnings"]["exists"] == "Versions.png"
    history = versions(site, "Versions.png")
    assert [v["sha1"] for v in history] == [sha1_hex(second), sha1_hex(first)]
    assert [v["comment"] for v in history] == ["v2", "v1"]
    assert "archivename" not in history[0]
    assert history[1]["archivename"].endswith("!Versions.png")
    assert site.images["Versions.png"].imageinfo["sha1"] == sha1_hex(second)


def test_existing_file_without_ignore_raises_file_exists(uploader_site: mwclient.Site) -> None:
    site = uploader_site
    data = make_png("exists-1")
    site.upload(io.BytesIO(data), filename="Exists.png", description="first")

    with pytest.raises(mwerrors.FileExists):
        site.upload(io.BytesIO(make_png("exists-2")), filename="Exists.png",
                    description="second")

    assert [v["sha1"] for v in versions(site, "Exists.png")] == [sha1_hex(data)]


def test_duplicate_content_returns_the_warning(uploader_site: mwclient.Site) -> None:
    site = uploader_site
    data = make_png("dup")
    site.upload(io.BytesIO(data), filename="Dup original.png", description="original")

    reply = site.upload(io.BytesIO(data), filename="Dup copy.png", description="copy")

    assert reply["result"] == "Warning"
    assert reply["warnings"] == {"duplicate": ["Dup_original.png"]}
    assert reply["filekey"] and reply["sessionkey"] == reply["filekey"]
    assert not site.images["Dup copy.png"].exists

    # The usual follow-up: publish the stashed copy by its filekey, ignoring the warning.
    published = site.upload(filekey=reply["filekey"], filename="Dup copy.png",
                            description="copy, on purpose", ignore=True)
    assert published["result"] == "Success"
    assert published["warnings"] == {"duplicate": ["Dup_original.png"]}
    copy = site.images["Dup copy.png"]
    assert copy.imageinfo["sha1"] == sha1_hex(data)
    assert copy.imageinfo["comment"] == "copy, on purpose"


def test_publish_stashed_filekey(uploader_site: mwclient.Site) -> None:
    """Stash with a raw call (mwclient has no helper), then ``upload(filekey=...)``."""
    site = uploader_site
    data = make_png("stashed")
    raw = site.raw_call("api", {"action": "upload", "format": "json", "stash": 1,
                                "filename": "Stashed.png", "token": site.get_token("csrf")},
                        files={"file": ("fake-filename", io.BytesIO(data))})
    stashed = json.loads(raw)["upload"]
    assert stashed["result"] == "Success" and "filename" not in stashed
    assert not site.images["Stashed.png"].exists
    recorder = Recorder(site)

    reply = site.upload(filekey=stashed["filekey"], filename="Stashed.png",
                        description="from the stash", comment="publish")

    assert reply["result"] == "Success"
    assert reply["imageinfo"]["sha1"] == sha1_hex(data)
    assert recorder.uploads[0]["filekey"] == stashed["filekey"]
    assert recorder.uploads[0]["parts"] == []
    image = site.images["Stashed.png"]
    assert image.imageinfo["sha1"] == sha1_hex(data)
    assert image.text() == "from the stash"
    # a filekey is used up by its publish
    with pytest.raises(mwerrors.APIError) as caught:
        site.upload(filekey=stashed["filekey"], filename="Stashed again.png",
                    description="again")
    assert caught.value.code == "uploadstash-file-not-found"
