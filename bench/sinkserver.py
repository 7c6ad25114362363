"""The minimal ASGI app of bench/asgi_sink.py in a uvicorn child process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import requests

from bench.bodies import MultipartFileBody
from bench.units import BenchError
from bench.wikiserver import free_port

START_TIMEOUT = 30
REPOSITORY = Path(__file__).resolve().parent.parent


class PythonSink:
    """uvicorn (uvloop, httptools) serving the sink app on a free port; ``stop()`` ends it."""

    def __init__(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/upload"
        self._log = open(root / "sink.log", "wb")  # noqa: SIM115 - closed in stop()
        env = {**os.environ, "BENCH_SINK_DIR": str(root)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "bench.asgi_sink:app", "--host", "127.0.0.1",
             "--port", str(self.port), "--loop", "uvloop", "--http", "httptools",
             "--log-level", "warning", "--no-access-log"],
            cwd=REPOSITORY, env=env, stdin=subprocess.DEVNULL, stdout=self._log,
            stderr=subprocess.STDOUT)
        self.http = requests.Session()

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"the Python sink exited ({self.process.returncode})")
            try:
                self.http.get(self.url, timeout=2)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise BenchError(f"the Python sink did not answer within {START_TIMEOUT} s")

    def receive(self, body: MultipartFileBody) -> None:
        """POST ``body``; the sink must have written all of it."""
        reply = self.http.post(self.url, data=body, timeout=3600,  # type: ignore[arg-type]
                               headers={"Content-Type": body.content_type})
        if reply.status_code != 200 or reply.json().get("size") != len(body):
            raise BenchError(f"the Python sink answered {reply.status_code}: {reply.text[:200]}")

    def stop(self) -> None:
        self.http.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self._log.close()
