"""Session-bound tokens: hex(HMAC-MD5(secret, timestamp + salt)) + hex(timestamp) + '+\\'.

Every token type has a salt and names the session secret it is derived from. Login and
account-creation tokens have their own secrets and are real tokens even for anonymous users;
the CSRF family (csrf, patrol, rollback, userrights, watch) shares the ``default`` secret and
is the constant ``+\\`` for anonymous users.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time

from wikiupload.auth.sessions import SessionState

SUFFIX = "+\\"
ANONYMOUS_CSRF = SUFFIX
DEFAULT_SECRET = "default"

# Token type -> (salt, name of the session secret); see meta=tokens.
TOKEN_TYPES: dict[str, tuple[str, str]] = {
    "createaccount": ("", "createaccount"),
    "csrf": ("", DEFAULT_SECRET),
    "login": ("", "login"),
    "patrol": ("patrol", DEFAULT_SECRET),
    "rollback": ("rollback", DEFAULT_SECRET),
    "userrights": ("userrights", DEFAULT_SECRET),
    "watch": ("watch", DEFAULT_SECRET),
}
_TOKEN = re.compile(r"([0-9a-f]{32})([0-9a-f]+)" + re.escape(SUFFIX))


def make_token(secret: str, salt: str, now: int | None = None) -> str:
    stamp = int(time.time()) if now is None else now
    digest = hmac.new(secret.encode(), f"{stamp}{salt}".encode(), hashlib.md5).hexdigest()
    return f"{digest}{stamp:x}{SUFFIX}"


def check_token(secret: str, salt: str, token: str) -> bool:
    """True if ``token`` was made from ``secret`` and ``salt`` at any time (no age limit)."""
    match = _TOKEN.fullmatch(token)
    if match is None:
        return False
    expected = make_token(secret, salt, int(match.group(2), 16))
    return hmac.compare_digest(expected, token)


def is_session_bound(kind: str) -> bool:
    """Login and createaccount tokens: real tokens for everyone, and they persist the session."""
    return TOKEN_TYPES[kind][1] != DEFAULT_SECRET


def issue_token(session: SessionState, anonymous: bool, kind: str,
                now: int | None = None) -> str:
    """The token string of one type for this session, creating its secret if needed."""
    salt, secret_name = TOKEN_TYPES[kind]
    if anonymous and secret_name == DEFAULT_SECRET:
        return ANONYMOUS_CSRF
    if secret_name != DEFAULT_SECRET:
        session.persist()
    return make_token(session.secret(secret_name), salt, now)


def token_matches(session: SessionState, anonymous: bool, kind: str, token: str) -> bool:
    """Validate a token; a secret the session never had validates nothing."""
    salt, secret_name = TOKEN_TYPES.get(kind, ("", DEFAULT_SECRET))
    if anonymous and secret_name == DEFAULT_SECRET:
        return token == ANONYMOUS_CSRF
    if not session.has_secret(secret_name):
        return False
    return check_token(session.secret(secret_name), salt, token)
