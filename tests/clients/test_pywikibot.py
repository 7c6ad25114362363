"""The real pywikibot 11.9 against the running test server, in a subprocess.

pywikibot reads global configuration at import and writes files (cookies, throttle, API
cache) into ``PYWIKIBOT_DIR``, so it runs in ``tests/clients/pywikibot_driver.py`` with a
generated ``PYWIKIBOT_DIR`` as its working directory (see that module). pywikibot starts
slowly (about a second), so every upload case runs in one ``uploads`` run, and this file
runs it five times per database backend.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.clients.media import make_png, sha1_hex
from tests.clients.pywikibot_driver import (
    CHUNK_SIZE,
    PROMPT_PASSWORD_ENV,
    UPLOAD_FILES,
    parse_result,
    write_pywikibot_dir,
)
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


def run_driver(directory: Path, *args: str,
               env: dict[str, str] | None = None) -> tuple[int, dict[str, Any], str]:
    """Run one driver scenario; returns (exit status, its JSON result, stderr)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PYWIKIBOT")}
    environment.update(PYWIKIBOT_DIR=str(directory), PYTHONDONTWRITEBYTECODE="1",
                       **(env or {}))
    done = subprocess.run([sys.executable, str(DRIVER), *args], cwd=directory,
                          env=environment,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=TIMEOUT, check=False)
    try:
        result = parse_result(done.stdout)
    except ValueError:
        pytest.fail(f"pywikibot driver gave no result (status {done.returncode}):\n"
                    f"{done.stdout}\n{done.stderr}")
    return done.returncode, result, done.stderr


def expect_success(directory: Path, *args: str,
                   env: dict[str, str] | None = None) -> dict[str, Any]:
    status, result, stderr = run_driver(directory, *args, env=env)
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


# -- uploads -------------------------------------------------------------------------------


def write_upload_files(directory: Path) -> dict[str, bytes]:
    """The driver's UPLOAD_FILES: small PNGs, a noise PNG of three CHUNK_SIZE chunks, and two
    20 MB noise PNGs (chunked and async-chunked with 1 MiB chunks)."""
    def big(seed: str, side: int) -> bytes:
        return make_png(seed, size=(side, side), noise=True)

    contents = {
        "direct": make_png("pwb-direct"),
        "direct-v2": make_png("pwb-direct-v2"),
        "other": make_png("pwb-other"),
        "big": big("pwb-big", 2600),
        "big-v2": big("pwb-big-v2", 900),
        "async": big("pwb-async", 2600),
        "robot": make_png("pwb-robot"),
    }
    directory.mkdir(parents=True, exist_ok=True)
    for key, data in contents.items():
        (directory / UPLOAD_FILES[key]).write_bytes(data)
    return contents


def version(data: bytes, comment: str, archived: bool = False) -> dict[str, Any]:
    """One entry of the driver's file history."""
    return {"sha1": sha1_hex(data), "size": len(data), "comment": comment,
            "user": "Uploader", "mime": "image/png", "archived": archived}


def chunk_requests(size: int, *flags: str) -> list[dict[str, Any]]:
    """The chunk requests pywikibot sends for a file of ``size`` bytes."""
    offsets = range(0, size, CHUNK_SIZE)
    first = {"sent": sorted(["stash", *flags]), "parts": ["chunk"]}
    return [first] + [{"sent": sorted(["filekey", "offset", "stash", *flags]),
                       "offset": offset, "parts": ["chunk"]} for offset in offsets[1:]]


