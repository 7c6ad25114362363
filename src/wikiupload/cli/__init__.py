"""The ``wikiupload`` command: serve, user, botpassword, db."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from wikiupload.cli import (
    accounts,
    check,
    import_files,
    jobs,
    serve,
    settings_doc,
    stash,
    upload,
)
from wikiupload.config import Settings, load
from wikiupload.filerepo.backends import StoreMisconfigured


def settings_from(args: argparse.Namespace) -> Settings:
    """Settings from --config / environment, with command-line flags on top."""
    overrides = {
        "data_dir": getattr(args, "data", None),
        "host": getattr(args, "host", None),
        "port": getattr(args, "port", None),
    }
    return load(args.config, **{k: v for k, v in overrides.items() if v is not None})


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wikiupload",
        description="A media upload server that speaks the MediaWiki Action API.")
    parser.add_argument("--config", type=Path, help="TOML settings file (or WIKIUPLOAD_CONFIG)")
    parser.add_argument("--data", type=Path, help="data directory (or WIKIUPLOAD_DATA_DIR)")
    commands = parser.add_subparsers(dest="command", required=True)
    serve.register(commands)
    accounts.register(commands)
    settings_doc.register(commands)
    jobs.register(commands)
    stash.register(commands)
    check.register(commands)
    upload.register(commands)
    import_files.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args, settings_from(args)))
    except (ValueError, FileNotFoundError, StoreMisconfigured) as exc:
        print(f"wikiupload: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
