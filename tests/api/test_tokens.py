"""meta=tokens over real HTTP, against the reference transcripts and captures."""

from __future__ import annotations

import json
import time

from tests.api.auth_helpers import SESSION_COOKIE, TOKEN, set_cookies
from tests.support import ApiClient

ALL_TYPES = ("createaccount", "csrf", "login", "patrol", "rollback", "userrights", "watch")
ORIGIN_WARNING = "Tokens may not be obtained when the same-origin policy is not applied."
CORS_HEADERS = {
    "MediaWiki-Login-Suppressed": "true",
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Credentials": "false",
    "Access-Control-Expose-Headers":
        "MediaWiki-API-Error, Retry-After, X-Database-Lag, MediaWiki-Login-Suppressed",
}


def test_anonymous_csrf_transcript(anon: ApiClient) -> None:
    """tokens_anonymous_csrf: the anonymous CSRF token is "+\\" and no session is started."""
    reply = anon.raw("GET", {"action": "query", "meta": "tokens"})
    assert reply.json() == {"batchcomplete": "", "query": {"tokens": {"csrftoken": "+\\"}}}
    assert set_cookies(reply) == []
    assert reply.headers["Cache-Control"] == "private, must-revalidate, max-age=0"
    assert anon.get(action="query", meta="tokens", formatversion="2") == {
        "batchcomplete": True, "query": {"tokens": {"csrftoken": "+\\"}}}


def test_csrf_and_login_transcript(uploader: ApiClient) -> None:
    """tokens_csrf_and_login, as Uploader@bot."""
    reply = uploader.get(action="query", meta="tokens", type="csrf|login")
    tokens = reply["query"]["tokens"]
    assert reply == {"batchcomplete": "", "query": {"tokens": {
        "csrftoken": tokens["csrftoken"], "logintoken": tokens["logintoken"]}}}
    assert list(tokens) == ["csrftoken", "logintoken"]
    assert TOKEN.fullmatch(tokens["csrftoken"]) and TOKEN.fullmatch(tokens["logintoken"])
    assert tokens["csrftoken"][:32] != tokens["logintoken"][:32]


def test_all_types_anonymously_persist_the_session(anon: ApiClient) -> None:
    reply = anon.raw("GET", {"action": "query", "meta": "tokens", "type": "*"})
    tokens = reply.json()["query"]["tokens"]
    assert list(tokens) == [f"{kind}token" for kind in ALL_TYPES]
    for kind in ("csrf", "patrol", "rollback", "userrights", "watch"):
        assert tokens[f"{kind}token"] == "+\\"
    assert TOKEN.fullmatch(tokens["logintoken"])
    assert TOKEN.fullmatch(tokens["createaccounttoken"])
    [cookie] = set_cookies(reply)
    assert SESSION_COOKIE.fullmatch(cookie)


def test_all_types_logged_in_are_distinct_real_tokens(admin: ApiClient) -> None:
    reply = admin.raw("GET", {"action": "query", "meta": "tokens", "type": "*",
                              "formatversion": "2"})
    body = reply.json()
    tokens = body["query"]["tokens"]
    assert body["batchcomplete"] is True
    assert list(tokens) == [f"{kind}token" for kind in ALL_TYPES]
    assert all(TOKEN.fullmatch(token) for token in tokens.values())
    assert len({token[:32] for token in tokens.values()}) == len(ALL_TYPES)
    assert set_cookies(reply) == []


def test_token_carries_the_current_time(uploader: ApiClient) -> None:
    stamp = int(uploader.token()[32:-2], 16)
    assert abs(stamp - time.time()) < 5


def test_types_keep_the_requested_order_without_duplicates(uploader: ApiClient) -> None:
    reply = uploader.get(action="query", meta="tokens", type="watch|csrf|watch")
    assert list(reply["query"]["tokens"]) == ["watchtoken", "csrftoken"]


