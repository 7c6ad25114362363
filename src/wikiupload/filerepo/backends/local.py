"""LocalBackend: objects are files under a root directory.

Every write goes to a temp file in the destination directory, is fsynced, then renamed into
place (``os.replace``, or ``os.link`` when overwriting is not allowed), and the directory is
fsynced, so a reader or a crash never sees a partial object.

Small objects that come and go (a publish intent is written and deleted for every upload)
reuse their files: a deleted object of at most ``SPARE_MAX_BYTES`` whose deletion need not
be durable (an intent's) is renamed to a hidden spare in its directory instead of being
unlinked, and the next small object written there is written into a spare and renamed into
place, instead of a new file. Creating a file where many were deleted lately can cost a
millisecond: ext4 without a journal, for one, does not hand out a freed inode again for
minutes (up to five while its inode table block is dirty) and scans past each of them for
every new file. A spare is a temp file to the rest of the store (hidden, and never a valid
object path); ``check`` removes one left unused for ``SPARE_IDLE_SECONDS`` (its process
stopped, or has not needed it).
"""

from __future__ import annotations

import errno
import io
import os
import secrets
import shutil
import stat as stat_module
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO

from wikiupload.filerepo.backends.base import (
    COPY_BUFFER_SIZE,
    TEMP_PREFIX,
    AlreadyExists,
    InvalidPath,
    NotFound,
    ObjectStat,
    PathConflict,
    StorageError,
    check_path,
    check_prefix,
)

__all__ = ["SPARE_IDLE_SECONDS", "SPARE_PREFIX", "LocalBackend"]

FILE_MODE = 0o644
SPARE_PREFIX = f"{TEMP_PREFIX}spare-"
SPARE_MAX_BYTES = 4096          # one block of most file systems
SPARES_PER_DIRECTORY = 16       # per process
SPARE_IDLE_SECONDS = 600        # a spare not written to for this long is left over


