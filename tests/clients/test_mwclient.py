"""The real mwclient 0.11 against the running test server: site set-up, logins, rights.

mwclient is driven exactly as its users do (``Site(host, path='/', scheme='http')``), so these
tests cover the request sequence recorded in /work/shared/spec/clients.md §2 (siteinfo and
userinfo with a repeated ``meta`` value, login tokens by GET, login/clientlogin by POST).
Upload cases come with action=upload; ``tests/clients/media.py`` makes the files.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import mwclient
import pytest
from mwclient import errors as mwerrors

from tests.clients.media import make_png
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
