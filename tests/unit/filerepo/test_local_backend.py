"""LocalBackend specifics: files on disk, renames, permissions, symlinks, storage URLs.

The behaviour shared with MemoryBackend is in test_backend_contract.py.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from wikiupload.filerepo.backends import (
    InvalidPath,
    LocalBackend,
    MemoryBackend,
    NotFound,
    backend_from_url,
)
from wikiupload.filerepo.backends.base import TEMP_PREFIX
from wikiupload.filerepo.backends.local import SPARE_MAX_BYTES, SPARE_PREFIX, SPARES_PER_DIRECTORY


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "images"


@pytest.fixture
def backend(root: Path) -> LocalBackend:
    return LocalBackend(root)


def test_objects_are_plain_files_under_the_root(backend: LocalBackend, root: Path) -> None:
    backend.put_bytes("a/ab/Example.png", b"png")
    assert (root / "a" / "ab" / "Example.png").read_bytes() == b"png"
    assert backend.local_path("a/ab/Example.png") == root.resolve() / "a/ab/Example.png"


def test_files_are_world_readable(backend: LocalBackend, root: Path, tmp_path: Path) -> None:
    source = tmp_path / "upload"
    source.write_bytes(b"x")
    source.chmod(0o600)  # like a mkstemp spool file
    backend.put_file("a/moved", source, move=True)
    backend.put_bytes("a/written", b"y")
    for name in ("moved", "written"):
        assert stat.S_IMODE((root / "a" / name).stat().st_mode) == 0o644


def test_move_renames_on_the_same_file_system(backend: LocalBackend, root: Path,
                                              tmp_path: Path) -> None:
    source = tmp_path / "upload"
    source.write_bytes(b"data")
    inode = source.stat().st_ino
    backend.put_file("m/file", source, move=True)
    assert (root / "m" / "file").stat().st_ino == inode
    assert not source.exists()


def test_move_across_file_systems_copies(backend: LocalBackend, root: Path, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "upload"
    source.write_bytes(b"far away")
    real_replace = os.replace
    attempts: list[str] = []

    def rename_fails_across_devices(src: str | Path, dst: str | Path) -> None:
        attempts.append(str(src))
        if Path(src) == source:
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", rename_fails_across_devices)
    backend.put_file("x/file", source, move=True)
    assert attempts[0] == str(source) and len(attempts) == 2  # rename, then temp copy
    assert (root / "x" / "file").read_bytes() == b"far away"
    assert not source.exists()
    assert [p.name for p in (root / "x").iterdir()] == ["file"]


def test_symlink_out_of_the_root_is_refused(backend: LocalBackend, root: Path,
                                            tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_bytes(b"secret")
    (root / "a").symlink_to(outside, target_is_directory=True)
    with pytest.raises(InvalidPath):
        backend.open("a/secret")
    with pytest.raises(InvalidPath):
        backend.put_bytes("a/new", b"x")
    assert not (outside / "new").exists()
    assert list(backend.iter()) == []


def test_symlink_inside_the_root_is_followed(backend: LocalBackend, root: Path) -> None:
    backend.put_bytes("real/file", b"x")
    (root / "alias").symlink_to(root / "real", target_is_directory=True)
    assert backend.exists("alias/file")


def test_a_link_at_any_depth_is_followed_only_inside_the_root(
        backend: LocalBackend, root: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret").write_bytes(b"secret")
    backend.put_bytes("a/b/file", b"x")
    (root / "a" / "b" / "out").symlink_to(outside / "secret")       # the object itself
    (root / "a" / "b" / "in").symlink_to(root / "a" / "b" / "file")
    (root / "a" / "deep").symlink_to(outside, target_is_directory=True)
    for escaping in ("a/b/out", "a/deep/secret", "a/deep/new/file"):
        with pytest.raises(InvalidPath):
            backend.local_path(escaping)
    assert backend.open("a/b/in").read() == b"x"
    assert backend.local_path("a/b/missing/x") == root / "a" / "b" / "missing" / "x"
    assert backend.local_path("a/b/file/x") == root / "a" / "b" / "file" / "x"


def test_iter_skips_temp_files(backend: LocalBackend, root: Path) -> None:
    backend.put_bytes("a/ab/File.png", b"x")
    (root / "a" / "ab" / f"{TEMP_PREFIX}abc").write_bytes(b"partial")
    assert list(backend.iter()) == ["a/ab/File.png"]
    with pytest.raises(InvalidPath):
        backend.open(f"a/ab/{TEMP_PREFIX}abc")


def test_iter_enters_only_directories_that_can_hold_the_prefix(
        backend: LocalBackend, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A prefix ending inside a name (``journal/<SHA-1>.``) lists its own directory; the
    other directories beside it, however many, are not walked."""
    backend.put_bytes("journal/abc.1.json", b"1")
    backend.put_bytes("journal/abc/2.json", b"2")        # under the prefix "journal/abc"
    backend.put_bytes("journal/abd.3.json", b"3")
    for other in ("abd", "xyz", "ab"):
        (root / "journal" / other).mkdir(exist_ok=True)
        (root / "journal" / other / "4.json").write_bytes(b"4")
    walked: list[str] = []
    walk = os.walk

    def recording(top: str) -> Iterator[tuple[str, list[str], list[str]]]:
        for entry in walk(top):
            walked.append(Path(entry[0]).relative_to(root).as_posix())
            yield entry

    monkeypatch.setattr(os, "walk", recording)
    assert list(backend.iter("journal/abc.")) == ["journal/abc.1.json"]
    assert walked == ["journal"]
    walked.clear()
    assert list(backend.iter("journal/abc")) == ["journal/abc.1.json", "journal/abc/2.json"]
    assert walked == ["journal", "journal/abc"]
    assert len(list(backend.iter("journal/"))) == 6


