"""Properties that make uploads fast, checked without timing anything.

- Publishing a stashed file renames it into place: the published file is the very inode
  that was stashed (no copy of the bytes).
- A chunked upload grows one file: the first chunk's spool file is renamed into the stash,
  every later chunk is appended to it, and the published file is still that inode.
- Appending a chunk never reads the chunks before it (no re-hashing, no copying of what is
  already there).
- A chunk's spool file is deleted in the request's worker thread, not on the event loop;
  a chunk written straight to its upload's file has none, and leaves the page cache once
  it is on disk.
- The publish intents of a stream of uploads are written into one file, over and over: no
  file is created or deleted for them.
- A request's spool file was made ahead, by another thread: the event loop only names it.
"""

from __future__ import annotations

import asyncio
import builtins
import io
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests import media_samples as media
from tests.support import ApiClient

from wikiupload.db.stash_models import StashedFile
from wikiupload.filerepo.backends import LocalBackend
from wikiupload.filerepo.backends.local import SPARE_PREFIX
from wikiupload.filerepo.intents import JOURNAL_ZONE
from wikiupload.filerepo.repo import FileRepo
from wikiupload.http.form import UploadedFile
from wikiupload.web import api_endpoint
from wikiupload.wiki import Wiki


@pytest.fixture
def local_repo(wiki: Wiki) -> FileRepo:
    repo = wiki.filerepo
    if not isinstance(repo.backend, LocalBackend):
        pytest.skip("the rename properties are those of local storage")
    return repo


def _local(repo: FileRepo, path: str) -> Path:
    assert isinstance(repo.backend, LocalBackend)
    return repo.backend.local_path(path)


def _stashed_path(wiki: Wiki, repo: FileRepo, key: str) -> Path:
    with wiki.db() as db:
        row = db.scalars(select(StashedFile).where(StashedFile.key == key)).one()
        return _local(repo, row.path)


def _published_path(repo: FileRepo, name: str) -> Path:
    return _local(repo, repo.public_path(name))


def _publish(client: ApiClient, name: str, key: str) -> None:
    done = client.post(action="upload", filename=name, filekey=key, ignorewarnings="1",
                       token=client.csrf)
    assert done["upload"]["result"] == "Success", done


def test_publishing_a_stashed_file_is_a_rename(uploader: ApiClient, wiki: Wiki,
                                               local_repo: FileRepo) -> None:
    data = media.png("rename", 48, 32)
    stashed = uploader.upload("Renamed.png", data, "image/png", stash="1")["upload"]
    before = _stashed_path(wiki, local_repo, stashed["filekey"]).stat()
    _publish(uploader, "Renamed.png", stashed["filekey"])
    after = _published_path(local_repo, "Renamed.png").stat()
    assert (after.st_dev, after.st_ino) == (before.st_dev, before.st_ino)
    assert after.st_size == len(data)


def test_a_chunked_upload_grows_and_publishes_one_inode(uploader: ApiClient, wiki: Wiki,
                                                        local_repo: FileRepo) -> None:
    data = media.png("one-inode", 64, 40)
    third = len(data) // 3 + 1
    first = uploader.chunk("OneInode.png", data[:third], 0, len(data))["upload"]
    started = _stashed_path(wiki, local_repo, first["filekey"]).stat()
    for offset in (third, 2 * third):
        last = uploader.chunk("OneInode.png", data[offset:offset + third], offset, len(data),
                              first["filekey"])["upload"]
    assert last["result"] == "Success", last
    assembled = _stashed_path(wiki, local_repo, last["filekey"]).stat()
    _publish(uploader, "OneInode.png", last["filekey"])
    published = _published_path(local_repo, "OneInode.png").stat()
    assert started.st_ino == assembled.st_ino == published.st_ino
    assert published.st_size == len(data)


