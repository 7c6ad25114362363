"""action=login and action=clientlogin over real HTTP, against the reference MediaWiki."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.auth_helpers import (
    BP_COOKIE,
    MAILING_LIST,
    SESSION_COOKIE,
    TOKEN,
    serve,
    set_cookies,
    user_id,
)
from tests.conftest import ADMIN_BOT_PASSWORD, UPLOADER_BOT_PASSWORD
from tests.support import Accounts, ApiClient, error_of
from wikiupload.wiki import Wiki

WRONG = "Incorrect username or password entered. Please try again."
WRONG_NL = "Incorrect username or password entered.\nPlease try again."
THROTTLED = ("You have made too many recent login attempts. Please wait 5 minutes before "
             "trying again.")
TOKEN_DEPRECATED = ('Fetching a token via "action=login" is deprecated. Use '
                    '"action=query&meta=tokens&type=login" instead.')
MAIN_DEPRECATED = (
    'Main-account login via "action=login" is deprecated and may stop working without '
    'warning. To continue login with "action=login", see [[Special:BotPasswords]]. To safely '
    'continue using main-account login, see "action=clientlogin".')
RETURN_URL = "http://127.0.0.1/"


def login(client: ApiClient, name: str | None, password: str | None,
          **extra: Any) -> dict[str, Any]:
    return client.post(action="login", lgname=name, lgpassword=password,
                       lgtoken=client.token("login"), **extra)


def clientlogin(client: ApiClient, username: str, password: str,
                **extra: Any) -> dict[str, Any]:
    params = {"action": "clientlogin", "username": username, "password": password,
              "loginreturnurl": RETURN_URL, "logintoken": client.token("login"), **extra}
    return client.post(**params)


# -- the reference transcripts ----------------------------------------------------------

def test_botpassword_success_transcript(anon: ApiClient, wiki: Wiki) -> None:
    token_reply = anon.raw("GET", {"action": "query", "meta": "tokens", "type": "login"})
    token = token_reply.json()["query"]["tokens"]["logintoken"]
    assert token_reply.json() == {"batchcomplete": "",
                                  "query": {"tokens": {"logintoken": token}}}
    assert TOKEN.fullmatch(token)
    [cookie] = set_cookies(token_reply)
    assert SESSION_COOKIE.fullmatch(cookie)

    reply = anon.raw("POST", {"action": "login", "lgname": "Uploader@bot",
                              "lgpassword": UPLOADER_BOT_PASSWORD, "lgtoken": token})
    assert reply.json() == {"login": {"result": "Success",
                                      "lguserid": user_id(wiki, "Uploader"),
                                      "lgusername": "Uploader"}}
    [cookie] = set_cookies(reply)
    assert BP_COOKIE.fullmatch(cookie)

    csrf = anon.get(action="query", meta="tokens", type="csrf")
    assert csrf == {"batchcomplete": "",
                    "query": {"tokens": {"csrftoken": csrf["query"]["tokens"]["csrftoken"]}}}
    assert TOKEN.fullmatch(csrf["query"]["tokens"]["csrftoken"])


def test_missing_token_returns_one(anon: ApiClient) -> None:
    """login_missing_token (the announce-list warning is checked separately below)."""
    reply = anon.raw("POST", {"action": "login", "lgname": "Uploader@bot",
                              "lgpassword": UPLOADER_BOT_PASSWORD})
    body = reply.json()
    assert body["login"] == {"result": "NeedToken", "token": body["login"]["token"]}
    assert TOKEN.fullmatch(body["login"]["token"])
    assert list(body) == ["warnings", "login"]
    assert list(body["warnings"]) == ["main", "login"]
    assert body["warnings"]["login"] == {"*": TOKEN_DEPRECATED}
    [cookie] = set_cookies(reply)
    assert SESSION_COOKIE.fullmatch(cookie)
    # The returned token works.
    again = anon.post(action="login", lgname="Uploader@bot", lgpassword=UPLOADER_BOT_PASSWORD,
                      lgtoken=body["login"]["token"])
    assert again["login"]["result"] == "Success"


def test_missing_token_transcript_exact(anon: ApiClient) -> None:
    body = anon.post(action="login", lgname="Uploader@bot", lgpassword=UPLOADER_BOT_PASSWORD)
    assert body == {"warnings": {"main": {"*": MAILING_LIST},
                                 "login": {"*": TOKEN_DEPRECATED}},
                    "login": {"result": "NeedToken", "token": body["login"]["token"]}}


def test_wrong_password_transcript(anon: ApiClient) -> None:
    assert login(anon, "Uploader@bot", "definitely-wrong") == {
        "login": {"result": "Failed", "reason": WRONG}}


# -- other results ----------------------------------------------------------------------

def test_success_is_the_same_in_formatversion_2(anon: ApiClient, wiki: Wiki) -> None:
    assert login(anon, "Uploader@bot", UPLOADER_BOT_PASSWORD, formatversion="2") == {
        "login": {"result": "Success", "lguserid": user_id(wiki, "Uploader"),
                  "lgusername": "Uploader"}}


def test_wrong_token(anon: ApiClient) -> None:
    anon.token("login")
    reply = anon.post(action="login", lgname="Uploader@bot", lgpassword=UPLOADER_BOT_PASSWORD,
                      lgtoken="0123456789abcdef0123456789abcdef+\\")
    assert reply == {"login": {"result": "WrongToken"}}


def test_token_without_its_session_cookie(anon: ApiClient, api_url: str) -> None:
    token = anon.token("login")
    stranger = ApiClient(api_url)
    try:
        reply = stranger.raw("POST", {"action": "login", "lgname": "Uploader@bot",
                                      "lgpassword": UPLOADER_BOT_PASSWORD, "lgtoken": token})
    finally:
        stranger.close()
    assert reply.json() == {"login": {
        "result": "Failed",
        "reason": "Unable to continue login. Your session most likely timed out."}}
    [cookie] = set_cookies(reply)
    assert SESSION_COOKIE.fullmatch(cookie)


@pytest.mark.parametrize(("name", "password", "reason"), [
    (None, "x", "The supplied credentials could not be authenticated."),
    ("Admin", "", "The supplied credentials could not be authenticated."),
    ("Foo#bar", "wrong", "The supplied credentials could not be authenticated."),
    ("127.0.0.1", "wrong", "The supplied credentials could not be authenticated."),
    ("Nosuchuser", "whatever", WRONG),
    ("Uploader", "wrong-password", WRONG),
    ("admin", "wrong", WRONG),
    ("Uploader@bot", "wrongwrongwrongwrongwrongwrongwr", WRONG),
    ("Uploader@Bot", UPLOADER_BOT_PASSWORD, WRONG),
    ("Uploader@bot", UPLOADER_BOT_PASSWORD.upper(), WRONG),
    ("Nosuchuser@bot", "abcdefghabcdefghabcdefghabcdefgh", WRONG),
])
def test_failures(anon: ApiClient, name: str | None, password: str, reason: str) -> None:
    assert login(anon, name, password) == {"login": {"result": "Failed", "reason": reason}}


@pytest.mark.parametrize(("errorformat", "formatversion", "reason"), [
    ("plaintext", "2", {"code": "wrongpassword", "text": WRONG}),
    ("plaintext", "1", {"code": "wrongpassword", "*": WRONG}),
    ("wikitext", "1", {"code": "wrongpassword", "*": WRONG_NL}),
    ("html", "1", {"code": "wrongpassword", "*": WRONG_NL}),
    ("raw", "2", {"code": "wrongpassword", "key": "wrongpassword", "params": []}),
    ("none", "2", {"code": "wrongpassword"}),
])
def test_failure_reason_follows_errorformat(anon: ApiClient, errorformat: str,
                                            formatversion: str, reason: Any) -> None:
    reply = login(anon, "Admin", "x", errorformat=errorformat, formatversion=formatversion)
    assert reply == {"login": {"result": "Failed", "reason": reason}}


@pytest.mark.parametrize("name", ["uploader@bot", "Uploader_@bot"])
def test_bot_name_is_canonicalised(anon: ApiClient, wiki: Wiki, name: str) -> None:
    assert login(anon, name, UPLOADER_BOT_PASSWORD)["login"] == {
        "result": "Success", "lguserid": user_id(wiki, "Uploader"), "lgusername": "Uploader"}


def test_app_id_in_the_password(anon: ApiClient, wiki: Wiki) -> None:
    reply = anon.raw("POST", {"action": "login", "lgname": "Uploader",
                              "lgpassword": f"bot@{UPLOADER_BOT_PASSWORD}",
                              "lgtoken": anon.token("login")})
    assert reply.json() == {"login": {"result": "Success",
                                      "lguserid": user_id(wiki, "Uploader"),
                                      "lgusername": "Uploader"}}
    [cookie] = set_cookies(reply)
    assert BP_COOKIE.fullmatch(cookie)


def test_main_account_login_is_deprecated_but_works(anon: ApiClient, wiki: Wiki,
                                                    accounts: Accounts) -> None:
    anon.token("login")
    before = anon.http.cookies.get("wikiupload_session")
    reply = anon.raw("POST", {"action": "login", "lgname": "Admin",
                              "lgpassword": accounts.admin_password,
                              "lgtoken": anon.token("login")})
    body = reply.json()
    assert body["login"] == {"result": "Success", "lguserid": user_id(wiki, "Admin"),
                             "lgusername": "Admin"}
    assert list(body["warnings"]) == ["main", "login"]
    assert body["warnings"]["login"] == {"*": MAIN_DEPRECATED}
    [cookie] = set_cookies(reply)
    match = SESSION_COOKIE.fullmatch(cookie)
    assert match and match.group(1) != before
    info = anon.get(action="query", meta="userinfo", uiprop="groups")["query"]["userinfo"]
    assert info["name"] == "Admin" and "sysop" in info["groups"]


def test_main_account_login_when_bot_passwords_are_disabled(
        wiki_factory: Any, app_holder: dict[str, Any], accounts: Accounts,
        api_url: str) -> None:
    serve(wiki_factory, app_holder, accounts, enable_bot_passwords=False)
    client = ApiClient(api_url)
    try:
        assert login(client, "Uploader@bot", UPLOADER_BOT_PASSWORD) == {
            "login": {"result": "Failed", "reason": WRONG}}
        reply = login(client, "Plain", accounts.plain_password)
        assert reply["login"]["result"] == "Success"
        assert reply["warnings"]["login"] == {"*": (
            'Main-account login via "action=login" is deprecated and may stop working without '
            'warning. To safely log in, see "action=clientlogin".')}
    finally:
        client.close()


def test_password_in_the_query_string(anon: ApiClient) -> None:
    reply = anon.http.post(anon.url, params={"format": "json",
                                             "lgpassword": UPLOADER_BOT_PASSWORD},
                           data={"action": "login", "lgname": "Uploader@bot",
                                 "lgtoken": anon.token("login")})
    assert reply.headers["MediaWiki-API-Error"] == "mustpostparams"
    assert reply.json() == error_of(
        anon.url, "mustpostparams", "The following parameter was found in the query string, "
        "but must be in the POST body: lgpassword.")


def test_login_by_get(anon: ApiClient) -> None:
    reply = anon.raw("GET", {"action": "login", "lgname": "Uploader@bot"})
    assert reply.json() == error_of(anon.url, "mustbeposted",
                                    'The "login" module requires a POST request.')


def test_login_again_in_a_bot_password_session(uploader: ApiClient) -> None:
    reply = uploader.raw("POST", {"action": "login", "lgname": "Uploader@bot",
                                  "lgpassword": UPLOADER_BOT_PASSWORD,
                                  "lgtoken": uploader.token("login")})
    assert reply.json() == {"login": {"result": "Aborted", "reason": (
        "Cannot log in when using MediaWiki\\Session\\BotPasswordSessionProvider sessions.")}}
    assert set_cookies(reply) == []


def test_login_without_same_origin_security(anon: ApiClient) -> None:
    reply = anon.http.post(anon.url, params={"callback": "foo", "format": "json"},
                           data={"action": "login", "lgname": "x", "lgpassword": "y"})
    assert reply.headers["MediaWiki-Login-Suppressed"] == "true"
    assert reply.text == ('/**/foo({"login":{"result":"Aborted","reason":"Cannot log in when '
                          'the same-origin policy is not applied."}})')
    assert set_cookies(reply) == []


def test_csrf_token_from_before_the_login_is_invalid_after(anon: ApiClient,
                                                           accounts: Accounts) -> None:
    login(anon, "Plain", accounts.plain_password)
    stale = anon.token()
    assert login(anon, "Admin", accounts.admin_password)["login"]["result"] == "Success"
    reply = anon.post(action="logout", token=stale)
    assert reply["error"]["code"] == "badtoken"
    assert anon.post(action="logout", token=anon.token()) == {}


def test_anonymous_csrf_token_is_invalid_after_login(anon: ApiClient) -> None:
    assert anon.token() == "+\\"
    login(anon, "Uploader@bot", UPLOADER_BOT_PASSWORD)
    assert anon.post(action="logout", token="+\\")["error"]["code"] == "badtoken"


def test_grants_restrict_the_rights_of_a_bot_session(uploader: ApiClient, admin: ApiClient,
                                                     api_url: str, accounts: Accounts) -> None:
    bot = uploader.get(action="query", meta="userinfo", uiprop="rights")
    rights = set(bot["query"]["userinfo"]["rights"])
    assert {"upload", "edit", "writeapi"} <= rights
    assert not rights & {"viewmywatchlist", "editmyoptions", "createaccount", "sendemail"}
    main = ApiClient(api_url)
    try:
        main.login_main("Uploader", accounts.uploader_password)
        full = set(main.get(action="query", meta="userinfo",
                            uiprop="rights")["query"]["userinfo"]["rights"])
    finally:
        main.close()
    assert rights < full and {"viewmywatchlist", "sendemail"} <= full
    admin_rights = admin.get(action="query", meta="userinfo", uiprop="rights")
    assert "delete" in admin_rights["query"]["userinfo"]["rights"]
    assert "userrights" not in admin_rights["query"]["userinfo"]["rights"]


def test_revoked_bot_password_ends_the_session(uploader: ApiClient, wiki: Wiki) -> None:
    from wikiupload.db.models import BotPassword

    with wiki.db() as db:
        db.delete(db.get(BotPassword, (user_id(wiki, "Uploader"), "bot")))
        db.commit()
    reply = uploader.raw("GET", {"action": "query", "meta": "userinfo"})
    assert reply.json()["query"]["userinfo"]["id"] == 0
    assert set_cookies(reply) == [
        "wikiupload_BPsession=deleted; expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0; "
        "path=/; HttpOnly"]


# -- throttling -------------------------------------------------------------------------

def test_failed_logins_are_throttled(anon: ApiClient, accounts: Accounts) -> None:
    for _ in range(5):
        assert login(anon, "Plain", "wrong")["login"]["reason"] == WRONG
    assert login(anon, "Plain", accounts.plain_password) == {
        "login": {"result": "Failed", "reason": THROTTLED}}
    assert clientlogin(anon, "Plain", accounts.plain_password)["clientlogin"] == {
        "status": "FAIL",
        "message": ("You have made too many recent login attempts.\nPlease wait 5 minutes "
                    "before trying again."),
        "messagecode": "login-throttled"}
    # Another account from the same address is not affected.
    assert login(anon, "Admin", accounts.admin_password)["login"]["result"] == "Success"


def test_bot_password_attempts_are_throttled_per_user(anon: ApiClient) -> None:
    for _ in range(5):
        assert login(anon, "Uploader@bot", "a" * 32)["login"]["reason"] == WRONG
    assert login(anon, "Uploader@bot", UPLOADER_BOT_PASSWORD) == {
        "login": {"result": "Failed", "reason": THROTTLED}}
    assert login(anon, "Admin@bot", ADMIN_BOT_PASSWORD)["login"]["result"] == "Success"


def test_success_clears_the_throttle(anon: ApiClient, api_url: str,
                                     accounts: Accounts) -> None:
    for _ in range(4):
        login(anon, "Plain", "wrong")
    assert clientlogin(anon, "Plain", accounts.plain_password)["clientlogin"]["status"] == \
        "PASS"
    other = ApiClient(api_url)
    try:
        for _ in range(5):
            assert login(other, "Plain", "wrong")["login"]["reason"] == WRONG
    finally:
        other.close()


def test_throttle_can_be_configured(wiki_factory: Any, app_holder: dict[str, Any],
                                    accounts: Accounts, api_url: str) -> None:
    serve(wiki_factory, app_holder, accounts,
          password_attempt_throttle=[{"count": 1, "seconds": 5400}])
    client = ApiClient(api_url)
    try:
        assert login(client, "Plain", "wrong")["login"]["reason"] == WRONG
        assert login(client, "Plain", "wrong")["login"]["reason"] == (
            "You have made too many recent login attempts. Please wait 1 hour and 30 minutes "
            "before trying again.")
    finally:
        client.close()


def test_throttle_can_be_disabled(wiki_factory: Any, app_holder: dict[str, Any],
                                  accounts: Accounts, api_url: str) -> None:
    serve(wiki_factory, app_holder, accounts, password_attempt_throttle=[])
    client = ApiClient(api_url)
    try:
        for _ in range(7):
            assert login(client, "Plain", "wrong")["login"]["reason"] == WRONG
    finally:
        client.close()


# -- action=clientlogin -----------------------------------------------------------------

def test_clientlogin_pass(anon: ApiClient, accounts: Accounts) -> None:
    anon.token("login")
    before = anon.http.cookies.get("wikiupload_session")
    reply = anon.raw("POST", {"action": "clientlogin", "username": "Admin",
                              "password": accounts.admin_password,
                              "loginreturnurl": RETURN_URL,
                              "logintoken": anon.token("login")})
    assert reply.json() == {"clientlogin": {"status": "PASS", "username": "Admin"}}
    [cookie] = set_cookies(reply)
    match = SESSION_COOKIE.fullmatch(cookie)
    assert match and match.group(1) != before
    assert anon.get(action="query", meta="userinfo", formatversion="2")["query"] == {
        "userinfo": {"id": 1, "name": "Admin"}}


def test_clientlogin_remember_me_is_accepted(anon: ApiClient, accounts: Accounts) -> None:
    reply = clientlogin(anon, "Admin", accounts.admin_password, rememberMe="1")
    assert reply == {"clientlogin": {"status": "PASS", "username": "Admin"}}


@pytest.mark.parametrize("username", ["Admin", "Uploader@bot"])
def test_clientlogin_fail(anon: ApiClient, username: str) -> None:
    fail = {"status": "FAIL", "message": WRONG_NL, "messagecode": "wrongpassword"}
    assert clientlogin(anon, username, "wrong") == {"clientlogin": fail}
    assert clientlogin(anon, username, "wrong", formatversion="2") == {
        "clientlogin": fail | {"canpreservestate": False}}


def test_clientlogin_refuses_bot_passwords(anon: ApiClient) -> None:
    assert clientlogin(anon, "Uploader@bot", UPLOADER_BOT_PASSWORD)["clientlogin"] == {
        "status": "FAIL", "message": WRONG_NL, "messagecode": "wrongpassword"}


@pytest.mark.parametrize(("fmt", "message"), [
    ("wikitext", WRONG_NL), ("html", WRONG_NL),
    ("raw", {"key": "wrongpassword", "params": []}), ("none", None),
])
def test_clientlogin_message_format(anon: ApiClient, fmt: str, message: Any) -> None:
    expected: dict[str, Any] = {"status": "FAIL"}
    if message is not None:
        expected["message"] = message
    expected["messagecode"] = "wrongpassword"
    assert clientlogin(anon, "Plain", "x", loginmessageformat=fmt) == {"clientlogin": expected}


def test_clientlogin_without_credentials(anon: ApiClient) -> None:
    reply = anon.post(action="clientlogin", loginreturnurl=RETURN_URL,
                      logintoken=anon.token("login"))
    assert reply == {"clientlogin": {
        "status": "FAIL", "message": "The supplied credentials could not be authenticated.",
        "messagecode": "authmanager-authn-no-primary"}}


def test_clientlogin_needs_returnurl_or_continue(anon: ApiClient, accounts: Accounts) -> None:
    reply = anon.raw("POST", {"action": "clientlogin", "username": "Admin",
                              "password": accounts.admin_password,
                              "logintoken": anon.token("login")})
    assert reply.headers["MediaWiki-API-Error"] == "missingparam"
    assert reply.json() == error_of(
        anon.url, "missingparam",
        'At least one of the parameters "logincontinue" and "loginreturnurl" is required.')


def test_clientlogin_bad_returnurl(anon: ApiClient) -> None:
    reply = clientlogin(anon, "Plain", "x", loginreturnurl="foo")
    assert reply == error_of(anon.url, "badurl_loginreturnurl",
                             'Invalid value "foo" for URL parameter "loginreturnurl".')


def test_clientlogin_continue_without_a_login_in_progress(anon: ApiClient) -> None:
    reply = anon.post(action="clientlogin", username="Plain", password="x", logincontinue="1",
                      logintoken=anon.token("login"))
    assert reply == {
        "warnings": {"main": {"*": "Unrecognized parameters: username, password."}},
        "clientlogin": {"status": "FAIL", "message": (
            "Authentication is not in progress or session data has been lost. Please start "
            "again from the beginning."), "messagecode": "authmanager-authn-not-in-progress"}}


def test_clientlogin_in_a_bot_password_session(uploader: ApiClient) -> None:
    reply = clientlogin(uploader, "Plain", "x")
    assert reply["clientlogin"] == {"status": "FAIL", "message": "⧼userlogin-cannot-login⧽",
                                    "messagecode": "userlogin-cannot-login"}
    assert reply["warnings"] == {"main": {"*": "Unrecognized parameters: username, password."}}


def test_clientlogin_bad_token(anon: ApiClient) -> None:
    anon.token("login")
    reply = anon.post(action="clientlogin", username="Plain", password="x",
                      loginreturnurl=RETURN_URL, logintoken="bad+\\")
    assert reply == error_of(anon.url, "badtoken", "Invalid CSRF token.")


@pytest.mark.parametrize("name", ["logintoken", "password"])
def test_clientlogin_posted_parameters(anon: ApiClient, name: str) -> None:
    params = {"action": "clientlogin", "username": "Plain", "password": "x",
              "loginreturnurl": RETURN_URL, "logintoken": anon.token("login")}
    query = {"format": "json", name: params.pop(name)}
    reply = anon.http.post(anon.url, params=query, data=params)
    assert reply.json() == error_of(
        anon.url, "mustpostparams",
        f"The following parameter was found in the query string, but must be in the POST "
        f"body: {name}.")


def test_clientlogin_without_token(anon: ApiClient, accounts: Accounts) -> None:
    reply = anon.post(action="clientlogin", username="Admin", password=accounts.admin_password,
                      loginreturnurl=RETURN_URL)
    assert reply == error_of(anon.url, "missingparam",
                             'The "logintoken" parameter must be set.')
