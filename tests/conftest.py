"""Fixtures: a real uvicorn server on 127.0.0.1, a fresh wiki per test, and API clients.

One server runs for the whole session; each test gets its own ``Wiki`` (fresh database and
data directory) swapped into the running application. The database backends to run are
listed in ``WIKIUPLOAD_TEST_DATABASES`` (``sqlite`` by default; ``sqlite,postgresql`` in CI,
with ``WIKIUPLOAD_TEST_POSTGRES_URL``).
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hypothesis  # noqa: F401  (see below)
import pytest
import uvicorn
from sqlalchemy import make_url, text

import wikiupload.db.archive_models  # noqa: F401
import wikiupload.db.file_models  # noqa: F401  (registers the file tables)
import wikiupload.db.limit_models  # noqa: F401
import wikiupload.db.stash_models  # noqa: F401
import wikiupload.db.watch_models  # noqa: F401
from wikiupload.app import create_app
from wikiupload.auth.passwords import hash_password
from wikiupload.auth.users import create_user
from wikiupload.config import Settings, load
from wikiupload.db.engine import make_engine, migrate
from wikiupload.db.models import Base, BotPassword
from wikiupload.wiki import Wiki

from .storage.s3_support import create_bucket, drop_bucket, s3_test_settings
from .support import Accounts, ApiClient

# hypothesis is imported above, at the start of the run: pytest parses the modules of its
# plugin when they are first imported, and Python 3.11 before 3.11.5 (Debian 12 has 3.11.2)
# can fail to parse from deep in a stack ("SystemError: AST constructor recursion depth
# mismatch"), as at the end of a run that collected no hypothesis test.

DEFAULT_PG_URL = "postgresql+psycopg://wikiupload:wikiupload@127.0.0.1:5432/wikiupload_test"
UPLOADER_BOT_PASSWORD = "uploaderbotsecret0123456789abcde"
ADMIN_BOT_PASSWORD = "adminbotsecret0123456789abcdefgh"

# The reference wiki's settings (see docs/testing.md): uploads of these types, plain users
# without the upload right, an "uploader" group that has it.
REFERENCE_CONFIG: dict[str, Any] = {
    "sitename": "RefWiki",
    "file_extensions": ["png", "gif", "jpg", "jpeg", "webp", "svg", "pdf", "txt", "ogg"],
    "max_upload_size": 5 * 1024**3 + 1024**2,
    "allow_copy_uploads": True,
    "enable_async_uploads": True,
    "refuse_oversized_filesize": False,   # MediaWiki clamps filesize with a warning
    "group_permissions": {
        "user": {"upload": False, "reupload": False, "reupload-shared": False},
        "uploader": {"upload": True, "reupload": True, "reupload-own": True,
                     "reupload-shared": True, "upload_by_url": True},
        "sysop": {"upload_by_url": True},
    },
}


def _databases() -> list[str]:
    return [d.strip() for d in os.environ.get("WIKIUPLOAD_TEST_DATABASES", "sqlite").split(",")
            if d.strip()]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Server:
    def __init__(self, app: Any, port: int) -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("test server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(5)


@pytest.fixture(scope="session")
def port() -> int:
    return _free_port()


@pytest.fixture(scope="session")
def template_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database, copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "wiki.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh database for this test session, created next to the configured one.

    Each run gets its own database, so concurrent runs on one server never collide.
    """
    base = make_url(os.environ.get("WIKIUPLOAD_TEST_POSTGRES_URL", DEFAULT_PG_URL))
    name = f"{base.database}_{os.getpid()}_{secrets.token_hex(3)}"
    admin = make_engine(base.render_as_string(hide_password=False))
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # pragma: no cover - environment problem
        pytest.fail(f"PostgreSQL at {base} is not usable: {exc}")
    url = base.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    yield url
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def app_holder(port: int) -> Iterator[dict[str, Any]]:
    holder: dict[str, Any] = {}
    settings = load(env={}, data_dir=Path("/nonexistent"), port=port)
    app = create_app(settings, wiki=_NullWiki(settings))  # type: ignore[arg-type]
    server = _Server(app, port)
    server.start()
    holder["app"] = app
    yield holder
    server.stop()


class _NullWiki:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def close(self) -> None:
        pass


def make_settings(tmp_path: Path, port: int, **overrides: Any) -> Settings:
    values = {**REFERENCE_CONFIG, **overrides}
    return load(env={}, data_dir=tmp_path / "data", port=port, **values)


# Test files that also run on PostgreSQL + an S3 store ("postgresql+s3") when
# WIKIUPLOAD_TEST_S3_ENDPOINT is set (scripts/test starts Swift for them).
S3_TEST_MODULES = frozenset({
    "test_upload_file", "test_upload_chunks", "test_upload_async", "test_upload_url",
    "test_delete", "test_filerevert", "test_undelete", "test_imageinfo", "test_stash_serving",
    "test_s3_uploads", "test_s3_faults", "test_check_store", "test_publish_intents",
})
S3_ONLY_MODULES = frozenset({"test_s3_uploads", "test_s3_faults"})


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_backend" not in metafunc.fixturenames:
        return
    backends = _databases()
    module = metafunc.module.__name__.rpartition(".")[2]
    if module in S3_ONLY_MODULES:
        backends = []
    if s3_test_settings() is not None and module in S3_TEST_MODULES:
        backends = [*backends, "postgresql+s3"]
    metafunc.parametrize("db_backend", backends, indirect=True)


