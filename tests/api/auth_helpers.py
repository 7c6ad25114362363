"""Helpers for the login, logout, tokens and userinfo tests."""

from __future__ import annotations

import re
from typing import Any

import requests
from sqlalchemy import select

from tests.conftest import populate
from tests.support import Accounts
from wikiupload.db.models import User
from wikiupload.wiki import Wiki

# <32 hex HMAC><hex timestamp>+\ ; the timestamp has 8 hex digits until 2106.
TOKEN = re.compile(r"[0-9a-f]{32}[0-9a-f]{8}\+\\")
SESSION_ID = r"[0-9a-v]{32}"
SESSION_COOKIE = re.compile(rf"wikiupload_session=({SESSION_ID}); path=/; HttpOnly")
BP_COOKIE = re.compile(rf"wikiupload_BPsession=({SESSION_ID}); path=/; HttpOnly")
DELETED = "{}=deleted; expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0; path=/; HttpOnly"
MAILING_LIST = ("Subscribe to the mediawiki-api-announce mailing list at "
                "<https://lists.wikimedia.org/postorius/lists/mediawiki-api-announce.lists"
                ".wikimedia.org/> for notice of API deprecations and breaking changes.")


def set_cookies(response: requests.Response) -> list[str]:
    """Every Set-Cookie header of a response, unmerged."""
    return list(response.raw.headers.getlist("Set-Cookie"))


def user_id(wiki: Wiki, name: str) -> int:
    with wiki.db() as db:
        user = db.scalars(select(User).where(User.name == name)).one()
        return int(user.id)


def serve(wiki_factory: Any, app_holder: dict[str, Any], accounts: Accounts,
          **overrides: Any) -> Wiki:
    """A fresh wiki with the reference accounts and some settings changed, now served."""
    built: Wiki = wiki_factory(**overrides)
    populate(built, accounts)
    app_holder["app"].state.wiki = built
    return built
