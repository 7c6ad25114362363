"""The real pywikibot 11.9 against the running test server, in a subprocess.

pywikibot reads global configuration at import and writes files (cookies, throttle, API
cache) into ``PYWIKIBOT_DIR``, so it runs in ``tests/clients/pywikibot_driver.py`` with a
generated ``PYWIKIBOT_DIR`` as its working directory (see that module). pywikibot starts
slowly, so this file runs it at most three times per database backend.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.clients.pywikibot_driver import parse_result, write_pywikibot_dir
from tests.conftest import UPLOADER_BOT_PASSWORD
from tests.support import Accounts
from wikiupload.wiki import Wiki

pytestmark = pytest.mark.clients

DRIVER = Path(__file__).with_name("pywikibot_driver.py")
TIMEOUT = 30  # seconds per pywikibot run


def pywikibot_dir(tmp_path: Path, api_url: str, accounts: Accounts) -> Path:
    """Uploader logs in with its bot password by default; Admin with its main password."""
    return write_pywikibot_dir(tmp_path / "pywikibot", api_url, "Uploader", [
        ("Uploader", UPLOADER_BOT_PASSWORD, "bot"),
        ("Admin", accounts.admin_password, None),
    ])


def run_driver(directory: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    """Run one driver scenario; returns (exit status, its JSON result, stderr)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYWIKIBOT")}
    env.update(PYWIKIBOT_DIR=str(directory), PYTHONDONTWRITEBYTECODE="1")
    done = subprocess.run([sys.executable, str(DRIVER), *args], cwd=directory, env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=TIMEOUT, check=False)
    try:
        result = parse_result(done.stdout)
    except ValueError:
        pytest.fail(f"pywikibot driver gave no result (status {done.returncode}):\n"
                    f"{done.stdout}\n{done.stderr}")
    return done.returncode, result, done.stderr


def expect_success(directory: Path, *args: str) -> dict[str, Any]:
    status, result, stderr = run_driver(directory, *args)
    assert status == 0 and "error" not in result, f"{result}\n{stderr}"
    # pywikibot names user-config.py in every warning about it (unknown or deprecated settings)
    assert "user-config.py" not in stderr, stderr
    return result


def test_login_with_bot_password(wiki: Wiki, api_url: str, accounts: Accounts,
                                 tmp_path: Path) -> None:
    directory = pywikibot_dir(tmp_path, api_url, accounts)

    result = expect_success(directory, "login")

    assert result == {
        "logged_in": True,
        "user": "Uploader",
        "userinfo_name": "Uploader",
        "groups": ["*", "autoconfirmed", "uploader", "user"],
        "has_upload": True,
        "has_edit": True,
        "has_upload_by_url": True,
        "version": "1.39.17",
        "upload_disabled": False,
        "file_namespace": "File",
        "csrf_token": True,
        "login_actions": ["login"],
    }
    # pywikibot kept its cookies, throttle and API cache in PYWIKIBOT_DIR, not in the repo
    assert (directory / "pywikibot-Uploader.lwp").is_file()
    assert (directory / "throttle.ctrl").is_file()
    assert (directory / "apicache").is_dir()


def test_login_with_main_password(wiki: Wiki, api_url: str, accounts: Accounts,
                                  tmp_path: Path) -> None:
    directory = pywikibot_dir(tmp_path, api_url, accounts)

    result = expect_success(directory, "login", "--user", "Admin")

    assert result["logged_in"] is True
    assert result["user"] == result["userinfo_name"] == "Admin"
    assert {"sysop", "bureaucrat", "uploader"} <= set(result["groups"])
    assert result["has_upload"] and result["has_upload_by_url"]
    assert result["csrf_token"] is True
    assert result["login_actions"] == ["clientlogin"]


def test_wrong_password_fails(wiki: Wiki, api_url: str, accounts: Accounts,
                              tmp_path: Path) -> None:
    directory = write_pywikibot_dir(tmp_path / "pywikibot", api_url, "Uploader",
                                    [("Uploader", "x" * 32, "bot")])

    status, result, _ = run_driver(directory, "login")

    assert status == 1
    assert result["error"] == "NoUsernameError"
    assert result["message"].startswith("Failed on wikiupload:wikiupload: Incorrect username")