@pytest.fixture
def db_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def s3_bucket() -> Iterator[str]:
    """One bucket for the test session (each test uses its own prefix in it)."""
    settings = s3_test_settings()
    if settings is None:
        pytest.skip("no S3 store (WIKIUPLOAD_TEST_S3_ENDPOINT)")
    name = create_bucket(settings)
    yield name
    drop_bucket(settings, name)


@pytest.fixture
def wiki_factory(tmp_path: Path, port: int, db_backend: str, template_sqlite: Path,
                 request: pytest.FixtureRequest) -> Iterator[Any]:
    """Build a wiki with given setting overrides; the first one built is also served."""
    built: list[Wiki] = []

    def build(**overrides: Any) -> Wiki:
        data = tmp_path / f"data{len(built)}"
        data.mkdir()
        if db_backend.startswith("postgresql"):
            url = request.getfixturevalue("postgres_url")
            overrides.setdefault("database_url", url)
        if db_backend == "postgresql+s3":
            bucket = request.getfixturevalue("s3_bucket")
            overrides = {**(s3_test_settings() or {}), **overrides}
            overrides.setdefault("storage_url",
                                 f"s3://{bucket}/{secrets.token_hex(6)}-{len(built)}")
        else:
            shutil.copy(template_sqlite, data / "wiki.sqlite")
        settings = load(env={}, **{**REFERENCE_CONFIG, "data_dir": data, "port": port,
                                   **overrides})
        wiki = Wiki.open(settings, migrate_schema=False)
        if db_backend.startswith("postgresql"):
            _truncate_all(wiki)
        built.append(wiki)
        return wiki

    yield build
    for wiki in built:
        wiki.close()


def _truncate_all(wiki: Wiki) -> None:
    """Empty every table and restart the ids, in one round trip (DELETE is faster than
    TRUNCATE on tables this small)."""
    tables = list(reversed(Base.metadata.sorted_tables))
    statements = [f'DELETE FROM "{t.name}"' for t in tables]
    statements += [f"SELECT setval(pg_get_serial_sequence('\"{t.name}\"', '{c.name}'), 1, false)"
                   for t in tables for c in t.primary_key.columns if c.autoincrement is True]
    with wiki.engine.begin() as conn:
        conn.exec_driver_sql("; ".join(statements))


@pytest.fixture
def accounts() -> Accounts:
    return Accounts()


@functools.cache
def _hashed(password: str) -> str:
    """Hash each test password once per session (scrypt is deliberately slow)."""
    return hash_password(password)


def populate(wiki: Wiki, accounts: Accounts) -> None:
    """The reference wiki's accounts: Admin, Uploader (with bot passwords) and Plain."""
    with wiki.db() as db:
        admin = create_user(db, "Admin", "", ["sysop", "bureaucrat", "uploader"])
        uploader = create_user(db, "Uploader", "", ["uploader"])
        plain = create_user(db, "Plain", "", [])
        for user, password in ((admin, accounts.admin_password),
                               (uploader, accounts.uploader_password),
                               (plain, accounts.plain_password)):
            user.password = _hashed(password)
        bots = (
            (uploader, UPLOADER_BOT_PASSWORD, UPLOADER_GRANTS),
            (admin, ADMIN_BOT_PASSWORD, [*UPLOADER_GRANTS, "delete", "editprotected",
                                         "protect", "patrol", "rollback"]),
        )
        for user, password, grants in bots:
            db.add(BotPassword(user_id=user.id, app_id="bot", password=_hashed(password),
                               grants=json.dumps(sorted(grants))))
        db.commit()


UPLOADER_GRANTS = ["basic", "highvolume", "editpage", "createeditmovepage", "uploadfile",
                   "uploadeditmovefile"]


@pytest.fixture
def wiki(wiki_factory: Any, app_holder: dict[str, Any], accounts: Accounts) -> Wiki:
    """A fresh wiki with the reference accounts, served by the running test server."""
    built: Wiki = wiki_factory()
    populate(built, accounts)
    app_holder["app"].state.wiki = built
    return built


@pytest.fixture
def api_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/api.php"


@pytest.fixture
def anon(wiki: Wiki, api_url: str) -> Iterator[ApiClient]:
    client = ApiClient(api_url)
    yield client
    client.close()


@pytest.fixture
def uploader(wiki: Wiki, api_url: str) -> Iterator[ApiClient]:
    """Logged in as Uploader@bot, like the reference transcripts' "uploader"."""
    client = ApiClient(api_url)
    client.login("Uploader@bot", UPLOADER_BOT_PASSWORD)
    yield client
    client.close()


@pytest.fixture
def admin(wiki: Wiki, api_url: str) -> Iterator[ApiClient]:
    client = ApiClient(api_url)
    client.login("Admin@bot", ADMIN_BOT_PASSWORD)
    yield client
    client.close()


@pytest.fixture
def plain(wiki: Wiki, api_url: str, accounts: Accounts) -> Iterator[ApiClient]:
    client = ApiClient(api_url)
    client.login_main("Plain", accounts.plain_password)
    yield client
    client.close()


@pytest.fixture
def job_worker(wiki: Wiki) -> Iterator[Any]:
    """A job worker thread for the test's wiki (what ``serve`` embeds)."""
    from wikiupload.jobs.worker import Worker

    worker = Worker(wiki, poll_interval=60)   # woken by the jobs its wiki commits
    thread = worker.start_thread()
    yield worker
    worker.stop()
    thread.join(10)
