"""Load: 50 clients at once against a real ``wikiupload serve`` process for a bounded time
(``WIKIUPLOAD_LOAD_SECONDS``, 15 by default; ``WIKIUPLOAD_LOAD_CLIENTS``, 50): new
uploads, re-uploads of a few contended names, imageinfo reads. Not one error is allowed;
afterwards every contended name has exactly the versions that were acknowledged and the
repository checks clean. Throughput and latencies are printed (``-s``) and, with
``WIKIUPLOAD_LOAD_REPORT``, appended to that file as JSON."""

from __future__ import annotations

import hashlib
import json
import os
import random
import statistics
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.clients.media import make_png
from tests.conftest import ADMIN_BOT_PASSWORD, _free_port
from tests.reliability.server_process import ServerProcess, fresh_database, server_environment
from tests.support import Accounts, ApiClient
from wikiupload.maintenance.check import check_repository
from wikiupload.wiki import Wiki

SECONDS = float(os.environ.get("WIKIUPLOAD_LOAD_SECONDS", "15"))
CLIENTS = int(os.environ.get("WIKIUPLOAD_LOAD_CLIENTS", "50"))
CONTENDED = [f"Busy-{n}.png" for n in range(5)]

pytestmark = pytest.mark.server


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    operations: dict[str, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    versions: dict[str, list[str]] = field(default_factory=dict)   # acknowledged, per name

    def record(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.operations[kind] = self.operations.get(kind, 0) + 1
            self.latencies.append(seconds)


class LoadClient:
    def __init__(self, api_url: str, cookies: Any, index: int, tally: Tally) -> None:
        self.api = ApiClient(api_url)
        self.api.http.cookies.update(cookies)
        self.index = index
        self.tally = tally
        self.rng = random.Random(index)
        self.count = 0

    def run(self, until: float) -> None:
        self.api.csrf = self.api.token()
        while time.monotonic() < until:
            kind = self.rng.choices(["upload", "re-upload", "read"], weights=[5, 2, 3])[0]
            started = time.monotonic()
            try:
                ok = getattr(self, kind.replace("-", "_"))()
            except requests.RequestException as exc:
                ok = f"{kind}: {exc!r}"
            if ok is not True:
                with self.tally.lock:
                    self.tally.errors.append(str(ok))
                continue
            self.tally.record(kind, time.monotonic() - started)
        self.api.close()

    def _content(self) -> bytes:
        self.count += 1
        return make_png(f"load-{self.index}-{self.count}")

    def upload(self) -> bool | str:
        reply = self.api.upload(f"Load-{self.index}-{self.count}.png", self._content(),
                                "image/png", ignorewarnings="1")
        return True if reply.get("upload", {}).get("result") == "Success" else f"{reply}"

    def re_upload(self) -> bool | str:
        name, data = self.rng.choice(CONTENDED), self._content()
        reply = self.api.upload(name, data, "image/png", ignorewarnings="1")
        if reply.get("upload", {}).get("result") != "Success":
            return f"{reply}"
        with self.tally.lock:
            self.tally.versions.setdefault(name, []).append(hashlib.sha1(data).hexdigest())
        return True

    def read(self) -> bool | str:
        reply = self.api.get(action="query", prop="imageinfo", iiprop="sha1|size|url",
                             titles="|".join(f"File:{name}" for name in CONTENDED))
        return True if "query" in reply else f"{reply}"


def _history(api: ApiClient, name: str) -> list[str]:
    reply = api.get(action="query", prop="imageinfo", titles=f"File:{name}", iiprop="sha1",
                    iilimit="max", formatversion="2")
    return [entry["sha1"] for entry in reply["query"]["pages"][0].get("imageinfo", [])]


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def test_fifty_clients_without_an_error(tmp_path: Path, db_backend: str,
                                        request: pytest.FixtureRequest,
                                        accounts: Accounts) -> None:
    data = tmp_path / "data"
    url = fresh_database(db_backend, request, data)
    server = ServerProcess(server_environment(data, _free_port(), url), tmp_path / "server.log")
    server.prepare(accounts)
    server.start()
    tally = Tally()
    try:
        login = ApiClient(server.api_url)
        login.login("Admin@bot", ADMIN_BOT_PASSWORD)
        until = time.monotonic() + SECONDS
        clients = [LoadClient(server.api_url, login.http.cookies, index, tally)
                   for index in range(CLIENTS)]
        threads = [threading.Thread(target=client.run, args=(until,)) for client in clients]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(SECONDS + 120)
        elapsed = time.monotonic() - started
        histories = {name: _history(login, name) for name in CONTENDED}
        login.close()
    finally:
        server.stop()
    total = sum(tally.operations.values())
    figures = {"database": db_backend, "clients": CLIENTS, "seconds": round(elapsed, 1),
               "operations": total, "by_kind": tally.operations,
               "throughput_per_second": round(total / elapsed, 1),
               "errors": len(tally.errors),
               "latency_ms": {"median": round(1000 * statistics.median(tally.latencies), 1),
                              "p95": round(1000 * _percentile(tally.latencies, 0.95), 1),
                              "max": round(1000 * max(tally.latencies), 1)}}
    print("\n" + json.dumps(figures, indent=2))
    if report := os.environ.get("WIKIUPLOAD_LOAD_REPORT"):
        with open(report, "a") as out:
            out.write(json.dumps(figures) + "\n")
    assert tally.errors == [], tally.errors[:5]
    for name in CONTENDED:       # every acknowledged re-upload is one version, none lost
        assert sorted(histories[name]) == sorted(tally.versions.get(name, [])), name
    wiki = Wiki.open(server.settings, migrate_schema=False)
    try:
        assert check_repository(wiki, min_age=0).problems == []
    finally:
        wiki.close()
