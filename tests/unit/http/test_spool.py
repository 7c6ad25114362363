"""SpoolFiles: spool files made ahead (unnamed) and named when a request needs one."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from wikiupload.http import spool as spool_module
from wikiupload.http.spool import READY, SPOOL_PREFIX, SpoolFiles

pytestmark = pytest.mark.skipif(not hasattr(os, "O_TMPFILE"), reason="no unnamed files here")


@pytest.fixture
def spool(tmp_path: Path) -> Iterator[SpoolFiles]:
    files = SpoolFiles(tmp_path / "tmp")
    (tmp_path / "tmp").mkdir()
    yield files
    files.close()


def _wait_ready(spool: SpoolFiles, count: int = READY) -> None:
    """Until the thread has made ``count`` unnamed files (its own lock guards the queue)."""
    deadline = time.monotonic() + 10
    while len(spool._ready) < count:
        assert time.monotonic() < deadline, "the spool files were not made ahead"
        time.sleep(0.005)


def _no_creating(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Make creating a named file fail; returns the calls."""
    calls: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        raise AssertionError("a file was created on the spot")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    return calls


def _new(spool: SpoolFiles) -> Path:
    fd, path = spool.new()
    try:
        os.write(fd, b"body")
    finally:
        os.close(fd)
    return path


def test_a_spool_file_is_a_private_named_file(spool: SpoolFiles) -> None:
    fd, path = spool.new()
    try:
        assert path.parent == spool.directory and path.name.startswith(SPOOL_PREFIX)
        os.write(fd, b"first part")
        assert path.read_bytes() == b"first part"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert path.stat().st_nlink == 1
    finally:
        os.close(fd)


def test_later_files_are_made_ahead_without_a_name(spool: SpoolFiles,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    first = _new(spool)                 # made on the spot; the thread starts making more
    _wait_ready(spool)
    assert list(spool.directory.iterdir()) == [first]      # the ready ones have no name
    calls = _no_creating(monkeypatch)
    named = [_new(spool) for _ in range(READY)]
    assert calls == []
    assert sorted(spool.directory.iterdir()) == sorted([first, *named])
    assert len({path.stat().st_ino for path in [first, *named]}) == READY + 1
    assert all(path.read_bytes() == b"body" for path in named)
    _wait_ready(spool)                  # and made again


def test_the_thread_refills_only_once_half_are_gone(spool: SpoolFiles,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    _new(spool)
    _wait_ready(spool)
    submitted: list[Any] = []           # the refill is asked for, and not run
    monkeypatch.setattr(spool_module._MAKER, "submit", submitted.append)
    asked_after = []
    for _ in range(READY):
        _new(spool)
        asked_after.append(len(submitted))
    # Nothing while more than half are left; then one refill (it is still pending after).
    half = READY - READY // 2
    assert asked_after == [0] * (half - 1) + [1] * (READY - half + 1)


def test_closing_lets_the_ready_files_go(spool: SpoolFiles) -> None:
    _new(spool)
    _wait_ready(spool)
    ready = list(spool._ready)
    spool.close()
    for fd in ready:
        with pytest.raises(OSError):
            os.fstat(fd)
    assert _new(spool).exists()         # still works, on the spot


def test_a_spool_directory_removed_is_made_again(spool: SpoolFiles) -> None:
    _new(spool)
    _wait_ready(spool)
    for entry in spool.directory.iterdir():
        entry.unlink()
    spool.directory.rmdir()
    path = _new(spool)
    assert path.parent == spool.directory and path.read_bytes() == b"body"


def test_without_unnamed_files_each_is_created_on_the_spot(
        spool: SpoolFiles, monkeypatch: pytest.MonkeyPatch) -> None:
    real_open = os.open

    def no_tmpfile(path: Any, flags: int, *args: Any) -> int:
        if flags & os.O_TMPFILE == os.O_TMPFILE:
            raise OSError(errno.EOPNOTSUPP, "not supported")
        return real_open(path, flags, *args)

    monkeypatch.setattr(spool_module.os, "open", no_tmpfile)
    paths = [_new(spool) for _ in range(3)]
    deadline = time.monotonic() + 10
    while spool.ahead:
        assert time.monotonic() < deadline
        time.sleep(0.005)
    paths.append(_new(spool))
    assert sorted(spool.directory.iterdir()) == sorted(paths)
