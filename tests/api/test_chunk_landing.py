"""A continuing chunk lands in its upload's file while it arrives: no copy of the spooled
chunk afterwards, and whatever happens to the request, the bytes stored before stay as
they were (upload/chunk_landing.py)."""

from __future__ import annotations

import hashlib
import http.client
import json
import socket
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from sqlalchemy import select

from tests import media_samples as media
from tests.support import ApiClient
from wikiupload.db.stash_models import StashedFile
from wikiupload.filerepo import chunkstore
from wikiupload.filerepo.backends import LocalBackend
from wikiupload.upload import chunks
from wikiupload.upload.chunk_landing import SessionFile
from wikiupload.wiki import Wiki

BOUNDARY = "landingBOUNDARY"


@pytest.fixture(autouse=True)
def _local_files_only(wiki: Wiki) -> None:
    if not isinstance(wiki.filerepo.backend, LocalBackend):
        pytest.skip("on S3 chunks become multipart parts: nothing lands locally")


def _session_file(wiki: Wiki, key: str) -> Path:
    with wiki.db() as db:
        row = db.scalars(select(StashedFile).where(StashedFile.key == key)).one()
    backend = wiki.filerepo.backend
    assert isinstance(backend, LocalBackend)
    return backend.local_path(row.path)


def _no_copies(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on, appending from a spool file or hashing one fails the request."""
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the chunk was copied or hashed from its spool file")

    monkeypatch.setattr(chunkstore, "append_file", refuse)
    monkeypatch.setattr(chunks, "feed", refuse)


def _data(seed: str) -> bytes:
    return media.png(seed, 64, 40)


def test_continuing_chunks_land_and_are_neither_copied_nor_read_again(
        uploader: ApiClient, wiki: Wiki, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _data("landing")
    third = len(data) // 3 + 1
    key = uploader.chunk("Landing.png", data[:third], 0, len(data))["upload"]["filekey"]
    _no_copies(monkeypatch)
    second = uploader.chunk("Landing.png", data[third:2 * third], third, len(data), key)
    assert second["upload"] == {"result": "Continue", "offset": 2 * third, "filekey": key}
    assert _session_file(wiki, key).read_bytes() == data[:2 * third]
    last = uploader.chunk("Landing.png", data[2 * third:], 2 * third, len(data), key)
    assert last["upload"]["result"] == "Success"
    assert last["upload"]["imageinfo"]["sha1"] == hashlib.sha1(data).hexdigest()
    done = uploader.post(action="upload", filename="Landing.png", token=uploader.csrf,
                         filekey=last["upload"]["filekey"])
    assert done["upload"]["imageinfo"]["sha1"] == hashlib.sha1(data).hexdigest()


def test_refused_chunks_leave_the_upload_as_it_was(uploader: ApiClient, wiki: Wiki,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    data = _data("refused")
    half = len(data) // 2
    key = uploader.chunk("Refused.png", data[:half], 0, len(data))["upload"]["filekey"]
    stored = _session_file(wiki, key)
    hostile = b"<html><script>alert(1)</script></html>".ljust(len(data) - half, b" ")
    scripted = uploader.chunk("Refused.png", hostile, half, len(data), key)
    assert scripted["error"]["code"] == "filetype-badmime"   # HTML, sniffed
    assert stored.read_bytes() == data[:half]
    bad_token = uploader.post(files={"chunk": ("Refused.png", data[half:], "image/png")},
                              action="upload", filename="Refused.png", token="+\\",
                              stash="1", filesize=len(data), offset=half, filekey=key)
    assert bad_token["error"]["code"] == "badtoken"
    assert stored.read_bytes() == data[:half]
    too_long = uploader.chunk("Refused.png", data[half:] + b"\0", half, len(data), key)
    assert too_long["error"]["code"] == "invalid-chunk"
    assert stored.read_bytes() == data[:half]
    _no_copies(monkeypatch)     # the session is still one whose next chunk lands
    last = uploader.chunk("Refused.png", data[half:], half, len(data), key)["upload"]
    assert last["imageinfo"]["sha1"] == hashlib.sha1(data).hexdigest()


def _fields_part(fields: dict[str, Any]) -> bytes:
    return b"".join(
        f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
        f"{value}\r\n".encode() for name, value in fields.items())


class _SlowChunk:
    """A chunk request sent by hand, its body held back halfway."""

    def __init__(self, client: ApiClient, api_url: str, fields: dict[str, Any],
                 chunk: bytes, after: dict[str, Any] | None = None) -> None:
        head = _fields_part(fields)
        head += (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"chunk\"; "
                 f"filename=\"blob\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                 ).encode()
        self.body = (head + chunk + b"\r\n" + _fields_part(after or {})
                     + f"--{BOUNDARY}--\r\n".encode())
        self.sent = len(head) + len(chunk) // 2
        url = urlparse(api_url)
        cookie = "; ".join(f"{c.name}={c.value}" for c in client.http.cookies)
        self.sock = socket.create_connection((url.hostname, url.port), timeout=30)
        self.sock.sendall(
            (f"POST {url.path} HTTP/1.1\r\nHost: {url.netloc}\r\nCookie: {cookie}\r\n"
             f"Content-Length: {len(self.body)}\r\n"
             f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n\r\n").encode()
            + self.body[:self.sent])

    def finish(self) -> dict[str, Any]:
        self.sock.sendall(self.body[self.sent:])
        response = http.client.HTTPResponse(self.sock)
        response.begin()
        reply: dict[str, Any] = json.loads(response.read())
        self.sock.close()
        return reply

    def vanish(self) -> None:
        self.sock.close()


def _fields(client: ApiClient, key: str, offset: int, filesize: int,
            name: str = "Held.png") -> dict[str, Any]:
    return {"action": "upload", "format": "json", "filename": name, "stash": "1",
            "filesize": filesize, "offset": offset, "filekey": key, "token": client.csrf}


def _first_half_sent(client: ApiClient, seed: str,
                     name: str = "Held.png") -> tuple[bytes, int, str]:
    """A chunked upload of ``_data(seed)`` whose first half is sent: the data, the offset
    of the second half and the file key."""
    data = _data(seed)
    half = len(data) // 2
    key = client.chunk(name, data[:half], 0, len(data))["upload"]["filekey"]
    return data, half, key


def test_a_chunk_cut_off_mid_body_leaves_the_upload_as_it_was(
        uploader: ApiClient, wiki: Wiki, api_url: str) -> None:
    data, half, key = _first_half_sent(uploader, "vanish")
    stored = _session_file(wiki, key)
    slow = _SlowChunk(uploader, api_url, _fields(uploader, key, half, len(data)),
                      b"\xff" * (len(data) - half))
    slow.vanish()
    last = uploader.chunk("Held.png", data[half:], half, len(data), key)["upload"]
    assert last["result"] == "Success", last
    assert last["imageinfo"]["sha1"] == hashlib.sha1(data).hexdigest()
    assert stored.read_bytes() == data


def _wait_until_held(path: Path) -> None:
    """Until a request of the server (this process) holds the session's file."""
    deadline = time.monotonic() + 10
    while isinstance(free := SessionFile.hold(path), SessionFile):
        free.release()
        assert time.monotonic() < deadline, "the chunk never landed"
        time.sleep(0.01)


def test_a_chunk_from_another_login_session_does_not_land(
        uploader: ApiClient, admin: ApiClient, wiki: Wiki, api_url: str) -> None:
    """Only the login session that sent the chunk before lands the next one: someone else
    who knew the file key could otherwise hold the upload's file while their body stalls
    (their request is refused in the end, but the owner's chunks would wait meanwhile)."""
    data, half, key = _first_half_sent(uploader, "someone else", "Elsewhere.png")
    stored = _session_file(wiki, key)
    intruder = _SlowChunk(admin, api_url, _fields(admin, key, half, len(data), "Elsewhere.png"),
                          b"\xff" * (len(data) - half))
    deadline = time.monotonic() + 0.5
    while time.monotonic() < deadline:       # the intruder's part is arriving meanwhile
        held = SessionFile.hold(stored)
        assert isinstance(held, SessionFile), "a chunk of another session landed"
        held.release()
        time.sleep(0.02)
    last = uploader.chunk("Elsewhere.png", data[half:], half, len(data), key)["upload"]
    assert last["result"] == "Success", last
    assert "error" in intruder.finish()
    assert stored.read_bytes() == data


def test_a_chunk_sent_while_another_lands_waits_for_it_and_loses(
        uploader: ApiClient, wiki: Wiki, api_url: str) -> None:
    """The landing request holds the session's file until it ends; a second chunk for the
    same offset (spooled, since the file is held) waits for it, also on SQLite, whose
    transactions all take the write lock, and then finds its offset taken."""
    data, half, key = _first_half_sent(uploader, "held")
    landing = _SlowChunk(uploader, api_url, _fields(uploader, key, half, len(data)),
                         data[half:])
    _wait_until_held(_session_file(wiki, key))
    replies: list[dict[str, Any]] = []
    rival = threading.Thread(target=lambda: replies.append(uploader.chunk(
        "Held.png", b"\x01" * (len(data) - half), half, len(data), key)))
    rival.start()
    rival.join(1.0)
    assert replies == [], "the second chunk did not wait for the one landing"
    won = landing.finish()
    rival.join(30)
    assert won["upload"]["result"] == "Success", won
    assert won["upload"]["imageinfo"]["sha1"] == hashlib.sha1(data).hexdigest()
    assert replies[0]["error"]["code"] == "stashfailed", replies
    assert _session_file(wiki, won["upload"]["filekey"]).read_bytes() == data


def test_a_landed_chunk_answered_with_warnings_is_stashed_on_its_own(
        uploader: ApiClient, wiki: Wiki) -> None:
    """A continuing chunk whose name draws a warning (and no ignorewarnings) is stashed as a
    file of its own: copied out of where it landed, which is then cut off again."""
    data = _data("warned")
    half = len(data) // 2
    key = uploader.chunk("DSC_0002.png", data[:half], 0, len(data),
                         ignorewarnings="1")["upload"]["filekey"]
    warned = uploader.chunk("DSC_0002.png", data[half:], half, len(data), key)["upload"]
    assert warned["result"] == "Warning" and "bad-prefix" in warned["warnings"]
    assert _session_file(wiki, key).read_bytes() == data[:half]
    info = uploader.get(action="query", prop="stashimageinfo", siifilekey=warned["filekey"],
                        siiprop="size|sha1")["query"]["stashimageinfo"][0]
    assert (info["size"], info["sha1"]) == (len(data) - half,
                                            hashlib.sha1(data[half:]).hexdigest())


def test_a_chunk_whose_fields_change_session_after_it_lands_goes_to_the_last_one(
        uploader: ApiClient, wiki: Wiki, api_url: str) -> None:
    """The API takes the last value of a field, which may come after the part: the chunk
    landed in one session's file is copied out and appended to the session named last,
    and the first is left as it was."""
    data = _data("first-of-two") + bytes(64), _data("second-of-two")    # room for either
    half = len(data[1]) // 2
    keys = [uploader.chunk("Held.png", d[:half], 0, len(d))["upload"]["filekey"] for d in data]
    sent = _SlowChunk(uploader, api_url, _fields(uploader, keys[0], half, len(data[1])),
                      data[1][half:], after={"filekey": keys[1]})
    reply = sent.finish()["upload"]
    assert reply["result"] == "Success", reply
    assert reply["imageinfo"]["sha1"] == hashlib.sha1(data[1]).hexdigest()
    assert _session_file(wiki, reply["filekey"]).read_bytes() == data[1]
    assert _session_file(wiki, keys[0]).read_bytes() == data[0][:half]


def test_two_chunks_crossing_sessions_do_not_wait_for_each_other(
        uploader: ApiClient, wiki: Wiki, api_url: str) -> None:
    """Each lands in one session's file and names the other one last: neither waits for a
    file while holding another, so both finish, each in the session it named last."""
    pngs = _data("cross-a"), _data("cross-b")
    data = tuple(png + bytes(max(map(len, pngs)) - len(png)) for png in pngs)  # one size
    half = len(data[0]) // 2
    keys = [uploader.chunk("Held.png", d[:half], 0, len(d))["upload"]["filekey"] for d in data]
    crossing = [_SlowChunk(uploader, api_url, _fields(uploader, keys[i], half, len(data[i])),
                           data[1 - i][half:], after={"filekey": keys[1 - i]})
                for i in (0, 1)]
    for key in keys:
        _wait_until_held(_session_file(wiki, key))
    replies: list[dict[str, Any]] = [{}, {}]
    threads = [threading.Thread(target=lambda i=i: replies.__setitem__(
        i, crossing[i].finish())) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert all(r.get("upload", {}).get("result") == "Success" for r in replies), replies
    for i in (0, 1):
        stored = _session_file(wiki, replies[i]["upload"]["filekey"]).read_bytes()
        assert stored == data[1 - i]


def test_a_session_served_while_a_chunk_lands_shows_the_bytes_so_far(
        uploader: ApiClient, wiki: Wiki, api_url: str) -> None:
    """Special:UploadStash serves a chunked upload in progress as far as it is recorded:
    not the unchecked bytes of a chunk still arriving."""
    import requests

    data, half, key = _first_half_sent(uploader, "served")
    landing = _SlowChunk(uploader, api_url, _fields(uploader, key, half, len(data)),
                         b"<html><script>alert(1)</script>".ljust(len(data) - half))
    _wait_until_held(_session_file(wiki, key))
    base = api_url.removesuffix("/api.php")
    served = requests.get(f"{base}/index.php/Special:UploadStash/file/{key}",
                          cookies=uploader.http.cookies, timeout=30)
    assert served.status_code == 200 and served.content == data[:half]
    assert landing.finish()["error"]["code"] == "filetype-badmime"
