"""The cases of a run and how one round of each is measured on each target."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from bench.procstat import RssSampler
from bench.targets import ApiTarget, Timing
from bench.units import KIB, MIB, Report, size_label

MB = 1_000_000               # throughput is in MB/s (10^6 bytes), as nginx figures usually are


class Receiver(Protocol):
    """A target that can receive a direct and a chunked upload."""

    name: str

    def direct(self, source: Path, sha1: str) -> Timing: ...

    def chunked(self, source: Path, sha1: str, chunk_size: int) -> Timing: ...


@dataclass(frozen=True)
class Case:
    """One thing measured every round: ``kind`` is direct, chunked or small."""

    kind: str
    size: int
    chunk_size: int = 0
    clients: int = 1

    @property
    def label(self) -> str:
        if self.kind == "chunked":
            return f"chunked {size_label(self.size)}/{size_label(self.chunk_size)}"
        if self.kind == "small":
            return f"{size_label(self.size)} x{self.clients} clients"
        return f"direct {size_label(self.size)}"

    @property
    def unit(self) -> str:
        return "uploads/s" if self.kind == "small" else "MB/s"


@dataclass
class Samples:
    """What one target did in one case, over the rounds."""

    values: list[float] = field(default_factory=list)
    publish_seconds: list[float] = field(default_factory=list)


@dataclass
class RunResult:
    """Every case × target, in the order measured; plus the RSS and two-node findings."""

    cases: list[Case] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    samples: dict[tuple[Case, str], Samples] = field(default_factory=dict)
    rss: list[RssFinding] = field(default_factory=list)
    two_node: TwoNodeFinding | None = None
    notes: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def add(self, case: Case, target: str, value: float, publish: float | None = None) -> None:
        if case not in self.cases:
            self.cases.append(case)
        if target not in self.targets:
            self.targets.append(target)
        samples = self.samples.setdefault((case, target), Samples())
        samples.values.append(value)
        if publish is not None:
            samples.publish_seconds.append(publish)

    def of(self, case: Case, target: str) -> Samples | None:
        return self.samples.get((case, target))


@dataclass(frozen=True)
class RssFinding:
    label: str                 # e.g. "direct 5G"
    before_kib: int
    peak_kib: int

    @property
    def growth_kib(self) -> int:
        return self.peak_kib - self.before_kib


@dataclass(frozen=True)
class TwoNodeFinding:
    skipped: str = ""          # why, when it did not run
    one_node_mb_s: float = 0.0
    two_nodes_mb_s: float = 0.0


def throughput_cases(sizes: Sequence[int], chunk_sizes: Sequence[int]) -> list[Case]:
    cases = [Case("direct", size) for size in sizes]
    cases += [Case("chunked", size, chunk) for size in sizes for chunk in chunk_sizes]
    return cases


def small_cases(size: int, client_counts: Sequence[int]) -> list[Case]:
    return [Case("small", size, clients=count) for count in client_counts]


def settle_disk() -> None:
    """Write out every dirty page of the machine (untimed, before each timed case): a target
    that fsyncs must not pay for the data another target, which does not, left behind."""
    os.sync()


def measure(case: Case, target: Receiver, source: Path, sha1: str) -> Timing:
    """One upload of ``case`` on ``target``, on a disk with nothing left to write out."""
    settle_disk()
    if case.kind == "chunked":
        return target.chunked(source, sha1, case.chunk_size)
    return target.direct(source, sha1)


def rate(case: Case, timing: Timing) -> float:
    return case.size / MB / timing.seconds


def measure_rss(target: ApiTarget, source: Path, sha1: str, chunk_size: int,
                found: list[RssFinding], report: Report) -> None:
    """Peak RSS of the server during one direct and one chunked upload of ``source``."""
    assert target.pid is not None
    label = size_label(source.stat().st_size)
    with RssSampler(target.pid) as direct:
        target.direct(source, sha1)
    found.append(RssFinding(f"direct {label}", direct.before_kib, direct.peak_kib))
    report(f"  RSS {found[-1].label}: {direct.before_kib / KIB:.1f} -> "
           f"{direct.peak_kib / KIB:.1f} MiB")
    with RssSampler(target.pid) as chunked:
        target.chunked(source, sha1, chunk_size)
    found.append(RssFinding(f"chunked {label}/{size_label(chunk_size)}", chunked.before_kib,
                            chunked.peak_kib))
    report(f"  RSS {found[-1].label}: {chunked.before_kib / KIB:.1f} -> "
           f"{chunked.peak_kib / KIB:.1f} MiB")


RSS_LIMIT_KIB = 100 * MIB // KIB
