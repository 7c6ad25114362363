"""Benchmark of a direct (single request) action=upload: throughput and server memory.

Starts a real ``wikiupload serve`` process on a fresh temporary data directory (SQLite, local
files), creates a user and a bot password with the CLI, logs in over HTTP, then for each size
uploads a generated PNG as the multipart ``file`` part of one request, several rounds each.
The client streams the body from disk (a file read into one reused 1 MiB buffer), so neither
its memory nor its timing depends on the file size.

For every upload it records the wall time (request start to response read), the time spent
after the last body byte was handed to the socket (verification, metadata, publishing), the
server process's RSS just before and its peak during the upload, and it checks the SHA-1 and
size that ``prop=imageinfo`` reports against the generated file.

Run ``python -m bench.direct_upload --help``; see bench/README.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any, cast

import requests

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB
DEFAULT_SIZES = "100M,1G"
DEFAULT_ROUNDS = 3
RSS_GROWTH_LIMIT_MIB = 100
POLL_SECONDS = 0.02
SEND_BUFFER = MIB
REQUEST_TIMEOUT = 3600
SERVER_START_TIMEOUT = 60
USER_NAME = "Bench"
BOT_APP = "bench"
USER_AGENT = "wikiupload-bench/1.0"

Report = Callable[[str], None]


class BenchError(RuntimeError):
    """The bench could not run or an upload did not succeed."""


# -- sizes ------------------------------------------------------------------------------------

_UNITS = {"": 1, "B": 1, "K": KIB, "M": MIB, "G": GIB}


def parse_size(text: str) -> int:
    """``100M`` -> 100 MiB; suffixes K, M, G are binary (KiB, MiB, GiB), no suffix is bytes."""
    spec = text.strip().upper().removesuffix("IB").removesuffix("B")
    number, unit = (spec[:-1], spec[-1]) if spec and spec[-1] in _UNITS else (spec, "")
    try:
        size = int(float(number) * _UNITS[unit])
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {text!r}") from None
    if size < 4 * KIB:
        raise argparse.ArgumentTypeError(f"size too small (4K at least): {text!r}")
    return size


def parse_sizes(text: str) -> list[int]:
    return [parse_size(part) for part in text.split(",") if part.strip()]


def size_label(size: int) -> str:
    for unit, factor in (("G", GIB), ("M", MIB), ("K", KIB)):
        if size >= factor and size % factor == 0:
            return f"{size // factor}{unit}"
    return f"{size}B"


# -- the test file: a valid PNG of an exact size ----------------------------------------------
#
# An 8-bit PNG whose zlib stream uses stored (uncompressed) deflate blocks of random bytes: one
# scanline (filter byte + pixels) per block, ROWS_PER_IDAT scanlines per IDAT chunk (about
# 1 MiB for wide rows, like the IDAT sizes real encoders write), and optionally a private
# ancillary chunk ("bnPd") before IEND that pads the file to an exact size.
#
# Two shapes: for a given file size, greyscale rows up to 65534 pixels wide (from about 12 MiB
# on, more pixels than the server's $wgMaxImageArea, so no thumbnail is rendered: the file's
# path through the server is measured); and THUMB_SIDE x THUMB_SIDE RGBA, just under that
# area, the largest image the server renders thumbnails of during the upload.

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_STORED_BLOCK = 65535
ROWS_PER_IDAT = 16
CHUNK_OVERHEAD = 12                      # length, type, CRC
ZLIB_OVERHEAD = 2 + 4                    # header, Adler-32
STORED_BLOCK_OVERHEAD = 5
PADDING_CHUNK = b"bnPd"
COLOUR_TYPES = {1: 0, 3: 2, 4: 6}        # channels -> PNG colour type (grey, RGB, RGBA)
THUMB_SIDE = 3500                        # 12.25 MP: under the 12.5 MP thumbnail limit


@dataclass(frozen=True)
class PngLayout:
    row_bytes: int                       # filter byte + pixels
    rows: int
    padding: int = -1                    # data bytes of the padding chunk (-1: no chunk)
    channels: int = 1                    # 1 grey, 3 RGB, 4 RGBA (8 bits each)

    @property
    def width(self) -> int:
        return (self.row_bytes - 1) // self.channels

    @property
    def size(self) -> int:
        padding = CHUNK_OVERHEAD + self.padding if self.padding >= 0 else 0
        return _png_size(self.row_bytes, self.rows) + padding

    @property
    def description(self) -> str:
        kind = {1: "grey", 3: "RGB", 4: "RGBA"}[self.channels]
        return f"{self.width}x{self.rows} {kind}"


def _png_size(row_bytes: int, rows: int) -> int:
    idat_chunks = -(-rows // ROWS_PER_IDAT)
    fixed = len(PNG_SIGNATURE) + (CHUNK_OVERHEAD + 13) + CHUNK_OVERHEAD + ZLIB_OVERHEAD
    return fixed + idat_chunks * CHUNK_OVERHEAD + rows * (STORED_BLOCK_OVERHEAD + row_bytes)


def png_layout(size: int) -> PngLayout:
    """Row width, row count and padding giving a PNG of exactly ``size`` bytes."""
    row_bytes = max(2, min(MAX_STORED_BLOCK, size // 64))
    rows = max(1, (size - _png_size(row_bytes, 0)) // (STORED_BLOCK_OVERHEAD + row_bytes))
    while rows > 1 and _png_size(row_bytes, rows) > size:
        rows -= 1
    while rows > 1 and 0 < size - _png_size(row_bytes, rows) < CHUNK_OVERHEAD:
        rows -= 1
    rest = size - _png_size(row_bytes, rows)
    if rest < 0 or 0 < rest < CHUNK_OVERHEAD:
        raise ValueError(f"cannot lay out a PNG of {size} bytes")
    return PngLayout(row_bytes, rows, rest - CHUNK_OVERHEAD if rest else -1)


def image_layout(width: int, height: int, channels: int = 4) -> PngLayout:
    """A PNG of these dimensions, no padding."""
    return PngLayout(1 + width * channels, height, channels=channels)


def png_chunk(kind: bytes, data: bytes | bytearray) -> bytes:
    crc = zlib.crc32(data, zlib.crc32(kind))
    return struct.pack(">I", len(data)) + kind + bytes(data) + struct.pack(">I", crc)


def _idat_payloads(layout: PngLayout) -> Iterator[bytearray]:
    """The zlib stream, cut into IDAT payloads of ROWS_PER_IDAT stored blocks each."""
    adler = 1
    block_header = struct.pack("<BHH", 0, layout.row_bytes, layout.row_bytes ^ 0xFFFF)
    for first in range(0, layout.rows, ROWS_PER_IDAT):
        payload = bytearray(b"\x78\x01" if first == 0 else b"")
        for row in range(first, min(first + ROWS_PER_IDAT, layout.rows)):
            line = b"\x00" + os.urandom(layout.row_bytes - 1)
            adler = zlib.adler32(line, adler)
            final = row == layout.rows - 1
            payload += (b"\x01" if final else b"\x00") + block_header[1:] + line
        if first + ROWS_PER_IDAT >= layout.rows:
            payload += struct.pack(">I", adler)
        yield payload


def write_png(path: Path, layout: PngLayout) -> str:
    """Write a valid PNG laid out as ``layout``; returns its SHA-1 (hex)."""
    digest = hashlib.sha1()
    header = struct.pack(">IIBBBBB", layout.width, layout.rows, 8,
                         COLOUR_TYPES[layout.channels], 0, 0, 0)
    with open(path, "wb") as out:
        def put(data: bytes) -> None:
            digest.update(data)
            out.write(data)
        put(PNG_SIGNATURE + png_chunk(b"IHDR", header))
        for payload in _idat_payloads(layout):
            put(png_chunk(b"IDAT", payload))
        if layout.padding >= 0:
            put(png_chunk(PADDING_CHUNK, bytes(layout.padding)))
        put(png_chunk(b"IEND", b""))
        out.flush()
        os.fsync(out.fileno())  # no dirty pages of ours left to flush during the timing
    if path.stat().st_size != layout.size:
        raise BenchError(f"generated {path.stat().st_size} bytes instead of {layout.size}")
    return digest.hexdigest()


# -- the request body: multipart/form-data streamed from the file ------------------------------


class MultipartFileBody:
    """A multipart/form-data body: text fields, then one file part read from disk.

    ``requests`` sends it with a Content-Length (from ``__len__``) and writes the pieces
    ``__iter__`` yields; the file goes through one reused buffer, so the client's memory use
    does not depend on the file size. ``sent_at`` is when the last piece was handed over.
    """

    def __init__(self, fields: dict[str, str], file_field: str, filename: str, path: Path,
                 content_type: str = "application/octet-stream") -> None:
        self.boundary = "----wikiupload-bench-" + secrets.token_hex(12)
        self.path = path
        self.sent_at: float | None = None
        self._head = self._fields(fields) + self._part_header(file_field, filename, content_type)
        self._tail = f"\r\n--{self.boundary}--\r\n".encode()
        self._length = len(self._head) + path.stat().st_size + len(self._tail)

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def _fields(self, fields: dict[str, str]) -> bytes:
        return b"".join(
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode() for name, value in fields.items())

    def _part_header(self, name: str, filename: str, content_type: str) -> bytes:
        return (f'--{self.boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n').encode()

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[bytes | memoryview]:
        yield self._head
        buffer = bytearray(SEND_BUFFER)
        view = memoryview(buffer)
        with open(self.path, "rb", buffering=0) as source:
            while count := source.readinto(buffer):
                yield view[:count]  # sent (sendall) before the next readinto
        yield self._tail
        self.sent_at = time.perf_counter()


# -- memory of the server process --------------------------------------------------------------


def status_kib(pid: int, key: str) -> int:
    """A ``VmRSS``/``VmHWM`` value of /proc/PID/status, in KiB (0 if unreadable)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (all its threads), in seconds."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def reset_peak_rss(pid: int) -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0); False if not allowed."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return True


