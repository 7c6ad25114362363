"""``wikiupload serve``: migrate the schema, make the first administrator, run the server."""

from __future__ import annotations

import argparse
import importlib.util
import secrets
from pathlib import Path
from typing import Any

import uvicorn
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as DbSession

from wikiupload.app import create_app
from wikiupload.auth.users import create_user, find_user
from wikiupload.config import Settings
from wikiupload.db.models import User
from wikiupload.http.guard import guarded_protocol
from wikiupload.jobs.worker import Worker
from wikiupload.startup import recover
from wikiupload.wiki import Wiki

FIRST_ADMIN = "Admin"
FIRST_ADMIN_GROUPS = ["sysop", "bureaucrat", "interface-admin"]


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "serve", help="run the server (creates or migrates the schema first)")
    parser.add_argument("--data", type=Path, help="data directory")
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (default 8080)")
    parser.add_argument("--config", type=Path, help="TOML settings file")
    parser.set_defaults(run=run)


def _has_users(db: DbSession) -> bool:
    return bool(db.scalar(select(func.count()).select_from(User)))


def ensure_first_admin(wiki: Wiki) -> str | None:
    """On a wiki without users, create the administrator; returns its password once."""
    with wiki.db() as db:
        if _has_users(db):
            return None
        password = secrets.token_urlsafe(18)
        try:
            create_user(db, FIRST_ADMIN, password, FIRST_ADMIN_GROUPS)
            db.commit()
        except (IntegrityError, ValueError):
            # Another process starting at the same time made it first: its insert fails on
            # the unique name, or (PostgreSQL) its commit came after the count above and
            # before create_user looked for the name.
            db.rollback()
            if find_user(db, FIRST_ADMIN) is None:
                raise
            return None
        return password


def server_loop_options() -> tuple[str, str]:
    """uvloop's event loop and the httptools (llhttp) HTTP parser: both C, both dependencies.

    Against the pure-Python defaults (asyncio's loop, h11) they cut the server's CPU per
    received byte by about a sixth (docs/performance.md). Returns uvicorn's (loop, http)
    options; where either cannot be imported, uvicorn's choice ("auto").
    """
    loop = "uvloop" if importlib.util.find_spec("uvloop") is not None else "auto"
    http = "httptools" if importlib.util.find_spec("httptools") is not None else "auto"
    return loop, http


def run(args: argparse.Namespace, settings: Settings) -> int:
    wiki = Wiki.open(settings)
    password = ensure_first_admin(wiki)
    if password is not None:     # before anything else can stop the start
        print(f"Created the administrator account: user {FIRST_ADMIN!r}, password {password!r}")
        print("This password is shown only once; keep it somewhere safe.", flush=True)
    recover(wiki)
    print(f"wikiupload serving {settings.base_url}{settings.script_path}/api.php "
          f"(data in {settings.data_dir.resolve()})", flush=True)
    worker = Worker(wiki) if settings.embedded_job_worker else None
    if worker is not None:
        worker.start_thread()
    loop, http = server_loop_options()
    try:
        protocol = guarded_protocol(http, settings.header_timeout, settings.max_header_bytes)
        uvicorn.run(create_app(settings, wiki), host=settings.host, port=settings.port,
                    log_level="info", proxy_headers=True, loop=loop, http=protocol,
                    access_log=settings.access_log,
                    h11_max_incomplete_event_size=settings.max_header_bytes)
    finally:
        if worker is not None:
            worker.stop()
    return 0
