"""Engine settings that the rest relies on."""

from __future__ import annotations

from pathlib import Path

from wikiupload.db.engine import make_engine


def test_sqlite_reuses_the_connection_returned_last(tmp_path: Path) -> None:
    """A request runs on the connection of the request before it, whose page cache the
    last write left valid, not on the longest idle one."""
    engine = make_engine(f"sqlite:///{tmp_path / 'wiki.sqlite'}")
    try:
        first, second = engine.connect(), engine.connect()
        first_dbapi = first.connection.dbapi_connection
        second_dbapi = second.connection.dbapi_connection
        first.close()
        second.close()
        with engine.connect() as again:
            assert again.connection.dbapi_connection is second_dbapi
        with engine.connect() as again, engine.connect() as other:
            assert again.connection.dbapi_connection is second_dbapi
            assert other.connection.dbapi_connection is first_dbapi
    finally:
        engine.dispose()