class RssSampler:
    """Polls the RSS of a process every POLL_SECONDS in a thread, and reads VmHWM after.

    Use as a context manager around the upload; ``before_kib`` and ``peak_kib`` are then set.
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.before_kib = 0
        self.peak_kib = 0
        self._hwm_reset = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="rss-sampler", daemon=True)

    def __enter__(self) -> RssSampler:
        self._hwm_reset = reset_peak_rss(self.pid)
        self.before_kib = self.peak_kib = status_kib(self.pid, "VmRSS")
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()
        if self._hwm_reset:
            self.peak_kib = max(self.peak_kib, status_kib(self.pid, "VmHWM"))

    def _poll(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            self.peak_kib = max(self.peak_kib, status_kib(self.pid, "VmRSS"))


def load_text() -> str:
    """The 1-minute load average and core count: other work on the machine skews timings."""
    return f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"


# -- the server process ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(data_dir: Path, max_size: int) -> dict[str, str]:
    """The environment without any WIKIUPLOAD_* of the caller, plus the bench's settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIKIUPLOAD_")}
    env.update({
        "WIKIUPLOAD_DATA_DIR": str(data_dir),
        "WIKIUPLOAD_MAX_UPLOAD_SIZE": str(max(max_size, 100 * MIB) + MIB),
        "WIKIUPLOAD_FILE_EXTENSIONS": "png",
        "PYTHONUNBUFFERED": "1",
    })
    return env