def copy_stream(src: BinaryIO, dst: BinaryIO) -> None:
    """Copy with a bounded buffer; never holds a whole file in memory."""
    shutil.copyfileobj(src, dst, COPY_BUFFER_SIZE)


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class _Spares:
    """The spare files this process keeps, by directory."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_directory: dict[Path, list[Path]] = {}

    def keep(self, target: Path) -> bool:
        """Rename the file ``target`` to a new spare of its directory, unless the directory
        has its share of spares already (False: the caller unlinks it)."""
        with self._lock:
            kept = self._by_directory.setdefault(target.parent, [])
            if len(kept) >= SPARES_PER_DIRECTORY:
                return False
            spare = target.with_name(f"{SPARE_PREFIX}{secrets.token_hex(8)}")
            os.rename(target, spare)
            kept.append(spare)
            return True

    def take(self, directory: Path) -> Path | None:
        with self._lock:
            kept = self._by_directory.get(directory)
            return kept.pop() if kept else None


class LocalBackend:
    """A StorageBackend on a local directory tree."""

    def __init__(self, root: Path, *, file_mode: int = FILE_MODE, fsync: bool = True) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.root = root.resolve()
        self.file_mode = file_mode
        self.fsync = fsync  # the fsync setting: False leaves flushing to the OS
        self._spares = _Spares()

    def _sync_dir(self, directory: Path) -> None:
        if self.fsync:
            fsync_dir(directory)

    def __repr__(self) -> str:
        return f"LocalBackend({str(self.root)!r})"

    # -- paths -------------------------------------------------------------------------------

    def local_path(self, path: str) -> Path:
        """The file system path of an object; never outside the root (symlinks included).

        A valid path has no ``..``, so only a symbolic link below the root can lead out of
        it: the path is resolved in full only when one of its existing parts is a link.
        """
        full = self.root / check_path(path)
        if self._has_link(path) and not full.resolve().is_relative_to(self.root):
            raise InvalidPath(f"path {path!r} escapes the storage root")
        return full

    def _has_link(self, path: str) -> bool:
        """Whether a part of the (checked) object path ``path`` is a symbolic link."""
        current = str(self.root)
        for segment in path.split("/"):
            current = f"{current}/{segment}"
            try:
                mode = os.lstat(current).st_mode
            except (FileNotFoundError, NotADirectoryError):
                return False        # nothing below exists, so no link either
            if stat_module.S_ISLNK(mode):
                return True
        return False

    def _make_parent(self, target: Path) -> list[Path]:
        """Create the missing directories above ``target``. Returns the directories that
        got a new entry: the caller syncs them once the object is in place, so that where
        the file system journals metadata (ext4, XFS) one commit makes all of it durable,
        instead of one for every new directory and another for the object."""
        missing: list[Path] = []
        parent = target.parent
        while parent != self.root and not parent.is_dir():
            missing.append(parent)
            parent = parent.parent
        changed: list[Path] = []
        for directory in reversed(missing):
            try:
                directory.mkdir()
            except FileExistsError:  # made meanwhile by someone else, or an object
                if directory.is_dir():
                    continue
                raise PathConflict(f"{target}: a parent is an object") from None
            except NotADirectoryError as exc:
                raise PathConflict(f"{target}: a parent is an object") from exc
            changed.append(directory.parent)
        return changed

    def _sync_dirs(self, directories: list[Path]) -> None:
        for directory in directories:
            self._sync_dir(directory)

    # -- writing -----------------------------------------------------------------------------

    @contextmanager
    def _parents_of(self, target: Path) -> Iterator[None]:
        """Make the missing directories above ``target`` for the write in the block, and
        sync their new entries when it ends: after the object is in place (``_make_parent``),
        and also when the write fails or is not durable, since a later write would find the
        directories there and sync only its own."""
        new_entries = self._make_parent(target)
        try:
            yield
        except BaseException:
            with suppress(OSError):
                self._sync_dirs(new_entries)
            raise
        self._sync_dirs(new_entries)

    def put_file(self, path: str, source: Path, *, move: bool = False,
                 overwrite: bool = True, source_synced: bool = False) -> None:
        target = self.local_path(path)
        with self._parents_of(target):
            if move and self._rename_into(source, target, overwrite, source_synced):
                return
            with _open_source(source) as src:
                self._write_atomically(target, src, overwrite)
        if move:
            source.unlink()

    def put_bytes(self, path: str, data: bytes, *, overwrite: bool = True,
                  durable: bool = True) -> None:
        target = self.local_path(path)
        with self._parents_of(target):
            if len(data) <= SPARE_MAX_BYTES and self._write_into_spare(target, data, overwrite,
                                                                       durable):
                return
            self._write_atomically(target, io.BytesIO(data), overwrite, durable=durable)

    def _write_into_spare(self, target: Path, data: bytes, overwrite: bool,
                          durable: bool) -> bool:
        """Write ``data`` into a spare of the target's directory and rename it into place;
        False when there is none (or it went meanwhile: ``check`` removes idle ones)."""
        spare = self._spares.take(target.parent)
        if spare is None:
            return False
        try:
            fd = os.open(spare, os.O_WRONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:
            return False
        try:
            info = os.fstat(fd)
            if not stat_module.S_ISREG(info.st_mode) or info.st_nlink != 1:
                return False        # not a file of its own (never made so here): left alone
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.ftruncate(fd, len(data))
            if self.fsync and durable:
                os.fsync(fd)
        except BaseException:
            spare.unlink(missing_ok=True)
            raise
        finally:
            os.close(fd)
        try:
            self._commit(spare, target, overwrite, durable=durable)
        except FileNotFoundError:
            return False            # removed between the write and the rename: write afresh
        except BaseException:
            spare.unlink(missing_ok=True)
            raise
        return True

    def copy(self, src: str, dst: str, *, overwrite: bool = True) -> None:
        target = self.local_path(dst)
        with self.open(src) as reader, self._parents_of(target):
            self._write_atomically(target, reader, overwrite)

    def move(self, src: str, dst: str, *, overwrite: bool = True) -> None:
        source = self.local_path(src)
        target = self.local_path(dst)
        if not source.is_file():
            raise NotFound(src)
        with self._parents_of(target):
            try:
                self._commit(source, target, overwrite)
            except OSError as exc:
                if exc.errno != errno.EXDEV:  # a mount point inside the root
                    raise
                self.copy(src, dst, overwrite=overwrite)
                source.unlink()
        self._sync_dir(source.parent)

    def delete(self, path: str, *, missing_ok: bool = False, durable: bool = True) -> None:
        target = self.local_path(path)
        try:
            if not durable and _may_be_spare(os.lstat(target)) and self._spares.keep(target):
                return
            if target.is_dir():
                raise IsADirectoryError(path)
            target.unlink()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError) as exc:
            if missing_ok:
                return
            raise NotFound(path) from exc
        if durable:
            self._sync_dir(target.parent)

    def _rename_into(self, source: Path, target: Path, overwrite: bool, synced: bool) -> bool:
        """Move a file by renaming when source and target share a file system."""
        try:
            if self.fsync and not synced:
                with open(source, "rb") as fh:
                    os.fsync(fh.fileno())
            os.chmod(source, self.file_mode)
            self._commit(source, target, overwrite)
        except FileNotFoundError as exc:
            raise NotFound(str(source)) from exc
        except IsADirectoryError as exc:
            raise StorageError(f"{source} is a directory") from exc
        except OSError as exc:
            if exc.errno == errno.EXDEV:
                return False
            raise
        return True

    def _write_atomically(self, target: Path, reader: BinaryIO, overwrite: bool, *,
                          durable: bool = True) -> None:
        fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=TEMP_PREFIX)
        temp = Path(temp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                copy_stream(reader, out)
                out.flush()
                if self.fsync and durable:
                    os.fsync(out.fileno())
            os.chmod(temp, self.file_mode)
            self._commit(temp, target, overwrite, durable=durable)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise

    def _commit(self, ready: Path, target: Path, overwrite: bool, *,
                durable: bool = True) -> None:
        """Atomically give the complete file ``ready`` the name ``target``."""
        if target.is_dir():
            raise PathConflict(f"{target} is a directory")
        if overwrite:
            os.replace(ready, target)
        elif self._link_exclusive(ready, target):
            ready.unlink()
        if durable:
            self._sync_dir(target.parent)

    @staticmethod
    def _link_exclusive(ready: Path, target: Path) -> bool:
        """Name ``ready`` as ``target`` unless it exists; True if ``ready`` is still there."""
        try:
            os.link(ready, target)
        except FileExistsError as exc:
            raise AlreadyExists(str(target)) from exc
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP):
                raise
            # No hard links on this file system: best effort check-then-rename.
            if target.exists():
                raise AlreadyExists(str(target)) from exc
            os.rename(ready, target)
            return False
        return True

    # -- reading -----------------------------------------------------------------------------

    def open(self, path: str) -> BinaryIO:
        target = self.local_path(path)
        try:
            return open(target, "rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
            raise NotFound(path) from exc

    def exists(self, path: str) -> bool:
        return self.local_path(path).is_file()

    def stat(self, path: str) -> ObjectStat:
        try:
            info = self.local_path(path).stat()
        except (FileNotFoundError, NotADirectoryError) as exc:
            raise NotFound(path) from exc
        if not stat_module.S_ISREG(info.st_mode):
            raise NotFound(path)
        return ObjectStat(size=info.st_size, mtime=info.st_mtime)

    def iter(self, prefix: str = "") -> Iterator[str]:
        check_prefix(prefix)
        directory, _, _ = prefix.rpartition("/")
        start = self.root / directory if directory else self.root
        if not start.is_dir() or start.is_symlink():
            return iter(())
        found = []
        for dirpath, dirnames, filenames in os.walk(start):
            base = Path(dirpath).relative_to(self.root).as_posix()
            # Only directories that can hold a key with the prefix are entered: a prefix
            # that ends inside a name (``journal/<SHA-1>.``) lists one directory.
            dirnames[:] = [d for d in dirnames if not d.startswith(TEMP_PREFIX)
                           and _may_hold(d if base == "." else f"{base}/{d}", prefix)]
            for name in filenames:
                rel = name if base == "." else f"{base}/{name}"
                if not name.startswith(TEMP_PREFIX) and rel.startswith(prefix):
                    found.append(rel)
        return iter(sorted(found))


def _may_be_spare(info: os.stat_result) -> bool:
    """A small file with no other name (a symbolic link or a directory is never one)."""
    return (stat_module.S_ISREG(info.st_mode) and info.st_nlink == 1
            and info.st_size <= SPARE_MAX_BYTES)


def _may_hold(directory: str, prefix: str) -> bool:
    """Whether keys under ``directory`` (relative to the root) can start with ``prefix``."""
    inside = f"{directory}/"
    return inside.startswith(prefix) or prefix.startswith(inside)


def _open_source(source: Path) -> BinaryIO:
    try:
        return open(source, "rb")
    except FileNotFoundError as exc:
        raise NotFound(str(source)) from exc
    except IsADirectoryError as exc:
        raise StorageError(f"{source} is a directory") from exc
