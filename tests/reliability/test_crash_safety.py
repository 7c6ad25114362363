"""Crash safety: a real ``wikiupload serve`` (embedded job worker) is SIGKILLed at random
moments while clients upload, append chunks, assemble, publish, re-upload, delete and run
async jobs. After each kill the server is simply started again (it settles what the kill
left by itself): every acknowledged version must be there with its bytes, open stashes must
resume or fail cleanly, queued jobs finish or report failure, and ``wikiupload check`` may
find only garbage (objects no row needs, stale temp files), which ``--repair`` removes.

``WIKIUPLOAD_CRASH_TRIALS`` (default 5 per database) sets the number of kills,
``WIKIUPLOAD_CRASH_SEED`` replays a run (the seed is printed), and
``WIKIUPLOAD_CRASH_REPORT`` names a file for the figures as JSON.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ADMIN_BOT_PASSWORD, _free_port
from tests.reliability.server_process import ServerProcess, fresh_database, server_environment
from tests.reliability.verify import Figures, settle_jobs, settle_sessions, verify_names
from tests.reliability.workload import Client, Ledger
from tests.support import Accounts, ApiClient
from wikiupload.maintenance.check import Problem, check_repository
from wikiupload.wiki import Wiki

TRIALS = int(os.environ.get("WIKIUPLOAD_CRASH_TRIALS", "5"))
CLIENTS = 3

pytestmark = pytest.mark.server


def _seed() -> int:
    given = os.environ.get("WIKIUPLOAD_CRASH_SEED")
    return int(given) if given else random.SystemRandom().randrange(2**32)


def _run_clients(server: ServerProcess, ledger: Ledger, rng: random.Random,
                 figures: Figures) -> None:
    """Clients work until the server is killed at a random moment."""
    clients = [Client(server.api_url, index, ledger, random.Random(rng.random()))
               for index in range(CLIENTS)]
    for client in clients:
        client.login()
    stop, failures = threading.Event(), figures.failures
    threads = [threading.Thread(target=client.run, args=(stop, failures), daemon=True)
               for client in clients]
    for thread in threads:
        thread.start()
    time.sleep(rng.uniform(0.3, 2.5))
    figures.kills_by_phase.update(client.phase for client in clients)
    stop.set()
    server.kill()
    for thread in threads:
        thread.join(60)
        assert not thread.is_alive(), "a client hung after the kill"
    for client in clients:
        client.close()


def _label(problem: Problem) -> str:
    """``kind table`` for a row's file, ``orphan zone`` for an orphan, else the kind."""
    if problem.table:
        return f"{problem.kind} {problem.table}"
    if problem.kind == "orphan":
        zone = problem.path.partition("/")[0]
        return f"orphan {zone if zone in ('archive', 'deleted', 'temp') else 'public'}"
    return problem.kind


GARBAGE = frozenset({"orphan", "stale-temp", "stale-spool"})


def _check_after_restart(server: ServerProcess, figures: Figures) -> None:
    """Once the restarted server has settled everything: only garbage may be left (no row
    may miss its bytes, no intent may remain); ``--repair`` removes it, then all is clean."""
    wiki = Wiki.open(server.settings, migrate_schema=False)
    try:
        found = check_repository(wiki, min_age=0)
        figures.leftovers.update(_label(problem) for problem in found.problems)
        for problem in found.problems:
            if problem.kind not in GARBAGE:
                figures.failures.append(f"after the restart: {problem}")
        repaired = check_repository(wiki, min_age=0, repair=True)
        figures.repaired += len(repaired.problems) - len(repaired.unrepaired)
        for problem in repaired.unrepaired:
            figures.failures.append(f"not repairable: {problem}")
        again = check_repository(wiki, min_age=0)
        for problem in again.problems:
            figures.failures.append(f"still there after --repair: {problem}")
    finally:
        wiki.close()


def _verify_after_restart(server: ServerProcess, ledger: Ledger, figures: Figures) -> None:
    api = ApiClient(server.api_url)
    try:
        api.login("Admin@bot", ADMIN_BOT_PASSWORD)
        settle_jobs(api, ledger, figures)
        verify_names(api, ledger, figures)
        settle_sessions(api, ledger, figures)
    finally:
        api.close()


def _final_check(server: ServerProcess) -> dict[str, Any]:
    """The command itself, as an operator runs it, on the stopped server's data."""
    done = subprocess.run([sys.executable, "-m", "wikiupload.cli", "check", "--json",
                           "--min-age", "0"], env=server.env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def test_kills_lose_nothing(tmp_path: Path, db_backend: str, request: pytest.FixtureRequest,
                            accounts: Accounts) -> None:
    seed = _seed()
    print(f"\ncrash test: seed {seed} (WIKIUPLOAD_CRASH_SEED={seed} replays it), "
          f"{TRIALS} trial(s) on {db_backend}")
    rng = random.Random(seed)
    data = tmp_path / "data"
    url = fresh_database(db_backend, request, data)
    server = ServerProcess(server_environment(data, _free_port(), url), tmp_path / "server.log")
    server.prepare(accounts)
    ledger, figures = Ledger(), Figures()
    server.start()
    try:
        for _ in range(TRIALS):
            _run_clients(server, ledger, rng, figures)
            server.start()
            _verify_after_restart(server, ledger, figures)
            _check_after_restart(server, figures)
            figures.trials += 1
            assert not figures.failures, f"seed {seed}: {figures.failures}"
    finally:
        server.stop()
    final = _final_check(server)
    summary = {"seed": seed, "database": db_backend, **figures.summary(),
               "final_check": {"checked": final["checked"], "objects": final["objects"]}}
    print(json.dumps(summary, indent=2))
    if report := os.environ.get("WIKIUPLOAD_CRASH_REPORT"):
        with open(report, "a") as out:
            out.write(json.dumps(summary) + "\n")
    assert not figures.failures
    assert final["problem_counts"] == {}
