"""The harness end to end in a tiny mode: wikiupload and nginx started, every case run.

A second wikiupload stands in for the MediaWiki of ``--mediawiki`` (same API), so the code
path of an external wiki reached by URL and bot password runs too; the minimal Python ASGI
app (``--python-sink``) runs as well.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from bench.nginx import find_nginx
from bench.run import Options, print_result, run
from bench.units import KIB, MIB
from bench.wikiserver import Server, create_account, server_env


@pytest.fixture
def stand_in_wiki(tmp_path: Path) -> Iterator[tuple[str, tuple[str, str]]]:
    env = server_env(tmp_path / "stand-in", 4 * MIB)
    server = Server(env, tmp_path / "stand-in.log", create_account(env, "Remote"))
    try:
        server.wait_ready()
        yield server.url, server.account
    finally:
        server.stop()


@pytest.mark.server
def test_tiny_run_measures_every_case(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      stand_in_wiki: tuple[str, tuple[str, str]]) -> None:
    if find_nginx() is None:
        pytest.skip("nginx is not installed (the bench installs it with apt-get)")
    monkeypatch.delenv("WIKIUPLOAD_STORAGE_URL", raising=False)   # two nodes: skipped
    work = tmp_path / "work"
    work.mkdir()
    url, account = stand_in_wiki
    options = Options(sizes=[2 * MIB], chunk_sizes=[MIB], rounds=2, small_size=20 * KIB,
                      small_clients=[1, 2], small_count=2, rss_size=3 * MIB,
                      rss_chunk_size=MIB, two_node=True, python_sink=True, mediawiki=url,
                      mediawiki_account=account, work_dir=work, chart=tmp_path / "chart.png",
                      json_path=tmp_path / "figures.json")
    lines: list[str] = []
    result = run(options, lines.append)
    labels = {(case.label, target) for case, target in result.samples}
    assert labels == {(case, target) for case in ("direct 2M", "chunked 2M/1M")
                      for target in ("nginx", "python-sink", "wikiupload", "mediawiki")} | {
        (case, target) for case in ("20K x1 clients", "20K x2 clients")
        for target in ("wikiupload", "mediawiki")}
    assert all(len(samples.values) == 2 for samples in result.samples.values())
    assert [finding.label for finding in result.rss] == ["direct 3M", "chunked 3M/1M"]
    assert result.two_node is not None and result.two_node.skipped
    assert not result.failures
    print_result(result, options, lines.append)   # the verdicts are not asserted: no timing
    text = "\n".join(lines)
    assert "wikiupload / nginx" in text and "wikiupload / MediaWiki" in text
    assert (tmp_path / "figures.json").is_file()
    assert list(work.iterdir()) == []               # temp dir removed, servers stopped
