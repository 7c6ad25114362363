"""A minimal Python ASGI app that streams the request body to a file while hashing it.

Run by the bench with uvicorn (uvloop, httptools), as wikiupload is: what Python itself
reaches on this machine for the same bodies, between nginx and wikiupload. It parses no
multipart and checks nothing; it answers the size written and the SHA-1, then deletes the
file. Start: ``python -m uvicorn bench.asgi_sink:app`` with ``BENCH_SINK_DIR`` set.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Awaitable, Callable
from typing import Any

Scope = dict[str, Any]
Message = dict[str, Any]


async def app(scope: Scope, receive: Callable[[], Awaitable[Message]],
              send: Callable[[Message], Awaitable[None]]) -> None:
    if scope["type"] != "http":
        return
    digest = hashlib.sha1()
    size = 0
    fd, name = tempfile.mkstemp(dir=os.environ.get("BENCH_SINK_DIR"), prefix="body-")
    try:
        more = True
        while more:
            message = await receive()
            data = message.get("body", b"")
            digest.update(data)
            size += os.write(fd, data)
            more = message.get("more_body", False)
    finally:
        os.close(fd)
        os.unlink(name)
    answer = json.dumps({"size": size, "sha1": digest.hexdigest()}).encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": answer})
