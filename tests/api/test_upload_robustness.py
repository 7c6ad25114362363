"""Hostile and unlucky uploads: races on one name, clients that vanish mid-body, names that
try to escape the repository, parallel chunks on one filekey."""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from tests import media_samples as media
from tests.support import ApiClient
from wikiupload.wiki import Wiki


def _files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_concurrent_uploads_to_one_name_keep_a_consistent_history(
        uploader: ApiClient, admin: ApiClient, wiki: Wiki) -> None:
    datas = [media.png(f"race-{i}") for i in range(6)]
    clients = [uploader, admin]
    replies: list[dict[str, Any]] = []

    def upload(index: int) -> None:
        client = clients[index % 2]
        replies.append(client.upload("Race.png", datas[index], ignorewarnings="1"))

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(len(datas))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert all(r.get("upload", {}).get("result") == "Success" for r in replies), replies
    history = uploader.get(action="query", prop="imageinfo", titles="File:Race.png",
                           iiprop="sha1|timestamp|url", iilimit="50", formatversion="2")
    versions = history["query"]["pages"][0]["imageinfo"]
    assert sorted(v["sha1"] for v in versions) == sorted(
        hashlib.sha1(d).hexdigest() for d in datas)
    stamps = [v["timestamp"] for v in versions]
    assert stamps == sorted(stamps, reverse=True) and len(set(stamps)) == len(stamps)
    import requests

    for version in versions:   # every version's bytes are where its row says
        body = requests.get(version["url"], timeout=10).content
        assert hashlib.sha1(body).hexdigest() == version["sha1"]


def test_client_vanishing_mid_body_leaves_nothing(uploader: ApiClient, wiki: Wiki,
                                                   api_url: str) -> None:
    boundary = "xyzBOUNDARY"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"action\"\r\n\r\nupload\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"Gone.png\"\r\nContent-Type: image/png\r\n\r\n").encode()
    url = urlparse(api_url)
    cookie = "; ".join(f"{c.name}={c.value}" for c in uploader.http.cookies)
    with socket.create_connection((url.hostname, url.port)) as sock:
        sock.sendall((f"POST {url.path} HTTP/1.1\r\nHost: {url.netloc}\r\n"
                      f"Cookie: {cookie}\r\nContent-Length: 10000000\r\n"
                      f"Content-Type: multipart/form-data; boundary={boundary}\r\n\r\n").encode()
                     + head + b"\x89PNG" + b"\x00" * 300_000)
        time.sleep(0.3)
    deadline = time.monotonic() + 5
    while list(wiki.temp_dir.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(wiki.temp_dir.iterdir()) == []
    images = wiki.settings.data_dir / "images"
    assert not images.exists() or _files_under(images) == []


@pytest.mark.parametrize("name", [
    "../../etc/passwd.png", "..%2F..%2Fx.png", "a/../../b.png", "nul\x00byte.png",
    "bidi\u202egnp.exe.png", "ctrl\x07.png", "/abs/path.png", "C:\\windows\\x.png",
])
def test_hostile_names_never_reach_the_filesystem_as_paths(uploader: ApiClient, wiki: Wiki,
                                                          name: str) -> None:
    reply = uploader.upload(name, media.png(f"hostile-{name}"), ignorewarnings="1")
    images = wiki.settings.data_dir / "images"
    for path in _files_under(images) if images.exists() else []:
        resolved = path.resolve()
        assert resolved.is_relative_to(images.resolve())
        assert "\x00" not in str(resolved) and ".." not in resolved.relative_to(
            images.resolve()).parts
    outside = wiki.settings.data_dir.parent
    assert not (outside / "etc").exists() and not (outside / "b.png").exists()
    if "upload" in reply:
        stored = reply["upload"]["filename"]
        assert "/" not in stored and "\x00" not in stored and "\u202e" not in stored


def test_parallel_chunks_on_one_filekey_do_not_interleave(uploader: ApiClient) -> None:
    data = media.png("parallel", 256, 256)
    first = uploader.chunk("Parallel.png", data[:4096], 0, len(data))["upload"]
    key = first["filekey"]
    results: list[dict[str, Any]] = []

    def send(piece: bytes) -> None:
        results.append(uploader.chunk("Parallel.png", piece, 4096, len(data), key))

    pieces = [data[4096:8192], b"\x01" * 4096, b"\x02" * 4096]
    threads = [threading.Thread(target=send, args=(p,)) for p in pieces]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    accepted = [r for r in results if r.get("upload", {}).get("result") == "Continue"]
    assert len(accepted) == 1
    assert all(r["error"]["code"] == "stashfailed" and r["error"]["offset"] == "8192"
               for r in results if "error" in r)
    status = uploader.post(action="upload", checkstatus="1", filekey=key, token=uploader.csrf)
    assert status["upload"]["offset"] == 8192


def test_body_over_the_upload_limit_is_refused_while_streaming(
        wiki_factory: Any, app_holder: dict[str, Any], accounts: Any, api_url: str) -> None:
    from tests.conftest import UPLOADER_BOT_PASSWORD, populate

    small = wiki_factory(max_upload_size=100_000)
    populate(small, accounts)
    app_holder["app"].state.wiki = small
    client = ApiClient(api_url)
    client.login("Uploader@bot", UPLOADER_BOT_PASSWORD)
    reply = client.upload("Huge.png", media.png("huge") + b"\x00" * 1_300_000)
    assert reply["error"]["code"] == "file-too-large"
    assert list(small.temp_dir.iterdir()) == []
    client.close()


def test_a_stashed_file_published_away_during_verification_is_not_found(
        uploader: ApiClient, wiki: Wiki, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another request publishing the same filekey may move the stashed bytes away between
    this request's read of the stash row and its verification: the answer is the clean
    uploadstash-file-not-found that a later request gets, not an internal error."""
    from wikiupload.filerepo.backends import LocalBackend
    from wikiupload.upload import pipeline

    if not isinstance(wiki.filerepo.backend, LocalBackend):
        pytest.skip("the bytes are moved away on local files")
    key = uploader.upload("Away.png", media.png("away"), stash="1")["upload"]["filekey"]
    real_read = pipeline.read_if_small      # the verification's first read of the bytes

    def moved_away_first(path: Path, *args: Any, **kwargs: Any) -> Any:
        Path(path).unlink()                 # what the winner's rename does to this path
        return real_read(path, *args, **kwargs)

    monkeypatch.setattr(pipeline, "read_if_small", moved_away_first)
    reply = uploader.post(action="upload", filename="Away.png", filekey=key,
                          token=uploader.csrf)
    assert reply["error"]["code"] == "uploadstash-file-not-found", reply
