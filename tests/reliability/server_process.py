"""A real ``wikiupload serve`` process (with its embedded job worker) for the reliability
tests: configured through ``WIKIUPLOAD_*`` variables, started, waited for, killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import REFERENCE_CONFIG, _truncate_all, populate
from tests.support import Accounts
from wikiupload.config import Settings, load
from wikiupload.wiki import Wiki

__all__ = ["ServerProcess", "fresh_database", "server_environment", "server_settings"]


def _env_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)


def server_environment(data_dir: Path, port: int, database_url: str = "",
                       **overrides: Any) -> dict[str, str]:
    """The reference wiki's settings as environment variables for a server process."""
    # A killed process never releases its upload slots (they expire after
    # upload_lease_seconds): no cap, or a series of kills would lock the clients out.
    values = {**REFERENCE_CONFIG, "min_upload_chunk_size": 1024,
              "max_concurrent_uploads_per_user": 0, **overrides,
              "data_dir": data_dir, "port": port, "host": "127.0.0.1"}
    if database_url:
        values["database_url"] = database_url
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIKIUPLOAD_")}
    env.update({f"WIKIUPLOAD_{key.upper()}": _env_value(value) for key, value in values.items()})
    return env


def fresh_database(db_backend: str, request: pytest.FixtureRequest, data_dir: Path) -> str:
    """The server's database URL: empty for SQLite (the server makes its own under
    ``data_dir``); on PostgreSQL the test session's database, emptied."""
    if db_backend != "postgresql":
        return ""
    url = str(request.getfixturevalue("postgres_url"))
    wiki = Wiki.open(server_settings(server_environment(data_dir, 0, url)),
                     migrate_schema=False)
    try:
        _truncate_all(wiki)
    finally:
        wiki.close()
    return url


def server_settings(env: dict[str, str]) -> Settings:
    """The settings the server process reads from ``env`` (for in-process checks)."""
    return load(env=env)


class ServerProcess:
    """``wikiupload serve`` on a data directory; start() waits until api.php answers."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.settings = server_settings(env)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.port}/api.php"

    def prepare(self, accounts: Accounts) -> None:
        """Create the schema and the reference accounts before the first start."""
        wiki = Wiki.open(self.settings)
        try:
            populate(wiki, accounts)
        finally:
            wiki.close()

    def start(self, timeout: float = 30.0) -> None:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "wikiupload.cli", "serve"], env=self.env,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}; "
                                   f"see {self.log_path}")
            try:
                reply = requests.get(self.api_url, params={"action": "query", "format": "json"},
                                     timeout=2)
                if reply.status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"server did not answer within {timeout} s; see {self.log_path}")

    def kill(self) -> None:
        """SIGKILL: no cleanup of any kind runs in the server."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None
