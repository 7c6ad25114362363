"""Shared file repositories: two wikiupload servers, one the shared repository of the other.

The test session's server is the local wiki; this module starts a second uvicorn server on
127.0.0.1 for the shared wiki, configured in the local one's ``foreign_file_repos``. On the
local wiki "Uploader" lacks ``reupload-shared`` and "Admin" (sysop) has it.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.api.file_helpers import png
from tests.clients.media import make_png
from tests.conftest import (
    ADMIN_BOT_PASSWORD,
    REFERENCE_CONFIG,
    _free_port,
    _Server,
    populate,
)
from tests.support import Accounts, ApiClient
from wikiupload.app import create_app
from wikiupload.config import load
from wikiupload.wiki import Wiki

REPO_NAME = "shared"


@dataclass
class Shared:
    wiki: Wiki
    api_url: str
    server: _Server
    admin: ApiClient

    def upload(self, name: str, data: bytes) -> dict[str, Any]:
        return self.admin.upload(name, data, "image/png", ignorewarnings=1)


def _local_settings(api_url: str, timeout: float = 1.0) -> dict[str, Any]:
    rights = {group: dict(values) for group, values in REFERENCE_CONFIG["group_permissions"]
              .items()}
    rights["uploader"]["reupload-shared"] = False
    return {"group_permissions": rights,
            "foreign_file_repos": [{"name": REPO_NAME, "api_url": api_url,
                                    "cache_seconds": 60, "fetch_descriptions": False,
                                    "timeout": timeout}]}


@pytest.fixture
def shared(tmp_path: Path, template_sqlite: Path, accounts: Accounts) -> Iterator[Shared]:
    """The shared repository: a second wiki on its own server (SQLite, its own files)."""
    data = tmp_path / "shared"
    data.mkdir()
    shutil.copy(template_sqlite, data / "wiki.sqlite")
    port = _free_port()
    settings = load(env={}, **{**REFERENCE_CONFIG, "sitename": "SharedWiki",
                               "data_dir": data, "port": port})
    wiki = Wiki.open(settings, migrate_schema=False)
    populate(wiki, accounts)
    server = _Server(create_app(settings, wiki=wiki), port)
    server.start()
    api_url = f"http://127.0.0.1:{port}/api.php"
    admin = ApiClient(api_url)
    admin.login("Admin@bot", ADMIN_BOT_PASSWORD)
    yield Shared(wiki, api_url, server, admin)
    admin.close()
    server.stop()
    wiki.close()


@pytest.fixture
def wiki(wiki_factory: Any, app_holder: dict[str, Any], accounts: Accounts,
         shared: Shared) -> Wiki:
    """The local wiki (served by the session's server) using ``shared`` as a repository."""
    built: Wiki = wiki_factory(**_local_settings(shared.api_url))
    populate(built, accounts)
    app_holder["app"].state.wiki = built
    return built


def _page(result: dict[str, Any]) -> dict[str, Any]:
    pages = result["query"]["pages"]
    assert len(pages) == 1
    return pages[0]  # type: ignore[no-any-return]


def test_shared_file_shows_in_imageinfo(shared: Shared, uploader: ApiClient) -> None:
    data = png(20, 10, (1, 2, 3))
    assert shared.upload("Shared picture.png", data)["upload"]["result"] == "Success"

    result = uploader.get(action="query", titles="File:Shared picture.png", prop="imageinfo",
                          iiprop="url|size|sha1|mime", formatversion=2)
    page = _page(result)
    assert page["imagerepository"] == REPO_NAME
    info = page["imageinfo"][0]
    assert info["sha1"] == hashlib.sha1(data).hexdigest()
    assert (info["size"], info["width"], info["height"]) == (len(data), 20, 10)
    assert info["mime"] == "image/png"
    shared_base = shared.api_url.removesuffix("/api.php")
    assert info["url"].startswith(shared_base + "/")
    assert info["descriptionurl"].startswith(shared_base + "/")
    assert "user" not in info

    local_only = uploader.get(action="query", titles="File:Shared picture.png",
                              prop="imageinfo", iilocalonly=1, formatversion=2)
    assert _page(local_only)["imagerepository"] == ""
    assert "imageinfo" not in _page(local_only)


def test_missing_everywhere_stays_missing(shared: Shared, uploader: ApiClient) -> None:
    result = uploader.get(action="query", titles="File:Nowhere.png", prop="imageinfo",
                          formatversion=2)
    assert _page(result)["imagerepository"] == ""


def test_name_taken_in_shared_repo_needs_reupload_shared(shared: Shared, uploader: ApiClient,
                                                         admin: ApiClient) -> None:
    assert shared.upload("Taken.png", png(8, 8, (9, 9, 9)))["upload"]["result"] == "Success"

    refused = uploader.upload("Taken.png", png(8, 8, (200, 0, 0)), "image/png")
    error = refused["error"]
    assert error["code"] == "fileexists-shared-forbidden"
    assert "shared file repository" in error["info"]
    assert error["invalidparameter"] == "filename"
    assert error["filekey"] and error["sessionkey"] == error["filekey"]

    allowed = admin.upload("Taken.png", png(8, 8, (0, 200, 0)), "image/png")
    assert allowed["upload"]["result"] == "Success", allowed
    assert "warnings" not in allowed["upload"]      # exists looks at the local file only
    page = _page(uploader.get(action="query", titles="File:Taken.png", prop="imageinfo",
                              formatversion=2))
    assert page["imagerepository"] == "local"


def test_duplicate_in_shared_repo_is_reported(shared: Shared, uploader: ApiClient) -> None:
    data = png(12, 12, (40, 50, 60))
    assert shared.upload("Original.png", data)["upload"]["result"] == "Success"

    result = uploader.upload("Copy.png", data, "image/png")["upload"]
    assert result["result"] == "Warning"
    assert result["warnings"] == {"duplicate": ["Original.png"]}
    assert result["filekey"]

    local_too = uploader.upload("Copy.png", data, "image/png", ignorewarnings=1)["upload"]
    assert local_too["result"] == "Success"
    again = uploader.upload("Third.png", data, "image/png")["upload"]
    assert again["warnings"]["duplicate"] == ["Copy.png", "Original.png"]


def test_stopped_shared_server_leaves_local_uploads_working(
        shared: Shared, uploader: ApiClient, caplog: pytest.LogCaptureFixture) -> None:
    assert shared.upload("Gone.png", png(6, 6, (1, 1, 1)))["upload"]["result"] == "Success"
    assert shared.upload("Kept.png", png(6, 6, (2, 2, 2)))["upload"]["result"] == "Success"
    seen = uploader.get(action="query", titles="File:Kept.png", prop="imageinfo",
                        formatversion=2)
    assert _page(seen)["imagerepository"] == REPO_NAME
    shared.server.stop()

    caplog.set_level(logging.WARNING, logger="wikiupload.foreign")
    started = time.monotonic()
    result = uploader.upload("Local.png", png(6, 6, (7, 7, 7)), "image/png")["upload"]
    assert result["result"] == "Success", result
    assert time.monotonic() - started < 5
    page = _page(uploader.get(action="query", titles="File:Gone.png", prop="imageinfo",
                              formatversion=2))
    assert page["imagerepository"] == ""
    cached = _page(uploader.get(action="query", titles="File:Kept.png", prop="imageinfo",
                                formatversion=2))
    assert cached["imagerepository"] == REPO_NAME      # kept for cache_seconds
    assert any("foreign repository shared" in r.getMessage() for r in caplog.records)


def test_unresponsive_repo_times_out_quickly(wiki_factory: Any, app_holder: dict[str, Any],
                                             accounts: Accounts, api_url: str) -> None:
    """A repository that accepts connections but never answers costs one short time-out."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        local = wiki_factory(**_local_settings(f"http://127.0.0.1:{port}/api.php",
                                               timeout=0.5))
        populate(local, accounts)
        app_holder["app"].state.wiki = local
        client = ApiClient(api_url)
        try:
            client.login("Uploader@bot", "uploaderbotsecret0123456789abcde")
            started = time.monotonic()
            result = client.upload("Alone.png", png(5, 5, (3, 3, 3)), "image/png")["upload"]
            elapsed = time.monotonic() - started
        finally:
            client.close()
    assert result["result"] == "Success", result
    assert elapsed < 4


def test_shared_file_thumbnail_and_formatversion_1(shared: Shared, uploader: ApiClient) -> None:
    assert shared.upload("Wide.png", png(40, 20, (5, 6, 7)))["upload"]["result"] == "Success"

    result = uploader.get(action="query", titles="File:Wide.png", prop="imageinfo",
                          iiprop="timestamp|user|userid|url", iiurlwidth=10)
    (page,) = result["query"]["pages"].values()
    assert page["imagerepository"] == REPO_NAME
    info = page["imageinfo"][0]
    assert info["user"] == "Admin"
    assert info["userid"] == 0
    assert (info["thumbwidth"], info["thumbheight"]) == (10, 5)
    assert info["thumburl"].startswith(shared.api_url.removesuffix("/api.php") + "/")


def test_duplicate_in_shared_repo_is_reported_when_chunks_are_assembled(
        shared: Shared, uploader: ApiClient) -> None:
    data = make_png("shared chunks", size=(40, 40), noise=True)
    assert shared.upload("Chunked original.png", data)["upload"]["result"] == "Success"

    replies = uploader.chunked("Chunked copy.png", data, 2048)
    last = replies[-1]["upload"]
    assert len(replies) > 1 and last["result"] == "Success"
    assert last["warnings"] == {"duplicate": ["Chunked_original.png"]}
