"""Faults of the store and the database during uploads, over the HTTP API, with a real
Swift behind a TCP proxy that answers 503 or cuts requests (tests/storage/faulty_proxy.py):
the request fails with a backend-fail-* error, the upload stays resumable, nothing
published changes, and no credential shows in answers or logs."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from sqlalchemy import select, text

from tests import media_samples as media
from tests.storage.faulty_proxy import FaultyProxy, closed_port, faulty_proxy
from tests.storage.s3_support import s3_test_settings
from tests.storage.test_s3_uploads import big_png
from tests.support import ApiClient
from wikiupload.db.file_models import Image
from wikiupload.startup import recover
from wikiupload.wiki import Wiki

MiB = 1024 * 1024
SECRET_MARK = "s3cr3t-must-not-leak"


@pytest.fixture
def proxy() -> Iterator[FaultyProxy]:
    settings = s3_test_settings()
    assert settings is not None
    with faulty_proxy(settings["s3_endpoint_url"]) as running:
        yield running


def _serve(wiki_factory: Any, app_holder: dict[str, Any], accounts: Any, api_url: str,
           **overrides: Any) -> tuple[Wiki, ApiClient]:
    from tests.conftest import UPLOADER_BOT_PASSWORD, populate

    built: Wiki = wiki_factory(**overrides)
    populate(built, accounts)
    app_holder["app"].state.wiki = built
    client = ApiClient(api_url)
    client.login("Uploader@bot", UPLOADER_BOT_PASSWORD)
    return built, client


def test_unavailable_store_then_retry(proxy: FaultyProxy, wiki_factory: Any,
                                      app_holder: dict[str, Any], accounts: Any,
                                      api_url: str) -> None:
    wiki, client = _serve(wiki_factory, app_holder, accounts, api_url,
                          s3_endpoint_url=proxy.url, s3_max_attempts=1)
    data = media.png("busy", 12, 12)
    proxy.mode = "unavailable"
    failed = client.upload("Busy.png", data)
    assert failed["error"]["code"] == "backend-fail-connect", failed
    with wiki.db() as db:
        assert db.scalars(select(Image)).first() is None
    proxy.mode = "pass"
    assert client.upload("Busy.png", data)["upload"]["result"] == "Success"
    client.close()


def test_chunk_session_survives_a_store_outage(proxy: FaultyProxy, wiki_factory: Any,
                                               app_holder: dict[str, Any], accounts: Any,
                                               api_url: str) -> None:
    wiki, client = _serve(wiki_factory, app_holder, accounts, api_url,
                          s3_endpoint_url=proxy.url, s3_max_attempts=1)
    data = big_png("outage", 8 * MiB)
    third = 3 * MiB
    key = client.chunk("Outage.png", data[:third], 0, len(data))["upload"]["filekey"]
    for mode in ("unavailable", "cut"):      # the part (tail + chunk) cannot be sent
        proxy.mode, proxy.cut_after = mode, MiB
        failed = client.chunk("Outage.png", data[third:2 * third], third, len(data), key)
        assert failed["error"]["code"] == "stashfailed", failed
        proxy.mode = "pass"
        status = client.post(action="upload", checkstatus="1", filekey=key,
                             token=client.csrf)["upload"]
        assert status["offset"] == third
    second = client.chunk("Outage.png", data[third:2 * third], third, len(data), key)
    assert second["upload"]["offset"] == 2 * third
    last = client.chunk("Outage.png", data[2 * third:], 2 * third, len(data), key)["upload"]
    assert last["imageinfo"]["sha1"] == hashlib.sha1(data).hexdigest()
    client.close()


def test_a_failed_reupload_keeps_the_current_version(proxy: FaultyProxy, wiki_factory: Any,
                                                     app_holder: dict[str, Any],
                                                     accounts: Any, api_url: str) -> None:
    wiki, client = _serve(wiki_factory, app_holder, accounts, api_url,
                          s3_endpoint_url=proxy.url, s3_max_attempts=1)
    old, new = media.png("kept", 10, 10), big_png("lost", 2 * MiB)
    url = client.upload("Kept.png", old)["upload"]["imageinfo"]["url"]
    proxy.mode, proxy.cut_after = "cut", MiB // 2
    failed = client.upload("Kept.png", new, ignorewarnings="1")
    assert failed["error"]["code"].startswith("backend-fail-"), failed
    proxy.mode = "pass"
    assert requests.get(url, timeout=30).content == old
    info = client.get(action="query", prop="imageinfo", titles="File:Kept.png",
                      iiprop="sha1", iilimit="10")["query"]["pages"]
    versions = next(iter(info.values()))["imageinfo"]
    assert [v["sha1"] for v in versions] == [hashlib.sha1(old).hexdigest()]
    client.close()


def test_store_down_gives_a_clean_error_without_credentials(
        wiki_factory: Any, app_holder: dict[str, Any], accounts: Any, api_url: str,
        caplog: pytest.LogCaptureFixture) -> None:
    wiki, client = _serve(wiki_factory, app_holder, accounts, api_url,
                          s3_endpoint_url=f"http://127.0.0.1:{closed_port()}",
                          s3_access_key="AKIDLEAKCHECK", s3_secret_key=SECRET_MARK,
                          s3_max_attempts=1, s3_connect_timeout=2)
    caplog.set_level(logging.DEBUG, logger="wikiupload")
    reply = client.raw("POST", {"action": "upload", "filename": "Down.png",
                                "token": client.csrf, "format": "json"},
                       files={"file": ("Down.png", media.png("down"), "image/png")})
    assert reply.json()["error"]["code"] == "backend-fail-connect"
    assert SECRET_MARK not in reply.text and "AKIDLEAKCHECK" not in reply.text
    assert SECRET_MARK not in caplog.text
    assert SECRET_MARK not in repr(wiki.settings) and SECRET_MARK not in repr(wiki.filerepo)
    served = requests.get(f"{wiki.settings.base_url}/images/a/ab/Any.png", timeout=30)
    assert served.status_code in (404, 503)
    assert recover(wiki) == {}      # a server still starts: intents wait for the store
    assert SECRET_MARK not in caplog.text
    client.close()


def test_a_dropped_database_connection_is_survived(wiki: Wiki, uploader: ApiClient) -> None:
    data = big_png("dbdrop", 2 * MiB)
    key = uploader.chunk("Dbdrop.png", data[:MiB], 0, len(data))["upload"]["filekey"]
    with wiki.engine.connect() as conn:   # end every other connection to this database
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    last = uploader.chunk("Dbdrop.png", data[MiB:], MiB, len(data), key)["upload"]
    assert last["imageinfo"]["sha1"] == hashlib.sha1(data).hexdigest()


def test_a_bucket_that_does_not_exist_is_named_as_the_cause(
        wiki_factory: Any, app_holder: dict[str, Any], accounts: Any, api_url: str) -> None:
    """A store without its bucket is a setting to fix, not an outage to wait out: uploads
    fail (backend-fail-internal) and the start of a process stops with the reason."""
    from wikiupload.filerepo.backends import StoreMisconfigured

    wiki, client = _serve(wiki_factory, app_holder, accounts, api_url,
                          storage_url="s3://wikiupload-no-such-bucket/w")
    failed = client.upload("Nowhere.png", media.png("nowhere", 12, 12))
    assert failed["error"]["code"] == "backend-fail-internal", failed
    with pytest.raises(StoreMisconfigured, match="NoSuchBucket .the bucket must be created"):
        recover(wiki)
    client.close()
