"""Test helpers: an API client over real HTTP, and the reference accounts."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import requests
from sqlalchemy import Engine, event

DOCREF_TAIL = (" for API usage. Subscribe to the mediawiki-api-announce mailing list at "
               "&lt;https://lists.wikimedia.org/postorius/lists/mediawiki-api-announce.lists"
               ".wikimedia.org/&gt; for notice of API deprecations and breaking changes.")


@contextmanager
def recorded_sql(engine: Engine) -> Iterator[list[str]]:
    """Every statement run on ``engine`` while the block runs (whitespace collapsed), and
    ``COMMIT`` for every commit.

    On SQLite, what the driver ran, with its parameters filled in (the hot statements skip
    SQLAlchemy's events: ``db.driver_path``), except the BEGIN of each transaction;
    elsewhere, what SQLAlchemy sent.
    """
    recorder = _traced if engine.dialect.name == "sqlite" else _listened
    with recorder(engine) as seen:
        yield seen


@contextmanager
def _listened(engine: Engine) -> Iterator[list[str]]:
    """The statements SQLAlchemy sends through the engine during the block."""
    seen: list[str] = []

    def statement(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        seen.append(" ".join(sql.split()))

    def commit(_conn: Any) -> None:
        seen.append("COMMIT")

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)


@contextmanager
def _traced(engine: Engine) -> Iterator[list[str]]:
    """The SQLite statements of every connection taken from the pool during the block."""
    seen: list[str] = []
    traced: list[sqlite3.Connection] = []

    def record(sql: str) -> None:
        if not sql.startswith("BEGIN"):
            seen.append(" ".join(sql.split()))

    def checkout(driver: sqlite3.Connection, _record: Any, _proxy: Any) -> None:
        driver.set_trace_callback(record)
        traced.append(driver)

    event.listen(engine, "checkout", checkout)
    try:
        yield seen
    finally:
        event.remove(engine, "checkout", checkout)
        for driver in traced:
            driver.set_trace_callback(None)


@dataclass(frozen=True)
class Accounts:
    admin_password: str = "AdminPass-2024!"
    uploader_password: str = "UploaderPass-2024!"
    plain_password: str = "PlainPass-2024!"


class ApiClient:
    """A cookie-keeping client for api.php, like the clients people use."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = requests.Session()
        self.http.headers["User-Agent"] = "wikiupload-tests/1.0"
        self.csrf: str | None = None

    def close(self) -> None:
        self.http.close()

    def get(self, **params: Any) -> dict[str, Any]:
        return self.raw("GET", params).json()  # type: ignore[no-any-return]

    def post(self, files: dict[str, Any] | None = None, **params: Any) -> dict[str, Any]:
        return self.raw("POST", params, files=files).json()  # type: ignore[no-any-return]

    def raw(self, method: str, params: dict[str, Any], files: dict[str, Any] | None = None,
            **kwargs: Any) -> requests.Response:
        params = {"format": "json", **params}
        params = {k: v for k, v in params.items() if v is not None}
        if method == "GET":
            return self.http.get(self.url, params=params, timeout=60, **kwargs)
        if files:
            parts = {k: (None, str(v)) for k, v in params.items()}
            parts.update(files)
            return self.http.post(self.url, files=parts, timeout=60, **kwargs)
        return self.http.post(self.url, data=params, timeout=60, **kwargs)

    def upload(self, filename: str, data: bytes, content_type: str = "application/octet-stream",
               **params: Any) -> dict[str, Any]:
        """action=upload with a multipart ``file`` part, as mwclient and pywikibot send it."""
        return self.post(files={"file": (filename, data, content_type)}, action="upload",
                         filename=filename, token=self.csrf, **params)

    def chunk(self, filename: str, data: bytes, offset: int, filesize: int,
              filekey: str | None = None, **params: Any) -> dict[str, Any]:
        """One chunk of a chunked upload (stash=1, as clients send it)."""
        return self.post(files={"chunk": (filename, data, "application/octet-stream")},
                         action="upload", filename=filename, token=self.csrf, stash="1",
                         filesize=filesize, offset=offset, filekey=filekey, **params)

    def chunked(self, filename: str, data: bytes, size: int,
                **params: Any) -> list[dict[str, Any]]:
        """Upload ``data`` in chunks of ``size``; returns every reply."""
        replies, key, offset = [], None, 0
        while offset < len(data) or not replies:
            reply = self.chunk(filename, data[offset:offset + size], offset, len(data), key,
                               **params)
            replies.append(reply)
            upload = reply.get("upload", {})
            key = upload.get("filekey", key)
            if upload.get("result") != "Continue":
                break
            offset = upload["offset"]
        return replies

    def token(self, kind: str = "csrf") -> str:
        reply = self.get(action="query", meta="tokens", type=kind)
        return str(reply["query"]["tokens"][f"{kind}token"])

    def login(self, name: str, password: str) -> dict[str, Any]:
        reply = self.post(action="login", lgname=name, lgpassword=password,
                          lgtoken=self.token("login"))
        if reply.get("login", {}).get("result") != "Success":
            raise AssertionError(f"login of {name} failed: {reply}")
        self.csrf = self.token()
        return reply

    def login_main(self, name: str, password: str) -> dict[str, Any]:
        reply = self.post(action="clientlogin", username=name, password=password,
                          loginreturnurl="http://127.0.0.1/", logintoken=self.token("login"))
        if reply.get("clientlogin", {}).get("status") != "PASS":
            raise AssertionError(f"clientlogin of {name} failed: {reply}")
        self.csrf = self.token()
        return reply


def docref(api_url: str) -> str:
    return f"See {api_url}{DOCREF_TAIL}"


def error_of(api_url: str, code: str, info: str, **extra: Any) -> dict[str, Any]:
    """The bc/fv1 error envelope MediaWiki sends."""
    return {"error": {"code": code, "info": info, **extra, "*": docref(api_url)}}
