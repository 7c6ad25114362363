"""The file page of a file that only a shared repository has: a second wikiupload server is
the local wiki's ``foreign_file_repos`` entry."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.file_helpers import png
from tests.conftest import ADMIN_BOT_PASSWORD, REFERENCE_CONFIG, _free_port, _Server, populate
from tests.support import Accounts, ApiClient
from tests.web.page_client import PageClient
from wikiupload.app import create_app
from wikiupload.config import load
from wikiupload.wiki import Wiki

REPO_NAME = "shared"


@pytest.fixture
def shared_admin(tmp_path: Path, template_sqlite: Path,
                 accounts: Accounts) -> Iterator[ApiClient]:
    """Admin of the shared wiki, on its own server."""
    data = tmp_path / "shared"
    data.mkdir()
    shutil.copy(template_sqlite, data / "wiki.sqlite")
    port = _free_port()
    settings = load(env={}, **{**REFERENCE_CONFIG, "sitename": "SharedWiki",
                               "data_dir": data, "port": port})
    shared = Wiki.open(settings, migrate_schema=False)
    populate(shared, accounts)
    server = _Server(create_app(settings, wiki=shared), port)
    server.start()
    admin = ApiClient(f"http://127.0.0.1:{port}/api.php")
    admin.login("Admin@bot", ADMIN_BOT_PASSWORD)
    yield admin
    admin.close()
    server.stop()
    shared.close()


@pytest.fixture
def wiki(wiki_factory: Any, app_holder: dict[str, Any], accounts: Accounts,
         shared_admin: ApiClient) -> Wiki:
    """The local wiki, served by the session's server, with the shared repository."""
    repos = [{"name": REPO_NAME, "api_url": shared_admin.url, "cache_seconds": 60,
              "fetch_descriptions": False, "timeout": 2.0}]
    built: Wiki = wiki_factory(foreign_file_repos=repos)
    populate(built, accounts)
    app_holder["app"].state.wiki = built
    return built


def test_a_shared_file_has_a_file_page(shared_admin: ApiClient, person: PageClient) -> None:
    reply = shared_admin.upload("Far away.png", png(300, 150, (5, 5, 200)), "image/png",
                                comment="from the shared wiki")
    assert reply["upload"]["result"] == "Success", reply
    page = person.get("/wiki/File:Far_away.png")
    assert page.status_code == 200
    assert f'id="shared-notice" data-repository="{REPO_NAME}"' in page.text
    assert f"This file is from {REPO_NAME}" in page.text
    shared_base = shared_admin.url.removesuffix("/api.php")
    assert f'<img src="{shared_base}/images/' in page.text   # the image, from its repository
    assert "300 × 150" in page.text
    assert 'id="delete-form"' not in page.text and "revert-form" not in page.text
    french = person.get("/wiki/File:Far_away.png", params={"uselang": "fr"})
    assert f"Ce fichier provient de {REPO_NAME}" in french.text


def test_a_name_nowhere_is_missing(shared_admin: ApiClient, person: PageClient) -> None:
    page = person.get("/wiki/File:Not_anywhere.png")
    assert page.status_code == 404 and 'id="no-file"' in page.text
