"""Benchmark of chunked (stash=1) action=upload: throughput, publish time and server memory.

Starts a real ``wikiupload serve`` process on a fresh temporary data directory, creates a user
and a bot password with the CLI and logs in over HTTP (all with the helpers of
bench/direct_upload.py), then for each size and each chunk size uploads a generated PNG the way
UploadWizard, pywikibot and mwclient do: ``stash=1`` chunks (``filesize``, ``offset``, multipart
part ``chunk``, ``filekey`` from the second chunk on) answered ``Continue``, the last one
answered ``Success`` with the key of the assembled stashed file (with ``--async``: ``Poll``,
then ``checkstatus=1`` until ``Success``), then one ``filekey=`` request that publishes it.
Each chunk is streamed from its range of the file through one reused 1 MiB buffer: the client
never holds the file, or a whole chunk, in memory.

For every upload it records the wall time from the first chunk to the publish answer (MiB/s
include the publish), the time of the last chunk request (assembly), the time from the last
chunk's answer to the published file (which should not depend on the size: nothing is copied),
the server's CPU time and its RSS before and at peak; and it checks the SHA-1 and size that
``prop=imageinfo`` reports against the generated file.

Run ``python -m bench.chunked_upload --help``; see bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.direct_upload import (
    GIB,
    KIB,
    MIB,
    RSS_GROWTH_LIMIT_MIB,
    SEND_BUFFER,
    BenchError,
    Client,
    MultipartFileBody,
    Report,
    RssSampler,
    Server,
    _exit_on_sigterm,
    _remove_work_dir,
    check_stored,
    cpu_seconds,
    create_account,
    load_text,
    parse_sizes,
    png_layout,
    render_table,
    server_env,
    size_label,
    status_kib,
    write_png,
)

DEFAULT_SIZES = "100M,1G"
DEFAULT_CHUNK_SIZES = "1M,5M"
DEFAULT_ROUNDS = 3
POLL_INTERVAL = 0.05         # between checkstatus requests (--async)
POLL_TIMEOUT = 600


# -- one chunk's request body: a range of the file, streamed ----------------------------------


class ChunkBody(MultipartFileBody):
    """The multipart body of one chunk request: the fields, then ``length`` bytes of ``path``
    from ``offset``, read through one reused buffer (never the whole chunk in memory)."""

    def __init__(self, fields: dict[str, str], path: Path, offset: int, length: int,
                 filename: str) -> None:
        super().__init__(fields, "chunk", filename, path, "application/octet-stream")
        self.offset = offset
        self.length = length
        self._length = len(self._head) + length + len(self._tail)

    def __iter__(self) -> Iterator[bytes | memoryview]:
        yield self._head
        buffer = bytearray(min(SEND_BUFFER, max(self.length, 1)))
        view = memoryview(buffer)
        left = self.length
        with open(self.path, "rb", buffering=0) as source:
            source.seek(self.offset)
            while left > 0:
                count = source.readinto(view[:min(left, len(buffer))])
                if not count:
                    raise BenchError(f"{self.path} ended {left} bytes early")
                left -= count
                yield view[:count]   # sent (sendall) before the next readinto
        yield self._tail
        self.sent_at = time.perf_counter()


# -- one chunked upload ------------------------------------------------------------------------


@dataclass(frozen=True)
class ChunkedUpload:
    size: int
    chunk_size: int
    chunks: int
    seconds: float               # first chunk request start -> publish answer read
    chunk_median_seconds: float  # median request time of the chunks (all but the last)
    last_chunk_seconds: float    # the last chunk's request (assembly into the stashed file)
    poll_seconds: float          # --async: the last chunk's Poll answer -> checkstatus Success
    publish_seconds: float       # the filekey publish request alone
    server_cpu_seconds: float
    rss_before_kib: int
    rss_peak_kib: int
    filename: str

    @property
    def mib_per_s(self) -> float:
        return self.size / MIB / self.seconds

    @property
    def finish_seconds(self) -> float:
        """From the last chunk's answer to the published file (polling included)."""
        return self.poll_seconds + self.publish_seconds

    @property
    def rss_growth_kib(self) -> int:
        return self.rss_peak_kib - self.rss_before_kib


def _upload_result(reply: dict[str, Any], what: str, *expected: str) -> dict[str, Any]:
    result = reply.get("upload")
    if not isinstance(result, dict) or result.get("result") not in expected:
        raise BenchError(f"{what}: expected {'/'.join(expected)}, got {reply}")
    return result


def wait_for_assembly(client: Client, filename: str, filekey: str) -> dict[str, Any]:
    """``checkstatus=1`` until the async assembly of the chunks is done (Success)."""
    deadline = time.monotonic() + POLL_TIMEOUT
    while time.monotonic() < deadline:
        time.sleep(POLL_INTERVAL)
        reply = client.post(action="upload", filename=filename, filekey=filekey,
                            checkstatus="1", token=client.csrf)
        result = _upload_result(reply, f"checkstatus of {filekey}", "Poll", "Success")
        if result["result"] == "Success":
            return result
    raise BenchError(f"the assembly of {filekey} was not done within {POLL_TIMEOUT} s")