def test_unknown_type_warns_without_period_and_gives_empty_object(anon: ApiClient) -> None:
    warning = 'Unrecognized value for parameter "type": foo'
    assert anon.get(action="query", meta="tokens", type="foo") == {
        "batchcomplete": "", "warnings": {"tokens": {"*": warning}}, "query": {"tokens": {}}}
    assert anon.get(action="query", meta="tokens", type="foo", formatversion="2") == {
        "batchcomplete": True, "warnings": {"tokens": {"warnings": warning}},
        "query": {"tokens": {}}}
    assert anon.get(action="query", meta="tokens", type="csrf|foo") == {
        "batchcomplete": "", "warnings": {"tokens": {"*": warning}},
        "query": {"tokens": {"csrftoken": "+\\"}}}


def test_two_unknown_types_use_the_plural(anon: ApiClient) -> None:
    reply = anon.get(action="query", meta="tokens", type="foo|bar")
    assert reply["warnings"] == {"tokens": {
        "*": 'Unrecognized values for parameter "type": foo, bar'}}


def test_anonymous_cors_gets_no_tokens(anon: ApiClient) -> None:
    reply = anon.raw("GET", {"action": "query", "meta": "tokens", "origin": "*"})
    assert reply.json() == {"batchcomplete": "",
                            "warnings": {"tokens": {"*": ORIGIN_WARNING}}}
    for name, value in CORS_HEADERS.items():
        assert reply.headers[name] == value
    fv2 = anon.get(action="query", meta="tokens", origin="*", formatversion="2")
    assert fv2 == {"batchcomplete": True, "warnings": {"tokens": {"warnings": ORIGIN_WARNING}}}


def test_anonymous_cors_ignores_the_login(uploader: ApiClient) -> None:
    reply = uploader.raw("GET", {"action": "query", "meta": "tokens|userinfo", "origin": "*"})
    assert reply.headers["MediaWiki-Login-Suppressed"] == "true"
    assert reply.json() == {
        "batchcomplete": "", "warnings": {"tokens": {"*": ORIGIN_WARNING}},
        "query": {"userinfo": {"id": 0, "name": "127.0.0.1", "anon": ""}}}
    assert uploader.get(action="query", meta="userinfo")["query"]["userinfo"]["name"] == \
        "Uploader"


def test_jsonp_gets_no_tokens(uploader: ApiClient) -> None:
    reply = uploader.raw("GET", {"action": "query", "meta": "tokens", "callback": "foo"})
    assert reply.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert reply.headers["MediaWiki-Login-Suppressed"] == "true"
    assert reply.text.startswith("/**/foo(") and reply.text.endswith(")")
    assert json.loads(reply.text[len("/**/foo("):-1]) == {
        "batchcomplete": "", "warnings": {"tokens": {"*": ORIGIN_WARNING}}}


def test_jsonp_body_is_byte_exact(uploader: ApiClient) -> None:
    reply = uploader.raw("GET", {"action": "query", "meta": "tokens", "callback": "foo"})
    assert reply.text == ('/**/foo({"batchcomplete":"","warnings":{"tokens":{"*":'
                          '"Tokens may not be obtained when the same-origin policy is not '
                          'applied."}}})')


def test_origin_not_matching_the_origin_header_is_403(anon: ApiClient) -> None:
    reply = anon.raw("GET", {"action": "query", "meta": "tokens",
                             "origin": "http://example.org"})
    assert reply.status_code == 403
    assert reply.text == "'origin' parameter does not match Origin header\n"
    assert reply.headers["Cache-Control"] == "no-cache"
    assert reply.headers["Content-Type"].lower() == "text/html; charset=utf-8"


def test_origin_matching_but_not_allowed_is_rejected_softly(anon: ApiClient) -> None:
    reply = anon.raw("GET", {"action": "query", "meta": "userinfo",
                             "origin": "http://example.org"},
                     headers={"Origin": "http://example.org"})
    assert reply.status_code == 200
    assert reply.headers["MediaWiki-CORS-Rejection"] == "Origin mismatch"
    assert "Access-Control-Allow-Origin" not in reply.headers
    assert "MediaWiki-Login-Suppressed" not in reply.headers