# Runs several ``wikiupload`` command lines in one interpreter (saves a start-up per command).
_CLI_SCRIPT = """import json, sys
from wikiupload.cli import main
sys.exit(next((code for argv in json.loads(sys.argv[1]) if (code := main(argv))), 0))"""


def run_cli(env: dict[str, str], *commands: list[str]) -> str:
    """Run ``wikiupload ARGV`` for each command (this interpreter's); returns their output."""
    done = subprocess.run([sys.executable, "-c", _CLI_SCRIPT, json.dumps(commands)], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise BenchError(f"wikiupload {commands} failed: {done.stderr.strip()}")
    return done.stdout


def create_account(env: dict[str, str]) -> tuple[str, str]:
    """A user (group bot: autoconfirmed, so no newbie limits) and its bot password."""
    alphabet = "0123456789abcdefghijklmnopqrstuvw"
    password = "".join(secrets.choice(alphabet) for _ in range(32))
    run_cli(env,
            # --password=VALUE: a generated password may start with "-"
            ["user", "add", USER_NAME, f"--password={secrets.token_urlsafe(18)}", "--group",
             "bot"],
            ["botpassword", "add", USER_NAME, BOT_APP, f"--password={password}"])
    return f"{USER_NAME}@{BOT_APP}", password


class Server:
    """``wikiupload serve`` in a child process; stopped (SIGTERM, then SIGKILL) on exit."""

    def __init__(self, env: dict[str, str], log_path: Path, account: tuple[str, str]) -> None:
        self.account = account           # (login name, bot password)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/api.php"
        self.log_path = log_path
        self._log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "wikiupload.cli", "serve", "--host", "127.0.0.1",
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


# -- the API client ----------------------------------------------------------------------------


class Client:
    def __init__(self, url: str) -> None:
        self.url = url
        self.http = requests.Session()
        self.http.headers["User-Agent"] = USER_AGENT
        self.csrf = ""

    def close(self) -> None:
        self.http.close()

    def get(self, **params: str) -> dict[str, Any]:
        reply = self.http.get(self.url, params={"format": "json", **params}, timeout=60)
        return _json(reply)

    def post(self, **params: str) -> dict[str, Any]:
        reply = self.http.post(self.url, data={"format": "json", **params}, timeout=60)
        return _json(reply)

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
            raise BenchError(f"login as {name} failed: {reply}")
        self.csrf = self.token("csrf")

    def upload(self, body: MultipartFileBody) -> dict[str, Any]:
        # The pieces are memoryviews (typeshed says bytes); http.client sends any buffer.
        data = cast(Iterable[bytes], body)
        reply = self.http.post(self.url, data=data, timeout=REQUEST_TIMEOUT,
                               headers={"Content-Type": body.content_type})
        return _json(reply)

    def imageinfo(self, filename: str) -> dict[str, Any]:
        """The current version's sha1 and size, from prop=imageinfo."""
        reply = self.get(action="query", prop="imageinfo", titles=f"File:{filename}",
                         iiprop="sha1|size", formatversion="2")
        pages = reply.get("query", {}).get("pages", [])
        infos = pages[0].get("imageinfo", []) if pages else []
        if not infos:
            raise BenchError(f"prop=imageinfo has nothing for File:{filename}: {reply}")
        return dict(infos[0])


def _json(reply: requests.Response) -> dict[str, Any]:
    try:
        data = reply.json()
    except ValueError:
        raise BenchError(f"HTTP {reply.status_code}, not JSON: {reply.text[:300]}") from None
    if not isinstance(data, dict):
        raise BenchError(f"unexpected reply: {data!r}")
    return data


# -- one upload, one size, the whole run -------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    size: int
    seconds: float               # request start -> response read
    after_body_seconds: float    # last body byte handed to the socket -> response read
    server_cpu_seconds: float    # CPU time the server process used meanwhile
    rss_before_kib: int
    rss_peak_kib: int
    filename: str

    @property
    def mib_per_s(self) -> float:
        return self.size / MIB / self.seconds

    @property
    def rss_growth_kib(self) -> int:
        return self.rss_peak_kib - self.rss_before_kib


def upload_once(client: Client, server: Server, source: Path, sha1: str, name: str) -> Upload:
    """Upload ``source`` as ``name``, measure it, and check what the wiki stored."""
    fields = {"action": "upload", "format": "json", "filename": name, "ignorewarnings": "1",
              "comment": "wikiupload bench", "token": client.csrf}
    body = MultipartFileBody(fields, "file", name, source, "image/png")
    with RssSampler(server.pid) as rss:
        cpu_before = cpu_seconds(server.pid)
        started = time.perf_counter()
        reply = client.upload(body)
        finished = time.perf_counter()
        server_cpu = cpu_seconds(server.pid) - cpu_before
    result = reply.get("upload", {})
    if result.get("result") != "Success":
        raise BenchError(f"upload of {name} failed: {reply}")
    stored = str(result.get("filename", name))
    size = source.stat().st_size
    check_stored(client, stored, sha1, size)
    sent = body.sent_at or finished
    return Upload(size, finished - started, finished - sent, server_cpu, rss.before_kib,
                  rss.peak_kib, stored)


def check_stored(client: Client, filename: str, sha1: str, size: int) -> None:
    """The SHA-1 and size prop=imageinfo reports must be those of the file sent."""
    info = client.imageinfo(filename)
    if info.get("sha1") != sha1 or info.get("size") != size:
        raise BenchError(f"File:{filename} stored as sha1={info.get('sha1')} "
                         f"size={info.get('size')}, sent sha1={sha1} size={size}")


@dataclass(frozen=True)
class Case:
    """One file to upload ``rounds`` times: its label (also in the file names) and layout."""

    label: str
    layout: PngLayout
    limited: bool = True     # the RSS growth limit applies (the file-size cases)


def cases(sizes: Sequence[int], thumb_case: bool) -> list[Case]:
    found = [Case(size_label(size), png_layout(size)) for size in sizes]
    if thumb_case:
        found.append(Case(f"{THUMB_SIDE}x{THUMB_SIDE}-RGBA", image_layout(THUMB_SIDE, THUMB_SIDE),
                          limited=False))
    return found


@dataclass
class CaseResult:
    case: Case
    sha1: str
    uploads: list[Upload] = field(default_factory=list)

    @property
    def rates(self) -> list[float]:
        return [upload.mib_per_s for upload in self.uploads]

    @property
    def max_growth_kib(self) -> int:
        return max((upload.rss_growth_kib for upload in self.uploads), default=0)


@dataclass
class BenchResult:
    cases: list[CaseResult] = field(default_factory=list)
    server_rss_start_kib: int = 0

    def over_limit(self, limit_mib: float, *, limited: bool = True) -> list[CaseResult]:
        """The cases (those the limit applies to, or the others) whose RSS grew too much."""
        return [result for result in self.cases if result.case.limited == limited
                and result.max_growth_kib > limit_mib * KIB]


@dataclass(frozen=True)
class BenchOptions:
    sizes: Sequence[int] = (100 * MIB, GIB)
    rounds: int = DEFAULT_ROUNDS
    keep: bool = False
    work_dir: Path | None = None   # where the temp dir goes (default: the system's)
    thumb_case: bool = True        # also upload a THUMB_SIDE² RGBA PNG (thumbnails rendered)

    @property
    def cases(self) -> list[Case]:
        return cases(self.sizes, self.thumb_case)


def bench_case(client: Client, server: Server, source_dir: Path, case: Case, rounds: int,
               report: Report) -> CaseResult:
    label = case.label
    source = source_dir / f"bench-{label}.png"
    report(f"generating a {case.layout.size / MIB:.1f} MiB PNG ({case.layout.description}) ...")
    result = CaseResult(case, write_png(source, case.layout))
    for round_number in range(1, rounds + 1):
        name = f"Bench-{label}-{round_number}-{secrets.token_hex(4)}.png"
        upload = upload_once(client, server, source, result.sha1, name)
        result.uploads.append(upload)
        report(f"  {label} round {round_number}: {upload.mib_per_s:7.1f} MiB/s "
               f"({upload.seconds:.2f} s, {upload.after_body_seconds:.2f} s after the body, "
               f"server CPU {upload.server_cpu_seconds:.2f} s), "
               f"server RSS {upload.rss_before_kib / KIB:.1f} -> "
               f"{upload.rss_peak_kib / KIB:.1f} MiB, sha1 ok")
    source.unlink()
    return result


@contextmanager
def bench_server(options: BenchOptions, report: Report) -> Iterator[tuple[Server, Client, Path]]:
    """A temp dir, a logged-in client of a fresh server; all cleaned up on exit (also ^C)."""
    work = Path(tempfile.mkdtemp(prefix="wikiupload-bench-", dir=options.work_dir))
    env = server_env(work / "data", max(case.layout.size for case in options.cases))
    with ExitStack() as cleanup:
        cleanup.callback(_remove_work_dir, work, options.keep, report)
        server = Server(env, work / "server.log", create_account(env))
        cleanup.callback(server.stop)
        client = Client(server.url)
        cleanup.callback(client.close)
        try:
            server.wait_ready()
            client.login(*server.account)
            yield server, client, work
        except BenchError as error:
            raise BenchError(f"{error}\n--- server log (end) ---\n{server.log_tail()}"
                             ) from None


def _remove_work_dir(work: Path, keep: bool, report: Report) -> None:
    if keep:
        report(f"kept {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)


def run_bench(options: BenchOptions, report: Report = print) -> BenchResult:
    """Start a server on a fresh data dir, upload every size ``options.rounds`` times."""
    with bench_server(options, report) as (server, client, work):
        source_dir = work / "source"
        source_dir.mkdir()
        result = BenchResult(server_rss_start_kib=status_kib(server.pid, "VmRSS"))
        report(f"server pid {server.pid} at {server.url}, data in {work / 'data'}, "
               f"RSS {result.server_rss_start_kib / KIB:.1f} MiB; {load_text()}")
        for case in options.cases:
            result.cases.append(bench_case(client, server, source_dir, case, options.rounds,
                                           report))
    return result


# -- output and command line -------------------------------------------------------------------

TABLE_HEADER = ("file", "rounds", "median MiB/s", "min MiB/s", "max MiB/s", "after body s",
                "server CPU s", "RSS before MiB", "RSS peak MiB", "max growth MiB")


def table_rows(result: BenchResult) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for sized in result.cases:
        rates = sized.rates
        uploads = sized.uploads
        rows.append((
            sized.case.label, str(len(uploads)), f"{statistics.median(rates):.1f}",
            f"{min(rates):.1f}", f"{max(rates):.1f}",
            f"{statistics.median(u.after_body_seconds for u in uploads):.2f}",
            f"{statistics.median(u.server_cpu_seconds for u in uploads):.2f}",
            f"{uploads[0].rss_before_kib / KIB:.1f}",
            f"{max(u.rss_peak_kib for u in uploads) / KIB:.1f}",
            f"{sized.max_growth_kib / KIB:.1f}",
        ))
    return rows


def render_table(header: Sequence[str], body: Sequence[Sequence[str]]) -> str:
    """Right-aligned columns under a header and a rule (shared by the benches)."""
    rows = [header, *body]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True))
             for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def format_table(result: BenchResult) -> str:
    return render_table(TABLE_HEADER, table_rows(result))


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.direct_upload",
                                     description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sizes", type=parse_sizes, default=parse_sizes(DEFAULT_SIZES),
                        help=f"comma-separated sizes, K/M/G binary (default {DEFAULT_SIZES})")
    parser.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS,
                        help=f"uploads per size (default {DEFAULT_ROUNDS})")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temp dir (data dir, server log) and print its path")
    parser.add_argument("--thumb-case", action=argparse.BooleanOptionalAction, default=True,
                        help=f"also upload a {THUMB_SIDE}x{THUMB_SIDE} RGBA PNG, the largest "
                        "image the server renders thumbnails of (default: yes)")
    parser.add_argument("--work-dir", type=Path, help="parent of the temp dir (default: TMPDIR)")
    parser.add_argument("--max-rss-growth", type=float, default=RSS_GROWTH_LIMIT_MIB,
                        metavar="MIB", help="fail if the server's RSS grows more than this "
                        f"during an upload (default {RSS_GROWTH_LIMIT_MIB})")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    return args


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds through run_bench's cleanup


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    options = BenchOptions(args.sizes, args.rounds, args.keep, args.work_dir, args.thumb_case)
    try:
        result = run_bench(options)
    except BenchError as error:
        print(f"bench failed: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; server stopped, temp dir removed", file=sys.stderr)
        return 130
    print()
    print(format_table(result))
    print(f"bench client peak RSS: {status_kib(os.getpid(), 'VmHWM') / KIB:.1f} MiB; "
          f"at the end: {load_text()}")
    for sized in result.over_limit(args.max_rss_growth, limited=False):
        print(f"note: server RSS grew {sized.max_growth_kib / KIB:.1f} MiB during an upload "
              f"of {sized.case.label} (thumbnails rendered; not held to the limit)")
    over = result.over_limit(args.max_rss_growth)
    for sized in over:
        print(f"FAIL: server RSS grew {sized.max_growth_kib / KIB:.1f} MiB during an "
              f"upload of {sized.case.label} (limit {args.max_rss_growth:g} MiB)",
              file=sys.stderr)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
