"""``wikiupload check``: every kind of stored file verified against its row, damage and
leftovers found and reported (text and ``--json``, exit status), ``--repair`` fixing what is
safe and never removing a file a row points to."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from tests.clients.media import make_png
from tests.support import ApiClient
from wikiupload.cli import main
from wikiupload.filerepo.backends import LocalBackend
from wikiupload.filerepo.backends.base import TEMP_PREFIX
from wikiupload.filerepo.backends.local import SPARE_IDLE_SECONDS, SPARE_PREFIX
from wikiupload.filerepo.intents import JOURNAL_ZONE
from wikiupload.maintenance.check import check_repository
from wikiupload.wiki import Wiki

HOUR = 3600


@pytest.fixture
def stocked(wiki: Wiki, admin: ApiClient) -> dict[str, bytes]:
    """A current file with an old version, a deleted file, a stashed file."""
    contents = {name: make_png(name) for name in ("v1", "v2", "gone", "stashed")}
    for version in ("v1", "v2"):
        reply = admin.upload("Kept.png", contents[version], "image/png", ignorewarnings="1")
        assert reply["upload"]["result"] == "Success"
    assert admin.upload("Gone.png", contents["gone"], "image/png")["upload"]["result"] == (
        "Success")
    assert "delete" in admin.post(action="delete", title="File:Gone.png", token=admin.csrf)
    reply = admin.upload("Stashed.png", contents["stashed"], "image/png", stash="1")
    assert reply["upload"]["result"] == "Success"
    return contents


def _run(wiki: Wiki, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
         *args: str) -> tuple[int, dict[str, Any]]:
    """The command as an operator runs it, on the test wiki's settings; (status, JSON)."""
    monkeypatch.setenv("WIKIUPLOAD_DATA_DIR", str(wiki.settings.data_dir))
    if wiki.settings.database_url:
        monkeypatch.setenv("WIKIUPLOAD_DATABASE_URL", wiki.settings.database_url)
    status = main(["check", "--json", *args])
    return status, json.loads(capsys.readouterr().out)


def _local(wiki: Wiki, path: str) -> Path:
    backend = wiki.filerepo.backend
    assert isinstance(backend, LocalBackend)
    return backend.local_path(path)


def _age(path: Path, seconds: float) -> None:
    past = time.time() - seconds
    os.utime(path, (past, past))


def _paths(wiki: Wiki) -> dict[str, str]:
    """Where the stocked files are: current, old, deleted and stashed."""
    backend = wiki.filerepo.backend
    found = {"current": wiki.filerepo.public_path("Kept.png")}
    for path in backend.iter(""):
        if path.startswith("archive/"):
            found["old"] = path
        elif path.startswith("deleted/"):
            found["deleted"] = path
        elif path.startswith("temp/"):
            found["stashed"] = path
    return found


