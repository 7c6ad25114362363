"""``wikiupload import`` (server side, like importImages.php), run in-process on the data
directory of the wiki the test server serves."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.clients.media import make_png, sha1_hex
from tests.support import ApiClient
from wikiupload.cli import main
from wikiupload.config import Settings
from wikiupload.db.models import Session as SessionRow
from wikiupload.wiki import Wiki

from .test_upload_cli import imageinfo

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + \
    b"PE\x00\x00" + b"\x00" * 200


@pytest.fixture(autouse=True)
def same_settings(wiki: Wiki, monkeypatch: pytest.MonkeyPatch) -> None:
    """Exactly the served wiki's settings (database included) for ``--data`` its data dir."""
    def settings_from(args: argparse.Namespace) -> Settings:
        assert args.data == wiki.settings.data_dir
        return wiki.settings

    monkeypatch.setattr("wikiupload.cli.settings_from", settings_from)


def run_import(wiki: Wiki, *args: str | Path) -> int:
    return main(["--data", str(wiki.settings.data_dir), "import", "--user", "Uploader",
                 *[str(a) for a in args]])


@pytest.fixture
def pictures(tmp_path: Path) -> Path:
    folder = tmp_path / "pictures"
    folder.mkdir()
    for index in range(3):
        (folder / f"Import_{index}.png").write_bytes(make_png(f"import-{index}"))
    return folder


def sessions_count(wiki: Wiki) -> int:
    with wiki.db() as db:
        return int(db.scalar(select(func.count()).select_from(SessionRow)) or 0)


def test_imports_a_directory(wiki: Wiki, uploader: ApiClient, pictures: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    before = sessions_count(wiki)
    assert run_import(wiki, pictures, "--comment", "bulk import") == 0
    out = capsys.readouterr().out
    assert "3 imported, 0 skipped, 0 failed" in out
    for index in range(3):
        info = imageinfo(uploader, f"Import_{index}.png")
        assert info is not None
        assert info["sha1"] == sha1_hex(make_png(f"import-{index}"))
        assert info["user"] == "Uploader" and info["comment"] == "bulk import"
    assert sessions_count(wiki) == before  # the import's session is removed again
    assert list(wiki.temp_dir.glob("import-*")) == []


def test_skips_duplicates_and_reports_refused_files(
        wiki: Wiki, uploader: ApiClient, pictures: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert run_import(wiki, pictures / "Import_0.png", "--quiet") == 0
    second = tmp_path / "second"
    second.mkdir()
    (second / "Copy_of_import_0.png").write_bytes(make_png("import-0"))
    (second / "Fresh.png").write_bytes(make_png("fresh"))
    (second / "Program.png").write_bytes(EXE)
    capsys.readouterr()
    assert run_import(wiki, second, "--skip-duplicates") == 1
    out = capsys.readouterr().out
    assert "1 imported, 1 skipped, 1 failed" in out
    lines = {line.split()[1]: line for line in out.splitlines()
             if line.startswith(("uploaded", "skipped", "failed"))}
    assert lines[str(second / "Copy_of_import_0.png")].startswith("skipped")
    assert "duplicate" in lines[str(second / "Copy_of_import_0.png")]
    refused = lines[str(second / "Program.png")]
    assert refused.startswith("failed")
    assert "verification-error: " in refused  # the API's error code and info
    assert imageinfo(uploader, "Fresh.png") is not None
    assert imageinfo(uploader, "Copy_of_import_0.png") is None
    assert imageinfo(uploader, "Program.png") is None
    stash = uploader.get(action="query", list="mystashedfiles", formatversion="2")
    assert stash["query"]["mystashedfiles"] == []  # the skipped duplicate is not left stashed