def _spares(directory: Path) -> list[Path]:
    return sorted(directory.glob(f"{SPARE_PREFIX}*"))


def test_a_deleted_small_object_is_the_file_of_the_next_one(backend: LocalBackend,
                                                             root: Path) -> None:
    backend.put_bytes("journal/first.json", b"a longer first object")
    inode = (root / "journal" / "first.json").stat().st_ino
    backend.delete("journal/first.json", durable=False)
    assert [spare.stat().st_ino for spare in _spares(root / "journal")] == [inode]
    assert list(backend.iter()) == []
    with pytest.raises(InvalidPath):
        backend.open(f"journal/{_spares(root / 'journal')[0].name}")

    backend.put_bytes("journal/second.json", b"short")
    assert (root / "journal" / "second.json").stat().st_ino == inode
    assert backend.open("journal/second.json").read() == b"short"    # cut to its length
    assert stat.S_IMODE((root / "journal" / "second.json").stat().st_mode) == 0o644
    assert _spares(root / "journal") == []
    backend.put_bytes("journal/third.json", b"new file")             # no spare left
    assert (root / "journal" / "third.json").stat().st_ino != inode


def test_only_small_files_of_one_name_are_kept(backend: LocalBackend, root: Path) -> None:
    backend.put_bytes("a/large", b"x" * (SPARE_MAX_BYTES + 1))
    backend.put_bytes("a/linked", b"x")
    os.link(root / "a" / "linked", root / "a" / "other-name")
    backend.put_bytes("a/durable", b"x")
    backend.delete("a/large", durable=False)
    backend.delete("a/linked", durable=False)
    backend.delete("a/durable")              # a deletion that must last: no spare either
    assert _spares(root / "a") == []
    assert (root / "a" / "other-name").read_bytes() == b"x"


def test_a_spare_is_used_only_in_its_own_directory(backend: LocalBackend, root: Path) -> None:
    backend.put_bytes("a/f", b"1")
    backend.delete("a/f", durable=False)
    backend.put_bytes("b/f", b"2")
    assert len(_spares(root / "a")) == 1
    assert backend.open("b/f").read() == b"2"


def test_spares_are_bounded(backend: LocalBackend, root: Path) -> None:
    for index in range(SPARES_PER_DIRECTORY + 3):
        backend.put_bytes(f"j/{index}", b"x")
    for index in range(SPARES_PER_DIRECTORY + 3):
        backend.delete(f"j/{index}", durable=False)
    assert len(_spares(root / "j")) == SPARES_PER_DIRECTORY
    assert sorted((root / "j").iterdir()) == _spares(root / "j")


def test_a_spare_removed_meanwhile_is_not_missed(backend: LocalBackend, root: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A spare removed by ``check --repair`` before it is opened, or between its write and
    its rename, leaves the object written to a new file."""
    backend.put_bytes("j/a", b"1")
    backend.delete("j/a", durable=False)
    for spare in _spares(root / "j"):
        spare.unlink()
    backend.put_bytes("j/b", b"written afresh")
    assert backend.open("j/b").read() == b"written afresh"

    backend.delete("j/b", durable=False)
    rename = os.replace

    def spare_gone_first(source: Any, target: Any) -> None:
        if Path(source).name.startswith(SPARE_PREFIX):
            Path(source).unlink()
        rename(source, target)

    monkeypatch.setattr(os, "replace", spare_gone_first)
    backend.put_bytes("j/c", b"written afresh again")
    assert backend.open("j/c").read() == b"written afresh again"
    assert _spares(root / "j") == []


def test_files_changed_behind_its_back(backend: LocalBackend, root: Path) -> None:
    backend.put_bytes("a/f", b"x")
    (root / "a" / "f").unlink()
    with pytest.raises(NotFound):
        backend.stat("a/f")
    (root / "a" / "d").mkdir()
    with pytest.raises(NotFound):
        backend.stat("a/d")


def test_root_is_created(tmp_path: Path) -> None:
    LocalBackend(tmp_path / "new" / "root")
    assert (tmp_path / "new" / "root").is_dir()


def test_backend_from_url(tmp_path: Path) -> None:
    default = backend_from_url("", tmp_path / "images")
    assert isinstance(default, LocalBackend)
    assert default.root == (tmp_path / "images").resolve()
    explicit = backend_from_url(f"file://{tmp_path}/files%20here", tmp_path / "unused")
    assert isinstance(explicit, LocalBackend)
    assert explicit.root == (tmp_path / "files here").resolve()
    assert isinstance(backend_from_url("memory://", tmp_path), MemoryBackend)
    for bad in ("file://host/path", "file:relative/path", "s3:///no-bucket", "ftp://x"):
        with pytest.raises(ValueError):
            backend_from_url(bad, tmp_path)
