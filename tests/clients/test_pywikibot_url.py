"""pywikibot's upload from a URL against wikiupload (the server fetches from 127.0.0.1)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.url_helpers import FileServer
from tests.clients.media import make_png, sha1_hex
from tests.clients.test_pywikibot import expect_success, pywikibot_dir
from tests.conftest import populate
from tests.support import Accounts
from wikiupload.wiki import Wiki

pytestmark = pytest.mark.clients


@pytest.fixture
def wiki(wiki_factory: Any, app_holder: dict[str, Any], accounts: Accounts) -> Wiki:
    """The reference wiki, allowed to fetch from the loopback file server."""
    built: Wiki = wiki_factory(copy_uploads_private_networks=["127.0.0.0/8"])
    populate(built, accounts)
    app_holder["app"].state.wiki = built
    return built


@pytest.fixture
def files() -> Iterator[FileServer]:
    server = FileServer()
    yield server
    server.close()


def test_upload_from_url(wiki: Wiki, api_url: str, accounts: Accounts, tmp_path: Path,
                         files: FileServer) -> None:
    data = make_png("pwb-url", size=(40, 30))
    url = files.put("pwb-url.png", data)
    directory = pywikibot_dir(tmp_path, api_url, accounts)
    result = expect_success(directory, "url-upload", "--url", url)
    assert result["can_upload_by_url"] is True and result["returned"] is True
    assert result["file"]["sha1"] == sha1_hex(data)
    assert result["file"]["history"][0]["comment"] == "from a url"
