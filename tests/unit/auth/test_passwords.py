"""Password hashing and bot-password credentials."""

from __future__ import annotations

import re

import pytest

from wikiupload.auth.login import canonical_bot_login
from wikiupload.auth.passwords import generate_bot_password, hash_password, verify_password

BOT = "uploaderbotsecret0123456789abcde"


def test_hash_round_trip() -> None:
    stored = hash_password("Secret-1")
    assert stored.startswith("scrypt$16384$8$1$")
    assert verify_password("Secret-1", stored)
    assert not verify_password("secret-1", stored)
    assert hash_password("Secret-1") != stored   # salted


@pytest.mark.parametrize("stored", ["", "plain", "md5$x$y", "scrypt$1$2"])
def test_unusable_hashes_never_verify(stored: str) -> None:
    assert not verify_password("anything", stored)


def test_generated_bot_passwords() -> None:
    passwords = {generate_bot_password() for _ in range(20)}
    assert len(passwords) == 20
    assert all(re.fullmatch(r"[0-9a-w]{32}", p) for p in passwords)


@pytest.mark.parametrize(("name", "password", "expected"), [
    ("Uploader@bot", BOT, ("Uploader@bot", BOT)),
    ("Uploader@bot", BOT + "0123", ("Uploader@bot", BOT + "0123")),
    ("Uploader@bot", BOT.upper(), None),
    ("Uploader@bot", BOT[:31], None),
    ("Uploader@bot", "x" * 32, None),
    ("Uploader", BOT, None),
    ("Uploader", f"bot@{BOT}", ("Uploader@bot", BOT)),
    ("Uploader", f"my@app@{BOT}", ("Uploader@my@app", BOT)),
    ("Uploader", f"bot@{BOT[:31]}", None),
    ("Uploader", f"@{BOT}", ("Uploader@", BOT)),
    ("Uploader@bot", f"bot@{BOT}", None),
    ("", "", None),
])
def test_bot_login_canonicalisation(name: str, password: str,
                                    expected: tuple[str, str] | None) -> None:
    assert canonical_bot_login(name, password) == expected
