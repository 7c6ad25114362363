"""Password hashing with the standard library's scrypt KDF."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

_N, _R, _P = 2**14, 8, 1


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    encoded = [base64.b64encode(salt).decode(), base64.b64encode(digest).decode()]
    return "$".join(["scrypt", str(_N), str(_R), str(_P), *encoded])


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt64, digest64 = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    salt, expected = base64.b64decode(salt64), base64.b64decode(digest64)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=int(n), r=int(r), p=int(p),
                            dklen=len(expected), maxmem=128 * 1024 * 1024)
    return hmac.compare_digest(digest, expected)


BOT_PASSWORD_ALPHABET = "0123456789abcdefghijklmnopqrstuvw"


def generate_bot_password() -> str:
    """32 characters from [0-9a-w], as Special:BotPasswords generates them."""
    return "".join(secrets.choice(BOT_PASSWORD_ALPHABET) for _ in range(32))
