"""The upload benchmark: wikiupload against nginx (the limit) and, if given, a MediaWiki.

Starts what it compares — ``wikiupload serve`` on the embedded default (SQLite, local files)
in a temp dir, nginx writing the same multipart bodies to disk and, with ``--python-sink``,
a minimal Python ASGI app doing the same — then runs every case on every target,
interleaved, for several rounds: direct uploads, chunked uploads with their publish, small
uploads per second with 1 and 4 clients; then the peak RSS of the server during a very large
direct and chunked upload, and (with ``--two-node`` and S3 settings) two nodes against one.
Prints medians, min–max and the ratios against the goals, and draws the chart.

Run ``python -m bench.run --help``; see bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import FrameType

from bench.cases import (
    Receiver,
    RssFinding,
    RunResult,
    measure,
    measure_rss,
    rate,
    settle_disk,
    small_cases,
    throughput_cases,
)
from bench.nginx import Nginx, ensure_nginx
from bench.pngfile import png_layout, write_png
from bench.procstat import load_text, status_kib
from bench.report import (
    MEDIAWIKI,
    NGINX,
    PYTHON_SINK,
    WIKIUPLOAD,
    checks,
    checks_table,
    draw_chart,
    figures_table,
)
from bench.sinkserver import PythonSink
from bench.targets import ApiTarget, BodyTarget
from bench.twonode import run_two_node
from bench.units import KIB, MIB, BenchError, Report, parse_sizes, size_label
from bench.wikiserver import Server, create_account, server_env


@dataclass(frozen=True)
class Options:
    sizes: Sequence[int] = (100 * MIB, 1024 * MIB)
    chunk_sizes: Sequence[int] = (MIB, 5 * MIB)
    rounds: int = 3
    small_size: int = 50 * KIB
    small_clients: Sequence[int] = (1, 4)
    small_count: int = 40              # uploads per client per round
    rss_size: int = 0                  # 0: no RSS case
    rss_chunk_size: int = 5 * MIB
    two_node: bool = False
    python_sink: bool = False          # also the minimal Python ASGI app of asgi_sink.py
    mediawiki: str = ""                # api.php URL
    mediawiki_account: tuple[str, str] = ("", "")
    server_env: dict[str, str] = field(default_factory=dict)
    work_dir: Path | None = None
    keep: bool = False
    chart: Path | None = None
    json_path: Path | None = None


@dataclass(frozen=True)
class SmallFiles:
    """Where the small-uploads case writes its files: a new one for every upload, as a bot's
    mass upload sends (the same bytes again would make every upload report all earlier
    ones in its ``duplicate`` warning)."""

    directory: Path
    size: int

    def fresh(self, clients: int, per_client: int) -> list[list[Path]]:
        """``per_client`` new files for each client (written before the clock starts)."""
        batches = []
        for client in range(clients):
            batch = [self.directory / f"small-{client}-{index}.png" for index in range(per_client)]
            for path in batch:
                write_png(path, png_layout(self.size))
            batches.append(batch)
        return batches


@dataclass
class Sources:
    """The generated files: one per size; small ones are written afresh for every round."""

    small: SmallFiles
    files: dict[int, tuple[Path, str]] = field(default_factory=dict)


def make_sources(directory: Path, options: Options, report: Report) -> Sources:
    directory.mkdir(parents=True, exist_ok=True)
    sources = Sources(SmallFiles(directory, options.small_size))
    for size in options.sizes:
        path = directory / f"bench-{size_label(size)}.png"
        report(f"generating {path.name} ...")
        sources.files[size] = (path, write_png(path, png_layout(size)))
    return sources


def start_wikiupload(work: Path, options: Options, stack: ExitStack) -> tuple[Server, ApiTarget]:
    largest = max([*options.sizes, options.rss_size])
    work.mkdir(parents=True, exist_ok=True)
    env = server_env(work / "data", largest, options.server_env)
    server = Server(env, work / "server.log", create_account(env))
    stack.callback(server.stop)
    server.wait_ready()
    target = ApiTarget(WIKIUPLOAD, server.url, server.account, server.pid, server.data_dir)
    stack.callback(target.close)
    return server, target


def start_targets(work: Path, options: Options, stack: ExitStack, report: Report
                  ) -> tuple[Server, list[Receiver], list[ApiTarget]]:
    server, wikiupload = start_wikiupload(work, options, stack)
    nginx = Nginx(ensure_nginx(report), work / "nginx")
    stack.callback(nginx.stop)
    nginx.wait_ready()
    receivers: list[Receiver] = [BodyTarget(nginx, NGINX), wikiupload]
    apis = [wikiupload]
    if options.python_sink:
        sink = PythonSink(work / "sink")
        stack.callback(sink.stop)
        sink.wait_ready()
        receivers.insert(1, BodyTarget(sink, PYTHON_SINK))
    if options.mediawiki:
        mediawiki = ApiTarget(MEDIAWIKI, options.mediawiki, options.mediawiki_account)
        stack.callback(mediawiki.close)
        receivers.append(mediawiki)
        apis.append(mediawiki)
    report(f"wikiupload pid {server.pid} at {server.url}; nginx pid {nginx.pid} at "
           f"{nginx.url}{'; MediaWiki at ' + options.mediawiki if options.mediawiki else ''}")
    return server, receivers, apis


def run_round(number: int, options: Options, sources: Sources, receivers: list[Receiver],
              apis: list[ApiTarget], result: RunResult, report: Report) -> None:
    """Every case once on every target; the targets' order rotates from round to round."""
    shift = (number - 1) % len(receivers)
    ordered = receivers[shift:] + receivers[:shift]
    for case in throughput_cases(options.sizes, options.chunk_sizes):
        source, sha1 = sources.files[case.size]
        for target in ordered:
            timing = measure(case, target, source, sha1)
            publish = timing.publish_seconds if case.kind == "chunked" else None
            result.add(case, target.name, rate(case, timing), publish)
            extra = f", publish {publish * 1000:.0f} ms" if publish is not None else ""
            report(f"  round {number} {case.label:>18} {target.name:>10}: "
                   f"{rate(case, timing):8.1f} MB/s ({timing.seconds:.2f} s{extra})")
    for case in small_cases(options.small_size, options.small_clients):
        for api in apis[shift % len(apis):] + apis[:shift % len(apis)]:
            files = sources.small.fresh(case.clients, options.small_count)
            settle_disk()
            per_second = api.small(files)
            result.add(case, api.name, per_second)
            report(f"  round {number} {case.label:>18} {api.name:>10}: "
                   f"{per_second:8.1f} uploads/s")


