"""The fsync setting: durable by default, and off it leaves flushing to the OS."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from wikiupload.config import Settings
from wikiupload.filerepo.backends import LocalBackend
from wikiupload.filerepo.chunkstore import append_file
from wikiupload.filerepo.repo import FileRepo


@pytest.fixture
def fsyncs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = os.fsync

    def counting(fd: int) -> None:
        calls.append(fd)
        real(fd)

    monkeypatch.setattr(os, "fsync", counting)
    return calls


def test_durable_is_the_default(tmp_path: Path) -> None:
    assert Settings().fsync is True
    repo = FileRepo.from_settings(Settings(data_dir=tmp_path))
    assert isinstance(repo.backend, LocalBackend) and repo.backend.fsync is True
    off = FileRepo.from_settings(Settings(data_dir=tmp_path, fsync=False))
    assert isinstance(off.backend, LocalBackend) and off.backend.fsync is False


@pytest.mark.parametrize("durable", [True, False])
def test_storing_by_rename(tmp_path: Path, fsyncs: list[int], durable: bool) -> None:
    backend = LocalBackend(tmp_path / "store", fsync=durable)
    source = tmp_path / "spooled"
    source.write_bytes(b"data")
    backend.put_file("a/ab/File.png", source, move=True)
    assert backend.local_path("a/ab/File.png").read_bytes() == b"data"
    # at least the file and its directory (and new directories above it) — or nothing
    assert len(fsyncs) >= 2 if durable else fsyncs == []


@pytest.mark.parametrize("durable", [True, False])
def test_appending_a_chunk(tmp_path: Path, fsyncs: list[int], durable: bool) -> None:
    target, chunk = tmp_path / "assembling", tmp_path / "chunk"
    target.write_bytes(b"first ")
    chunk.write_bytes(b"second")
    append_file(target, chunk, sync=durable)
    assert target.read_bytes() == b"first second"
    assert len(fsyncs) == (1 if durable else 0)