class _ReadSpy:
    """Wraps builtins.open/io.open: records the bytes read from one watched path."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.watched: Path | None = None
        self.bytes_read = 0
        self.opened_modes: list[str] = []

    def __call__(self, file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        handle = self.real(file, mode, *args, **kwargs)
        if self.watched is None or isinstance(file, int):
            return handle
        if Path(os.fsdecode(file)).resolve() != self.watched:
            return handle
        self.opened_modes.append(mode)
        return _CountingFile(handle, self)


class _CountingFile:
    def __init__(self, handle: Any, spy: _ReadSpy) -> None:
        self._handle = handle
        self._spy = spy

    def __enter__(self) -> _CountingFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handle, name)

    def read(self, *args: Any) -> Any:
        return self._count(self._handle.read(*args))

    def read1(self, *args: Any) -> Any:
        return self._count(self._handle.read1(*args))

    def readinto(self, buffer: Any) -> Any:
        count = self._handle.readinto(buffer)
        self._spy.bytes_read += count or 0
        return count

    def _count(self, data: bytes) -> bytes:
        self._spy.bytes_read += len(data)
        return data


@pytest.fixture
def read_spy(monkeypatch: pytest.MonkeyPatch) -> Iterator[_ReadSpy]:
    spy = _ReadSpy(builtins.open)
    monkeypatch.setattr(builtins, "open", spy)
    monkeypatch.setattr(io, "open", spy)
    yield spy


def test_appending_a_chunk_never_reads_the_earlier_ones(uploader: ApiClient, wiki: Wiki,
                                                        local_repo: FileRepo,
                                                        read_spy: _ReadSpy) -> None:
    data = media.png("append", 96, 64)
    part = len(data) // 4 + 1
    key = uploader.chunk("Append.png", data[:part], 0, len(data))["upload"]["filekey"]
    read_spy.watched = _stashed_path(wiki, local_repo, key).resolve()
    for offset in (part, 2 * part):     # two appends, neither of them the last chunk
        reply = uploader.chunk("Append.png", data[offset:offset + part], offset, len(data), key)
        assert reply["upload"]["result"] == "Continue", reply
    assert read_spy.bytes_read == 0
    assert read_spy.watched.stat().st_size == 3 * part
    assert all("r" not in mode or "+" in mode for mode in read_spy.opened_modes)


def test_spooled_chunks_are_deleted_off_the_event_loop(
        wiki: Wiki, uploader: ApiClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Unlinking a chunk's spool file (megabytes to free) happens in the request's worker
    thread, after the API has answered it, not on the event loop that reads the next one.
    (Chunks are spooled here as where they cannot land: see the next test.)"""
    monkeypatch.setattr(api_endpoint, "landing_for", lambda start, fields, sessions: None)
    deleted_on: list[bool] = []
    discard = UploadedFile.discard

    def recording(self: UploadedFile) -> None:
        if self.path.exists():        # a file to delete (the second call finds none)
            try:
                asyncio.get_running_loop()
                deleted_on.append(True)
            except RuntimeError:      # no loop in this thread
                deleted_on.append(False)
        discard(self)

    monkeypatch.setattr(UploadedFile, "discard", recording)
    data = media.png("spool off the loop") + b"\0" * 300_000
    replies = uploader.chunked("Off_the_loop.png", data, 128 * 1024)
    assert replies[-1]["upload"]["result"] == "Success", replies[-1]
    # every chunk after the first leaves its spool file (the first one's becomes the upload)
    assert len(deleted_on) == len(replies) - 1 and not any(deleted_on)
    assert list(wiki.temp_dir.iterdir()) == []


def _cached_bytes(path: Path) -> int:
    """How much of the file the page cache holds (util-linux's ``fincore``)."""
    done = subprocess.run(["fincore", "--bytes", "--noheadings", "--output", "RES",
                           str(path)], capture_output=True, text=True, check=True)
    return int(done.stdout.split()[0])


