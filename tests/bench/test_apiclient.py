"""The bench's client sends upload bodies on a bare connection with its session's cookies."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from bench.apiclient import Client
from bench.bodies import MultipartFileBody


class _Recorder(BaseHTTPRequestHandler):
    """Answers every POST with what it received: path, cookie, body length and text; the
    first upload also sets a cookie, as a server renewing a session would."""

    protocol_version = "HTTP/1.1"
    seen: list[dict[str, object]] = []

    def do_POST(self) -> None:  # noqa: N802 - the handler's API
        body = self.rfile.read(int(self.headers["Content-Length"]))
        record = {"path": self.path, "cookie": self.headers.get("Cookie", ""),
                  "length": len(body), "chunked": "Transfer-Encoding" in self.headers,
                  "has_file": b"hello, bench" in body, "port": self.client_address[1]}
        self.seen.append(record)
        answer = json.dumps(record).encode()
        self.send_response(200)
        if len(self.seen) == 1:
            self.send_header("Set-Cookie", "renewed=yes; Path=/")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def recorder() -> Iterator[str]:
    _Recorder.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/w/api.php?x=1"
    server.shutdown()
    server.server_close()


def test_bodies_carry_the_session_cookies_and_take_new_ones(recorder: str, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    source = tmp_path / "a.png"
    source.write_bytes(b"hello, bench" * 100)
    client = Client(recorder)
    client.http.cookies.set("wikiSession", "abc", domain="127.0.0.1", path="/")
    body = MultipartFileBody({"action": "upload"}, "file", "a.png", source, "image/png")
    first = client.send(body)
    assert first["path"] == "/w/api.php?x=1" and first["cookie"] == "wikiSession=abc"
    assert first["length"] == len(body) and first["has_file"] and not first["chunked"]
    assert body.sent_at is not None
    second = client.send(MultipartFileBody({}, "file", "a.png", source))
    assert sorted(str(second["cookie"]).split("; ")) == ["renewed=yes", "wikiSession=abc"]
    assert second["port"] == first["port"]          # the same kept-alive connection
    monkeypatch.setattr("bench.apiclient.IDLE_RECONNECT_SECONDS", 0.0)
    third = client.send(MultipartFileBody({}, "file", "a.png", source))
    assert third["port"] != first["port"]           # idle too long: a new connection
    client.close()


def test_a_small_body_goes_in_one_piece_a_large_one_streams(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    source = tmp_path / "a.png"
    source.write_bytes(bytes(range(256)) * 40)
    body = MultipartFileBody({"action": "upload"}, "file", "a.png", source, "image/png")
    whole = body.whole()
    assert whole is not None and whole == b"".join(bytes(piece) for piece in body)
    assert len(whole) == len(body) and whole.endswith(f"--{body.boundary}--\r\n".encode())
    monkeypatch.setattr("bench.bodies.SEND_BUFFER", len(body) - 1)
    assert body.whole() is None
