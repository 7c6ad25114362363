"""ApiSession retries and error handling, over an in-process httpx transport."""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import parse_qs

import httpx
import pytest

from wikiupload.client import ApiError, ApiSession, ClientError

URL = "http://wiki.test/api.php"


def session_with(handler: Callable[[httpx.Request], httpx.Response],
                 sleeps: list[float], retries: int = 5) -> ApiSession:
    return ApiSession(URL, transport=httpx.MockTransport(handler), sleep=sleeps.append,
                      max_retries=retries, retry_delay=1.0)


def answers(*replies: httpx.Response | Exception) -> Callable[[httpx.Request], httpx.Response]:
    queue = list(replies)

    def handler(request: httpx.Request) -> httpx.Response:
        reply = queue.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return reply

    return handler


OK = httpx.Response(200, json={"query": {"ok": True}})


def test_retries_network_errors_and_5xx_with_back_off() -> None:
    sleeps: list[float] = []
    session = session_with(answers(httpx.ConnectError("refused"), httpx.Response(503),
                                   httpx.Response(502, text="Bad gateway"), OK), sleeps)
    assert session.get(action="query") == {"query": {"ok": True}}
    assert sleeps == [1.0, 2.0, 4.0]


def test_maxlag_waits_at_least_the_lag_and_ratelimited_backs_off() -> None:
    sleeps: list[float] = []
    maxlag = httpx.Response(200, json={"error": {"code": "maxlag", "info": "Waiting", "lag": 7}})
    limited = httpx.Response(200, json={"error": {"code": "ratelimited", "info": "slow down"}})
    session = session_with(answers(maxlag, limited, OK), sleeps)
    assert session.get(action="query")["query"]["ok"] is True
    assert sleeps == [7.0, 2.0]


def test_gives_up_after_the_retries() -> None:
    sleeps: list[float] = []
    session = session_with(lambda request: httpx.Response(500), sleeps, retries=2)
    with pytest.raises(ClientError) as caught:
        session.get(action="query")
    assert caught.value.code == "http-error"
    assert len(sleeps) == 2


def test_garbage_answer_is_a_clear_error() -> None:
    sleeps: list[float] = []
    session = session_with(lambda request: httpx.Response(200, text="<html>oops</html>"),
                           sleeps, retries=1)
    with pytest.raises(ClientError) as caught:
        session.get(action="query")
    assert caught.value.code == "bad-response"
    assert "did not answer JSON" in caught.value.info


def test_other_api_errors_are_raised_at_once() -> None:
    sleeps: list[float] = []
    denied = httpx.Response(200, json={"error": {"code": "permissiondenied", "info": "no"}})
    session = session_with(answers(denied), sleeps)
    with pytest.raises(ApiError) as caught:
        session.post(action="upload")
    assert caught.value.code == "permissiondenied"
    assert sleeps == []


def test_badtoken_reloads_the_token_once() -> None:
    sleeps: list[float] = []
    sent_tokens: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json={"query": {"tokens": {"csrftoken": "fresh+\\"}}})
        form = parse_qs(request.content.decode())
        sent_tokens.append(form["token"][0])
        if form["token"][0] == "stale":
            return httpx.Response(200, json={"error": {"code": "badtoken", "info": "bad"}})
        return httpx.Response(200, json={"upload": {"result": "Success"}})

    session = session_with(handler, sleeps)
    assert session.post(action="upload", token="stale") == {"upload": {"result": "Success"}}
    assert sent_tokens == ["stale", "fresh+\\"]


def test_boolean_and_list_parameters() -> None:
    seen: dict[str, list[str]] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen.update(parse_qs(request.content.decode()))
        return httpx.Response(200, content=json.dumps({}).encode())

    session = session_with(handler, [])
    session.post(action="upload", stash=True, ignorewarnings=False, tags=["a", "b"],
                 text=None)
    assert seen["stash"] == ["1"]
    assert "ignorewarnings" not in seen and "text" not in seen
    assert seen["tags"] == ["a|b"]
