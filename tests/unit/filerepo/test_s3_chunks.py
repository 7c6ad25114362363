"""S3ChunkStore against a real S3-compatible store: parts buffered to 5 MiB whatever the
chunk sizes, requests that never committed (a process killed mid-chunk), retried assembly,
discarded sessions. Runs when WIKIUPLOAD_TEST_S3_ENDPOINT is set."""

from __future__ import annotations

import hashlib
import json
import os
import random
from pathlib import Path
from typing import Any

import pytest
from tests.storage.s3_support import backend as make_backend
from tests.storage.s3_support import s3_test_settings

from wikiupload.filerepo.backends.s3 import S3Backend
from wikiupload.filerepo.chunkstore import ChunkData
from wikiupload.filerepo.s3_chunks import S3ChunkStore

MiB = 1024 * 1024
PATH = "temp/a/ab/20260101000000!key.png"


@pytest.fixture
def backend(s3_bucket: str) -> S3Backend:
    settings = s3_test_settings()
    assert settings is not None
    return make_backend(settings, s3_bucket)


@pytest.fixture
def store(backend: S3Backend, tmp_path: Path) -> S3ChunkStore:
    return S3ChunkStore(backend, tmp_path / "tmp")


class Sender:
    """Sends a byte string chunk by chunk, like the chunk requests of one upload."""

    def __init__(self, store: S3ChunkStore, tmp_path: Path, data: bytes) -> None:
        self.store, self.tmp_path, self.data = store, tmp_path, data
        self.state, self.offset, self.count = "", 0, 0

    def chunk(self, size: int) -> tuple[ChunkData, int]:
        body = self.data[self.offset:self.offset + size]
        self.count += 1
        path = self.tmp_path / f"chunk-{self.count}"
        path.write_bytes(body)
        return ChunkData(path, len(body), hashlib.sha1(body).hexdigest()), self.offset

    def send(self, size: int, *, commit: bool = True) -> str:
        chunk, offset = self.chunk(size)
        if offset == 0:
            state = self.store.begin(PATH, chunk)
        else:
            state = self.store.append(PATH, self.state, chunk, offset)
        if commit:
            self.state, self.offset = state, offset + chunk.size
        return state


def test_any_chunk_sizes_make_valid_parts(store: S3ChunkStore, backend: S3Backend,
                                          tmp_path: Path) -> None:
    data = os.urandom(17 * MiB + 999)
    sender = Sender(store, tmp_path, data)
    sizes = random.Random(7)
    while sender.offset < len(data):
        sender.send(sizes.choice([300_000, MiB, 3 * MiB + 1, 6 * MiB]))
    assert not backend.exists(PATH)                    # nothing visible before the end
    parts = json.loads(sender.state)["parts"]
    assert len(parts) >= 2
    assembled = store.assemble(PATH, sender.state, "key.png")
    assert assembled.sha1 == hashlib.sha1(data).hexdigest()
    assert assembled.path.read_bytes() == data
    with backend.open(PATH) as stream:
        assert stream.read() == data
    store.settle(PATH, assembled.state, "key.png")
    assert list(backend.iter("temp/")) == [PATH] and not assembled.path.exists()


def test_a_chunk_whose_request_never_committed(store: S3ChunkStore, backend: S3Backend,
                                               tmp_path: Path) -> None:
    """A process killed after storing a tail or a part, before its transaction committed:
    the next attempt starts from the recorded state, and the result is still exact."""
    data = os.urandom(12 * MiB)
    sender = Sender(store, tmp_path, data)
    sender.send(3 * MiB)
    sender.send(MiB, commit=False)          # a new tail that the database never recorded
    sender.send(3 * MiB, commit=False)      # a part 1 that the database never recorded
    sender.send(MiB)
    sender.send(4 * MiB)
    sender.send(4 * MiB)
    assert sender.offset == len(data)
    tails = [p for p in backend.iter("temp/") if ".tail-" in p]
    assert tails == [json.loads(sender.state)["tail"]]   # unrecorded tails were dropped
    assembled = store.assemble(PATH, sender.state, "key.png")
    assert assembled.sha1 == hashlib.sha1(data).hexdigest()


def test_assembly_can_be_retried(store: S3ChunkStore, backend: S3Backend,
                                 tmp_path: Path) -> None:
    """A job that completed the upload but died before recording it runs again."""
    data = os.urandom(7 * MiB)
    sender = Sender(store, tmp_path, data)
    sender.send(6 * MiB)
    sender.send(MiB)
    first = store.assemble(PATH, sender.state, "key.png")
    again = store.assemble(PATH, sender.state, "key.png")    # the old state: upload gone
    assert first.sha1 == again.sha1 == hashlib.sha1(data).hexdigest()


def test_small_uploads_need_no_multipart(store: S3ChunkStore, backend: S3Backend,
                                         tmp_path: Path) -> None:
    data = os.urandom(2 * MiB + 5)
    sender = Sender(store, tmp_path, data)
    sender.send(MiB)
    assert store.readable(PATH, sender.state) is not None   # the tail holds everything
    sender.send(2 * MiB)
    assert json.loads(sender.state)["upload"] == ""
    assembled = store.assemble(PATH, sender.state, "key.png")
    assert assembled.path.read_bytes() == data


def test_resend_is_judged_by_the_last_chunk(store: S3ChunkStore, tmp_path: Path) -> None:
    data = os.urandom(2 * MiB)
    sender = Sender(store, tmp_path, data)
    sender.send(MiB)
    sender.send(MiB)
    same = ChunkData(tmp_path / "x", MiB, hashlib.sha1(data[MiB:]).hexdigest())
    other = ChunkData(tmp_path / "y", MiB, hashlib.sha1(b"other").hexdigest())
    assert store.is_resend(PATH, sender.state, same, MiB, 2 * MiB)
    assert not store.is_resend(PATH, sender.state, other, MiB, 2 * MiB)


def test_discard_drops_parts_tails_and_copies(store: S3ChunkStore, backend: S3Backend,
                                              tmp_path: Path) -> None:
    data = os.urandom(8 * MiB)
    sender = Sender(store, tmp_path, data)
    sender.send(6 * MiB)
    sender.send(MiB)
    store.discard(PATH, sender.state, "key.png")
    assert list(backend.iter("temp/")) == []
    uploads: list[Any] = backend.client.list_multipart_uploads(
        Bucket=backend.bucket, Prefix=backend.prefix).get("Uploads", [])
    assert uploads == []
