"""The wikiupload command: accounts and bot passwords through the real entry point."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from wikiupload.auth.users import check_bot_password, check_password, find_user
from wikiupload.cli import main
from wikiupload.cli.serve import ensure_first_admin
from wikiupload.config import load
from wikiupload.wiki import Wiki


def test_user_and_botpassword_add(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    assert main(["--data", str(data), "user", "add", "alice", "--password", "pw-12345",
                 "--group", "uploader", "--group", "bot"]) == 0
    assert main(["--data", str(data), "botpassword", "add", "Alice", "tool",
                 "--grants", "basic", "uploadfile"]) == 0
    out = capsys.readouterr().out
    assert "login name: Alice@tool" in out
    password = re.search(r"password:\s+(\S+)", out)
    assert password is not None and re.fullmatch(r"[0-9a-w]{32}", password.group(1))
    wiki = Wiki.open(load(env={}, data_dir=data))
    with wiki.db() as db:
        user = find_user(db, "Alice")
        assert user is not None and check_password(user, "pw-12345")
        assert check_bot_password(db, user, "tool", password.group(1))
    wiki.close()


def test_duplicate_user_is_a_clear_error(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--data", str(tmp_path), "user", "add", "Bob", "--password", "x"]
    assert main(args) == 0
    assert main(args) == 2
    assert "already exists" in capsys.readouterr().err


@pytest.mark.parametrize("raced", [False, True], ids=["alone", "raced"])
def test_first_start_creates_admin_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        raced: bool) -> None:
    """The first start creates the administrator, the next one does not. Raced: two servers
    starting together on PostgreSQL both count no users and the other one commits the
    administrator first; the second finds the name taken and goes on."""
    from wikiupload.cli import serve

    wiki = Wiki.open(load(env={}, data_dir=tmp_path))
    password = ensure_first_admin(wiki)
    if raced:
        monkeypatch.setattr(serve, "_has_users", lambda _db: False)   # counted before it
    assert password and ensure_first_admin(wiki) is None
    with wiki.db() as db:
        admin = find_user(db, "Admin")
        assert admin is not None and check_password(admin, password)
    wiki.close()


def test_a_store_that_cannot_work_stops_serve_with_the_reason(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from wikiupload.cli import serve
    from wikiupload.filerepo.backends import StoreMisconfigured

    def missing_bucket(_wiki: Wiki) -> None:
        raise StoreMisconfigured("list journal/: the store answered NoSuchBucket "
                                 "(the bucket must be created first)")

    monkeypatch.setattr(serve, "recover", missing_bucket)
    assert main(["--data", str(tmp_path / "data"), "serve"]) == 2
    assert "wikiupload: list journal/: the store answered NoSuchBucket" in capsys.readouterr().err
