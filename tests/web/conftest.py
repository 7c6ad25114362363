"""Fixtures of the page tests: a person's browser (plain HTTP) against the test server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import Accounts
from tests.web.page_client import PageClient
from wikiupload.wiki import Wiki


@pytest.fixture
def base_url(port: int) -> str:
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def visitor(wiki: Wiki, base_url: str) -> Iterator[PageClient]:
    """Someone who has not logged in."""
    client = PageClient(base_url)
    yield client
    client.close()


@pytest.fixture
def person(wiki: Wiki, base_url: str, accounts: Accounts) -> Iterator[PageClient]:
    """Uploader, logged in through Special:UserLogin with their password."""
    client = PageClient(base_url)
    client.login("Uploader", accounts.uploader_password)
    yield client
    client.close()


@pytest.fixture
def sysop(wiki: Wiki, base_url: str, accounts: Accounts) -> Iterator[PageClient]:
    """Admin, logged in through Special:UserLogin."""
    client = PageClient(base_url)
    client.login("Admin", accounts.admin_password)
    yield client
    client.close()


@pytest.fixture
def plain_person(wiki: Wiki, base_url: str, accounts: Accounts) -> Iterator[PageClient]:
    """Plain, logged in through Special:UserLogin; without the upload right."""
    client = PageClient(base_url)
    client.login("Plain", accounts.plain_password)
    yield client
    client.close()
