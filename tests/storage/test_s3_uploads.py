"""Uploads on PostgreSQL + an S3 store, over the HTTP API: chunk sessions as multipart
uploads (parts buffered to 5 MiB, assembled by the store), sessions continued by another
process, redirects to presigned URLs. Runs only when WIKIUPLOAD_TEST_S3_ENDPOINT is set."""

from __future__ import annotations

import hashlib
import json
import os
import time
from typing import Any

import requests

from tests import media_samples as media
from tests.media_samples import _chunk
from tests.support import ApiClient
from wikiupload.db.stash_models import StashedFile
from wikiupload.filerepo.backends.s3 import S3Backend
from wikiupload.upload.chunks import HASHES
from wikiupload.wiki import Wiki

MiB = 1024 * 1024


def big_png(seed: str, size: int) -> bytes:
    """A valid PNG of about ``size`` bytes (a private ancillary chunk of random bytes)."""
    small = media.png(seed, 8, 8)
    filler = os.urandom(max(0, size - len(small) - 12))
    return small[:-12] + _chunk(b"fiLl", filler) + small[-12:]


def session_state(wiki: Wiki, key: str) -> dict[str, Any]:
    with wiki.db() as db:
        row = db.get(StashedFile, key)
        assert row is not None
        return dict(json.loads(row.assembly))


def test_chunks_become_parts_of_5_mib(wiki: Wiki, uploader: ApiClient) -> None:
    data = big_png("parts", 12 * MiB + 100)
    chunk = 2 * MiB
    key, states = None, []
    for offset in range(0, len(data), chunk):
        reply = uploader.chunk("Parts.png", data[offset:offset + chunk], offset, len(data), key)
        upload = reply["upload"]
        key = upload["filekey"]
        if upload["result"] == "Continue":
            states.append(session_state(wiki, key))
    assert upload["result"] == "Success"
    assert upload["imageinfo"]["sha1"] == hashlib.sha1(data).hexdigest()
    # 2, 4 MiB wait in the tail; 6 MiB make part 1; 2, 4 wait again; 6 make part 2
    assert [len(s["parts"]) for s in states] == [0, 0, 1, 1, 1, 2]
    assert [s["tail_size"] for s in states] == [2 * MiB, 4 * MiB, 0, 2 * MiB, 4 * MiB, 0]
    done = uploader.post(action="upload", filename="Parts.png", filekey=upload["filekey"],
                         comment="", text="", token=uploader.csrf)
    assert done["upload"]["result"] == "Success"
    got = requests.get(done["upload"]["imageinfo"]["url"], timeout=30)
    assert got.content == data


def test_no_tails_or_uploads_are_left_behind(wiki: Wiki, uploader: ApiClient) -> None:
    data = big_png("tidy", 6 * MiB)
    replies = uploader.chunked("Tidy.png", data, 2 * MiB)
    final = replies[-1]["upload"]
    assert final["result"] == "Success"
    backend = wiki.filerepo.backend
    assert isinstance(backend, S3Backend)
    stored = list(backend.iter("temp/"))
    assert len(stored) == 1 and ".tail-" not in stored[0]
    uploads = backend.client.list_multipart_uploads(Bucket=backend.bucket,
                                                    Prefix=backend.prefix).get("Uploads", [])
    assert uploads == []


def test_a_session_continued_by_another_process(wiki: Wiki, uploader: ApiClient) -> None:
    """Without this process's running hash (as on another node) the SHA-1 comes from
    reading the assembled object; partial SHA-1s are then unknown ("")."""
    data = big_png("nodes", 7 * MiB)
    half = len(data) // 2
    first = uploader.chunk("Nodes.png", data[:half], 0, len(data))["upload"]
    HASHES.clear()
    info = uploader.get(action="query", prop="stashimageinfo", siifilekey=first["filekey"],
                        siiprop="sha1|size")["query"]["stashimageinfo"][0]
    assert info["size"] == half and info.get("sha1", "") == ""
    last = uploader.chunk("Nodes.png", data[half:], half, len(data), first["filekey"])
    assert last["upload"]["imageinfo"]["sha1"] == hashlib.sha1(data).hexdigest()


