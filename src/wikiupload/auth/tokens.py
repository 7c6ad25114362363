"""Session-bound tokens: hex(HMAC-MD5(secret, timestamp + salt)) + hex(timestamp) + '+\\'."""

from __future__ import annotations

import hashlib
import hmac
import re
import time

SUFFIX = "+\\"
ANONYMOUS_CSRF = SUFFIX

# Token type -> (salt, name of the session secret); see meta=tokens.
TOKEN_TYPES: dict[str, tuple[str, str]] = {
    "createaccount": ("", "createaccount"),
    "csrf": ("", "default"),
    "login": ("", "login"),
    "patrol": ("patrol", "default"),
    "rollback": ("rollback", "default"),
    "userrights": ("userrights", "default"),
    "watch": ("watch", "default"),
}
_TOKEN = re.compile(r"([0-9a-f]{32})([0-9a-f]+)" + re.escape(SUFFIX))


def make_token(secret: str, salt: str, now: int | None = None) -> str:
    stamp = int(time.time()) if now is None else now
    digest = hmac.new(secret.encode(), f"{stamp}{salt}".encode(), hashlib.md5).hexdigest()
    return f"{digest}{stamp:x}{SUFFIX}"


def check_token(secret: str, salt: str, token: str) -> bool:
    match = _TOKEN.fullmatch(token)
    if match is None:
        return False
    expected = make_token(secret, salt, int(match.group(2), 16))
    return hmac.compare_digest(expected, token)
