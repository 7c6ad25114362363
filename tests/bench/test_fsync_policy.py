"""The fsync setting: durable by default, and off it leaves flushing to the OS."""

from __future__ import annotations

import os
import stat
import threading
import time
from pathlib import Path

import pytest

from wikiupload.config import Settings
from wikiupload.filerepo.backends import LocalBackend, NotFound, StorageError
from wikiupload.filerepo.background_sync import BackgroundSync
from wikiupload.filerepo.chunkstore import append_file
from wikiupload.filerepo.intents import Intent, load_intents, write_intent
from wikiupload.filerepo.repo import FileRepo


@pytest.fixture
def fsyncs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What was fsynced: "dir" or "file" for every call."""
    calls: list[str] = []
    real = os.fsync

    def counting(fd: int) -> None:
        calls.append("dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
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
def test_storing_by_rename(tmp_path: Path, fsyncs: list[str], durable: bool) -> None:
    backend = LocalBackend(tmp_path / "store", fsync=durable)
    source = tmp_path / "spooled"
    source.write_bytes(b"data")
    backend.put_file("a/ab/File.png", source, move=True)
    assert backend.local_path("a/ab/File.png").read_bytes() == b"data"
    # at least the file and its directory (and new directories above it) — or nothing
    assert len(fsyncs) >= 2 if durable else fsyncs == []


@pytest.mark.parametrize("durable", [True, False])
def test_appending_a_chunk(tmp_path: Path, fsyncs: list[str], durable: bool) -> None:
    target, chunk = tmp_path / "assembling", tmp_path / "chunk"
    target.write_bytes(b"first ")
    chunk.write_bytes(b"second")
    append_file(target, chunk, sync=durable)
    assert target.read_bytes() == b"first second"
    assert len(fsyncs) == (1 if durable else 0)


def test_a_value_stored_without_durability_is_not_fsynced(tmp_path: Path,
                                                          fsyncs: list[str]) -> None:
    backend = LocalBackend(tmp_path / "store")
    backend.put_bytes("zone/value", b"v1")
    assert len(fsyncs) >= 2          # the file and its directory
    fsyncs.clear()
    backend.put_bytes("zone/value", b"v2", durable=False)
    assert fsyncs == []
    assert backend.local_path("zone/value").read_bytes() == b"v2"
    assert [p.name for p in (tmp_path / "store" / "zone").iterdir()] == ["value"]


def test_only_intents_that_change_stored_objects_are_fsynced(tmp_path: Path,
                                                             fsyncs: list[str]) -> None:
    backend = LocalBackend(tmp_path / "store")
    (tmp_path / "store" / "journal").mkdir()     # as after the first publish
    first = Intent("New.png", "20261205120000", "0" * 31, 10)
    write_intent(backend, first)
    assert fsyncs == []              # a first upload: at worst an unreferenced object
    reupload = Intent("Old.png", "20261205120000", "0" * 31, 10,
                      archive_name="20261205120000!Old.png")
    write_intent(backend, reupload)
    assert len(fsyncs) == 2          # the intent and its directory
    fsyncs.clear()
    from_stash = Intent("Stashed.png", "20261205120000", "0" * 31, 10,
                        moved_from="temp/1/12/20261205120000!key.png")
    write_intent(backend, from_stash)
    assert len(fsyncs) == 2
    # one flat directory: a new name makes none
    journal = tmp_path / "store" / "journal"
    assert all(entry.is_file() for entry in journal.iterdir())
    assert [i.id for i in load_intents(backend, "Old.png")] == [reupload.id]
    assert {i.id for i in load_intents(backend)} == {first.id, reupload.id, from_stash.id}


def _wait_done(sync: BackgroundSync) -> None:
    deadline = time.monotonic() + 30
    while not sync._future.done() and time.monotonic() < deadline:
        time.sleep(0.01)


def test_a_spooled_file_is_synced_ahead_and_not_again(tmp_path: Path,
                                                      fsyncs: list[str]) -> None:
    repo = FileRepo.from_settings(Settings(data_dir=tmp_path))
    source = tmp_path / "spooled"
    source.write_bytes(b"data")
    sync = repo.sync_ahead(source)
    assert sync is not None
    _wait_done(sync)                     # else, not yet started, it would be called off
    assert sync.on_disk()
    assert fsyncs == ["file"]
    fsyncs.clear()
    repo.publish("File.png", source, timestamp="20261205120000", archive=False,
                 source_synced=True)
    assert fsyncs and set(fsyncs) == {"dir"}     # the rename, not the bytes again
    with repo.backend.open(repo.public_path("File.png")) as stored:
        assert stored.read() == b"data"
    off = FileRepo.from_settings(Settings(data_dir=tmp_path, fsync=False))
    assert off.sync_ahead(tmp_path / "other") is None


def test_a_failed_sync_ahead_is_a_storage_error_not_a_second_try(tmp_path: Path) -> None:
    """After a failed fsync a second one may report success for pages that never reached
    the disk: the failure stands."""
    repo = FileRepo.from_settings(Settings(data_dir=tmp_path))
    sync = repo.sync_ahead(tmp_path / "gone")
    assert sync is not None
    _wait_done(sync)
    with pytest.raises(StorageError, match="fsync of gone failed"):
        sync.on_disk()


def test_a_new_directory_is_synced_also_when_the_write_fails(
        tmp_path: Path, fsyncs: list[str]) -> None:
    backend = LocalBackend(tmp_path / "store")
    with pytest.raises(NotFound):
        backend.put_file("a/ab/File.png", tmp_path / "missing", move=True)
    assert (tmp_path / "store" / "a" / "ab").is_dir()
    assert fsyncs.count("dir") >= 2      # the store's root and a/: their new entries


def test_new_directories_are_synced_with_the_object_once_it_is_in_place(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One journal commit can then cover the new directories and the object together."""
    backend = LocalBackend(tmp_path / "store")
    target = backend.local_path("a/ab/File.png")
    synced: list[tuple[str, bool]] = []
    real = os.fsync

    def recording(fd: int) -> None:
        synced.append((os.readlink(f"/proc/self/fd/{fd}"), target.exists()))
        real(fd)

    monkeypatch.setattr(os, "fsync", recording)
    source = tmp_path / "spooled"
    source.write_bytes(b"data")
    backend.put_file("a/ab/File.png", source, move=True, source_synced=True)
    root = backend.root
    assert synced == [(str(root / "a" / "ab"), True), (str(root), True),
                      (str(root / "a"), True)]


def test_a_sync_not_yet_started_is_called_off_for_the_caller_to_do(tmp_path: Path) -> None:
    """With every thread of the pool busy, a small file does not wait in line behind large
    ones while its publish holds the name's lock: the caller syncs it itself."""
    from concurrent.futures import Future

    from wikiupload.filerepo import background_sync

    gate = threading.Event()
    busy: list[Future[None]] = [background_sync._POOL.submit(gate.wait, 10) for _ in range(8)]
    try:
        repo = FileRepo.from_settings(Settings(data_dir=tmp_path))
        source = tmp_path / "spooled"
        source.write_bytes(b"data")
        sync = repo.sync_ahead(source)
        assert sync is not None and sync.on_disk() is False
    finally:
        gate.set()
        for future in busy:
            future.result(10)
