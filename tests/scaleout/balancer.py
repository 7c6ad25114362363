"""A round-robin reverse proxy for tests: each request goes to the next node in turn.

It stands where a load balancer stands in front of several ``wikiupload serve`` processes,
and records which node answered each request, so a test can prove that the requests of one
upload were spread over the nodes. Bodies are streamed both ways, never held whole.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn

_HOP_BY_HOP = {b"connection", b"keep-alive", b"transfer-encoding", b"te", b"upgrade",
               b"proxy-connection", b"trailer"}


@dataclass(frozen=True)
class Routed:
    node: int
    method: str
    content_length: int
    status: int


@dataclass
class RoundRobin:
    """The ASGI application of the balancer."""

    nodes: list[str]
    routed: list[Routed] = field(default_factory=list)
    _turn: itertools.count[int] = field(default_factory=itertools.count)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        node = next(self._turn) % len(self.nodes)
        headers = [(k, v) for k, v in scope["headers"] if k.lower() not in _HOP_BY_HOP]
        length = int(dict(headers).get(b"content-length", b"0") or 0)
        url = self.nodes[node] + scope["raw_path"].decode("latin-1")
        if scope["query_string"]:
            url += "?" + scope["query_string"].decode("latin-1")

        async def body() -> AsyncIterator[bytes]:
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    return
                if message.get("body"):
                    yield message["body"]
                if not message.get("more_body"):
                    return

        async with httpx.AsyncClient(timeout=300) as client:
            request = client.build_request(scope["method"], url, headers=headers,
                                           content=body() if length else None)
            response = await client.send(request, stream=True)
            try:
                self.routed.append(Routed(node, scope["method"], length, response.status_code))
                await send({"type": "http.response.start", "status": response.status_code,
                            "headers": [(k, v) for k, v in response.headers.raw
                                        if k.lower() not in _HOP_BY_HOP]})
                async for chunk in response.aiter_raw():
                    await send({"type": "http.response.body", "body": chunk,
                                "more_body": True})
                await send({"type": "http.response.body", "body": b""})
            finally:
                await response.aclose()


class Balancer:
    """The proxy served by uvicorn in a thread of the test process."""

    def __init__(self, nodes: list[str], port: int) -> None:
        self.app = RoundRobin(nodes)
        config = uvicorn.Config(self.app, host="127.0.0.1", port=port, log_level="warning",
                                lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{port}"

    def __enter__(self) -> Balancer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("balancer did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