def run(options: Options, report: Report = print) -> RunResult:
    """Start the targets in a temp dir, measure, stop them and remove the temp dir."""
    result = RunResult()
    work = Path(tempfile.mkdtemp(prefix="wikiupload-bench-", dir=options.work_dir))
    with ExitStack() as stack:
        stack.callback(_remove_work_dir, work, options.keep, report)
        report(f"temp dir {work}; {load_text()}")
        sources = make_sources(work / "source", options, report)
        server, receivers, apis = start_targets(work, options, stack, report)
        try:
            for number in range(1, options.rounds + 1):
                run_round(number, options, sources, receivers, apis, result, report)
            for path, _sha1 in sources.files.values():
                path.unlink()
        except BenchError as error:
            raise BenchError(f"{error}\n--- wikiupload log (end) ---\n{server.log_tail()}"
                             ) from None
        result.notes.append(f"wikiupload RSS after the rounds: "
                            f"{status_kib(server.pid, 'VmRSS') / KIB:.1f} MiB")
        _after_rounds(work, options, sources, result, report)
        result.notes.append(f"at the end: {load_text()}")
    return result


def _after_rounds(work: Path, options: Options, sources: Sources, result: RunResult,
                  report: Report) -> None:
    """The RSS and two-node cases; a failure there is reported, the figures so far kept."""
    if options.rss_size:
        try:
            _rss_case(work, options, result.rss, report)
        except BenchError as error:
            result.failures.append(f"RSS case: {error}")
            report(f"RSS case failed: {error}")
    if options.two_node:
        try:
            source, sha1 = _small_or_first(sources, options)
            result.two_node = run_two_node(work, source, sha1, report, options.rounds)
        except BenchError as error:
            result.failures.append(f"two-node case: {error}")
            report(f"two-node case failed: {error}")
        else:
            if result.two_node.skipped:
                result.notes.append(f"two-node case {result.two_node.skipped}")