def send_chunks(client: Client, source: Path, name: str, chunk_size: int, run_async: bool
                ) -> tuple[dict[str, Any], list[float], float]:
    """Send ``source`` in chunks; returns the last answer, the chunks' request times and
    the time that answer was read."""
    size = source.stat().st_size
    filekey = ""
    times: list[float] = []
    offset = 0
    while True:
        length = min(chunk_size, size - offset)
        last = offset + length >= size
        fields = {"action": "upload", "format": "json", "filename": name, "stash": "1",
                  "filesize": str(size), "offset": str(offset), "ignorewarnings": "1",
                  "token": client.csrf}
        if filekey:
            fields["filekey"] = filekey
        if last and run_async:
            fields["async"] = "1"
        body = ChunkBody(fields, source, offset, length, name)
        started = time.perf_counter()
        reply = client.upload(body)
        answered = time.perf_counter()
        times.append(answered - started)
        if not last:
            result = _upload_result(reply, f"chunk at {offset} of {name}", "Continue")
            if int(result.get("offset", -1)) != offset + length:
                raise BenchError(f"chunk at {offset} of {name}: server offset "
                                 f"{result.get('offset')}, expected {offset + length}")
            filekey = str(result["filekey"])
            offset += length
            continue
        wanted = ("Poll",) if run_async else ("Success",)
        return _upload_result(reply, f"last chunk of {name}", *wanted), times, answered


def upload_chunked(client: Client, server: Server, source: Path, sha1: str, name: str,
                   chunk_size: int, run_async: bool = False) -> ChunkedUpload:
    """Upload ``source`` as ``name`` in chunks, publish it, measure, check what was stored."""
    size = source.stat().st_size
    with RssSampler(server.pid) as rss:
        cpu_before = cpu_seconds(server.pid)
        started = time.perf_counter()
        result, times, last_answer = send_chunks(client, source, name, chunk_size, run_async)
        if run_async:
            result = wait_for_assembly(client, name, str(result["filekey"]))
        assembled = time.perf_counter()
        stash_key = result.get("filekey")
        if not isinstance(stash_key, str) or not stash_key:
            raise BenchError(f"no filekey for the assembled {name}: {result}")
        reply = client.post(action="upload", filename=name, filekey=stash_key,
                            ignorewarnings="1", comment="wikiupload chunked bench",
                            token=client.csrf)
        finished = time.perf_counter()
        server_cpu = cpu_seconds(server.pid) - cpu_before
    published = _upload_result(reply, f"publish of {name} ({stash_key})", "Success")
    stored = str(published.get("filename", name))
    check_stored(client, stored, sha1, size)
    return ChunkedUpload(
        size, chunk_size, len(times), finished - started,
        statistics.median(times[:-1]) if len(times) > 1 else times[0], times[-1],
        assembled - last_answer, finished - assembled, server_cpu, rss.before_kib,
        rss.peak_kib, stored)


# -- the whole run -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChunkedCase:
    size: int
    chunk_size: int

    @property
    def label(self) -> str:
        return f"{size_label(self.size)}/{size_label(self.chunk_size)}"


@dataclass
class ChunkedCaseResult:
    case: ChunkedCase
    sha1: str
    uploads: list[ChunkedUpload] = field(default_factory=list)

    @property
    def max_growth_kib(self) -> int:
        return max((upload.rss_growth_kib for upload in self.uploads), default=0)


@dataclass
class ChunkedResult:
    cases: list[ChunkedCaseResult] = field(default_factory=list)
    server_rss_start_kib: int = 0

    def over_limit(self, limit_mib: float) -> list[ChunkedCaseResult]:
        return [result for result in self.cases if result.max_growth_kib > limit_mib * KIB]


@dataclass(frozen=True)
class ChunkedOptions:
    sizes: Sequence[int] = (100 * MIB, GIB)
    chunk_sizes: Sequence[int] = (MIB, 5 * MIB)
    rounds: int = DEFAULT_ROUNDS
    run_async: bool = False
    keep: bool = False
    work_dir: Path | None = None


@contextmanager
def chunked_server(options: ChunkedOptions, report: Report
                   ) -> Iterator[tuple[Server, Client, Path]]:
    """bench.direct_upload.bench_server, with async uploads enabled when asked."""
    work = Path(tempfile.mkdtemp(prefix="wikiupload-chunked-bench-", dir=options.work_dir))
    env = server_env(work / "data", max(options.sizes))
    if options.run_async:
        env["WIKIUPLOAD_ENABLE_ASYNC_UPLOADS"] = "1"
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


