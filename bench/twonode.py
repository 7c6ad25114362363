"""Two wikiupload nodes on one shared database and object store against one node.

Runs only when the caller's environment names an S3 store (``WIKIUPLOAD_STORAGE_URL=s3://…``
with its endpoint and keys) and a shared database (``WIKIUPLOAD_DATABASE_URL``, e.g.
PostgreSQL); otherwise the case is reported as skipped. The same number of clients upload the
same file at once, first all to one node, then split over two; the aggregate MB/s compare.
"""

from __future__ import annotations

import os
import secrets
import statistics
from collections.abc import Mapping
from contextlib import ExitStack
from functools import partial
from pathlib import Path

from bench.apiclient import Client
from bench.cases import MB, TwoNodeFinding
from bench.targets import ApiTarget
from bench.together import run_together
from bench.units import Report
from bench.wikiserver import Server, create_account, server_env

CLIENTS = 4


def shared_settings(environ: Mapping[str, str]) -> dict[str, str] | None:
    """The caller's WIKIUPLOAD_* settings when they name an S3 store and a shared database."""
    storage = environ.get("WIKIUPLOAD_STORAGE_URL", "")
    database = environ.get("WIKIUPLOAD_DATABASE_URL", "")
    if not storage.startswith("s3://") or not database or database.startswith("sqlite"):
        return None
    skip = {"WIKIUPLOAD_DATA_DIR", "WIKIUPLOAD_HOST", "WIKIUPLOAD_PORT", "WIKIUPLOAD_SERVER"}
    return {k: v for k, v in environ.items() if k.startswith("WIKIUPLOAD_") and k not in skip}


def skipped_reason() -> str:
    return ("skipped: set WIKIUPLOAD_STORAGE_URL=s3://BUCKET/PREFIX (with its endpoint and "
            "keys) and WIKIUPLOAD_DATABASE_URL (PostgreSQL)")


def run_two_node(work: Path, source: Path, sha1: str, report: Report, rounds: int = 1,
                 environ: Mapping[str, str] | None = None) -> TwoNodeFinding:
    settings = shared_settings(os.environ if environ is None else environ)
    if settings is None:
        return TwoNodeFinding(skipped=skipped_reason())
    size = source.stat().st_size
    with ExitStack() as stack:
        nodes: list[ApiTarget] = []
        account: tuple[str, str] | None = None
        for index in (1, 2):
            env = server_env(work / f"node{index}", size, settings)
            if account is None:
                account = create_account(env, f"Bench{secrets.token_hex(3)}")
            server = Server(env, work / f"node{index}.log", account)
            stack.callback(server.stop)
            server.wait_ready()
            target = ApiTarget(f"node{index}", server.url, account, server.pid)
            stack.callback(target.close)
            nodes.append(target)
        ones: list[float] = []
        twos: list[float] = []
        for number in range(1, rounds + 1):
            ones.append(_aggregate(size, [(nodes[0], i) for i in range(CLIENTS)], source, sha1))
            twos.append(_aggregate(size, [(nodes[i % 2], i // 2) for i in range(CLIENTS)],
                                   source, sha1))
            report(f"  round {number} two-node: one node {ones[-1]:.1f} MB/s, two nodes "
                   f"{twos[-1]:.1f} MB/s ({CLIENTS} clients at once)")
    return TwoNodeFinding(one_node_mb_s=statistics.median(ones),
                          two_nodes_mb_s=statistics.median(twos))


def _aggregate(size: int, plan: list[tuple[ApiTarget, int]], source: Path, sha1: str) -> float:
    """All clients of ``plan`` upload ``source`` at once; the aggregate MB/s."""
    clients = [target.client(index) for target, index in plan]
    for client in clients:
        client.ping()

    def work(client: Client) -> None:
        stored, _ = client.upload(source, f"TwoNode-{secrets.token_hex(6)}.png")
        client.check_stored(stored, sha1, size)

    seconds = run_together([partial(work, client) for client in clients],
                           "two-node upload")
    return len(plan) * size / MB / seconds
