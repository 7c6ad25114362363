"""A ``wikiupload serve`` child process on a fresh data directory, and its bench account."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import requests

from bench.units import MIB, BenchError

SERVER_START_TIMEOUT = 60
USER_NAME = "Bench"
BOT_APP = "bench"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(data_dir: Path, max_size: int,
               extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment without any WIKIUPLOAD_* of the caller, plus the bench's settings
    (and ``extra``, e.g. a shared database and storage for the two-node case)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIKIUPLOAD_")}
    env.update({
        "WIKIUPLOAD_DATA_DIR": str(data_dir),
        "WIKIUPLOAD_MAX_UPLOAD_SIZE": str(max(max_size, 100 * MIB) + MIB),
        "WIKIUPLOAD_FILE_EXTENSIONS": "png",
        "PYTHONUNBUFFERED": "1",
    })
    env.update(extra or {})
    return env


# Runs several ``wikiupload`` command lines in one interpreter (saves a start-up per command).
_CLI_SCRIPT = """import json, sys
from wikiupload.cli import main
sys.exit(next((code for argv in json.loads(sys.argv[1]) if (code := main(argv))), 0))"""


def run_cli(env: dict[str, str], *commands: list[str], python: str = sys.executable) -> str:
    """Run ``wikiupload ARGV`` for each command (by default on this interpreter); returns
    their output."""
    done = subprocess.run([python, "-c", _CLI_SCRIPT, json.dumps(commands)], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise BenchError(f"wikiupload {commands} failed: {done.stderr.strip()}")
    return done.stdout


def create_account(env: dict[str, str], user: str = USER_NAME,
                   python: str = sys.executable) -> tuple[str, str]:
    """A user (group bot: autoconfirmed, so no newbie limits) and its bot password."""
    alphabet = "0123456789abcdefghijklmnopqrstuvw"
    password = "".join(secrets.choice(alphabet) for _ in range(32))
    run_cli(env,
            # --password=VALUE: a generated password may start with "-"
            ["user", "add", user, f"--password={secrets.token_urlsafe(18)}", "--group", "bot"],
            ["botpassword", "add", user, BOT_APP, f"--password={password}"], python=python)
    return f"{user}@{BOT_APP}", password


class Server:
    """``wikiupload serve`` in a child process; stopped (SIGTERM, then SIGKILL) on exit."""

    def __init__(self, env: dict[str, str], log_path: Path, account: tuple[str, str],
                 python: str = sys.executable) -> None:
        self.account = account           # (login name, bot password)
        self.data_dir = Path(env["WIKIUPLOAD_DATA_DIR"])
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/api.php"
        self.log_path = log_path
        self._log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [python, "-m", "wikiupload.cli", "serve", "--host", "127.0.0.1",
             "--port", str(self.port)],
            env=env, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_ready(self, timeout: float = SERVER_START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"the server exited ({self.process.returncode}):\n"
                                 + self.log_tail())
            try:
                reply = requests.get(self.url, params={"action": "query", "format": "json"},
                                     timeout=2)
                if reply.status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        raise BenchError(f"the server did not answer within {timeout} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self._log.close()