def _kinds(report: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {problem["path"]: (problem["kind"], problem["table"])
            for problem in report["problems"]}


def test_a_healthy_repository_checks_clean(stocked: dict[str, bytes], wiki: Wiki,
                                           monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    status, report = _run(wiki, monkeypatch, capsys)
    assert status == 0
    assert report["checked"] == {"image": 1, "oldimage": 1, "filearchive": 1,
                                 "uploadstash": 1}
    assert report["problems"] == [] and report["objects"] == 4


def test_damage_and_leftovers_are_reported(stocked: dict[str, bytes], wiki: Wiki,
                                           monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    paths = _paths(wiki)
    current = _local(wiki, paths["current"])
    damaged = bytearray(current.read_bytes())
    damaged[-20] ^= 0xFF                                     # same size, other content
    current.write_bytes(bytes(damaged))
    old = _local(wiki, paths["old"])
    old.write_bytes(old.read_bytes()[:100])                  # cut short
    _local(wiki, paths["deleted"]).unlink()                  # gone
    _local(wiki, paths["stashed"]).unlink()
    orphan = _local(wiki, "e/e1/Nobody.png")
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"no row names me")
    _age(orphan, 2 * HOUR)
    temp = current.parent / f"{TEMP_PREFIX}interrupted"
    temp.write_bytes(b"half")
    _age(temp, 2 * HOUR)
    spool = wiki.temp_dir / "upload-interrupted"
    spool.write_bytes(b"request body")
    _age(spool, 2 * HOUR)

    status, report = _run(wiki, monkeypatch, capsys)
    assert status == 4
    assert _kinds(report) == {
        paths["current"]: ("sha1-mismatch", "image"),
        paths["old"]: ("size-mismatch", "oldimage"),
        paths["deleted"]: ("missing", "filearchive"),
        paths["stashed"]: ("missing", "uploadstash"),
        "e/e1/Nobody.png": ("orphan", ""),
        str(temp): ("stale-temp", ""),
        str(spool): ("stale-spool", ""),
    }
    assert report["unrepaired"] == 7


def test_repair_restores_from_copies_and_removes_only_the_unreferenced(
        stocked: dict[str, bytes], wiki: Wiki, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """An interrupted re-upload (new bytes under the old row, the old bytes in an archive
    object no row names) is put back; a file whose bytes exist nowhere is reported and
    left in place; orphans and temp files go only when old enough."""
    paths = _paths(wiki)
    current = _local(wiki, paths["current"])
    interrupted = f"archive/{wiki.filerepo.hash_path('Kept.png')}20000101000000!Kept.png"
    backend = wiki.filerepo.backend
    backend.copy(paths["current"], interrupted)
    current.write_bytes(make_png("never acknowledged"))
    old = _local(wiki, paths["old"])
    old.write_bytes(b"damaged beyond repair")
    young = _local(wiki, wiki.filerepo.public_path("Young.png"))
    young.parent.mkdir(parents=True, exist_ok=True)
    young.write_bytes(b"maybe a publish in flight")
    stray = _local(wiki, "f/f0/Stray.bin")          # no row could ever name this path
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"put here by hand")
    _age(stray, 2 * HOUR)

    status, report = _run(wiki, monkeypatch, capsys, "--repair")
    assert status == 4                                       # the old version is lost
    outcome = {problem["path"]: (problem["kind"], problem["repaired"], problem["action"])
               for problem in report["problems"]}
    assert outcome[paths["current"]] == ("size-mismatch", True, f"copied from {interrupted}")
    assert outcome[paths["old"]][:2] == ("size-mismatch", False)
    assert wiki.filerepo.public_path("Young.png") not in outcome
    assert report["recent_orphans"] == 2
    assert outcome["f/f0/Stray.bin"] == ("orphan", False, "kept: not a path rows can name")
    assert current.read_bytes() == stocked["v2"]
    assert old.read_bytes() == b"damaged beyond repair"      # referenced: never removed
    assert young.exists() and backend.exists(interrupted)   # younger than --min-age

    status, report = _run(wiki, monkeypatch, capsys, "--repair", "--min-age", "0")
    assert status == 4
    assert not young.exists() and not backend.exists(interrupted)
    assert sorted(problem["path"] for problem in report["problems"]
                  if not problem["repaired"]) == sorted(["f/f0/Stray.bin", paths["old"]])
    assert stray.exists()


def test_a_spare_file_is_a_leftover_only_once_idle(
        stocked: dict[str, bytes], wiki: Wiki, admin: ApiClient,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """A settled publish intent leaves its file as a spare for the next one: not a leftover,
    even with --min-age 0, until unused for SPARE_IDLE_SECONDS; then --repair removes it,
    and the next upload does without it."""
    if not isinstance(wiki.filerepo.backend, LocalBackend):
        pytest.skip("spare files are those of local storage")
    spares = sorted(_local(wiki, JOURNAL_ZONE).glob(f"{SPARE_PREFIX}*"))
    assert spares
    status, report = _run(wiki, monkeypatch, capsys, "--min-age", "0")
    assert (status, report["problems"]) == (0, [])
    for spare in spares:
        _age(spare, SPARE_IDLE_SECONDS + 60)
    _status, report = _run(wiki, monkeypatch, capsys, "--repair", "--min-age", "0")
    assert _kinds(report) == {str(spare): ("stale-temp", "") for spare in spares}
    assert not any(spare.exists() for spare in spares)
    reply = admin.upload("After.png", make_png("after the spares"), "image/png")
    assert reply["upload"]["result"] == "Success", reply
    assert admin.get(action="query", titles="File:After.png", prop="imageinfo",
                     iiprop="size")["query"]["pages"]


def test_a_stash_entry_without_bytes_is_failed_cleanly(stocked: dict[str, bytes], wiki: Wiki,
                                                      admin: ApiClient) -> None:
    paths = _paths(wiki)
    _local(wiki, paths["stashed"]).unlink()
    report = check_repository(wiki, min_age=HOUR, repair=True)
    assert [(p.kind, p.table, p.repaired) for p in report.problems] == [
        ("missing", "uploadstash", True)]
    files = admin.get(action="query", list="mystashedfiles", formatversion="2")
    assert files["query"]["mystashedfiles"] == []
    assert check_repository(wiki, min_age=HOUR).problems == []


def test_text_output(stocked: dict[str, bytes], wiki: Wiki, monkeypatch: pytest.MonkeyPatch,
                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("WIKIUPLOAD_DATA_DIR", str(wiki.settings.data_dir))
    if wiki.settings.database_url:
        monkeypatch.setenv("WIKIUPLOAD_DATABASE_URL", wiki.settings.database_url)
    _local(wiki, _paths(wiki)["deleted"]).unlink()
    assert main(["check"]) == 4
    out = capsys.readouterr().out
    assert out.startswith("checked 1 image, 1 oldimage, 1 filearchive, 1 uploadstash; "
                          "3 stored object(s)\n")
    assert "missing: deleted/" in out and "(filearchive Gone.png): no such object" in out
    assert out.rstrip().endswith("1 missing")
