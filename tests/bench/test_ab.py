"""The side-by-side harness (bench/ab.py) end to end, tiny: two servers taking turns."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from bench.ab import Side, Tally, compare, main, summary
from bench.units import KIB, BenchError

SOURCE = Path(__file__).resolve().parents[2] / "src"


def test_two_servers_take_turns_batch_by_batch(tmp_path: Path) -> None:
    lines: list[str] = []
    sides = [Side("A"), Side("B", src=SOURCE, python=sys.executable,
                              env=("WIKIUPLOAD_FSYNC=0",))]
    a, b = compare(sides, clients=2, batch=2, batches=3, size=8 * KIB, work_dir=tmp_path,
                   report=lines.append)
    for tally in (a, b):
        assert tally.uploads == 3 * 2 * 2 and len(tally.rates) == 3
        assert tally.seconds > 0 and tally.cpu_seconds > 0
    assert [line.split(":")[0] for line in lines] == ["batch   1", "batch   2", "batch   3"]
    assert list(tmp_path.iterdir()) == []          # the servers' data went with them
    median = summary(a, b)[2]
    assert median.startswith("B/A batch by batch: median ") and " of 3 " in median


def test_summary_counts_the_batches_b_won() -> None:
    a = Tally(seconds=4.0, cpu_seconds=0.2, uploads=40, rates=[10.0, 10.0, 10.0, 10.0])
    b = Tally(seconds=3.0, cpu_seconds=0.1, uploads=40, rates=[12.0, 9.0, 11.0, 15.0])
    assert summary(a, b) == [
        "A: 10.0 uploads/s, server CPU 5.00 ms per upload",
        "B: 13.3 uploads/s, server CPU 2.50 ms per upload",
        "B/A batch by batch: median 1.150, B faster in 3 of 4 (min 0.90, max 1.50)",
    ]


def test_a_setting_must_be_key_and_value(tmp_path: Path) -> None:
    with pytest.raises(BenchError, match="not KEY=VALUE"):
        compare([Side("A"), Side("B", env=("WIKIUPLOAD_FSYNC",))], clients=1, batch=1,
                batches=1, size=8 * KIB, work_dir=tmp_path)
    with pytest.raises(SystemExit):     # refused before anything starts
        main(["--batches", "0"])
