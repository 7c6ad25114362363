"""A minimal Action API client: login, direct and chunked uploads, publish, imageinfo.

It speaks to wikiupload and to a MediaWiki the same way, the way pywikibot and mwclient do:
multipart bodies with a Content-Length, one kept-alive connection per client. Logins and
queries go through ``requests``; upload bodies through a bare ``http.client`` connection with
the same cookies, since ``requests`` costs about a millisecond of the client's CPU per request:
a fifth of a small upload's round trip to wikiupload, which would measure the client.
"""

from __future__ import annotations

import http.client
import http.cookiejar
import json
import socket
import time
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import requests

from bench.bodies import ChunkBody, MultipartFileBody
from bench.units import BenchError

REQUEST_TIMEOUT = 3600
USER_AGENT = "wikiupload-bench/2.0"
# Servers close idle keep-alive connections (uvicorn after 5 s); a body is never sent on a
# connection idle for longer than this, so that it is never cut off by such a close.
IDLE_RECONNECT_SECONDS = 1.0


class Client:
    def __init__(self, url: str) -> None:
        self.url = url
        self.http = requests.Session()
        self.http.headers["User-Agent"] = USER_AGENT
        self.csrf = ""
        self._bodies = _BodyConnection(url)

    def close(self) -> None:
        self.http.close()
        self._bodies.close()

    def get(self, **params: str) -> dict[str, Any]:
        reply = self.http.get(self.url, params={"format": "json", **params}, timeout=60)
        return _json(reply)

    def post(self, **params: str) -> dict[str, Any]:
        reply = self.http.post(self.url, data={"format": "json", **params},
                               timeout=REQUEST_TIMEOUT)
        return _json(reply)

    def ping(self) -> None:
        """A cheap request, untimed: the server closes connections idle for a few seconds
        (uvicorn: 5 s), and a streamed upload on such a connection cannot be retried."""
        self.get(action="query", meta="siteinfo", siprop="general")

    def token(self, kind: str) -> str:
        reply = self.get(action="query", meta="tokens", type=kind)
        token = reply.get("query", {}).get("tokens", {}).get(f"{kind}token")
        if not isinstance(token, str):
            raise BenchError(f"no {kind} token: {reply}")
        return token

    def login(self, name: str, password: str) -> None:
        reply = self.post(action="login", lgname=name, lgpassword=password,
                          lgtoken=self.token("login"))
        if reply.get("login", {}).get("result") != "Success":
            raise BenchError(f"login as {name} at {self.url} failed: {reply}")
        self.csrf = self.token("csrf")

    def send(self, body: MultipartFileBody) -> dict[str, Any]:
        """POST a multipart body on the client's upload connection, with its cookies."""
        status, text = self._bodies.post(body, self.http.cookies)
        return _decode(status, text)

    def imageinfo(self, filename: str) -> dict[str, Any]:
        """The current version's sha1, size and url, from prop=imageinfo."""
        reply = self.get(action="query", prop="imageinfo", titles=f"File:{filename}",
                         iiprop="sha1|size|url", formatversion="2")
        pages = reply.get("query", {}).get("pages", [])
        infos = pages[0].get("imageinfo", []) if pages else []
        if not infos:
            raise BenchError(f"prop=imageinfo has nothing for File:{filename}: {reply}")
        return dict(infos[0])

    def check_stored(self, filename: str, sha1: str, size: int) -> str:
        """The SHA-1 and size prop=imageinfo reports must be those sent; returns the URL."""
        info = self.imageinfo(filename)
        if info.get("sha1") != sha1 or info.get("size") != size:
            raise BenchError(f"File:{filename} stored as sha1={info.get('sha1')} "
                             f"size={info.get('size')}, sent sha1={sha1} size={size}")
        return str(info.get("url", ""))

    # -- uploads -------------------------------------------------------------------------------

    def upload(self, source: Path, name: str) -> tuple[str, float]:
        """One direct upload; returns the stored name and the time after the last body byte."""
        fields = {"action": "upload", "format": "json", "filename": name,
                  "ignorewarnings": "1", "comment": "wikiupload bench", "token": self.csrf}
        body = MultipartFileBody(fields, "file", name, source, "image/png")
        reply = self.send(body)
        answered = time.perf_counter()
        result = upload_result(reply, f"upload of {name}", "Success")
        return str(result.get("filename", name)), answered - (body.sent_at or answered)

    def upload_chunks(self, source: Path, name: str, chunk_size: int) -> ChunkedTimes:
        """Send ``source`` in ``stash=1`` chunks, then publish the assembled stashed file."""
        size = source.stat().st_size
        filekey = ""
        offset = 0
        last_seconds = 0.0
        while offset < size or size == 0:
            length = min(chunk_size, size - offset)
            fields = {"action": "upload", "format": "json", "filename": name, "stash": "1",
                      "filesize": str(size), "offset": str(offset), "ignorewarnings": "1",
                      "token": self.csrf}
            if filekey:
                fields["filekey"] = filekey
            started = time.perf_counter()
            reply = self.send(ChunkBody(fields, source, offset, length, name))
            last_seconds = time.perf_counter() - started
            offset += length
            wanted = "Success" if offset >= size else "Continue"
            result = upload_result(reply, f"chunk ending at {offset} of {name}", wanted)
            filekey = str(result.get("filekey", ""))
            if wanted == "Success":
                break
            if int(result.get("offset", -1)) != offset:
                raise BenchError(f"{name}: server offset {result.get('offset')}, sent {offset}")
        started = time.perf_counter()
        reply = self.post(action="upload", filename=name, filekey=filekey, ignorewarnings="1",
                          comment="wikiupload chunked bench", token=self.csrf)
        publish_seconds = time.perf_counter() - started
        published = upload_result(reply, f"publish of {name} ({filekey})", "Success")
        return ChunkedTimes(str(published.get("filename", name)), last_seconds, publish_seconds)


