"""Smoke test of bench/chunked_upload.py: the harness still runs end to end (no timing)."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench.chunked_upload import (
    ChunkBody,
    ChunkedCase,
    ChunkedCaseResult,
    ChunkedOptions,
    ChunkedResult,
    ChunkedUpload,
    format_table,
    parse_args,
    run_bench,
)
from bench.direct_upload import KIB, MIB


def test_chunk_body_streams_the_range(tmp_path: Path) -> None:
    source = tmp_path / "source.bin"
    source.write_bytes(bytes(range(256)) * 12_000)          # 3 MB, more than one buffer
    body = ChunkBody({"offset": "1000"}, source, 1000, 1_500_000, "X.png")
    data = b"".join(bytes(piece) for piece in body)
    assert len(data) == len(body)
    assert source.read_bytes()[1000:1_501_000] in data
    assert data.startswith(b"--" + body.boundary.encode()) and data.endswith(b"--\r\n")
    assert b'name="chunk"; filename="X.png"' in data


def test_parse_args() -> None:
    args = parse_args(["--sizes", "6M", "--chunk-sizes", "1M,5M", "--rounds", "1", "--async"])
    assert args.sizes == [6 * MIB] and args.chunk_sizes == [MIB, 5 * MIB]
    assert args.rounds == 1 and args.run_async


def test_rss_growth_over_the_limit_is_reported() -> None:
    def upload(growth_mib: int) -> ChunkedUpload:
        return ChunkedUpload(MIB, MIB, 1, 1.0, 0.1, 0.1, 0.0, 0.01, 0.5, 70 * KIB,
                             (70 + growth_mib) * KIB, "X.png")
    flat = ChunkedCaseResult(ChunkedCase(MIB, MIB), "0" * 40, [upload(2), upload(99)])
    holding = ChunkedCaseResult(ChunkedCase(MIB, MIB), "0" * 40, [upload(1030)])
    assert ChunkedResult([flat, holding]).over_limit(100) == [holding]


@pytest.mark.server
def test_bench_uploads_in_chunks_and_verifies(tmp_path: Path) -> None:
    lines: list[str] = []
    options = ChunkedOptions(sizes=[6 * MIB], chunk_sizes=[MIB], rounds=1, work_dir=tmp_path)
    result = run_bench(options, lines.append)
    (case,) = result.cases
    (upload,) = case.uploads
    assert upload.size == 6 * MIB and upload.chunks == 6 and upload.seconds > 0
    assert upload.publish_seconds > 0 and upload.poll_seconds < 0.01
    assert upload.rss_peak_kib >= upload.rss_before_kib > 0
    assert any("sha1 ok" in line for line in lines)       # run_bench raises on a mismatch
    assert "6M/1M" in format_table(result)
    assert list(tmp_path.iterdir()) == []                 # temp dir removed, server stopped
