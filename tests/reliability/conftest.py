"""A served wiki without the per-user cap on uploads in progress: these tests run many
uploads of one account at once on purpose."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import ADMIN_BOT_PASSWORD, populate
from tests.support import Accounts, ApiClient
from wikiupload.wiki import Wiki


@pytest.fixture
def busy_wiki(wiki_factory: Any, app_holder: dict[str, Any], accounts: Accounts) -> Wiki:
    built: Wiki = wiki_factory(max_concurrent_uploads_per_user=0)
    populate(built, accounts)
    app_holder["app"].state.wiki = built
    return built


@pytest.fixture
def sysop_clients(busy_wiki: Wiki, api_url: str) -> Iterator[Any]:
    """Make clients logged in as Admin@bot (sysop: no rate limits); all closed at the end."""
    made: list[ApiClient] = []

    def make() -> ApiClient:
        client = ApiClient(api_url)
        client.login("Admin@bot", ADMIN_BOT_PASSWORD)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()
