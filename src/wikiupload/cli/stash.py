"""``wikiupload stash cleanup``: remove expired stash entries and other stale upload state."""

from __future__ import annotations

import argparse
from typing import Any

from wikiupload.config import Settings
from wikiupload.upload.cleanup import cleanup
from wikiupload.wiki import Wiki


def register(commands: Any) -> None:
    stash = commands.add_parser("stash", help="manage the upload stash")
    sub = stash.add_subparsers(dest="stash_command", required=True)
    cleanup_parser: argparse.ArgumentParser = sub.add_parser(
        "cleanup", help="remove expired stash entries (older than upload_stash_max_age) and "
                        "their files, abandoned chunked uploads, expired upload status "
                        "records and finished jobs older than a day")
    cleanup_parser.set_defaults(run=run_cleanup)


def run_cleanup(args: argparse.Namespace, settings: Settings) -> int:
    wiki = Wiki.open(settings)
    try:
        report = cleanup(wiki)
    finally:
        wiki.close()
    print(f"removed {report.stashed_files} stashed file(s), "
          f"{report.chunk_sessions} abandoned chunked upload(s), "
          f"{report.orphaned_objects} unreferenced temporary object(s), "
          f"{report.upload_statuses} upload status record(s), {report.jobs} old job(s), "
          f"{report.multipart_uploads} unfinished multipart upload(s), "
          f"{report.limit_records} expired rate-limit record(s)")
    return 0
