"""The StorageBackend contract, run against every backend (LocalBackend, MemoryBackend)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from wikiupload.filerepo.backends import (
    AlreadyExists,
    InvalidPath,
    LocalBackend,
    MemoryBackend,
    NotFound,
    PathConflict,
    StorageBackend,
    StorageError,
)

BIG = os.urandom(3 * 1024 * 1024 + 17)  # more than the copy buffer


@pytest.fixture(params=["local", "memory"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> StorageBackend:
    if request.param == "local":
        return LocalBackend(tmp_path / "store")
    return MemoryBackend()


@pytest.fixture
def make_source(tmp_path: Path) -> Iterator[Callable[[bytes], Path]]:
    counter = iter(range(1_000_000))

    def make(data: bytes) -> Path:
        path = tmp_path / f"source-{next(counter)}"
        path.write_bytes(data)
        return path

    yield make


def read(backend: StorageBackend, path: str) -> bytes:
    with backend.open(path) as fh:
        return fh.read()


def test_is_a_storage_backend(backend: StorageBackend) -> None:
    assert isinstance(backend, StorageBackend)


def test_put_bytes_then_read_stat_exists(backend: StorageBackend) -> None:
    assert not backend.exists("a/ab/File.png")
    backend.put_bytes("a/ab/File.png", b"hello")
    assert backend.exists("a/ab/File.png")
    assert read(backend, "a/ab/File.png") == b"hello"
    stat = backend.stat("a/ab/File.png")
    assert stat.size == 5
    assert stat.mtime > 0


def test_put_file_copies_large_file_and_keeps_source(
        backend: StorageBackend, make_source: Callable[[bytes], Path]) -> None:
    source = make_source(BIG)
    backend.put_file("x/big.bin", source)
    assert read(backend, "x/big.bin") == BIG
    assert backend.stat("x/big.bin").size == len(BIG)
    assert source.read_bytes() == BIG


def test_put_file_move_consumes_source(
        backend: StorageBackend, make_source: Callable[[bytes], Path]) -> None:
    source = make_source(b"moved")
    backend.put_file("m/moved.txt", source, move=True)
    assert read(backend, "m/moved.txt") == b"moved"
    assert not source.exists()


def test_put_file_missing_or_bad_source(backend: StorageBackend, tmp_path: Path) -> None:
    for move in (False, True):
        with pytest.raises(NotFound):
            backend.put_file("a/b", tmp_path / "nope", move=move)
        with pytest.raises(StorageError):
            backend.put_file("a/b", tmp_path, move=move)
    assert not backend.exists("a/b")


def test_overwrite_allowed_by_default(backend: StorageBackend) -> None:
    backend.put_bytes("f", b"one")
    backend.put_bytes("f", b"two")
    assert read(backend, "f") == b"two"


def test_overwrite_false_refuses_and_keeps_original(
        backend: StorageBackend, make_source: Callable[[bytes], Path]) -> None:
    backend.put_bytes("d/f", b"original")
    with pytest.raises(AlreadyExists):
        backend.put_bytes("d/f", b"new", overwrite=False)
    source = make_source(b"new")
    with pytest.raises(AlreadyExists):
        backend.put_file("d/f", source, overwrite=False, move=True)
    assert source.exists()  # a refused move leaves the source alone
    backend.put_bytes("d/g", b"other")
    with pytest.raises(AlreadyExists):
        backend.copy("d/g", "d/f", overwrite=False)
    with pytest.raises(AlreadyExists):
        backend.move("d/g", "d/f", overwrite=False)
    assert read(backend, "d/f") == b"original"
    assert backend.exists("d/g")
    backend.put_bytes("d/h", b"fresh", overwrite=False)
    assert read(backend, "d/h") == b"fresh"


def test_copy(backend: StorageBackend) -> None:
    backend.put_bytes("src/a", BIG)
    backend.copy("src/a", "dst/deep/b")
    assert read(backend, "dst/deep/b") == BIG
    assert read(backend, "src/a") == BIG
    with pytest.raises(NotFound):
        backend.copy("src/missing", "dst/c")
    assert not backend.exists("dst/c")


def test_move(backend: StorageBackend) -> None:
    backend.put_bytes("src/a", b"data")
    backend.move("src/a", "dst/b")
    assert not backend.exists("src/a")
    assert read(backend, "dst/b") == b"data"
    with pytest.raises(NotFound):
        backend.move("src/a", "dst/c")


def test_delete(backend: StorageBackend) -> None:
    backend.put_bytes("a/b", b"x")
    backend.delete("a/b")
    assert not backend.exists("a/b")
    with pytest.raises(NotFound):
        backend.delete("a/b")
    backend.delete("a/b", missing_ok=True)


def test_missing_objects(backend: StorageBackend) -> None:
    for call in (backend.open, backend.stat):
        with pytest.raises(NotFound):
            call("no/such/object")
    assert not backend.exists("no/such/object")


def test_directories_are_not_objects(backend: StorageBackend) -> None:
    backend.put_bytes("dir/file", b"x")
    assert not backend.exists("dir")
    with pytest.raises(NotFound):
        backend.open("dir")
    with pytest.raises(NotFound):
        backend.stat("dir")
    with pytest.raises(NotFound):
        backend.delete("dir")


def test_object_and_directory_conflicts(backend: StorageBackend) -> None:
    backend.put_bytes("obj", b"x")
    with pytest.raises(PathConflict):
        backend.put_bytes("obj/child", b"y")
    backend.put_bytes("dir/child", b"y")
    with pytest.raises(PathConflict):
        backend.put_bytes("dir", b"z")
    assert issubclass(PathConflict, StorageError)


def test_reader_keeps_the_version_it_opened(backend: StorageBackend) -> None:
    backend.put_bytes("f", b"first version")
    with backend.open("f") as reader:
        backend.put_bytes("f", b"second")
        assert reader.read() == b"first version"
    assert read(backend, "f") == b"second"


def test_iter(backend: StorageBackend) -> None:
    for path in ("a/ab/One.png", "a/ab/Two.png", "a/ac/Three.png", "b/bc/Four.png",
                 "archive/a/ab/20240101000000!One.png"):
        backend.put_bytes(path, b"x")
    assert list(backend.iter("a/ab/")) == ["a/ab/One.png", "a/ab/Two.png"]
    assert list(backend.iter("a/")) == ["a/ab/One.png", "a/ab/Two.png", "a/ac/Three.png"]
    assert list(backend.iter("a/ab/T")) == ["a/ab/Two.png"]
    assert list(backend.iter("zzz/")) == []
    assert len(list(backend.iter())) == 5
    assert list(backend.iter("archive/")) == ["archive/a/ab/20240101000000!One.png"]


def test_unicode_and_special_names(backend: StorageBackend) -> None:
    name = "f/f1/Ñame_(1)!%20&+=.png"
    backend.put_bytes(name, b"x")
    assert backend.exists(name)
    assert list(backend.iter("f/f1/")) == [name]


@pytest.mark.parametrize("path", [
    "", "/etc/passwd", "../outside", "a/../../outside", "a/./b", "a//b", "a/", "a\\b",
    "a\x00b", "..", ".", "a/.~tmp-123",
])
def test_bad_paths_are_rejected_everywhere(backend: StorageBackend, path: str,
                                           make_source: Callable[[bytes], Path]) -> None:
    backend.put_bytes("ok", b"x")
    calls: list[Callable[[], object]] = [
        lambda: backend.put_bytes(path, b"x"),
        lambda: backend.put_file(path, make_source(b"x")),
        lambda: backend.open(path),
        lambda: backend.exists(path),
        lambda: backend.stat(path),
        lambda: backend.delete(path),
        lambda: backend.copy("ok", path),
        lambda: backend.copy(path, "ok2"),
        lambda: backend.move(path, "ok2"),
        lambda: backend.move("ok", path),
    ]
    for call in calls:
        with pytest.raises(InvalidPath):
            call()
    assert backend.exists("ok")
    assert list(backend.iter()) == ["ok"]


def test_bad_prefixes_are_rejected(backend: StorageBackend) -> None:
    for prefix in ("../", "/abs", "a/../", "a\\b"):
        with pytest.raises(InvalidPath):
            list(backend.iter(prefix))