def _lets_synced_pages_go(directory: Path) -> bool:
    """Whether the kernel drops a synced file's pages there when told to (tmpfs keeps
    them: they are the file)."""
    probe = directory / "page-cache-probe"
    fd = os.open(probe, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        os.write(fd, b"x" * 1024 * 1024)
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        return _cached_bytes(probe) < 1024 * 1024
    finally:
        os.close(fd)
        probe.unlink()


def test_a_landed_chunk_leaves_the_page_cache(uploader: ApiClient, wiki: Wiki,
                                              local_repo: FileRepo) -> None:
    """Once on disk, a chunk that landed is not kept cached: a chunked upload of any size
    keeps about a chunk in the page cache, not its size."""
    if shutil.which("fincore") is None or not _lets_synced_pages_go(wiki.temp_dir):
        pytest.skip("needs fincore, and a file system that lets synced pages go")
    part = 256 * 1024
    data = media.png("page cache") + b"\0" * (4 * part)
    key = uploader.chunk("Page_cache.png", data[:part], 0, len(data))["upload"]["filekey"]
    for offset in (part, 2 * part):     # two chunks that land, neither of them the last
        reply = uploader.chunk("Page_cache.png", data[offset:offset + part], offset,
                               len(data), key)
        assert reply["upload"]["result"] == "Continue", reply
    session_file = _stashed_path(wiki, local_repo, key)
    assert session_file.stat().st_size == 3 * part
    assert _cached_bytes(session_file) <= part      # at most the first chunk, spooled


def test_a_chunk_that_lands_makes_no_spool_file(wiki: Wiki, uploader: ApiClient,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks after the first are written straight to the end of their upload's file; they
    create no spool file (which would be deleted again at once)."""
    created: list[Path] = []
    mkstemp = tempfile.mkstemp

    def recording(*args: Any, **kwargs: Any) -> tuple[int, str]:
        fd, name = mkstemp(*args, **kwargs)
        created.append(Path(name))
        return fd, name

    monkeypatch.setattr(tempfile, "mkstemp", recording)
    data = media.png("no spool file") + b"\0" * 300_000
    replies = uploader.chunked("No_spool_file.png", data, 64 * 1024)
    assert replies[-1]["upload"]["result"] == "Success", replies[-1]
    spooled = [path for path in created if path.parent == wiki.temp_dir]
    assert len(spooled) == 1        # the first chunk's, which becomes the upload's file
    assert list(wiki.temp_dir.iterdir()) == []


def test_a_small_file_is_read_once_for_all_its_checks(uploader: ApiClient, wiki: Wiki,
                                                      local_repo: FileRepo,
                                                      read_spy: _ReadSpy) -> None:
    """Sniffing, the script and IE type checks, the image header, the polyglot scan and the
    description each open what they read: a small file is read once for all of them."""
    data = media.png("read once", 64, 48)
    key = uploader.upload("Read_once.png", data, stash="1")["upload"]["filekey"]
    read_spy.watched = _stashed_path(wiki, local_repo, key).resolve()
    reply = uploader.post(action="upload", filename="Read_once.png", filekey=key,
                          token=uploader.csrf)
    assert reply["upload"]["result"] == "Success", reply
    assert [mode for mode in read_spy.opened_modes if "r" in mode] == ["rb"]
    assert read_spy.bytes_read == len(data)


def test_publish_intents_reuse_one_file(uploader: ApiClient, local_repo: FileRepo) -> None:
    """Every publish writes an intent and removes it once committed: the removed one's file
    stays as a spare, and the next publish writes its intent into it. Where freed inodes
    are held back (ext4 without a journal), a create after many deletes is slow."""
    journal = _local(local_repo, JOURNAL_ZONE)

    def journal_files() -> dict[str, int]:
        return {entry.name: entry.stat().st_ino for entry in journal.iterdir()}

    inodes = []
    for index in range(3):
        reply = uploader.upload(f"Intent_{index}.png", media.png(f"intent {index}"),
                                "image/png")
        assert reply["upload"]["result"] == "Success", reply
        files = journal_files()
        assert len(files) == 1 and all(name.startswith(SPARE_PREFIX) for name in files)
        inodes.extend(files.values())
    assert len(set(inodes)) == 1


def test_a_spool_file_is_made_ahead(uploader: ApiClient, wiki: Wiki,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Creating a file can be slow (a file system that holds freed inodes back): the event
    loop names one that a thread made ahead, unnamed, instead of creating one."""
    spool = wiki.spool_files
    if not spool.ahead:
        pytest.skip("no unnamed files on this system")
    reply = uploader.upload("Ahead_0.png", media.png("ahead 0"), "image/png")
    assert reply["upload"]["result"] == "Success", reply
    deadline = time.monotonic() + 10
    while not spool._ready:
        assert time.monotonic() < deadline, "no spool file was made ahead"
        time.sleep(0.005)
    created: list[Any] = []
    mkstemp = tempfile.mkstemp

    def recording(*args: Any, **kwargs: Any) -> tuple[int, str]:
        created.append(kwargs.get("dir"))
        return mkstemp(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", recording)
    reply = uploader.upload("Ahead_1.png", media.png("ahead 1"), "image/png")
    assert reply["upload"]["result"] == "Success", reply
    assert wiki.temp_dir not in created
