"""A write that fails midway leaves nothing visible and no temp file; paths cannot escape."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import pytest

from wikiupload.config import load
from wikiupload.filerepo import FileRepo, InvalidPath, LocalBackend
from wikiupload.filerepo.backends import local as local_module

DATA = os.urandom(5 * 1024 * 1024)


class Interrupted(Exception):
    """Stands in for a full disk, a crash of the copy, a cancelled request."""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "images"


@pytest.fixture
def backend(root: Path) -> LocalBackend:
    return LocalBackend(root)


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "upload.bin"
    path.write_bytes(DATA)
    return path


@pytest.fixture
def fail_after_first_megabyte(monkeypatch: pytest.MonkeyPatch) -> None:
    """Copies of more than 1 MiB break off after the first MiB; small ones succeed."""

    def partial_copy(src: BinaryIO, dst: BinaryIO) -> None:
        dst.write(src.read(1024 * 1024))
        if src.read(1):
            raise Interrupted

    monkeypatch.setattr(local_module, "copy_stream", partial_copy)


def all_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


@pytest.mark.usefixtures("fail_after_first_megabyte")
@pytest.mark.parametrize("move", [False, True])
def test_failed_put_file_leaves_nothing(backend: LocalBackend, root: Path, source: Path,
                                        move: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if move:  # force the copy path of a move (source on another file system)
        monkeypatch.setattr(backend, "_rename_into", lambda *args: False)
    with pytest.raises(Interrupted):
        backend.put_file("a/ab/File.bin", source, move=move)
    assert not backend.exists("a/ab/File.bin")
    assert all_files(root) == []
    assert source.read_bytes() == DATA  # a failed move keeps its source


@pytest.mark.usefixtures("fail_after_first_megabyte")
def test_failed_overwrite_keeps_the_old_object(backend: LocalBackend, root: Path,
                                               source: Path) -> None:
    backend.put_bytes("a/ab/File.bin", b"old version")
    with pytest.raises(Interrupted):
        backend.put_file("a/ab/File.bin", source)
    with pytest.raises(Interrupted):
        backend.put_bytes("a/ab/File.bin", DATA)
    with backend.open("a/ab/File.bin") as fh:
        assert fh.read() == b"old version"
    assert all_files(root) == ["a/ab/File.bin"]


def test_failed_copy_leaves_nothing(backend: LocalBackend, root: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    backend.put_bytes("src/object", DATA)
    monkeypatch.setattr(os, "fsync", _failing_fsync)
    with pytest.raises(OSError, match="disk on fire"):
        backend.copy("src/object", "dst/object")
    assert all_files(root) == ["src/object"]


def _failing_fsync(fd: int) -> None:
    raise OSError(5, "disk on fire")


def test_interrupt_by_base_exception_cleans_up(backend: LocalBackend, root: Path,
                                               source: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(src: BinaryIO, dst: BinaryIO) -> None:
        dst.write(b"partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(local_module, "copy_stream", interrupted)
    with pytest.raises(KeyboardInterrupt):
        backend.put_file("a/f", source)
    assert all_files(root) == []


@pytest.mark.usefixtures("fail_after_first_megabyte")
def test_failed_publish_keeps_current_and_drops_the_archive_copy(
        backend: LocalBackend, root: Path, source: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    repo = FileRepo(backend, load(env={}, data_dir=tmp_path))
    backend.put_bytes(repo.public_path("Example.png"), b"version 1")
    when = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    archived: list[bool] = []
    real_put_file = backend.put_file

    def put_file_after_archiving(*args: Any, **kwargs: Any) -> None:
        archived.append(backend.exists("archive/7/70/20240102030405!Example.png"))
        real_put_file(*args, **kwargs)

    monkeypatch.setattr(backend, "put_file", put_file_after_archiving)
    with pytest.raises(Interrupted):
        repo.publish("Example.png", source, timestamp=when, move=False)
    assert archived == [True]
    assert all_files(root) == ["7/70/Example.png"]
    with backend.open("7/70/Example.png") as fh:
        assert fh.read() == b"version 1"


def test_visible_object_is_always_complete(backend: LocalBackend, root: Path,
                                           source: Path, monkeypatch: pytest.MonkeyPatch
                                           ) -> None:
    """While the copy runs, the destination name does not exist yet."""
    seen: list[bool] = []

    def watching_copy(src: BinaryIO, dst: BinaryIO) -> None:
        seen.append(backend.exists("a/f"))
        shutil.copyfileobj(src, dst, 1024 * 1024)
        seen.append(backend.exists("a/f"))

    monkeypatch.setattr(local_module, "copy_stream", watching_copy)
    backend.put_file("a/f", source)
    assert seen == [False, False]
    assert backend.stat("a/f").size == len(DATA)


@pytest.mark.parametrize("path", [
    "../escape", "a/../../escape", "/tmp/escape", "a\\..\\escape", "a\x00", "a/./b",
])
def test_path_traversal_is_rejected(backend: LocalBackend, root: Path, tmp_path: Path,
                                    source: Path, path: str) -> None:
    with pytest.raises(InvalidPath):
        backend.put_file(path, source)
    with pytest.raises(InvalidPath):
        backend.put_bytes(path, b"x")
    assert all_files(root) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["images", "upload.bin"]


def test_repo_refuses_names_that_are_paths(backend: LocalBackend, tmp_path: Path) -> None:
    repo = FileRepo(backend, load(env={}, data_dir=tmp_path))
    for name in ("../x.png", "a/b.png", "..", "a\\b.png", ""):
        with pytest.raises(ValueError):
            repo.public_path(name)