def _rss_case(work: Path, options: Options, found: list[RssFinding], report: Report) -> None:
    """One direct and one chunked upload of ``rss_size`` on a fresh server process (its
    peak is then what such an upload costs, not what the earlier cases left behind)."""
    path = work / "source" / f"rss-{size_label(options.rss_size)}.png"
    report(f"generating {path.name} for the RSS case ...")
    sha1 = write_png(path, png_layout(options.rss_size))
    try:
        with ExitStack() as stack:
            server, target = start_wikiupload(work / "rss", options, stack)
            target.client()
            report(f"fresh wikiupload pid {server.pid}, RSS "
                   f"{status_kib(server.pid, 'VmRSS') / KIB:.1f} MiB")
            measure_rss(target, path, sha1, options.rss_chunk_size, found, report)
    finally:
        path.unlink()


def _small_or_first(sources: Sources, options: Options) -> tuple[Path, str]:
    """The two-node case's file: the smallest of the sizes."""
    path = sources.small.directory / "two-node.png"
    return path, write_png(path, png_layout(min(options.sizes)))


def _remove_work_dir(work: Path, keep: bool, report: Report) -> None:
    if keep:
        report(f"kept {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)


# -- command line ------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run",
                                     description=__doc__.split("\n\n")[0] if __doc__ else None)
    add = parser.add_argument
    add("--sizes", type=parse_sizes, default=parse_sizes("100M,1G"),
        help="file sizes of the direct and chunked cases, K/M/G binary (default 100M,1G)")
    add("--chunk-sizes", type=parse_sizes, default=parse_sizes("1M,5M"),
        help="chunk sizes of the chunked cases (default 1M,5M)")
    add("--rounds", type=int, default=3, help="rounds of every case (default 3)")
    add("--small-size", type=lambda text: parse_sizes(text)[0], default=50 * KIB,
        help="file size of the small-uploads case (default 50K)")
    add("--small-clients", type=lambda text: [int(n) for n in text.split(",")],
        default=[1, 4], help="concurrent clients of the small-uploads case (default 1,4)")
    add("--small-count", type=int, default=40,
        help="small uploads per client per round (default 40)")
    add("--rss-size", type=lambda text: parse_sizes(text)[0] if text != "0" else 0,
        default=0, help="also measure the server's peak RSS during one direct and one "
        "chunked upload of this size, e.g. 5G (default: no)")
    add("--rss-chunk-size", type=lambda text: parse_sizes(text)[0], default=5 * MIB,
        help="chunk size of the chunked RSS upload (default 5M)")
    add("--python-sink", action="store_true", help="also a minimal Python ASGI app that "
        "writes the same bodies to a file while hashing them (uvicorn, uvloop, httptools)")
    add("--two-node", action="store_true", help="also compare two nodes with one (needs "
        "WIKIUPLOAD_STORAGE_URL=s3://... and WIKIUPLOAD_DATABASE_URL; else skipped)")
    add("--mediawiki", metavar="URL", default="", help="api.php of a MediaWiki to compare")
    add("--mediawiki-user", default=os.environ.get("BENCH_MEDIAWIKI_USER", ""),
        help="its bot password login, User@app (or BENCH_MEDIAWIKI_USER)")
    add("--mediawiki-password", default=os.environ.get("BENCH_MEDIAWIKI_PASSWORD", ""),
        help="its bot password (or BENCH_MEDIAWIKI_PASSWORD)")
    add("--server-env", action="append", default=[], metavar="NAME=VALUE",
        help="a setting for the wikiupload server, e.g. WIKIUPLOAD_FSYNC=none (repeatable)")
    add("--work-dir", type=Path, help="parent of the temp dir (default: TMPDIR)")
    add("--keep", action="store_true", help="keep the temp dir (logs, data dir)")
    add("--chart", type=Path, default=Path("bench-results.png"),
        help="where to draw the chart (default bench-results.png; needs the bench extra)")
    add("--json", dest="json_path", type=Path, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.small_count < 1:
        parser.error("--rounds and --small-count must be at least 1")
    if args.mediawiki and not (args.mediawiki_user and args.mediawiki_password):
        parser.error("--mediawiki needs --mediawiki-user and --mediawiki-password")
    return args


def options_from(args: argparse.Namespace) -> Options:
    extra = dict(item.split("=", 1) for item in args.server_env)
    return Options(sizes=args.sizes, chunk_sizes=args.chunk_sizes, rounds=args.rounds,
                   small_size=args.small_size, small_clients=args.small_clients,
                   small_count=args.small_count, rss_size=args.rss_size,
                   rss_chunk_size=args.rss_chunk_size,
                   two_node=args.two_node, python_sink=args.python_sink,
                   mediawiki=args.mediawiki,
                   mediawiki_account=(args.mediawiki_user, args.mediawiki_password),
                   server_env=extra, work_dir=args.work_dir, keep=args.keep,
                   chart=args.chart, json_path=args.json_path)


def machine_text() -> str:
    """The host, and the Python the bench and its wikiupload run on (which build matters:
    docs/performance.md)."""
    return (f"{platform.node() or 'host'}: {os.cpu_count()} CPUs, {platform.platform()}, "
            f"Python {platform.python_version()} ({os.path.realpath(sys.executable)})")


def print_result(result: RunResult, options: Options, report: Report = print) -> bool:
    """Tables, ratios, chart and JSON; True when every measured goal was reached."""
    found = checks(result)
    report("")
    report(figures_table(result))
    report("")
    report(checks_table(found))
    for note in result.notes:
        report(note)
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    if options.chart is not None:
        title = f"wikiupload bench, {stamp}; {machine_text()}"
        if draw_chart(result, options.chart, title):
            report(f"chart: {options.chart}")
        else:
            report("no chart: matplotlib is missing (pip install -e '.[bench]')")
    if options.json_path is not None:
        options.json_path.write_text(json.dumps(_as_json(result, stamp), indent=1))
    return all(check.ok is not False for check in found)


def _as_json(result: RunResult, stamp: str) -> dict[str, object]:
    return {
        "taken": stamp, "machine": machine_text(),
        "cases": [{"case": case.label, "target": target, "unit": case.unit,
                   "values": samples.values, "publish_seconds": samples.publish_seconds}
                  for (case, target), samples in result.samples.items()],
        "rss": [asdict(finding) for finding in result.rss],
        "two_node": asdict(result.two_node) if result.two_node else None,
        "notes": result.notes,
    }


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds through run()'s cleanup


def main(argv: Sequence[str] | None = None) -> int:
    options = options_from(parse_args(argv))
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    print(machine_text())
    try:
        result = run(options)
    except BenchError as error:
        print(f"bench failed: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; servers stopped, temp dir removed", file=sys.stderr)
        return 130
    reached = print_result(result, options)
    for failure in result.failures:
        print(f"failed: {failure}", file=sys.stderr)
    return 1 if result.failures else 0 if reached else 2


if __name__ == "__main__":
    sys.exit(main())