def run_bench(options: ChunkedOptions, report: Report = print) -> ChunkedResult:
    """Start a server; upload every size in every chunk size ``options.rounds`` times."""
    with chunked_server(options, report) as (server, client, work):
        source_dir = work / "source"
        source_dir.mkdir()
        result = ChunkedResult(server_rss_start_kib=status_kib(server.pid, "VmRSS"))
        report(f"server pid {server.pid} at {server.url}, data in {work / 'data'}, "
               f"RSS {result.server_rss_start_kib / KIB:.1f} MiB; {load_text()}"
               f"{'; async=1' if options.run_async else ''}")
        for size in options.sizes:
            label = size_label(size)
            source = source_dir / f"bench-{label}.png"
            layout = png_layout(size)
            report(f"generating a {size / MIB:.1f} MiB PNG ({layout.description}) ...")
            sha1 = write_png(source, layout)
            for chunk_size in options.chunk_sizes:
                case = ChunkedCaseResult(ChunkedCase(size, chunk_size), sha1)
                for round_number in range(1, options.rounds + 1):
                    name = (f"Chunked-{label}-{size_label(chunk_size)}-{round_number}-"
                            f"{secrets.token_hex(4)}.png")
                    upload = upload_chunked(client, server, source, sha1, name, chunk_size,
                                            options.run_async)
                    case.uploads.append(upload)
                    report(_upload_line(case.case, round_number, upload))
                result.cases.append(case)
            source.unlink()
    return result


def _upload_line(case: ChunkedCase, round_number: int, upload: ChunkedUpload) -> str:
    poll = f", poll {upload.poll_seconds:.2f} s" if upload.poll_seconds > 0.001 else ""
    return (f"  {case.label} round {round_number}: {upload.mib_per_s:7.1f} MiB/s "
            f"({upload.seconds:.2f} s, {upload.chunks} chunks of median "
            f"{upload.chunk_median_seconds * 1000:.1f} ms, last chunk "
            f"{upload.last_chunk_seconds:.3f} s{poll}, publish {upload.publish_seconds:.3f} s, "
            f"server CPU {upload.server_cpu_seconds:.2f} s), server RSS "
            f"{upload.rss_before_kib / KIB:.1f} -> {upload.rss_peak_kib / KIB:.1f} MiB, "
            f"sha1 ok")


# -- output and command line -------------------------------------------------------------------

TABLE_HEADER = ("file/chunk", "rounds", "median MiB/s", "min MiB/s", "max MiB/s",
                "chunk ms", "last chunk s", "finish s", "server CPU s", "RSS before MiB",
                "RSS peak MiB", "max growth MiB")


def table_rows(result: ChunkedResult) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for sized in result.cases:
        uploads = sized.uploads
        rates = [upload.mib_per_s for upload in uploads]
        rows.append((
            sized.case.label, str(len(uploads)), f"{statistics.median(rates):.1f}",
            f"{min(rates):.1f}", f"{max(rates):.1f}",
            f"{statistics.median(u.chunk_median_seconds for u in uploads) * 1000:.1f}",
            f"{statistics.median(u.last_chunk_seconds for u in uploads):.3f}",
            f"{statistics.median(u.finish_seconds for u in uploads):.3f}",
            f"{statistics.median(u.server_cpu_seconds for u in uploads):.2f}",
            f"{uploads[0].rss_before_kib / KIB:.1f}",
            f"{max(u.rss_peak_kib for u in uploads) / KIB:.1f}",
            f"{sized.max_growth_kib / KIB:.1f}",
        ))
    return rows


def format_table(result: ChunkedResult) -> str:
    return render_table(TABLE_HEADER, table_rows(result))


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.chunked_upload",
                                     description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sizes", type=parse_sizes, default=parse_sizes(DEFAULT_SIZES),
                        help=f"comma-separated file sizes, K/M/G binary (default {DEFAULT_SIZES})")
    parser.add_argument("--chunk-sizes", type=parse_sizes,
                        default=parse_sizes(DEFAULT_CHUNK_SIZES),
                        help=f"comma-separated chunk sizes (default {DEFAULT_CHUNK_SIZES})")
    parser.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS,
                        help=f"uploads per size and chunk size (default {DEFAULT_ROUNDS})")
    parser.add_argument("--async", dest="run_async", action="store_true",
                        help="send the last chunk with async=1 (the server assembles in its "
                        "job worker) and poll checkstatus=1 until Success")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temp dir (data dir, server log) and print its path")
    parser.add_argument("--work-dir", type=Path, help="parent of the temp dir (default: TMPDIR)")
    parser.add_argument("--max-rss-growth", type=float, default=RSS_GROWTH_LIMIT_MIB,
                        metavar="MIB", help="fail if the server's RSS grows more than this "
                        f"during an upload (default {RSS_GROWTH_LIMIT_MIB})")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if not args.sizes or not args.chunk_sizes:
        parser.error("--sizes and --chunk-sizes need at least one size each")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    options = ChunkedOptions(args.sizes, args.chunk_sizes, args.rounds, args.run_async,
                             args.keep, args.work_dir)
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
    over = result.over_limit(args.max_rss_growth)
    for sized in over:
        print(f"FAIL: server RSS grew {sized.max_growth_kib / KIB:.1f} MiB during a chunked "
              f"upload of {sized.case.label} (limit {args.max_rss_growth:g} MiB)",
              file=sys.stderr)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