def test_a_resent_chunk_is_recognised(wiki: Wiki, uploader: ApiClient) -> None:
    data = big_png("resend", 3 * MiB)
    first = uploader.chunk("Resend.png", data[:MiB], 0, len(data))["upload"]
    key = first["filekey"]
    second = uploader.chunk("Resend.png", data[MiB:2 * MiB], MiB, len(data), key)["upload"]
    again = uploader.chunk("Resend.png", data[MiB:2 * MiB], MiB, len(data), key)["upload"]
    assert again == second
    other = uploader.chunk("Resend.png", b"x" * MiB, MiB, len(data), key)
    assert other["error"]["code"] == "stashfailed"
    last = uploader.chunk("Resend.png", data[2 * MiB:], 2 * MiB, len(data), key)["upload"]
    assert last["imageinfo"]["sha1"] == hashlib.sha1(data).hexdigest()


def test_async_assembly_of_parts(wiki: Wiki, uploader: ApiClient, job_worker: Any) -> None:
    import time

    data = big_png("async", 6 * MiB + 10)
    replies = uploader.chunked("Async.png", data, 3 * MiB, **{"async": "1"})
    final = replies[-1]["upload"]
    assert final["result"] == "Poll"
    deadline = time.monotonic() + 60
    while True:
        status = uploader.post(action="upload", checkstatus="1", filekey=final["filekey"],
                               token=uploader.csrf)["upload"]
        if status["result"] != "Poll" or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert status["result"] == "Success", status
    info = uploader.get(action="query", prop="stashimageinfo", siifilekey=status["filekey"],
                        siiprop="sha1")["query"]["stashimageinfo"][0]
    assert info["sha1"] == hashlib.sha1(data).hexdigest()


def test_files_can_be_served_by_redirect(wiki_factory: Any, app_holder: dict[str, Any],
                                         accounts: Any, api_url: str) -> None:
    from tests.conftest import UPLOADER_BOT_PASSWORD, populate

    built = wiki_factory(storage_serve="redirect", storage_redirect_expiry=60)
    populate(built, accounts)
    app_holder["app"].state.wiki = built
    client = ApiClient(api_url)
    client.login("Uploader@bot", UPLOADER_BOT_PASSWORD)
    data = media.png("redirected", 20, 10)
    url = client.upload("Redirected.png", data)["upload"]["imageinfo"]["url"]
    answer = requests.get(url, allow_redirects=False, timeout=30)
    assert answer.status_code == 302
    target = answer.headers["Location"]
    assert "X-Amz-Signature=" in target and "/images/" not in target
    fetched = requests.get(target, timeout=30)
    assert fetched.content == data and fetched.headers["Content-Type"] == "image/png"
    missing = requests.get(url.replace("Redirected", "Absent"), allow_redirects=False,
                           timeout=30)
    assert missing.status_code == 404
    client.close()


def test_stash_cleanup_aborts_the_multipart_upload_of_an_abandoned_session(
        wiki: Wiki, uploader: ApiClient) -> None:
    from wikiupload.upload.cleanup import cleanup

    data = big_png("abandoned", 12 * MiB)
    first = uploader.chunk("Abandoned.png", data[:6 * MiB], 0, len(data))["upload"]
    assert first["result"] == "Continue"
    assert session_state(wiki, first["filekey"])["parts"]   # a part is in an open upload
    backend = wiki.filerepo.backend
    assert isinstance(backend, S3Backend)

    def open_uploads() -> list[Any]:
        return list(backend.client.list_multipart_uploads(
            Bucket=backend.bucket, Prefix=backend.prefix).get("Uploads", []))

    assert len(open_uploads()) == 1
    assert cleanup(wiki).multipart_uploads == 0          # not expired yet: kept
    later = cleanup(wiki, now=time.time() + wiki.settings.upload_stash_max_age + 3600)
    assert later.chunk_sessions == 1 and later.multipart_uploads <= 1
    assert open_uploads() == []