def test_uploads(wiki: Wiki, api_url: str, accounts: Accounts, tmp_path: Path,
                 job_worker: Any) -> None:
    """Every upload case in one pywikibot run (``uploads`` in the driver)."""
    directory = pywikibot_dir(tmp_path, api_url, accounts)
    files = write_upload_files(directory / "files")
    assert len(files["big"]) > 20_000_000 and len(files["async"]) > 20_000_000
    assert 2 * CHUNK_SIZE < len(files["big-v2"]) <= 3 * CHUNK_SIZE

    results = expect_success(directory, "uploads", "--files", str(directory / "files"))

    failed = {name: case for name, case in results.items() if "error" in case
              and name not in ("exists", "duplicate")}
    assert not failed, failed
    # direct: site.upload(FilePage, source_filename=..., comment=..., text=...)
    direct = results["direct"]
    assert direct["returned"] is True
    assert direct["requests"] == [{"sent": [], "parts": ["file"]}]
    assert direct["file"] == {
        "exists": True, "sha1": sha1_hex(files["direct"]),
        "history": [version(files["direct"], "direct upload")],
        "text": "== Summary ==\nPywikibot direct"}
    # chunked: chunk_size smaller than the file; offsets follow the replies
    chunked = results["chunked"]
    assert chunked["returned"] is True
    assert chunked["requests"] == [*chunk_requests(len(files["big"])), {"sent": ["filekey"]}]
    assert chunked["file"] == {"exists": True, "sha1": sha1_hex(files["big"]),
                               "history": [version(files["big"], "chunked upload")],
                               "text": "chunked text"}
    # re-upload with ignore_warnings=True: one request with ignorewarnings, two versions
    reupload = results["reupload"]
    assert reupload["returned"] is True
    assert reupload["requests"] == [{"sent": ["ignorewarnings"], "parts": ["file"]}]
    two_versions = [version(files["direct-v2"], "second version"),
                    version(files["direct"], "direct upload", archived=True)]
    assert reupload["file"]["history"] == two_versions
    assert reupload["file"]["sha1"] == sha1_hex(files["direct-v2"])
    # a re-upload does not replace the description page
    assert reupload["file"]["text"] == "== Summary ==\nPywikibot direct"
    # ignore_warnings=False: UploadError with the warning code, nothing published
    exists = results["exists"]
    assert (exists["error"], exists["code"]) == ("UploadError", "exists")
    assert exists["info"] == "File Pwb_direct.png already exists."
    assert exists["has_file_key"] is True
    assert exists["file"]["history"] == two_versions
    duplicate = results["duplicate"]
    assert (duplicate["error"], duplicate["code"]) == ("UploadError", "duplicate")
    assert duplicate["info"] == "Uploaded file is a duplicate of ['Pwb_direct.png']."
    assert duplicate["has_file_key"] is True
    assert duplicate["file"] == {"exists": False}
    # a callable that accepts the warning: publish the stashed file by its filekey
    accepted = results["duplicate-ignore"]
    assert accepted["returned"] is True and accepted["warnings_seen"] == ["duplicate"]
    assert accepted["requests"] == [{"sent": [], "parts": ["file"]},
                                    {"sent": ["filekey", "ignorewarnings"]}]
    assert accepted["file"]["history"] == [version(files["direct-v2"], "a copy")]
    # chunked over an existing file: "exists" on the first chunk (no offset) restarts the
    # whole upload with ignorewarnings
    chunked_again = results["chunked-reupload"]
    assert chunked_again["returned"] is True and chunked_again["warnings_seen"] == ["exists"]
    assert chunked_again["requests"] == [
        {"sent": ["stash"], "parts": ["chunk"]},
        *chunk_requests(len(files["big-v2"]), "ignorewarnings"),
        {"sent": ["filekey", "ignorewarnings"]}]
    assert chunked_again["file"]["history"] == [
        version(files["big-v2"], "chunked again"),
        version(files["big"], "chunked upload", archived=True)]
    # async chunked: Poll after the last chunk, checkstatus until the assembly is done,
    # async publish, checkstatus until it is published
    asynchronous = results["async-chunked"]
    assert asynchronous["returned"] is True
    requests = asynchronous["requests"]
    chunks = chunk_requests(len(files["async"]), "async")
    assert requests[:len(chunks)] == chunks
    polls = requests[len(chunks):]
    publish = polls.index({"sent": ["async", "filekey"]})
    assert publish >= 1
    assert all(r == {"sent": ["checkstatus", "filekey"]} for r in polls[:publish])
    assert polls[publish + 1:] and all(
        r == {"sent": ["checkstatus", "filekey"]} for r in polls[publish + 1:])
    assert asynchronous["file"] == {"exists": True, "sha1": sha1_hex(files["async"]),
                                    "history": [version(files["async"], "async upload")],
                                    "text": "async text"}
    # specialbots.UploadRobot for one local file
    robot = results["uploadrobot"]
    assert robot["uploaded"] == 1
    assert robot["processed"] == [["robot.png", "Pwb robot.png"]]
    assert robot["requests"] == [{"sent": [], "parts": ["file"]}]
    assert robot["file"] == {"exists": True, "sha1": sha1_hex(files["robot"]),
                             "history": [version(files["robot"], "robot summary")],
                             "text": "Robot description"}


# -- the account check (list=allusers) -----------------------------------------------------


def test_account_check_with_allusers(wiki: Wiki, api_url: str, accounts: Accounts,
                                     tmp_path: Path) -> None:
    """pywikibot checks that an account exists (list=allusers) before it asks for a password.

    Uploader's password is in the password file and its check passes; Plain has no entry,
    so logging in as Plain runs the check, then prompts (answered by the driver), then logs
    in with clientlogin; an unknown name fails the check before any prompt.
    """
    directory = pywikibot_dir(tmp_path, api_url, accounts)

    result = expect_success(directory, "check-user", "--user", "Plain", "--check", "Uploader",
                            env={PROMPT_PASSWORD_ENV: accounts.plain_password})

    check = {"aufrom": "Uploader", "aulimit": "1", "auprop": "editcount|groups|registration"}
    assert result["nobody"] == {
        "error": "NoUsernameError",
        "message": "Username 'Nobody' does not exist on wikiupload:wikiupload"}
    assert result["file_account"] == {"password_from_file": True,
                                      "login_name": "Uploader@bot"}
    assert result["checks"] == [{**check, "aufrom": "Nobody"}, check]
    login = result["login"]
    assert login["allusers"] == [{**check, "aufrom": "Plain"}]
    assert login["prompts"] == [
        "Password for user Plain on wikiupload:wikiupload (no characters will be shown):"]
    assert login["login_actions"] == ["clientlogin"]
    assert (login["logged_in"], login["user"], login["userinfo_name"]) == (True, "Plain",
                                                                           "Plain")
    assert login["has_upload"] is False
