"""Where the bytes of an upload are: a spooled request part, or a stashed object."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from wikiupload.db.stash_models import StashedFile
from wikiupload.filerepo.backends.local import LocalBackend
from wikiupload.filerepo.background_sync import BackgroundSync
from wikiupload.filerepo.repo import FileRepo
from wikiupload.http.form import UploadedFile
from wikiupload.upload import publish


@dataclass
class UploadSource:
    """An upload's content: where it is, its size and SHA-1 (hex), what it came from."""

    source_type: str
    orig_name: str
    size: int
    sha1: str
    local: Path | None = None          # a local file we own (moved into place on publish)
    stashed: StashedFile | None = None  # or an object in the repository's temp zone
    synced: BackgroundSync | None = None  # the local file's fsync, running meanwhile

    @classmethod
    def from_request_file(cls, upload: UploadedFile, orig_name: str) -> UploadSource:
        """The spooled part (its fsync starts with ``sync_ahead``)."""
        return cls("file", orig_name, upload.size, upload.sha1, local=upload.path)

    def sync_ahead(self, repo: FileRepo) -> None:
        """Start the fsync of a local file, to be done by the time it is stored; called once
        the caller may upload, so that a refused request costs no disk flush."""
        if self.local is not None and self.synced is None:
            self.synced = repo.sync_ahead(self.local)

    @classmethod
    def from_stash(cls, row: StashedFile) -> UploadSource:
        return cls(row.source_type or "file", row.orig_name, row.size, row.sha1, stashed=row)

    @contextmanager
    def readable_path(self, repo: FileRepo, temp_dir: Callable[[], Path]) -> Iterator[Path]:
        """A local path to read the content from (a temporary copy only when needed, in
        the directory ``temp_dir()`` returns: asked for only then)."""
        if self.local is not None:
            yield self.local
            return
        assert self.stashed is not None
        if isinstance(repo.backend, LocalBackend):
            yield repo.backend.local_path(self.stashed.path)
            return
        with tempfile.NamedTemporaryFile(dir=temp_dir(), prefix="stash-") as copy:
            with repo.backend.open(self.stashed.path) as stream:
                shutil.copyfileobj(stream, copy, 1024 * 1024)
            copy.flush()
            yield Path(copy.name)

    def storer(self) -> publish.Storer:
        if self.local is not None:
            return publish.from_local_file(self.local, self.synced)
        assert self.stashed is not None
        return publish.from_stored(self.stashed.path, move=True)
