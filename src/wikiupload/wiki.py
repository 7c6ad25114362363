"""Wiki: the services one server process shares between requests (settings, database)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from wikiupload.config import Settings
from wikiupload.db.engine import make_engine, make_sessionmaker, migrate
from wikiupload.filerepo.repo import FileRepo
from wikiupload.http.spool import SpoolFiles
from wikiupload.web.request_lane import RequestLane


@dataclass
class Wiki:
    settings: Settings
    engine: Engine
    sessionmaker: sessionmaker[Session]
    secret_key: str = field(default="")

    @classmethod
    def open(cls, settings: Settings, *, migrate_schema: bool = True) -> Wiki:
        """Connect to the database (creating the data directory) and migrate the schema."""
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = make_engine(settings.resolved_database_url)
        if migrate_schema:
            migrate(engine)
        return cls(settings, engine, make_sessionmaker(engine),
                   settings.secret_key or _stored_secret(settings.data_dir))

    @contextmanager
    def db(self) -> Iterator[Session]:
        with self.sessionmaker() as session:
            yield session

    @cached_property
    def filerepo(self) -> FileRepo:
        return FileRepo.from_settings(self.settings)

    @property
    def session_cookie_name(self) -> str:
        return f"{self.settings.cookie_prefix}_session"

    @property
    def temp_dir(self) -> Path:
        path = self.settings.data_dir / "tmp"
        path.mkdir(parents=True, exist_ok=True)
        return path

    @cached_property
    def spool_files(self) -> SpoolFiles:
        """Where request bodies' file parts are spooled (``temp_dir``)."""
        return SpoolFiles(self.temp_dir)

    @cached_property
    def request_lane(self) -> RequestLane:
        """The thread that API requests holding SQLite's write lock take turns on."""
        return RequestLane(self.engine.dialect.name == "sqlite",
                           int(self.settings.upload_slot_min_size))

    def close(self) -> None:
        if "spool_files" in self.__dict__:
            self.spool_files.close()
        self.engine.dispose()


def _stored_secret(data_dir: Path) -> str:
    """A per-installation secret kept in the data directory (created on first use)."""
    path = data_dir / "secret.key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
