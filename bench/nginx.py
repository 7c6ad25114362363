"""nginx receiving the same request bodies to disk: the limit the server is compared with.

Debian's nginx, installed with apt-get when missing, runs as a child process with a config
under a temp dir. Its location reads the whole body into a file (``client_body_in_file_only
on``, ``client_body_temp_path`` in the temp dir), then answers through a second server block
that returns the body file's name, so the bench can check the file is complete and delete it.
"""

from __future__ import annotations

import getpass
import os
import shutil
import subprocess
import time
from pathlib import Path

import requests

from bench.bodies import MultipartFileBody
from bench.units import BenchError, Report
from bench.wikiserver import free_port

START_TIMEOUT = 20
CANDIDATES = ("nginx", "/usr/sbin/nginx")

CONFIG = """\
{user}worker_processes auto;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {root}/body 1;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    client_max_body_size 0;
    client_body_in_file_only on;
    keepalive_requests 100000;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://127.0.0.1:{answer_port}/;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_set_header X-Body-File $request_body_file;
        }}
    }}
    server {{
        listen 127.0.0.1:{answer_port};
        location / {{ return 200 "$http_x_body_file"; }}
    }}
}}
"""


def find_nginx() -> str | None:
    for candidate in CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    return None


def ensure_nginx(report: Report) -> str:
    """The nginx binary; installs Debian's package with apt-get (as root) when missing."""
    found = find_nginx()
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise BenchError("nginx is not installed: apt-get install nginx (as root), or run "
                         "the bench as root so that it installs it")
    report("installing nginx (apt-get) ...")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "--no-install-recommends", "nginx"]
    if subprocess.run(install, env=env, capture_output=True, check=False).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, capture_output=True, check=False)
        done = subprocess.run(install, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise BenchError(f"apt-get install nginx failed: {done.stderr[-500:]}")
    found = find_nginx()
    if not found:
        raise BenchError("nginx still not found after apt-get install nginx")
    return found


class Nginx:
    """nginx in a child process (master + workers) on a free port; stopped on ``stop()``."""

    def __init__(self, binary: str, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/upload"
        user = f"user {getpass.getuser()};\n" if os.geteuid() == 0 else ""
        config = root / "nginx.conf"
        config.write_text(CONFIG.format(user=user, root=root, port=self.port,
                                        answer_port=free_port()))
        self.process = subprocess.Popen(
            [binary, "-p", str(root), "-e", str(root / "error.log"), "-c", str(config),
             "-g", "daemon off;"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.http = requests.Session()

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"nginx exited ({self.process.returncode}): {self.log_tail()}")
            try:
                self.http.get(self.url, timeout=2)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise BenchError(f"nginx did not answer within {START_TIMEOUT} s: {self.log_tail()}")

    def log_tail(self) -> str:
        try:
            return (self.root / "error.log").read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    def receive(self, body: MultipartFileBody) -> None:
        """POST ``body``; check nginx wrote all of it to a file, then delete that file."""
        reply = self.http.post(self.url, data=body, timeout=3600,  # type: ignore[arg-type]
                               headers={"Content-Type": body.content_type})
        if reply.status_code != 200 or not reply.text.startswith(str(self.root)):
            raise BenchError(f"nginx answered {reply.status_code}: {reply.text[:300]}")
        body_file = Path(reply.text)
        size = body_file.stat().st_size
        body_file.unlink()
        if size != len(body):
            raise BenchError(f"nginx wrote {size} bytes of a {len(body)}-byte body")

    def stop(self) -> None:
        self.http.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
