"""``wikiupload jobs run``: a job worker as its own process (several may run at once)."""

from __future__ import annotations

import argparse
import signal
from typing import Any

from wikiupload.config import Settings
from wikiupload.jobs.worker import Worker
from wikiupload.startup import recover
from wikiupload.wiki import Wiki


def register(commands: Any) -> None:
    jobs = commands.add_parser("jobs", help="run queued jobs (async uploads)")
    sub = jobs.add_subparsers(dest="jobs_command", required=True)
    run_parser: argparse.ArgumentParser = sub.add_parser("run", help="run a job worker")
    run_parser.add_argument("--once", action="store_true",
                            help="run the jobs that are queued now, then exit")
    run_parser.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    wiki = Wiki.open(settings)
    recover(wiki)
    worker = Worker(wiki)
    if args.once:
        count = 0
        while worker.run_once():
            count += 1
        print(f"ran {count} job(s)")
        return 0
    signal.signal(signal.SIGTERM, lambda *_: worker.stop())
    try:
        worker.run_forever()
    except KeyboardInterrupt:
        worker.stop()
    return 0
