"""``wikiupload check``: verify every stored file against the database (and repair).

Exit status: 0 nothing found; 1 problems found and all repaired (``--repair``); 4 problems
remain (found without ``--repair``, or not repairable).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from wikiupload.config import Settings
from wikiupload.maintenance.check import DEFAULT_MIN_AGE, CheckReport, check_repository
from wikiupload.wiki import Wiki

EXIT_CLEAN = 0
EXIT_REPAIRED = 1
EXIT_PROBLEMS = 4


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "check", help="verify every stored file (current, old, deleted, stashed) against the "
                      "database: presence, size, SHA-1; list orphans and stale temp files")
    parser.add_argument("--repair", action="store_true",
                        help="restore damaged or missing files from stored copies with the "
                             "recorded SHA-1, remove orphans and stale temp files older than "
                             "--min-age (never a file a row points to)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--min-age", type=float, default=DEFAULT_MIN_AGE, metavar="SECONDS",
                        help="orphans and temp files younger than this may belong to a write "
                             f"in progress and are left alone (default {DEFAULT_MIN_AGE:g}; "
                             "0 is safe only while no server or job worker runs)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.min_age < 0:
        raise ValueError("--min-age must not be negative")
    wiki = Wiki.open(settings)
    try:
        report = check_repository(wiki, min_age=args.min_age, repair=args.repair)
    finally:
        wiki.close()
    if args.json:
        print(json.dumps(report.to_json(), indent=2, sort_keys=True))
    else:
        _print_text(report)
    if not report.problems:
        return EXIT_CLEAN
    return EXIT_PROBLEMS if report.unrepaired else EXIT_REPAIRED


def _print_text(report: CheckReport) -> None:
    checked = ", ".join(f"{count} {table}" for table, count in report.checked.items())
    print(f"checked {checked}; {report.objects} stored object(s)")
    for problem in report.problems:
        owner = f" ({problem.table} {problem.name})" if problem.table else ""
        outcome = f" -> {problem.action}" if problem.action else ""
        print(f"{problem.kind}: {problem.path}{owner}: {problem.detail}{outcome}")
    if report.recent_orphans:
        print(f"{report.recent_orphans} unreferenced object(s) younger than --min-age left "
              "alone (writes in progress?)")
    counts = report.counts()
    summary = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())) or "no problems"
    repaired = len(report.problems) - len(report.unrepaired)
    print(f"{summary}" + (f"; {repaired} repaired" if repaired else ""))
