"""Same-origin policy, session cookies and rate-limit categories."""

from __future__ import annotations

from wikiupload.auth import origin, ratelimits
from wikiupload.auth.cookies import SessionCookies, set_cookie_header
from wikiupload.auth.sessions import SessionState
from wikiupload.auth.users import Principal, usable_username
from wikiupload.config import load


def test_same_origin_rules() -> None:
    assert not origin.lacks_same_origin({}, {})
    assert origin.lacks_same_origin({"callback": "f"}, {})
    assert origin.lacks_same_origin({"origin": "*"}, {})
    assert origin.lacks_same_origin({}, {"treat-as-untrusted": "1"})
    assert not origin.lacks_same_origin({"origin": "http://a.example"}, {})


def test_origin_parameter_must_match_the_header() -> None:
    assert origin.evaluate({"origin": "http://a.example"}, {}).rejected
    matched = origin.evaluate({"origin": "http://a.example"},
                              {"origin": "http://b.example http://a.example"})
    assert not matched.rejected and not matched.lacks_same_origin
    assert matched.headers == {"MediaWiki-CORS-Rejection": "Origin mismatch"}


def test_anonymous_cors_headers() -> None:
    policy = origin.evaluate({"origin": "*"}, {"origin": "http://a.example"})
    assert policy.lacks_same_origin and not policy.rejected
    assert policy.headers["Access-Control-Allow-Origin"] == "*"
    assert policy.headers["MediaWiki-Login-Suppressed"] == "true"


def test_cookie_changes() -> None:
    jar = SessionCookies("w")
    fresh = SessionState()
    assert jar.changes(None, jar.normal, fresh) == []
    fresh.persist()
    assert jar.changes(None, jar.normal, fresh) == [("w_session", fresh.id, None)]
    bot = SessionState(id="a" * 32)
    bot.reset(3, keep_previous=True, bot_app_id="bot")
    assert jar.changes("a" * 32, jar.normal, bot) == [("w_BPsession", bot.id, None)]
    bot.clear()
    assert jar.changes("b" * 32, jar.bot, bot) == [("w_BPsession", "", None)]


def test_set_cookie_headers_are_phps() -> None:
    assert set_cookie_header("w_session", "abc", None, secure=False) == \
        "w_session=abc; path=/; HttpOnly"
    assert set_cookie_header("w_session", "", None, secure=True) == (
        "w_session=deleted; expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0; path=/; secure; "
        "HttpOnly")
    assert "Max-Age=60; path=/; HttpOnly" in set_cookie_header("x", "1", 60, secure=False)


def test_usable_names() -> None:
    assert usable_username("uploader@bot") == "Uploader@bot"
    assert usable_username("foo_bar  baz:x") == "Foo bar baz:x"
    assert usable_username("127.0.0.1") is None
    assert usable_username("a#b") is None
    assert usable_username("") is None


def test_rate_limit_categories() -> None:
    settings = load(env={})
    newbie = Principal(5, "N", ("bot",), ("read",))
    assert ratelimits.categories(newbie) == ["user", "ip", "subnet", "newbie", "bot"]
    limits = ratelimits.limits_for(newbie, settings)
    assert limits["move"] == {"user": {"hits": 8, "seconds": 60},
                              "newbie": {"hits": 2, "seconds": 120}}
    assert list(limits["move"]) == ["user", "newbie"]
    assert limits["upload"] == {"ip": {"hits": 8, "seconds": 60},
                                "newbie": {"hits": 8, "seconds": 60}}
    exempt = Principal(5, "N", (), ("autoconfirmed", "noratelimit"))
    assert ratelimits.limits_for(exempt, settings) == {}
    assert ratelimits.limits_for(exempt, settings, exempt_applies=False)["edit"] == {
        "user": {"hits": 90, "seconds": 60}}
