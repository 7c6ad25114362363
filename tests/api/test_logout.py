"""action=logout over real HTTP, against the reference MediaWiki."""

from __future__ import annotations

from tests.api.auth_helpers import DELETED, set_cookies
from tests.support import Accounts, ApiClient, error_of

ANON_INFO = {"id": 0, "name": "127.0.0.1", "anon": ""}


def test_logout_of_a_bot_password_session(uploader: ApiClient) -> None:
    reply = uploader.raw("POST", {"action": "logout", "token": uploader.csrf})
    assert reply.json() == {}
    assert reply.headers["Cache-Control"] == "private, must-revalidate, max-age=0"
    assert set_cookies(reply) == [DELETED.format("wikiupload_BPsession")]
    assert uploader.get(action="query", meta="userinfo") == {
        "batchcomplete": "", "query": {"userinfo": ANON_INFO}}
    assert uploader.get(action="query", meta="userinfo", formatversion="2") == {
        "batchcomplete": True,
        "query": {"userinfo": {"id": 0, "name": "127.0.0.1", "anon": True}}}


def test_logout_is_the_same_in_formatversion_2(uploader: ApiClient) -> None:
    assert uploader.post(action="logout", token=uploader.csrf, formatversion="2") == {}


def test_logout_of_a_main_session(plain: ApiClient) -> None:
    reply = plain.raw("POST", {"action": "logout", "token": plain.csrf})
    assert reply.json() == {}
    assert set_cookies(reply) == [DELETED.format("wikiupload_session")]
    assert plain.get(action="query", meta="userinfo")["query"]["userinfo"] == ANON_INFO


def test_the_session_is_gone_on_the_server(uploader: ApiClient, api_url: str) -> None:
    """A copy of the old cookie is worthless after the logout."""
    copy = ApiClient(api_url)
    try:
        copy.http.cookies.update(uploader.http.cookies)
        assert uploader.post(action="logout", token=uploader.csrf) == {}
        info = copy.get(action="query", meta="userinfo")["query"]["userinfo"]
        assert info == ANON_INFO
    finally:
        copy.close()


def test_old_token_is_invalid_after_logout(uploader: ApiClient) -> None:
    token = uploader.csrf
    assert uploader.post(action="logout", token=token) == {}
    reply = uploader.raw("POST", {"action": "logout", "token": token})
    assert reply.headers["MediaWiki-API-Error"] == "badtoken"
    assert reply.json() == error_of(uploader.url, "badtoken", "Invalid CSRF token.")


def test_logout_back_to_the_earlier_session(uploader: ApiClient) -> None:
    """The cookie session from before the bot-password login is still there."""
    assert "wikiupload_session" in uploader.http.cookies
    uploader.post(action="logout", token=uploader.csrf)
    assert uploader.get(action="query", meta="tokens")["query"]["tokens"]["csrftoken"] == "+\\"
    assert uploader.token("login") != ""


def test_bad_token(uploader: ApiClient) -> None:
    reply = uploader.raw("POST", {"action": "logout", "token": "bad+\\"})
    assert reply.headers["MediaWiki-API-Error"] == "badtoken"
    assert reply.json() == error_of(uploader.url, "badtoken", "Invalid CSRF token.")
    assert uploader.get(action="query", meta="userinfo")["query"]["userinfo"]["name"] == \
        "Uploader"


def test_anonymous_token_of_a_logged_in_user(uploader: ApiClient) -> None:
    assert uploader.post(action="logout", token="+\\")["error"]["code"] == "badtoken"


def test_token_in_the_query_string(anon: ApiClient) -> None:
    reply = anon.raw("GET", {"action": "logout", "token": "+\\"})
    assert reply.headers["MediaWiki-API-Error"] == "mustpostparams"
    assert reply.json() == error_of(
        anon.url, "mustpostparams",
        "The following parameter was found in the query string, but must be in the POST "
        "body: token.")


def test_missing_token(uploader: ApiClient) -> None:
    reply = uploader.raw("POST", {"action": "logout"})
    assert reply.headers["MediaWiki-API-Error"] == "missingparam"
    assert reply.json() == error_of(uploader.url, "missingparam",
                                    'The "token" parameter must be set.')


def test_missing_token_is_an_error(uploader: ApiClient) -> None:
    reply = uploader.raw("POST", {"action": "logout"})
    assert reply.json()["error"]["info"] == 'The "token" parameter must be set.'
    assert uploader.get(action="query", meta="userinfo")["query"]["userinfo"]["name"] == \
        "Uploader"


def test_anonymous_logout(anon: ApiClient) -> None:
    reply = anon.raw("POST", {"action": "logout", "token": "+\\"})
    assert reply.json() == {}
    assert set_cookies(reply) == []


def test_anonymous_logout_ends_a_stored_session(anon: ApiClient) -> None:
    anon.token("login")
    reply = anon.raw("POST", {"action": "logout", "token": "+\\"})
    assert reply.json() == {}
    assert set_cookies(reply) == [DELETED.format("wikiupload_session")]


def test_logout_and_login_again(plain: ApiClient, accounts: Accounts) -> None:
    plain.post(action="logout", token=plain.csrf)
    plain.login_main("Plain", accounts.plain_password)
    assert plain.get(action="query", meta="userinfo")["query"]["userinfo"]["name"] == "Plain"
