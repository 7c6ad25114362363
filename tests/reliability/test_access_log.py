"""``wikiupload serve`` logs a line per request only when ``access_log`` is on."""

from __future__ import annotations

from pathlib import Path

import requests

from tests.conftest import _free_port
from tests.reliability.server_process import ServerProcess, server_environment


def _served_log(tmp_path: Path, name: str, **overrides: object) -> str:
    env = server_environment(tmp_path / name, _free_port(), **overrides)
    server = ServerProcess(env, tmp_path / f"{name}.log")
    server.start()
    try:
        reply = requests.get(server.api_url, timeout=10,
                             params={"action": "query", "meta": "siteinfo", "format": "json"})
        assert reply.status_code == 200
    finally:
        server.stop()
    return server.log_path.read_text()


def test_requests_are_logged_only_when_asked(tmp_path: Path) -> None:
    quiet = _served_log(tmp_path, "quiet")
    assert "wikiupload serving" in quiet and "GET /api.php" not in quiet
    logged = _served_log(tmp_path, "logged", access_log=True)
    assert "GET /api.php?action=query&meta=siteinfo&format=json HTTP/1.1\" 200" in logged
