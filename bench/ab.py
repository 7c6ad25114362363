"""Two versions of wikiupload side by side: small uploads, batch by batch, taking turns.

``python -m bench.ab --b-src ../changed/src`` starts two servers on the embedded default,
A (this checkout, or ``--a-src``) and B, each with its own data directory, interpreter,
settings and clients, and has them take turns: a batch of small uploads on one, then the
same on the other, the order swapped every batch. On a machine whose speed drifts by tens
of percent within minutes, the ratio of two batches taken seconds apart is steadier than
runs of each version one after the other; the median of those ratios, and in how many
batches B was faster, say whether a change is worth keeping. Server CPU per upload (from
``/proc``) is reported too: it moves less than wall time under load.
"""

from __future__ import annotations

import argparse
import shlex
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from bench.apiclient import Client
from bench.pngfile import png_layout, write_png
from bench.procstat import cpu_seconds
from bench.together import run_together
from bench.units import KIB, BenchError, Report, parse_sizes
from bench.wikiserver import Server, create_account, server_env

SIDES = ("A", "B")


@dataclass(frozen=True)
class Side:
    """How one server is started: its source tree (first on PYTHONPATH), interpreter and
    settings."""

    name: str
    src: Path | None = None
    python: str = sys.executable
    env: tuple[str, ...] = ()     # KEY=VALUE


@dataclass
class Tally:
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    uploads: int = 0
    rates: list[float] = field(default_factory=list)    # uploads/s of each batch

    @property
    def per_second(self) -> float:
        return self.uploads / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms(self) -> float:
        return self.cpu_seconds * 1000 / self.uploads if self.uploads else 0.0


@dataclass
class Running:
    side: Side
    server: Server
    clients: list[Client]
    files: Path
    tally: Tally = field(default_factory=Tally)


def start(side: Side, work: Path, clients: int, stack: ExitStack) -> Running:
    root = work / side.name
    env = server_env(root / "data", 1024 * KIB)
    if side.src is not None:
        env["PYTHONPATH"] = str(side.src.resolve())
    for setting in side.env:
        key, sep, value = setting.partition("=")
        if not sep:
            raise BenchError(f"--{side.name.lower()}-env {setting!r}: not KEY=VALUE")
        env[key] = value
    account = create_account(env, python=side.python)
    server = Server(env, root / "server.log", account, python=side.python)
    stack.callback(server.stop)
    server.wait_ready()
    logged_in = []
    for _ in range(clients):
        client = Client(server.url)
        stack.callback(client.close)
        client.login(*account)
        logged_in.append(client)
    files = root / "files"
    files.mkdir()
    return Running(side, server, logged_in, files)


def run_batch(running: Running, number: int, batch: int, size: int) -> float:
    """Each client uploads ``batch`` new files at once; returns uploads per second."""
    batches = []
    for index, _client in enumerate(running.clients):
        paths = [running.files / f"b{number}-c{index}-{n}.png" for n in range(batch)]
        for path in paths:
            write_png(path, png_layout(size))
        batches.append(paths)
    for client in running.clients:
        client.ping()

    def work(client: Client, paths: list[Path]) -> None:
        for path in paths:
            client.upload(path, f"Ab-{path.stem}-{time.time_ns()}.png")
            path.unlink()

    cpu_before = cpu_seconds(running.server.pid)
    try:
        seconds = run_together([partial(work, client, paths) for client, paths
                                in zip(running.clients, batches, strict=True)],
                               f"{running.side.name}: small uploads")
    except BenchError as error:
        raise BenchError(f"{error}\n{running.server.log_tail()}") from None
    tally = running.tally
    uploads = batch * len(running.clients)
    tally.seconds += seconds
    tally.cpu_seconds += cpu_seconds(running.server.pid) - cpu_before
    tally.uploads += uploads
    tally.rates.append(uploads / seconds)
    return uploads / seconds


def compare(sides: Sequence[Side], *, clients: int, batch: int, batches: int, size: int,
            work_dir: Path | None = None, report: Report = print) -> tuple[Tally, Tally]:
    """Run the batches; returns A's and B's tallies."""
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(
            prefix="wikiupload-ab-", dir=work_dir)))
        running = [start(side, work, clients, stack) for side in sides]
        for number in range(batches):
            order = running if number % 2 == 0 else running[::-1]
            rates = {each.side.name: run_batch(each, number, batch, size) for each in order}
            report(f"batch {number + 1:>3}: " + "  ".join(
                f"{name} {rates[name]:7.1f}/s" for name in SIDES))
        return running[0].tally, running[1].tally


def summary(a: Tally, b: Tally) -> list[str]:
    ratios = [rate_b / rate_a for rate_a, rate_b in zip(a.rates, b.rates, strict=True)]
    faster = sum(ratio > 1 for ratio in ratios)
    return [
        f"A: {a.per_second:.1f} uploads/s, server CPU {a.cpu_ms:.2f} ms per upload",
        f"B: {b.per_second:.1f} uploads/s, server CPU {b.cpu_ms:.2f} ms per upload",
        f"B/A batch by batch: median {statistics.median(ratios):.3f}, B faster in "
        f"{faster} of {len(ratios)} (min {min(ratios):.2f}, max {max(ratios):.2f})",
    ]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.ab", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add = parser.add_argument
    for side in SIDES:
        low = side.lower()
        add(f"--{low}-src", type=Path,
            help=f"source tree of {side} (the directory holding wikiupload/); default: the "
                 "installed wikiupload")
        add(f"--{low}-python", default=sys.executable,
            help=f"interpreter of {side}'s server (default: this one)")
        add(f"--{low}-env", action="append", default=[], metavar="KEY=VALUE",
            help=f"a setting of {side}'s server, e.g. WIKIUPLOAD_FSYNC=0 (repeatable)")
    add("--clients", type=int, default=1, help="clients per server, uploading at once")
    add("--batch", type=int, default=50, help="uploads per client per batch (default 50)")
    add("--batches", type=int, default=20, help="batches per server (default 20)")
    add("--size", type=lambda text: parse_sizes(text)[0], default=50 * KIB,
        help="file size (default 50K)")
    add("--work-dir", type=Path, help="parent of the temp dir (default: TMPDIR)")
    args = parser.parse_args(argv)
    if min(args.clients, args.batch, args.batches) < 1:
        parser.error("--clients, --batch and --batches must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    sides = [Side(name, getattr(args, f"{name.lower()}_src"),
                  getattr(args, f"{name.lower()}_python"),
                  tuple(getattr(args, f"{name.lower()}_env"))) for name in SIDES]
    for side in sides:
        print(f"{side.name}: {side.src or 'installed wikiupload'} on {side.python}"
              + (f", {shlex.join(side.env)}" if side.env else ""))
    try:
        a, b = compare(sides, clients=args.clients, batch=args.batch, batches=args.batches,
                       size=args.size, work_dir=args.work_dir)
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for line in summary(a, b):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
