"""S3Backend against a real S3-compatible store (Swift's s3api; WIKIUPLOAD_TEST_S3_ENDPOINT):
the storage contract, atomic writes, ranged reads pinned to one version, faults."""

from __future__ import annotations

import os
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.storage.faulty_proxy import closed_port, faulty_proxy
from tests.storage.s3_support import backend as make_backend
from tests.storage.s3_support import s3_test_settings

from wikiupload.config import load
from wikiupload.filerepo.backends import (
    AlreadyExists,
    InvalidPath,
    NotFound,
    StorageBackend,
    StorageError,
    StorageUnavailable,
    backend_from_url,
)
from wikiupload.filerepo.backends.base import PresignsUrls
from wikiupload.filerepo.backends.s3 import S3Backend, S3Options, parse_s3_url
from wikiupload.filerepo.repo import FileRepo

MiB = 1024 * 1024


@pytest.fixture(scope="module")
def settings() -> dict[str, Any]:
    found = s3_test_settings()
    if found is None:
        pytest.skip("no S3 store (WIKIUPLOAD_TEST_S3_ENDPOINT)")
    return found


@pytest.fixture
def backend(settings: dict[str, Any], s3_bucket: str) -> S3Backend:
    return make_backend(settings, s3_bucket)


@pytest.fixture
def source(tmp_path: Path) -> Iterator[Any]:
    def make(data: bytes, name: str = "source") -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path
    yield make


def read(backend: StorageBackend, path: str) -> bytes:
    with backend.open(path) as stream:
        return stream.read()


def test_parse_url_and_options_repr() -> None:
    assert parse_s3_url("s3://media/wiki/files/") == ("media", "wiki/files/")
    assert parse_s3_url("s3://media") == ("media", "")
    with pytest.raises(ValueError):
        parse_s3_url("s3:///prefix")
    options = S3Options(endpoint_url="http://x", access_key="AK", secret_key="very-secret")
    assert "very-secret" not in repr(options)


def test_settings_repr_hides_the_secret(tmp_path: Path) -> None:
    settings = load(env={"WIKIUPLOAD_S3_SECRET_KEY": "very-secret"}, data_dir=tmp_path)
    assert settings.s3_secret_key == "very-secret"
    assert "very-secret" not in repr(settings)


def test_settings_page_never_shows_the_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    from wikiupload.cli.settings_doc import markdown

    monkeypatch.setenv("WIKIUPLOAD_S3_SECRET_KEY", "very-secret")
    assert "very-secret" not in markdown()


def test_repository_from_settings(settings: dict[str, Any], s3_bucket: str,
                                  tmp_path: Path) -> None:
    wiki_settings = load(env={}, data_dir=tmp_path, storage_url=f"s3://{s3_bucket}/repo",
                         **settings)
    repo = FileRepo.from_settings(wiki_settings)
    assert isinstance(repo.backend, S3Backend) and isinstance(repo.backend, StorageBackend)
    assert isinstance(repo.backend, PresignsUrls)
    assert repo.backend.prefix == "repo/"
    assert isinstance(backend_from_url(f"s3://{s3_bucket}", tmp_path), S3Backend)


def test_put_read_stat_iter_delete(backend: S3Backend, source: Any) -> None:
    assert not backend.exists("a/ab/File.png")
    backend.put_bytes("a/ab/File.png", b"hello")
    backend.put_file("a/ab/Other.png", source(b"other"))
    assert read(backend, "a/ab/File.png") == b"hello"
    assert backend.stat("a/ab/File.png").size == 5
    assert abs(backend.stat("a/ab/File.png").mtime - time.time()) < 120
    assert list(backend.iter()) == ["a/ab/File.png", "a/ab/Other.png"]
    assert list(backend.iter("a/ab/O")) == ["a/ab/Other.png"]
    backend.delete("a/ab/File.png")
    assert not backend.exists("a/ab/File.png")
    with pytest.raises(NotFound):
        backend.delete("a/ab/File.png")
    backend.delete("a/ab/File.png", missing_ok=True)
    with pytest.raises(NotFound):
        backend.open("a/ab/File.png")
    with pytest.raises(NotFound):
        backend.stat("a/ab/File.png")
    with pytest.raises(InvalidPath):
        backend.put_bytes("../escape", b"x")


def test_put_file_move_consumes_the_source(backend: S3Backend, source: Any) -> None:
    path = source(b"moved")
    backend.put_file("x/moved", path, move=True)
    assert not path.exists() and read(backend, "x/moved") == b"moved"
    with pytest.raises(NotFound):
        backend.put_file("x/missing", path)


def test_overwrite_flags_and_copy_move(backend: S3Backend) -> None:
    backend.put_bytes("one", b"1")
    with pytest.raises(AlreadyExists):
        backend.put_bytes("one", b"2", overwrite=False)
    backend.put_bytes("two", b"2")
    with pytest.raises(AlreadyExists):
        backend.copy("two", "one", overwrite=False)
    backend.copy("two", "three")
    backend.move("three", "four")
    assert not backend.exists("three") and read(backend, "four") == b"2"
    with pytest.raises(NotFound):
        backend.move("three", "five")
    assert read(backend, "one") == b"1"


def test_multipart_put_and_ranged_reads(backend: S3Backend, source: Any) -> None:
    data = os.urandom(9 * MiB + 123)
    backend.transfer.multipart_threshold = 5 * MiB   # this backend: parts from 5 MiB on
    backend.transfer.multipart_chunksize = 5 * MiB
    backend.put_file("big.bin", source(data))
    with backend.open("big.bin") as stream:
        assert stream.seek(0, os.SEEK_END) == len(data)
        stream.seek(6 * MiB)
        assert stream.read(1000) == data[6 * MiB:6 * MiB + 1000]
        stream.seek(10)
        assert stream.read(5) == data[10:15]
        stream.seek(0)
        assert stream.read() == data


