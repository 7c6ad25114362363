"""Smoke test of bench/direct_upload.py: the harness still runs end to end (no timing)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from bench.direct_upload import (
    KIB,
    MIB,
    BenchOptions,
    BenchResult,
    Case,
    CaseResult,
    Upload,
    format_table,
    image_layout,
    parse_size,
    png_layout,
    run_bench,
    write_png,
)
from PIL import Image


def test_generated_png_has_the_exact_size_and_sha1(tmp_path: Path) -> None:
    for size in (4096, 70_001, MIB + 3):
        path = tmp_path / f"{size}.png"
        sha1 = write_png(path, png_layout(size))
        data = path.read_bytes()
        assert len(data) == size and hashlib.sha1(data).hexdigest() == sha1
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and data.endswith(b"IEND\xaeB`\x82")


def test_generated_rgba_png_decodes(tmp_path: Path) -> None:
    layout = image_layout(40, 30)
    write_png(tmp_path / "rgba.png", layout)
    with Image.open(tmp_path / "rgba.png") as image:
        image.load()
        assert (image.size, image.mode) == ((40, 30), "RGBA")
    assert (tmp_path / "rgba.png").stat().st_size == layout.size


def test_parse_size() -> None:
    assert parse_size("5M") == 5 * MIB and parse_size("1G") == 1024 * MIB
    assert parse_size("64KiB") == 64 * 1024 and parse_size("5000") == 5000


def test_rss_growth_over_the_limit_is_reported() -> None:
    def upload(growth_mib: int) -> Upload:
        return Upload(MIB, 1.0, 0.1, 0.5, 70 * KIB, (70 + growth_mib) * KIB, "X.png")
    case = Case("1G", png_layout(1024 * MIB))
    flat = CaseResult(case, "0" * 40, [upload(2), upload(99)])
    holding = CaseResult(case, "0" * 40, [upload(3), upload(1030)])
    assert BenchResult([flat, holding]).over_limit(100) == [holding]


@pytest.mark.server
def test_bench_uploads_and_verifies(tmp_path: Path) -> None:
    lines: list[str] = []
    options = BenchOptions(sizes=[5 * MIB], rounds=1, work_dir=tmp_path, thumb_case=False)
    result = run_bench(options, lines.append)
    (sized,) = result.cases
    (upload,) = sized.uploads
    assert upload.size == 5 * MIB and upload.seconds > 0
    assert upload.rss_peak_kib >= upload.rss_before_kib > 0
    assert any("sha1 ok" in line for line in lines)       # run_bench raises on a mismatch
    assert "5M" in format_table(result)
    assert list(tmp_path.iterdir()) == []                 # temp dir removed, server stopped
