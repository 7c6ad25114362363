"""async=1: chunk assembly and stash publishing through the job queue, polled with
checkstatus (the reference transcripts' async scenarios)."""

from __future__ import annotations

import hashlib
import time
from typing import Any

from tests import media_samples as media
from tests.support import ApiClient, error_of


def _poll(client: ApiClient, key: str, timeout: float = 20) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        reply = client.post(action="upload", checkstatus="1", filekey=key, token=client.csrf)
        if reply.get("upload", {}).get("result") != "Poll" or time.monotonic() > deadline:
            return reply
        time.sleep(0.05)


def test_async_chunks_then_async_publish(uploader: ApiClient, api_url: str,
                                         job_worker: Any) -> None:
    data = media.png("chunkasync", 64, 40)
    replies = uploader.chunked("Chunkasync.png", data, 3000, **{"async": "1"})
    last = replies[-1]["upload"]
    session = last["filekey"]
    assert last == {"result": "Poll", "stage": "queued", "filekey": session}
    assembled = _poll(uploader, session)["upload"]
    assert assembled["result"] == "Success" and assembled["stage"] == "assembling"
    new_key = assembled["filekey"]
    assert new_key != session
    assert assembled["imageinfo"]["sha1"] == hashlib.sha1(data).hexdigest()
    assert uploader.post(action="upload", filename="Chunkasync.png", filekey=session,
                         comment="async publish", token=uploader.csrf,
                         **{"async": "1"}) == error_of(
        api_url, "uploadstash-file-not-found", f'Key "{session}" not found in stash.')
    queued = uploader.post(action="upload", filename="Chunkasync.png", filekey=new_key,
                           comment="async publish", token=uploader.csrf, **{"async": "1"})
    assert queued == {"upload": {"result": "Poll", "stage": "queued",
                                 "filename": "Chunkasync.png"}}
    published = _poll(uploader, new_key)["upload"]
    assert published["result"] == "Success" and published["stage"] == "publish"
    assert published["filename"] == "Chunkasync.png"
    assert published["imageinfo"]["comment"] == "async publish"
    info = uploader.get(action="query", prop="imageinfo", titles="File:Chunkasync.png",
                        iiprop="size|sha1", formatversion="2")
    assert info["query"]["pages"][0]["imageinfo"][0]["sha1"] == hashlib.sha1(data).hexdigest()


def test_async_publish_from_stash(uploader: ApiClient, job_worker: Any) -> None:
    data = media.png("asyncpub")
    key = uploader.upload("Asyncpub.png", data, stash="1")["upload"]["filekey"]
    queued = uploader.post(action="upload", filename="Asyncpub.png", filekey=key,
                           token=uploader.csrf, **{"async": "1"})
    assert queued["upload"] == {"result": "Poll", "stage": "queued", "filename": "Asyncpub.png"}
    done = _poll(uploader, key)["upload"]
    assert done["result"] == "Success" and done["imageinfo"]["size"] == len(data)


def test_async_with_file_is_refused(uploader: ApiClient, api_url: str) -> None:
    reply = uploader.upload("Asyncfile.png", media.png("af"), **{"async": "1"})
    assert reply["error"]["code"] == "cannot-async-upload-file"


def test_failed_async_assembly_is_reported(uploader: ApiClient, job_worker: Any) -> None:
    data = media.text("t") * 200
    replies = uploader.chunked("Asynctext.png", data, 2048, **{"async": "1"})
    session = replies[-1]["upload"]["filekey"]
    error = _poll(uploader, session)["error"]
    assert error["code"] == "stashfailed"
    assert "does not match the detected MIME type" in error["info"]
