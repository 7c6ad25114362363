"""Several ``wikiupload serve`` processes sharing one PostgreSQL database and one S3 store.

Each node has a data directory of its own (local temp files only); everything that outlives a
request (sessions, tokens, stash records, jobs, files) is in the shared database and store.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import make_url, text

from wikiupload.db.engine import make_engine

S3_ENV = ("WIKIUPLOAD_TEST_S3_ENDPOINT", "WIKIUPLOAD_TEST_S3_ACCESS_KEY",
          "WIKIUPLOAD_TEST_S3_SECRET_KEY")
DEFAULT_PG_URL = "postgresql+psycopg://wikiupload:wikiupload@127.0.0.1:5432/wikiupload_test"

CONFIG = """
sitename = "ScaleWiki"
file_extensions = ["png", "gif", "jpg", "jpeg", "svg", "pdf", "txt"]
max_upload_size = 5369757696
enable_async_uploads = true
allow_copy_uploads = true

[group_permissions.user]
upload = false

[group_permissions.uploader]
upload = true
reupload = true
reupload-own = true
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def s3_configured() -> bool:
    return all(os.environ.get(name) for name in S3_ENV)


@contextmanager
def fresh_database() -> Iterator[str]:
    """A new PostgreSQL database beside the configured test one, dropped afterwards."""
    base = make_url(os.environ.get("WIKIUPLOAD_TEST_POSTGRES_URL", DEFAULT_PG_URL))
    name = f"{base.database}_nodes_{secrets.token_hex(4)}"
    admin = make_engine(base.render_as_string(hide_password=False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def fresh_bucket() -> Iterator[str]:
    """A new bucket on the test S3 store; emptied and removed afterwards."""
    import boto3
    from botocore.config import Config

    client = boto3.client(
        "s3", endpoint_url=os.environ["WIKIUPLOAD_TEST_S3_ENDPOINT"], region_name="us-east-1",
        aws_access_key_id=os.environ["WIKIUPLOAD_TEST_S3_ACCESS_KEY"],
        aws_secret_access_key=os.environ["WIKIUPLOAD_TEST_S3_SECRET_KEY"],
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                      request_checksum_calculation="when_required",
                      response_checksum_validation="when_required"))
    bucket = f"nodes-{secrets.token_hex(6)}"
    client.create_bucket(Bucket=bucket)
    try:
        yield bucket
    finally:
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for item in page.get("Contents", []):
                client.delete_object(Bucket=bucket, Key=item["Key"])
        for upload in client.list_multipart_uploads(Bucket=bucket).get("Uploads", []):
            client.abort_multipart_upload(Bucket=bucket, Key=upload["Key"],
                                          UploadId=upload["UploadId"])
        client.delete_bucket(Bucket=bucket)


@dataclass
class Cluster:
    """The shared settings of the nodes, and the nodes started so far."""

    workdir: Path
    database_url: str
    storage_url: str

    def env(self, data: Path) -> dict[str, str]:
        config = self.workdir / "wikiupload.toml"
        if not config.exists():
            config.write_text(CONFIG)
        return {**os.environ,
                "WIKIUPLOAD_CONFIG": str(config),
                "WIKIUPLOAD_DATA_DIR": str(data),
                "WIKIUPLOAD_DATABASE_URL": self.database_url,
                "WIKIUPLOAD_STORAGE_URL": self.storage_url,
                "WIKIUPLOAD_S3_ENDPOINT_URL": os.environ["WIKIUPLOAD_TEST_S3_ENDPOINT"],
                "WIKIUPLOAD_S3_ACCESS_KEY": os.environ["WIKIUPLOAD_TEST_S3_ACCESS_KEY"],
                "WIKIUPLOAD_S3_SECRET_KEY": os.environ["WIKIUPLOAD_TEST_S3_SECRET_KEY"]}

    def cli(self, *args: str) -> str:
        """Run a ``wikiupload`` command against the shared database and store."""
        done = subprocess.run([sys.executable, "-m", "wikiupload.cli", *args],
                              env=self.env(self.workdir / "cli"), capture_output=True,
                              text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout

    @contextmanager
    def nodes(self, count: int) -> Iterator[list[str]]:
        """Start ``count`` server processes at once; yields their base URLs."""
        started: list[tuple[subprocess.Popen[bytes], str, Path]] = []
        try:
            for index in range(count):
                port = free_port()
                log = self.workdir / f"node{index}.log"
                with open(log, "wb") as out:
                    process = subprocess.Popen(
                        [sys.executable, "-m", "wikiupload.cli", "serve", "--port", str(port)],
                        env=self.env(self.workdir / f"node{index}"), stdout=out,
                        stderr=subprocess.STDOUT, start_new_session=True)
                started.append((process, f"http://127.0.0.1:{port}", log))
            for process, url, log in started:
                _wait_ready(process, url, log)
            yield [url for _, url, _ in started]
        finally:
            for process, _, _ in started:
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for process, _, _ in started:
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def _wait_ready(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"node {url} exited: {log.read_text(errors='replace')}")
        try:
            if httpx.get(f"{url}/api.php?action=query&format=json", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"node {url} did not start: {log.read_text(errors='replace')}")
