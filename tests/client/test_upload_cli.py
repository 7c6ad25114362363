"""``wikiupload upload`` against the real test server: run in-process through cli.main."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.clients.media import make_png, sha1_hex
from tests.conftest import UPLOADER_BOT_PASSWORD
from tests.support import Accounts, ApiClient
from wikiupload.cli import main
from wikiupload.client import ApiSession, ResumeState, Uploader, UploadJob
from wikiupload.wiki import Wiki

CHUNK = 64 * 1024


def big_png(seed: int) -> bytes:
    """An incompressible PNG of about 270 KB: five chunks of CHUNK bytes."""
    return make_png(seed, size=(300, 300), noise=True)


def run_upload(api_url: str, *args: str | Path, user: str = "Uploader@bot",
               password: str = UPLOADER_BOT_PASSWORD, state: Path | None = None) -> int:
    argv = ["upload", "--api", api_url, "--user", user, "--password", password,
            "--retry-delay", "0.01", *[str(a) for a in args]]
    if state is not None:
        argv += ["--state", str(state)]
    return main(argv)


def imageinfo(client: ApiClient, name: str) -> dict[str, Any] | None:
    reply = client.get(action="query", titles=f"File:{name}", prop="imageinfo",
                       iiprop="sha1|size|comment|user", formatversion="2")
    page = reply["query"]["pages"][0]
    infos = page.get("imageinfo")
    return infos[0] if infos else None


def page_text(client: ApiClient, name: str) -> str:
    reply = client.get(action="query", titles=f"File:{name}", prop="revisions",
                       rvprop="content", rvslots="main", formatversion="2")
    return str(reply["query"]["pages"][0]["revisions"][0]["slots"]["main"]["content"])


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "state.json"


def test_direct_upload_with_comment_text_and_tags(wiki: Wiki, api_url: str, anon: ApiClient,
                                                  tmp_path: Path, state: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "Small picture.png"
    data = make_png(1)
    path.write_bytes(data)
    code = run_upload(api_url, path, "--comment", "first upload", "--text", "A small picture",
                      state=state)
    out = capsys.readouterr()
    assert code == 0, out
    info = imageinfo(anon, "Small picture.png")
    assert info is not None
    assert info["sha1"] == sha1_hex(data)
    assert info["comment"] == "first upload"
    assert info["user"] == "Uploader"
    assert "A small picture" in page_text(anon, "Small picture.png")
    assert "1 uploaded, 0 skipped, 0 failed" in out.out
    assert not state.exists()


def test_chunked_upload(wiki: Wiki, api_url: str, anon: ApiClient, tmp_path: Path,
                        state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "big.png"
    data = big_png(2)
    path.write_bytes(data)
    code = run_upload(api_url, path, "--chunk-size", str(CHUNK), "--json", state=state)
    lines = json_lines(capsys.readouterr().out)
    assert code == 0
    file_line = lines[0]
    assert file_line["event"] == "file"
    assert file_line["status"] == "uploaded"
    assert file_line["chunked"] is True
    assert file_line["bytes_sent"] == len(data)
    assert file_line["sha1"] == sha1_hex(data)
    assert lines[-1] == {"event": "summary", "uploaded": 1, "skipped": 0, "failed": 0,
                         "files": 1, "bytes_sent": len(data), "exit_code": 0}
    info = imageinfo(anon, "big.png")
    assert info is not None and info["sha1"] == sha1_hex(data)


def test_chunked_async_upload(wiki: Wiki, api_url: str, anon: ApiClient, tmp_path: Path,
                              state: Path, job_worker: Any,
                              capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "async.png"
    data = big_png(3)
    path.write_bytes(data)
    code = run_upload(api_url, path, "--chunk-size", str(CHUNK), "--async", "--json",
                      state=state)
    lines = json_lines(capsys.readouterr().out)
    assert code == 0, lines
    info = imageinfo(anon, "async.png")
    assert info is not None and info["sha1"] == sha1_hex(data)


def test_directory_of_30_files_3_in_parallel_with_template_and_sidecars(
        wiki: Wiki, api_url: str, anon: ApiClient, tmp_path: Path, state: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "photos"
    (folder / "sub").mkdir(parents=True)
    expected: dict[str, bytes] = {}
    for index in range(30):
        name = f"pic{index}.png"
        data = make_png(100 + index)
        where = folder / "sub" if index % 2 else folder
        (where / name).write_bytes(data)
        expected[f"Batch {name}"] = data
    (folder / "pic0.png.txt").write_text("Described by a sidecar", encoding="utf-8")
    (folder / "notes.md").write_text("not a picture", encoding="utf-8")
    code = run_upload(api_url, folder, "--recursive", "--include", "*.png", "--parallel", "3",
                      "--name-template", "Batch {stem}.{ext}", "--text", "default text",
                      state=state)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "30 uploaded, 0 skipped, 0 failed" in out
    for name, data in expected.items():
        info = imageinfo(anon, name)
        assert info is not None and info["sha1"] == sha1_hex(data), name
    assert "Described by a sidecar" in page_text(anon, "Batch pic0.png")
    assert "default text" in page_text(anon, "Batch pic2.png")


def test_directory_without_recursive_skips_subdirectories(
        wiki: Wiki, api_url: str, anon: ApiClient, tmp_path: Path, state: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "d"
    (folder / "sub").mkdir(parents=True)
    (folder / "top.png").write_bytes(make_png(7))
    (folder / "sub" / "deep.png").write_bytes(make_png(8))
    assert run_upload(api_url, folder, "--json", state=state) == 0
    lines = json_lines(capsys.readouterr().out)
    assert [line["name"] for line in lines if line["event"] == "file"] == ["top.png"]
    assert imageinfo(anon, "deep.png") is None


def test_warnings_policies(wiki: Wiki, api_url: str, uploader: ApiClient, anon: ApiClient,
                           tmp_path: Path, state: Path,
                           capsys: pytest.CaptureFixture[str]) -> None:
    original = make_png(10)
    assert uploader.upload("Taken.png", original)["upload"]["result"] == "Success"
    exists = tmp_path / "Taken.png"
    exists.write_bytes(make_png(11))
    duplicate = tmp_path / "Copy.png"
    duplicate.write_bytes(original)

    # Default: a warning fails the file, nothing is published, exit code 1.
    assert run_upload(api_url, exists, "--json", state=state) == 1
    line = json_lines(capsys.readouterr().out)[0]
    assert line["status"] == "failed" and line["code"] == "exists"
    assert imageinfo(anon, "Taken.png")["sha1"] == sha1_hex(original)  # type: ignore[index]

    # --skip-existing / --skip-duplicates: skipped with the reason, exit code 0.
    assert run_upload(api_url, exists, duplicate, "--skip-existing", "--skip-duplicates",
                      "--json", state=state) == 0
    lines = json_lines(capsys.readouterr().out)
    by_name = {line["name"]: line for line in lines if line["event"] == "file"}
    assert by_name["Taken.png"]["status"] == "skipped"
    assert by_name["Taken.png"]["code"] == "exists"
    assert by_name["Copy.png"]["status"] == "skipped"
    assert by_name["Copy.png"]["code"] == "duplicate"
    assert imageinfo(anon, "Copy.png") is None
    # Both were found by asking first: no byte was sent.
    assert by_name["Taken.png"]["bytes_sent"] == by_name["Copy.png"]["bytes_sent"] == 0

    # --skip-existing alone does not cover a duplicate: that one fails.
    assert run_upload(api_url, duplicate, "--skip-existing", "--json", state=state) == 1
    assert json_lines(capsys.readouterr().out)[0]["code"] == "duplicate"

    # --abort-on-warning: the first warning stops the run; later files are not started.
    others = [tmp_path / f"later{i}.png" for i in range(3)]
    for i, other in enumerate(others):
        other.write_bytes(make_png(200 + i))
    assert run_upload(api_url, exists, *others, "--abort-on-warning", "--json",
                      state=state) == 1
    lines = json_lines(capsys.readouterr().out)
    statuses = [(line["name"], line["status"], line["code"]) for line in lines
                if line["event"] == "file"]
    assert statuses[0] == ("Taken.png", "failed", "exists")
    assert all(status == ("skipped") and code == "aborted" for _, status, code in statuses[1:])
    assert imageinfo(anon, "later0.png") is None

    # --ignore-warnings: published over the existing file, also when chunked.
    assert run_upload(api_url, exists, "--ignore-warnings", state=state) == 0
    capsys.readouterr()
    assert imageinfo(anon, "Taken.png")["sha1"] == sha1_hex(make_png(11))  # type: ignore[index]
    big = tmp_path / "Big copy.png"
    big.write_bytes(big_png(12))
    assert uploader.upload("Big original.png", big_png(12))["upload"]["result"] == "Success"
    assert run_upload(api_url, big, "--chunk-size", str(CHUNK), "--json", state=state) == 1
    assert json_lines(capsys.readouterr().out)[0]["code"] == "duplicate"
    assert run_upload(api_url, big, "--chunk-size", str(CHUNK), "--ignore-warnings",
                      state=state) == 0
    assert imageinfo(anon, "Big copy.png") is not None


def test_wrong_password(wiki: Wiki, api_url: str, tmp_path: Path, state: Path,
                        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "x.png"
    path.write_bytes(make_png(20))
    secret = "not-the-right-password-4711"
    code = run_upload(api_url, path, user="Uploader@bot", password=secret, state=state)
    out = capsys.readouterr()
    assert code == 3
    assert "login as Uploader@bot failed" in out.err
    assert secret not in out.out + out.err
    code = run_upload(api_url, path, user="Uploader", password=secret, state=state)
    out = capsys.readouterr()
    assert code == 3
    assert "login as Uploader failed" in out.err
    assert secret not in out.out + out.err


def test_password_from_environment(wiki: Wiki, api_url: str, anon: ApiClient, tmp_path: Path,
                                   state: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "env.png"
    path.write_bytes(make_png(21))
    monkeypatch.setenv("WIKIUPLOAD_UPLOAD_PASSWORD", UPLOADER_BOT_PASSWORD)
    assert main(["upload", "--api", api_url, "--user", "Uploader@bot", str(path),
                 "--state", str(state), "--quiet"]) == 0
    assert capsys.readouterr().out == ""
    assert imageinfo(anon, "env.png") is not None


def test_missing_upload_right(wiki: Wiki, api_url: str, anon: ApiClient, tmp_path: Path,
                              state: Path, accounts: Accounts,
                              capsys: pytest.CaptureFixture[str]) -> None:
    small = tmp_path / "plain.png"
    small.write_bytes(make_png(30))
    big = tmp_path / "plainbig.png"
    big.write_bytes(big_png(31))
    code = run_upload(api_url, small, big, "--chunk-size", str(CHUNK), "--json",
                      user="Plain", password=accounts.plain_password, state=state)
    out = capsys.readouterr()
    assert code == 1
    lines = json_lines(out.out)
    failed = [line for line in lines if line["event"] == "file"]
    assert {line["status"] for line in failed} == {"failed"}
    assert {line["code"] for line in failed} == {"permissiondenied"}
    assert lines[-1]["failed"] == 2
    assert accounts.plain_password not in out.out + out.err
    assert imageinfo(anon, "plain.png") is None


def test_resume_after_interrupted_chunked_upload(wiki: Wiki, api_url: str, anon: ApiClient,
                                                 tmp_path: Path, state: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "resumed.png"
    data = big_png(40)
    path.write_bytes(data)

    class Interrupted(Exception):
        pass

    def stop_after_two(job: UploadJob, offset: int) -> None:
        if offset >= 2 * CHUNK:
            raise Interrupted

    with ApiSession(api_url) as session:
        session.login("Uploader@bot", UPLOADER_BOT_PASSWORD)
        uploader = Uploader(session, chunk_size=CHUNK, state=ResumeState(state),
                            chunk_hook=stop_after_two)
        with pytest.raises(Interrupted):
            uploader.upload(UploadJob(path, "resumed.png"))
    saved = json.loads(state.read_text())["files"]
    assert [entry["offset"] for entry in saved.values()] == [2 * CHUNK]

    code = run_upload(api_url, path, "--chunk-size", str(CHUNK), "--json", state=state)
    lines = json_lines(capsys.readouterr().out)
    assert code == 0, lines
    assert lines[0]["resumed_from"] == 2 * CHUNK
    assert lines[0]["bytes_sent"] == len(data) - 2 * CHUNK  # nothing re-sent
    info = imageinfo(anon, "resumed.png")
    assert info is not None and info["sha1"] == sha1_hex(data)
    assert not state.exists()


def test_resume_starts_over_when_the_file_changed(wiki: Wiki, api_url: str, anon: ApiClient,
                                                  tmp_path: Path, state: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "changed.png"
    first = big_png(50)
    path.write_bytes(first)

    def stop(job: UploadJob, offset: int) -> None:
        raise KeyboardInterrupt

    with ApiSession(api_url) as session:
        session.login("Uploader@bot", UPLOADER_BOT_PASSWORD)
        uploader = Uploader(session, chunk_size=CHUNK, state=ResumeState(state),
                            chunk_hook=stop)
        with pytest.raises(KeyboardInterrupt):
            uploader.upload(UploadJob(path, "changed.png"))
    second = bytearray(first)
    second[100:110] = b"0123456789"  # same size, different prefix
    path.write_bytes(bytes(second))
    code = run_upload(api_url, path, "--chunk-size", str(CHUNK), "--json", "--ignore-warnings",
                      state=state)
    lines = json_lines(capsys.readouterr().out)
    assert code in (0, 1)
    assert lines[0]["resumed_from"] == 0
    assert lines[0]["bytes_sent"] == len(second)


def test_file_changing_during_a_chunked_upload_is_not_published(
        wiki: Wiki, api_url: str, anon: ApiClient, tmp_path: Path, state: Path) -> None:
    path = tmp_path / "moving.png"
    data = big_png(60)
    path.write_bytes(data)

    def change(job: UploadJob, offset: int) -> None:
        if offset == CHUNK:
            with path.open("r+b") as handle:
                handle.seek(20)
                handle.write(b"changed!")  # already sent: the stash's SHA-1 will differ

    with ApiSession(api_url) as session:
        session.login("Uploader@bot", UPLOADER_BOT_PASSWORD)
        uploader = Uploader(session, chunk_size=CHUNK, state=ResumeState(state),
                            chunk_hook=change)
        result = uploader.upload(UploadJob(path, "moving.png"))
    assert result.status == "failed"
    assert result.code == "filechanged"
    assert str(path) in result.info
    assert imageinfo(anon, "moving.png") is None


def test_sigkilled_upload_resumes_without_resending(wiki: Wiki, api_url: str, anon: ApiClient,
                                                    tmp_path: Path, state: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """A 50 MB file in 1 MiB chunks, the uploader SIGKILLed half-way, then resumed."""
    path = tmp_path / "huge.png"
    data = make_png(70, size=(4100, 4100), noise=True)
    assert len(data) > 50_000_000
    path.write_bytes(data)
    chunk = 1024 * 1024
    env = {**os.environ, "WIKIUPLOAD_UPLOAD_PASSWORD": UPLOADER_BOT_PASSWORD}
    process = subprocess.Popen(
        [sys.executable, "-m", "wikiupload.cli", "upload", "--api", api_url, "--user",
         "Uploader@bot", "--chunk-size", str(chunk), "--state", str(state), "--quiet",
         str(path)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    killed_at = 0
    try:
        while time.monotonic() < deadline and process.poll() is None:
            try:
                entries = json.loads(state.read_text())["files"].values()
            except (OSError, ValueError, KeyError):
                entries = []
            offsets = [entry["offset"] for entry in entries]
            if offsets and offsets[0] >= len(data) // 2:
                process.send_signal(signal.SIGKILL)
                killed_at = offsets[0]
                break
            time.sleep(0.005)
    finally:
        if process.poll() is None and not killed_at:
            process.kill()
        process.wait(30)
    assert killed_at, "the upload finished (or stalled) before it could be killed"
    assert imageinfo(anon, "huge.png") is None

    code = run_upload(api_url, path, "--chunk-size", str(chunk), "--json", state=state)
    lines = json_lines(capsys.readouterr().out)
    assert code == 0, lines
    resumed_from = lines[0]["resumed_from"]
    assert resumed_from >= killed_at
    assert lines[0]["bytes_sent"] == len(data) - resumed_from  # no byte sent twice
    info = imageinfo(anon, "huge.png")
    assert info is not None and info["sha1"] == sha1_hex(data)


@pytest.mark.parametrize("kind", ["csv", "json"])
def test_manifest_gives_per_file_names_and_descriptions(
        wiki: Wiki, api_url: str, anon: ApiClient, tmp_path: Path, state: Path, kind: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.png").write_bytes(make_png(80))
    (tmp_path / "b.png").write_bytes(make_png(81))
    rows = [{"file": "a.png", "name": "Alpha.png", "text": "About alpha", "comment": "c-a"},
            {"file": "b.png", "name": "Beta.png", "text": "About beta"}]
    manifest = tmp_path / f"list.{kind}"
    if kind == "json":
        manifest.write_text(json.dumps(rows), encoding="utf-8")
    else:
        manifest.write_text("file,name,text,comment\n" + "\n".join(
            f"{r['file']},{r['name']},{r['text']},{r.get('comment', '')}" for r in rows) + "\n",
            encoding="utf-8")
    code = run_upload(api_url, "--manifest", manifest, "--comment", "default", state=state)
    assert code == 0, capsys.readouterr()
    assert "About alpha" in page_text(anon, "Alpha.png")
    assert "About beta" in page_text(anon, "Beta.png")
    assert imageinfo(anon, "Alpha.png")["comment"] == "c-a"  # type: ignore[index]
    assert imageinfo(anon, "Beta.png")["comment"] == "default"  # type: ignore[index]


def test_usage_errors(wiki: Wiki, api_url: str, tmp_path: Path, state: Path,
                      capsys: pytest.CaptureFixture[str]) -> None:
    assert run_upload(api_url, tmp_path / "missing.png", state=state) == 2
    assert "missing.png" in capsys.readouterr().err
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    (tmp_path / "one" / "same.png").write_bytes(make_png(90))
    (tmp_path / "two" / "same.png").write_bytes(make_png(91))
    assert run_upload(api_url, tmp_path / "one", tmp_path / "two", state=state) == 2
    assert "would both be uploaded as 'same.png'" in capsys.readouterr().err


class LosingTransport(httpx.HTTPTransport):
    """Forwards every request, but loses the answer to the ``lose``-th multipart one."""

    def __init__(self, lose: int) -> None:
        super().__init__()
        self.lose = lose
        self.chunks = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if request.headers.get("content-type", "").startswith("multipart/"):
            self.chunks += 1
            if self.chunks == self.lose:
                response.read()
                response.close()
                raise httpx.ReadError("connection lost", request=request)
        return response


def test_chunk_answer_lost_is_retried_without_breaking_the_upload(
        wiki: Wiki, api_url: str, anon: ApiClient, tmp_path: Path, state: Path) -> None:
    path = tmp_path / "lossy.png"
    data = big_png(95)
    path.write_bytes(data)
    with ApiSession(api_url, transport=LosingTransport(2), sleep=lambda s: None) as session:
        session.login("Uploader@bot", UPLOADER_BOT_PASSWORD)
        result = Uploader(session, chunk_size=CHUNK, state=ResumeState(state)).upload(
            UploadJob(path, "lossy.png"))
    assert result.status == "uploaded", result
    assert result.bytes_sent == len(data) + CHUNK  # the lost chunk, sent twice
    info = imageinfo(anon, "lossy.png")
    assert info is not None and info["sha1"] == sha1_hex(data)


def test_login_file(wiki: Wiki, api_url: str, anon: ApiClient, tmp_path: Path, state: Path,
                    capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "lf.png").write_bytes(make_png(96))
    login = tmp_path / "login.toml"
    login.write_text(f'api = "{api_url}"\nuser = "Uploader@bot"\n'
                     f'password = "{UPLOADER_BOT_PASSWORD}"\n', encoding="utf-8")
    assert main(["upload", "--login-file", str(login), str(tmp_path / "lf.png"),
                 "--state", str(state), "--quiet"]) == 0
    assert imageinfo(anon, "lf.png") is not None
    assert main(["upload", str(tmp_path / "lf.png"), "--state", str(state)]) == 2
    assert "--api and --user are required" in capsys.readouterr().err


def test_ctrl_c_keeps_the_state_and_the_next_run_resumes(
        wiki: Wiki, api_url: str, anon: ApiClient, tmp_path: Path, state: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    first = tmp_path / "first.png"
    data = make_png(97, size=(1200, 1200), noise=True)
    chunk = 256 * 1024
    first.write_bytes(data)
    second = tmp_path / "second.png"
    second.write_bytes(make_png(98))
    env = {**os.environ, "WIKIUPLOAD_UPLOAD_PASSWORD": UPLOADER_BOT_PASSWORD}
    process = subprocess.Popen(
        [sys.executable, "-m", "wikiupload.cli", "upload", "--api", api_url, "--user",
         "Uploader@bot", "--chunk-size", str(chunk), "--state", str(state), "--json",
         str(first), str(second)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if state.exists():
            process.send_signal(signal.SIGINT)
            break
        time.sleep(0.005)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, (out, err)
    lines = json_lines(out)
    assert [(line.get("name"), line.get("code")) for line in lines if line["event"] == "file"] \
        == [("first.png", "interrupted"), ("second.png", "interrupted")]
    assert "interrupted" in err
    assert state.exists()
    assert imageinfo(anon, "first.png") is None

    assert run_upload(api_url, first, second, "--chunk-size", str(chunk), "--json",
                      state=state) == 0
    lines = json_lines(capsys.readouterr().out)
    assert lines[0]["resumed_from"] > 0
    assert lines[0]["bytes_sent"] == len(data) - lines[0]["resumed_from"]
    assert imageinfo(anon, "first.png")["sha1"] == sha1_hex(data)  # type: ignore[index]


def test_file_changing_during_a_direct_upload_is_not_published(
        wiki: Wiki, api_url: str, anon: ApiClient, tmp_path: Path, state: Path) -> None:
    path = tmp_path / "small-moving.png"
    data = big_png(2)
    path.write_bytes(data)
    changed: list[bool] = []

    def progress(sent: int) -> None:
        if not changed:          # the first bytes are on their way: change the file
            changed.append(True)
            with path.open("r+b") as handle:
                handle.seek(len(data) - 40)
                handle.write(b"changed!")

    with ApiSession(api_url) as session:
        session.login("Uploader@bot", UPLOADER_BOT_PASSWORD)
        uploader = Uploader(session, chunk_size=len(data) + 1, state=ResumeState(state))
        result = uploader.upload(UploadJob(path, "small-moving.png"), progress)
    assert changed and result.status == "failed" and result.code == "filechanged"
    assert imageinfo(anon, "small-moving.png") is None