@dataclass(frozen=True)
class ChunkedTimes:
    filename: str
    last_chunk_seconds: float    # the last chunk's request: append + assembly
    publish_seconds: float       # the filekey publish request (last chunk's answer -> file)


def upload_result(reply: dict[str, Any], what: str, *expected: str) -> dict[str, Any]:
    result = reply.get("upload")
    if not isinstance(result, dict) or result.get("result") not in expected:
        raise BenchError(f"{what}: expected {'/'.join(expected)}, got {str(reply)[:500]}")
    return result


class _BodyConnection:
    """One kept-alive ``http.client`` connection for request bodies, sharing the cookies of
    the client's ``requests`` session (sent from it, and updated from every answer)."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.url = url
        self.target = parts.path + (f"?{parts.query}" if parts.query else "")
        secure = parts.scheme == "https"
        kind = http.client.HTTPSConnection if secure else http.client.HTTPConnection
        self.connection = kind(parts.netloc, timeout=REQUEST_TIMEOUT)
        self.used_at = 0.0

    def close(self) -> None:
        self.connection.close()

    def post(self, body: MultipartFileBody, cookies: http.cookiejar.CookieJar) -> tuple[int, bytes]:
        if time.monotonic() - self.used_at > IDLE_RECONNECT_SECONDS:
            self.connection.close()
        if self.connection.sock is None:
            self.connection.connect()
            sock = cast(socket.socket, self.connection.sock)    # connect() set it
            # As urllib3 (under requests, pywikibot, mwclient) sets on every connection: the
            # body is not held back until the headers before it are acknowledged.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        request = urllib.request.Request(self.url, method="POST")
        cookies.add_cookie_header(request)
        headers = {"User-Agent": USER_AGENT, "Content-Type": body.content_type,
                   "Content-Length": str(len(body)), **dict(request.header_items())}
        whole = body.whole()
        # The pieces are memoryviews (typeshed says bytes); http.client sends any buffer.
        self.connection.request("POST", self.target, headers=headers,
                                body=cast(Iterable[bytes], body) if whole is None else whole)
        if whole is not None:
            body.sent_at = time.perf_counter()
        reply = self.connection.getresponse()
        text = reply.read()
        self.used_at = time.monotonic()
        cookies.extract_cookies(reply, request)
        return reply.status, text


def _json(reply: requests.Response) -> dict[str, Any]:
    return _decode(reply.status_code, reply.content)


def _decode(status: int, text: bytes) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError:
        raise BenchError(f"HTTP {status}, not JSON: {text[:300]!r}") from None
    if not isinstance(data, dict):
        raise BenchError(f"unexpected reply: {data!r}")
    return data
