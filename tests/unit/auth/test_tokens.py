"""Token format and validation (no server needed)."""

from __future__ import annotations

import re

import pytest

from wikiupload.auth.sessions import SessionState
from wikiupload.auth.tokens import (
    ANONYMOUS_CSRF,
    TOKEN_TYPES,
    check_token,
    issue_token,
    make_token,
    token_matches,
)

SECRET = "0123456789abcdef0123456789abcdef"


def test_format_is_hmac_then_hex_time_then_suffix() -> None:
    token = make_token(SECRET, "", now=0x6B025125)
    assert re.fullmatch(r"[0-9a-f]{32}6b025125\+\\", token)
    assert token.endswith("+\\") and len(token) == 42


def test_known_value() -> None:
    """hex(HMAC-MD5(secret, "<timestamp><salt>")) computed independently."""
    import hashlib
    import hmac

    digest = hmac.new(SECRET.encode(), b"1700000000watch", hashlib.md5).hexdigest()
    assert make_token(SECRET, "watch", now=1700000000) == f"{digest}6553f100+\\"


def test_tokens_of_any_time_validate() -> None:
    for stamp in (1, 1700000000, 2**32 - 1):
        assert check_token(SECRET, "patrol", make_token(SECRET, "patrol", now=stamp))


# A fixed time: test ids must not depend on the clock (pytest-xdist compares them).
FIXED = 1_700_000_000


@pytest.mark.parametrize("bad", [
    "", "+\\", "abc+\\", make_token(SECRET, "", now=FIXED)[:-2],
    make_token(SECRET, "", now=FIXED).upper(),
    make_token(SECRET, "", now=FIXED) + " ", make_token(SECRET, "watch", now=FIXED),
    make_token("other", "", now=FIXED),
    make_token(SECRET, "", now=5)[:-3] + "6+\\",
    make_token(SECRET, "", now=FIXED).replace("+\\", " \\"),
])
def test_invalid_tokens(bad: str) -> None:
    assert not check_token(SECRET, "", bad)


def test_salts_and_secrets_of_each_type() -> None:
    assert TOKEN_TYPES == {
        "createaccount": ("", "createaccount"), "csrf": ("", "default"),
        "login": ("", "login"), "patrol": ("patrol", "default"),
        "rollback": ("rollback", "default"), "userrights": ("userrights", "default"),
        "watch": ("watch", "default")}


def test_anonymous_csrf_family_is_constant() -> None:
    session = SessionState()
    for kind in ("csrf", "patrol", "rollback", "userrights", "watch"):
        assert issue_token(session, True, kind) == ANONYMOUS_CSRF == "+\\"
    assert not session.persisted
    assert token_matches(session, True, "csrf", "+\\")
    assert not token_matches(session, True, "csrf", make_token(SECRET, ""))


def test_login_token_persists_the_session_even_anonymously() -> None:
    session = SessionState()
    token = issue_token(session, True, "login")
    assert session.persisted and session.dirty
    assert token_matches(session, True, "login", token)
    assert not token_matches(session, True, "createaccount", token)


def test_logged_in_tokens_are_real_and_typed() -> None:
    session = SessionState(id="x" * 32, user_id=7)
    csrf = issue_token(session, False, "csrf")
    watch = issue_token(session, False, "watch")
    assert csrf != watch
    assert token_matches(session, False, "csrf", csrf)
    assert token_matches(session, False, "watch", watch)
    assert not token_matches(session, False, "csrf", watch)
    assert not token_matches(session, False, "csrf", "+\\")


def test_a_secret_never_issued_validates_nothing() -> None:
    session = SessionState(id="x" * 32, user_id=7)
    assert not token_matches(session, False, "csrf", make_token(SECRET, ""))
    assert not session.has_secret("default")


def test_reset_makes_old_tokens_invalid() -> None:
    session = SessionState(id="x" * 32, user_id=7)
    old = issue_token(session, False, "csrf")
    session.reset(7)
    assert session.id != "x" * 32 and session.removed_id == "x" * 32
    assert not token_matches(session, False, "csrf", old)


def test_reset_keeping_the_previous_session() -> None:
    session = SessionState(id="x" * 32)
    session.reset(7, keep_previous=True, bot_app_id="bot")
    assert session.removed_id is None and session.bot_app_id == "bot"
