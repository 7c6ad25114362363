"""What the bench compares: servers that receive the same uploads.

``ApiTarget`` is an Action API (wikiupload started by the bench, or a MediaWiki given by URL);
``BodyTarget`` receives the same multipart bodies (nginx to disk: the limit; or a minimal
Python ASGI app). Every
method measures one upload and returns its wall time; the chunked one also the publish time.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from bench.apiclient import Client
from bench.bodies import ChunkBody, MultipartFileBody
from bench.together import run_together
from bench.units import size_label


@dataclass(frozen=True)
class Timing:
    seconds: float               # first request start -> last answer (publish included)
    publish_seconds: float = 0.0  # chunked: the last chunk's answer -> the published file


def unique_name(prefix: str, size: int) -> str:
    return f"{prefix}-{size_label(size)}-{secrets.token_hex(5)}.png"


@dataclass
class ApiTarget:
    """An api.php reached over HTTP with a bot password; ``pid``/``data_dir`` when local."""

    name: str
    url: str
    account: tuple[str, str]
    pid: int | None = None
    data_dir: Path | None = None
    clients: list[Client] = field(default_factory=list)

    def client(self, index: int = 0) -> Client:
        """The ``index``-th logged-in client (each with its own session and connection)."""
        while len(self.clients) <= index:
            client = Client(self.url)
            client.login(*self.account)
            self.clients.append(client)
        return self.clients[index]

    def close(self) -> None:
        for client in self.clients:
            client.close()
        self.clients.clear()

    def direct(self, source: Path, sha1: str) -> Timing:
        client = self.client()
        client.ping()
        started = time.perf_counter()
        stored, _after_body = client.upload(source, unique_name("Direct", source.stat().st_size))
        seconds = time.perf_counter() - started
        self._check_and_discard(client, stored, sha1, source.stat().st_size)
        return Timing(seconds)

    def chunked(self, source: Path, sha1: str, chunk_size: int) -> Timing:
        client = self.client()
        client.ping()
        size = source.stat().st_size
        started = time.perf_counter()
        times = client.upload_chunks(source, unique_name("Chunked", size), chunk_size)
        seconds = time.perf_counter() - started
        self._check_and_discard(client, times.filename, sha1, size)
        return Timing(seconds, times.publish_seconds)

    def small(self, files: list[list[Path]]) -> float:
        """One client per list uploads its files, all clients at once; returns uploads/s."""
        logged_in = [self.client(index) for index in range(len(files))]
        for client in logged_in:
            client.ping()

        def work(client: Client, batch: list[Path]) -> None:
            for source in batch:
                client.upload(source, unique_name("Small", source.stat().st_size))

        seconds = run_together([partial(work, client, batch) for client, batch
                                in zip(logged_in, files, strict=True)],
                               f"{self.name}: small uploads")
        return sum(len(batch) for batch in files) / seconds

    def _check_and_discard(self, client: Client, stored: str, sha1: str, size: int) -> None:
        """Check what was stored; then delete a local copy (the bench must not fill the disk)."""
        url = client.check_stored(stored, sha1, size)
        if self.data_dir is None or not url:
            return
        path = unquote(urlsplit(url).path)
        marker = "/images/"
        if marker in path:
            (self.data_dir / "images" / path.split(marker, 1)[1]).unlink(missing_ok=True)


class BodyReceiver(Protocol):
    def receive(self, body: MultipartFileBody) -> None: ...

    def stop(self) -> None: ...


@dataclass
class BodyTarget:
    """A server that only receives the same bodies (nginx to disk, the Python sink)."""

    receiver: BodyReceiver
    name: str

    def direct(self, source: Path, sha1: str) -> Timing:
        fields = {"action": "upload", "format": "json", "filename": "N.png",
                  "ignorewarnings": "1", "comment": "wikiupload bench", "token": "x" * 42}
        started = time.perf_counter()
        self.receiver.receive(MultipartFileBody(fields, "file", "N.png", source, "image/png"))
        return Timing(time.perf_counter() - started)

    def chunked(self, source: Path, sha1: str, chunk_size: int) -> Timing:
        size = source.stat().st_size
        started = time.perf_counter()
        for offset in range(0, size, chunk_size):
            fields = {"action": "upload", "format": "json", "filename": "N.png", "stash": "1",
                      "filesize": str(size), "offset": str(offset), "ignorewarnings": "1",
                      "filekey": "x" * 32, "token": "x" * 42}
            length = min(chunk_size, size - offset)
            self.receiver.receive(ChunkBody(fields, source, offset, length, "N.png"))
        return Timing(time.perf_counter() - started)

    def close(self) -> None:
        self.receiver.stop()