def test_large_objects_are_copied_in_parts(backend: S3Backend, source: Any,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Above CopyObject's 5 GiB limit a copy is a multipart copy (limits scaled down)."""
    from wikiupload.filerepo.backends import s3

    monkeypatch.setattr(s3, "MAX_SINGLE_COPY", MiB)
    monkeypatch.setattr(s3, "COPY_PART_SIZE", 5 * MiB)
    data = os.urandom(11 * MiB + 7)
    backend.put_file("large", source(data))
    backend.move("large", "archive/large")
    assert read(backend, "archive/large") == data and not backend.exists("large")
    head = backend.client.head_object(Bucket=backend.bucket, Key=backend.key("archive/large"))
    assert head["ETag"].strip('"').endswith("-3")    # three parts


def test_a_reader_keeps_its_version(backend: S3Backend) -> None:
    backend.put_bytes("v", b"A" * (3 * MiB))
    with backend.open("v") as stream:
        assert stream.read(10) == b"A" * 10
        backend.put_bytes("v", b"B" * (3 * MiB))
        stream.seek(2 * MiB)   # a new GET: refused rather than mixing two versions
        with pytest.raises(StorageError):
            stream.read(10)


def test_presigned_url(backend: S3Backend) -> None:
    backend.put_bytes("p/File.svg", b"<svg/>")
    url = backend.presigned_url("p/File.svg", expires=60, content_type="image/svg+xml")
    with urllib.request.urlopen(url, timeout=10) as answer:
        assert answer.read() == b"<svg/>"
        assert answer.headers["Content-Type"] == "image/svg+xml"


def test_multipart_upload_steps(backend: S3Backend, source: Any) -> None:
    first, second = os.urandom(5 * MiB), b"end"
    upload = backend.start_upload("m/joined")
    parts = [(1, backend.upload_part("m/joined", upload, 1, source(first, "one"))),
             (2, backend.upload_part("m/joined", upload, 2, source(second, "two")))]
    assert not backend.exists("m/joined")       # invisible until completed
    backend.complete_upload("m/joined", upload, parts)
    assert read(backend, "m/joined") == first + second
    assert backend.read_range("m/joined", 5 * MiB, 3) == b"end"
    other = backend.start_upload("m/dropped")
    backend.abort_upload("m/dropped", other)
    backend.abort_upload("m/dropped", other)    # twice: fine
    assert not backend.exists("m/dropped")


def test_stale_multipart_uploads_are_aborted(backend: S3Backend, source: Any) -> None:
    backend.start_upload("temp/a/ab/old-session")
    backend.start_upload("public/kept")
    assert backend.abort_stale_uploads("temp/", older_than=time.time() - 3600) == 0
    assert backend.abort_stale_uploads("temp/", older_than=time.time() + 60) == 1
    listed = backend.client.list_multipart_uploads(Bucket=backend.bucket,
                                                   Prefix=backend.prefix)["Uploads"]
    assert [item["Key"] for item in listed] == [backend.key("public/kept")]


def test_a_put_cut_mid_stream_leaves_nothing(settings: dict[str, Any], s3_bucket: str,
                                             source: Any) -> None:
    data = os.urandom(2 * MiB)
    with faulty_proxy(settings["s3_endpoint_url"]) as proxy:
        proxy.mode, proxy.cut_after = "cut", MiB
        broken = make_backend({**settings, "s3_endpoint_url": proxy.url}, s3_bucket,
                              max_attempts=1)
        with pytest.raises(StorageError):
            broken.put_file("cut/File.bin", source(data))
    direct = make_backend(settings, s3_bucket, prefix=broken.prefix.rstrip("/"))
    assert not direct.exists("cut/File.bin")
    assert list(direct.iter()) == []


def test_an_unavailable_store_is_reported_as_such(settings: dict[str, Any],
                                                  s3_bucket: str) -> None:
    with faulty_proxy(settings["s3_endpoint_url"]) as proxy:
        proxy.mode = "unavailable"
        busy = make_backend({**settings, "s3_endpoint_url": proxy.url}, s3_bucket,
                            max_attempts=2)
        with pytest.raises(StorageUnavailable) as caught:
            busy.put_bytes("x", b"y")
    assert settings["s3_secret_key"] not in str(caught.value)


def test_a_store_that_hangs_times_out(settings: dict[str, Any], s3_bucket: str) -> None:
    with faulty_proxy(settings["s3_endpoint_url"]) as proxy:
        proxy.mode = "silent"
        hanging = make_backend({**settings, "s3_endpoint_url": proxy.url}, s3_bucket,
                               max_attempts=1, read_timeout=1)
        started = time.monotonic()
        with pytest.raises(StorageUnavailable):
            hanging.put_bytes("x", b"y")
        assert time.monotonic() - started < 10


def test_a_closed_port_is_reported_quickly(settings: dict[str, Any], s3_bucket: str) -> None:
    down = make_backend({**settings, "s3_endpoint_url": f"http://127.0.0.1:{closed_port()}"},
                        s3_bucket, max_attempts=1, connect_timeout=2)
    started = time.monotonic()
    with pytest.raises(StorageUnavailable) as caught:
        down.exists("x")
    assert time.monotonic() - started < 10
    assert "did not answer" in str(caught.value)
