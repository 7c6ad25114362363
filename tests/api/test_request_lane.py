"""On SQLite, API requests that hold the write lock from start to end take turns on one
thread (web/request_lane.py); uploads that work outside a transaction never wait for it."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import media_samples as media
from tests.support import ApiClient
from wikiupload.api.context import HttpRequest
from wikiupload.http.form import UploadedFile
from wikiupload.web import api_endpoint
from wikiupload.web.request_lane import RequestLane
from wikiupload.wiki import Wiki

HELD = "lanetest"           # a parameter the API ignores: the recorder holds such requests


class Recorder:
    """Wraps the API handler: which threads ran it, how many at once at most; a request
    with ``HELD`` waits until ``release`` is set."""

    def __init__(self) -> None:
        self.threads: set[int] = set()
        self.running = 0
        self.most = 0
        self.held = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()

    def wrap(self, handle: Any) -> Any:
        def recorded(wiki: Wiki, request: HttpRequest, **options: Any) -> Any:
            with self._lock:
                self.threads.add(threading.get_ident())
                self.running += 1
                self.most = max(self.most, self.running)
            try:
                if HELD in request.params:
                    self.held.set()
                    assert self.release.wait(30)
                time.sleep(0.05)        # long enough for requests sent together to overlap
                return handle(wiki, request, **options)
            finally:
                with self._lock:
                    self.running -= 1
        return recorded


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Iterator[Recorder]:
    found = Recorder()
    monkeypatch.setattr(api_endpoint, "handle", found.wrap(api_endpoint.handle))
    yield found
    found.release.set()


def _together(calls: list[Any]) -> list[Any]:
    answers: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        answers[index] = calls[index]()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return answers


def test_requests_in_one_transaction_take_turns_on_sqlite_only(
        wiki: Wiki, api_url: str, recorder: Recorder) -> None:
    clients = [ApiClient(api_url) for _ in range(4)]
    answers = _together([lambda client=client: client.get(action="query", meta="tokens")
                         for client in clients])
    assert all("csrftoken" in answer["query"]["tokens"] for answer in answers)
    if wiki.engine.dialect.name == "sqlite":
        assert recorder.most == 1 and len(recorder.threads) == 1
    else:
        assert recorder.most > 1 and len(recorder.threads) > 1


def test_an_upload_that_works_outside_a_transaction_does_not_wait_for_the_lane(
        wiki: Wiki, api_url: str, uploader: ApiClient, recorder: Recorder) -> None:
    holder = ApiClient(api_url)
    blocked = threading.Thread(target=holder.get, kwargs={
        "action": "query", "meta": "tokens", HELD: "1"})
    blocked.start()
    try:
        assert recorder.held.wait(30)
        data = media.png("lane chunk", 64, 64)
        reply = uploader.chunk("Lane_chunk.png", data[:len(data) // 2], 0, len(data))
        assert reply.get("upload", {}).get("result") == "Continue", reply   # lane still held
        assert blocked.is_alive()
    finally:
        recorder.release.set()
        blocked.join(30)


@pytest.mark.parametrize(("params", "part", "in_lane"), [
    ({"action": "query", "meta": "tokens"}, None, True),
    ({"action": "upload", "filename": "A.png"}, ("file", 1000), True),
    ({"action": "upload", "filename": "A.png"}, ("file", 1024 * 1024), False),
    ({"action": "upload", "filename": "A.png", "url": "http://127.0.0.1/a.png"}, None, False),
    ({"action": "upload", "filename": "A.png", "filekey": "abc.png"}, None, False),
    ({"action": "upload", "filename": "A.png", "sessionkey": "abc.png"}, None, False),
    ({"action": "upload", "filename": "A.png", "offset": "0"}, ("chunk", 10), False),
])
def test_what_goes_in_the_lane(params: dict[str, str], part: tuple[str, int] | None,
                               in_lane: bool) -> None:
    files = {} if part is None else {
        part[0]: UploadedFile(part[0], "a.png", None, Path("a.png"), part[1])}

    async def limited(serial: bool) -> bool:
        return RequestLane(serial, 1024 * 1024).limiter_for(params, files) is not None

    assert asyncio.run(limited(True)) is in_lane
    assert asyncio.run(limited(False)) is False      # PostgreSQL: no lane
