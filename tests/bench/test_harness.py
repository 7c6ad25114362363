"""The bench harness's pieces: test files, sizes, ratios against the goals, chart, nginx."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from bench.cases import (
    Case,
    RssFinding,
    RunResult,
    TwoNodeFinding,
    measure,
    throughput_cases,
)
from bench.nginx import CONFIG, Nginx, find_nginx
from bench.pngfile import (
    MAX_IMAGE_BYTES,
    image_layout,
    padding_lengths,
    png_layout,
    random_bytes,
    write_png,
)
from bench.report import checks, checks_table, draw_chart, figures_table
from bench.run import SmallFiles
from bench.targets import Timing
from bench.together import run_together
from bench.twonode import shared_settings
from bench.units import GIB, KIB, MIB, BenchError, parse_size, size_label
from PIL import Image


def test_generated_png_has_the_exact_size_and_sha1(tmp_path: Path) -> None:
    for size in (4096, 70_001, MIB + 3, MAX_IMAGE_BYTES + 2 * MIB + 11):
        path = tmp_path / f"{size}.png"
        sha1 = write_png(path, png_layout(size))
        data = path.read_bytes()
        assert len(data) == size and hashlib.sha1(data).hexdigest() == sha1
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and data.endswith(b"IEND\xaeB`\x82")
        with Image.open(path) as image:
            image.verify()


def test_every_small_upload_is_a_new_file(tmp_path: Path) -> None:
    small = SmallFiles(tmp_path, 20 * KIB)
    first = small.fresh(2, 3)
    assert [len(batch) for batch in first] == [3, 3]
    digests = {hashlib.sha1(path.read_bytes()).hexdigest() for batch in first for path in batch}
    again = {hashlib.sha1(path.read_bytes()).hexdigest()
             for batch in small.fresh(2, 3) for path in batch}
    assert len(digests) == 6 and len(again) == 6 and not digests & again
    assert all(path.stat().st_size == 20 * KIB for batch in first for path in batch)


def test_large_files_keep_the_pixels_under_the_limits() -> None:
    layout = png_layout(5 * GIB)
    assert layout.size == 5 * GIB
    assert 12_500_000 < layout.width * layout.rows < 100_000_000   # no thumbnail; accepted
    assert max(padding_lengths(layout.padding)) <= MIB


def test_random_content_never_holds_an_executable_signature_or_a_tag() -> None:
    data = random_bytes(1 << 20)
    assert b"M" not in data and b"\x00" in data     # binary, but never "MZ"
    assert b"<" not in data                         # nor an HTML tag for IE to find


def test_padding_adds_up() -> None:
    for total in (0, 12, 13, MIB, MIB + 5, 3 * MIB + 12, 3 * MIB + 11):
        lengths = padding_lengths(total)
        assert sum(lengths) + 12 * len(lengths) == total


def test_rgba_layout_decodes(tmp_path: Path) -> None:
    write_png(tmp_path / "rgba.png", image_layout(40, 30))
    with Image.open(tmp_path / "rgba.png") as image:
        image.load()
        assert (image.size, image.mode) == ((40, 30), "RGBA")


def test_sizes() -> None:
    assert parse_size("5M") == 5 * MIB and parse_size("1G") == GIB
    assert parse_size("64KiB") == 64 * KIB and parse_size("5000") == 5000
    assert size_label(100 * MIB) == "100M" and size_label(50 * KIB) == "50K"


def _result() -> RunResult:
    result = RunResult()
    direct, chunked = Case("direct", GIB), Case("chunked", GIB, 5 * MIB)
    small = Case("small", 50 * KIB, clients=4)
    for value in (700.0, 760.0, 740.0):
        result.add(direct, "nginx", value)
        result.add(chunked, "nginx", value)
    for value in (300.0, 320.0, 280.0):
        result.add(direct, "wikiupload", value)
        result.add(chunked, "wikiupload", value / 2, publish=0.02)
    for value in (150.0, 160.0):
        result.add(small, "wikiupload", value)
    for value in (8.0, 9.0):
        result.add(small, "mediawiki", value)
    result.rss = [RssFinding("direct 5G", 80 * KIB, 82 * KIB)]
    result.two_node = TwoNodeFinding(skipped="skipped: no S3 settings")
    return result


def test_ratios_are_checked_against_the_goals() -> None:
    found = {check.what: check for check in checks(_result())}
    assert found["direct 1G: wikiupload / nginx"].figure == "40.5%"
    assert found["direct 1G: wikiupload / nginx"].ok is True          # goal 40%
    assert found["chunked 1G/5M: wikiupload / nginx"].ok is False     # 20% < 30%
    assert found["chunked 1G/5M: publish after the last chunk"].ok is True
    assert found["50K x4 clients: wikiupload / MediaWiki"].figure == "18.2x"
    assert found["peak RSS, direct 5G"].ok is True
    assert found["two nodes / one node (aggregate MB/s)"].ok is None   # skipped
    table = checks_table(list(found.values()))
    assert "MISSED" in table and "skipped" in table
    assert "direct 1G" in figures_table(_result())


def test_small_uploads_without_a_mediawiki_use_the_reference_figure() -> None:
    result = _result()
    result.samples = {key: value for key, value in result.samples.items()
                      if key[1] != "mediawiki"}
    (check,) = [c for c in checks(result) if c.what.startswith("50K")]
    assert "reference, not measured" in check.what


def test_chart_is_drawn(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    assert draw_chart(_result(), tmp_path / "chart.png", "test")
    assert (tmp_path / "chart.png").read_bytes().startswith(b"\x89PNG")


def test_two_node_runs_only_with_s3_and_a_shared_database() -> None:
    assert shared_settings({}) is None
    assert shared_settings({"WIKIUPLOAD_STORAGE_URL": "s3://b/p"}) is None
    settings = shared_settings({"WIKIUPLOAD_STORAGE_URL": "s3://b/p",
                                "WIKIUPLOAD_DATABASE_URL": "postgresql+psycopg://x/y",
                                "WIKIUPLOAD_S3_ACCESS_KEY": "k", "WIKIUPLOAD_PORT": "1",
                                "HOME": "/root"})
    assert settings == {"WIKIUPLOAD_STORAGE_URL": "s3://b/p",
                        "WIKIUPLOAD_DATABASE_URL": "postgresql+psycopg://x/y",
                        "WIKIUPLOAD_S3_ACCESS_KEY": "k"}


def test_nginx_config_writes_bodies_to_files() -> None:
    config = CONFIG.format(user="", root="/r", port=1, answer_port=2)
    assert "client_body_in_file_only on;" in config
    assert "client_body_temp_path /r/body" in config
    assert "proxy_pass_request_body off;" in config


@pytest.mark.server
def test_nginx_receives_the_whole_body(tmp_path: Path) -> None:
    from bench.bodies import MultipartFileBody

    binary = find_nginx()
    if binary is None:
        pytest.skip("nginx is not installed (the bench installs it with apt-get)")
    nginx = Nginx(binary, tmp_path / "nginx")
    try:
        nginx.wait_ready()
        source = tmp_path / "source.bin"
        source.write_bytes(bytes(range(256)) * 4096)
        nginx.receive(MultipartFileBody({"a": "b"}, "file", "x.png", source))  # checks size
        assert not any(path.is_file() for path in (tmp_path / "nginx" / "body").rglob("*"))
    finally:
        nginx.stop()


def test_every_timed_case_starts_on_a_settled_disk(monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    """Dirty pages another target left behind are written out before the clock starts, so
    a target that fsyncs does not pay for them."""
    events: list[str] = []
    monkeypatch.setattr(os, "sync", lambda: events.append("sync"))

    class Recorder:
        name = "recorder"

        def direct(self, source: Path, sha1: str) -> Timing:
            events.append("direct")
            return Timing(1.0)

        def chunked(self, source: Path, sha1: str, chunk_size: int) -> Timing:
            events.append("chunked")
            return Timing(1.0)

    source = tmp_path / "file.png"
    for case in throughput_cases([MIB], [MIB]):
        measure(case, Recorder(), source, "")
    assert events == ["sync", "direct", "sync", "chunked"]


def test_jobs_run_together_and_the_first_error_is_reported() -> None:
    done: list[int] = []

    def fail() -> None:
        raise OSError("disk gone")

    seconds = run_together([lambda: done.append(1), lambda: done.append(2)], "two jobs")
    assert sorted(done) == [1, 2] and seconds >= 0
    with pytest.raises(BenchError, match="^three jobs failed: disk gone$"):
        run_together([lambda: done.append(3), fail, lambda: done.append(4)], "three jobs")
    assert sorted(done) == [1, 2, 3, 4]          # the others ran to the end
