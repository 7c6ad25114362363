"""One chunk request (filesize/offset/chunk): checks in MediaWiki's order, append, assemble."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session as DbSession

from wikiupload.errors import ApiError
from wikiupload.foreign import foreign_duplicates
from wikiupload.http.form import UploadedFile
from wikiupload.i18n.messages import Num
from wikiupload.jobs.queue import enqueue
from wikiupload.media.images import describe
from wikiupload.media.readable import read_if_small
from wikiupload.upload import verification
from wikiupload.upload.chunks import ChunkSessions
from wikiupload.upload.pipeline import check_stash_quota
from wikiupload.upload.stash import FileFacts, UploadStash
from wikiupload.upload.status import set_status
from wikiupload.upload.warnings import Candidate, check_name_warnings, check_warnings

if TYPE_CHECKING:
    from wikiupload.api.context import ApiContext
    from wikiupload.db.stash_models import StashedFile
    from wikiupload.wiki import Wiki


@dataclass
class ChunkOutcome:
    result: str                       # Continue | Success | Warning | Poll
    key: str
    offset: int = 0
    warnings: dict[str, Any] = field(default_factory=dict)
    stashed: StashedFile | None = None


class ChunkPipeline:
    def __init__(self, ctx: ApiContext, chunk: UploadedFile, *, filename: str,
                 filesize: int | None, offset: int, session: StashedFile | None,
                 ignore_warnings: bool, run_async: bool = False) -> None:
        self.ctx = ctx
        self.chunk = chunk
        self.filename = filename
        self.filesize = filesize if filesize is not None else -1
        self.offset = offset
        self.session = session
        self.ignore_warnings = ignore_warnings
        self.run_async = run_async
        self.settings = ctx.settings
        self.stash = UploadStash(ctx.db, ctx.wiki.filerepo)

    def run(self) -> ChunkOutcome:
        name, name_warnings, extension = self._check_name()
        self._check_chunk_content(extension)
        warnings = self._name_warnings(name, name_warnings)
        if warnings and not self.ignore_warnings:
            check_stash_quota(self.ctx, self.chunk.size)
            row = self.stash.store(self.chunk.local_copy(), user_id=self.ctx.user.id,
                                   orig_name=self.filename, source_type="",
                                   facts=FileFacts(self.chunk.size, self.chunk.sha1, ""))
            return ChunkOutcome("Warning", row.key, warnings=warnings)
        return self._store_chunk(warnings)

    # -- checks on every chunk ----------------------------------------------------------

    def _check_name(self) -> tuple[str, dict[str, Any], str]:
        title, warnings = verification.check_title(self.filename, self.settings)
        if isinstance(title, verification.Verification):
            raise ApiError("illegal-filename", code="illegal-filename")
        return title, warnings, title.rpartition(".")[2] if "." in title else ""

    def _check_chunk_content(self, extension: str) -> None:
        verdict = verification.verify_partial_file(self.chunk.content, extension,
                                                   self.settings)
        if not verdict.ok:
            assert verdict.message is not None
            code = str(verdict.details[0]) if verdict.details else verdict.code
            raise ApiError(verdict.message.key, message=verdict.message, code=code)

    def _name_warnings(self, name: str, name_warnings: dict[str, Any]) -> dict[str, Any]:
        """Warnings that depend on the name only (content warnings wait for the whole file)."""
        return check_name_warnings(self.ctx.db, name, name_warnings)

    # -- storing ------------------------------------------------------------------------

    def _store_chunk(self, warnings: dict[str, Any]) -> ChunkOutcome:
        size, end = self.chunk.size, self.offset + self.chunk.size
        if end > self.filesize:
            raise ApiError("apierror-invalid-chunk", code="invalid-chunk")
        last = end == self.filesize
        minimum = min(self.settings.min_upload_chunk_size, self.settings.max_upload_size)
        if not last and size < minimum:
            raise ApiError("apierror-chunk-too-small", Num(minimum), code="chunk-too-small")
        sessions = ChunkSessions(self.stash, self.ctx.wiki.filerepo,
                                 sender=self.ctx.session.id or "")
        if self.offset == 0:
            check_stash_quota(self.ctx, self.filesize)   # the whole file is reserved now
            row = sessions.start(self.chunk, user_id=self.ctx.user.id, orig_name=self.filename,
                                 expected_size=self.filesize)
        else:
            row = self._append(sessions)
        if not last:
            return ChunkOutcome("Continue", row.key, row.size, warnings)
        return self._assemble(sessions, row)

    def _append(self, sessions: ChunkSessions) -> StashedFile:
        assert self.session is not None
        sessions.hold(self.ctx.db, self.session, self.chunk,
                      wait_seconds=self.settings.body_idle_timeout)
        row = sessions.locked(self.session.key)
        if row is None:
            raise ApiError("apierror-stashfailed-nosession", code="stashfailed")
        if row.status != "chunks":
            raise ApiError("apierror-stashfailed-complete", code="stashfailed")
        if row.expected_size and self.filesize != row.expected_size:
            raise ApiError("apierror-chunk-filesize-changed", Num(row.expected_size),
                           code="invalid-chunk", data={"filesize": row.expected_size})
        if self.offset != row.size:
            if sessions.is_resend(row, self.chunk, self.offset):
                return row
            raise ApiError("invalid-chunk-offset", code="stashfailed",
                           data={"offset": str(row.size)})
        if row.size + self.chunk.size > self.settings.max_upload_size:
            raise ApiError("file-too-large", code="stashfailed")
        sessions.append(row, self.chunk)
        return row

    def _assemble(self, sessions: ChunkSessions, row: StashedFile) -> ChunkOutcome:
        if self.run_async:
            set_status(self.ctx.db, row.user_id, row.key, {"result": "Poll", "stage": "queued"})
            enqueue(self.ctx.db, "assemble", {
                "key": row.key, "user_id": row.user_id, "filename": self.filename,
                "may_see_deleted": self.ctx.user.can("deletedhistory")})
            return ChunkOutcome("Poll", row.key, row.size)
        return assemble_session(self.ctx.db, sessions, row, self.filename, self.ctx.wiki,
                                may_see_deleted=self.ctx.user.can("deletedhistory"))


def assemble_session(db: DbSession, sessions: ChunkSessions, row: StashedFile, filename: str,
                     wiki: Wiki, *, may_see_deleted: bool) -> ChunkOutcome:
    """Verify the whole assembled file and make it an ordinary stashed file (new key).

    Its warnings are those of any upload, duplicates in foreign repositories included.

    A file that fails verification is removed (committed) and the error raised with code
    ``stashfailed``, as MediaWiki reports assembly failures.
    """
    settings = wiki.settings
    path = sessions.local(row)
    sha1 = sessions.sha1(row)
    content = read_if_small(path, row.size)
    verdict, name, name_warnings = verification.verify_upload(content, row.size, filename,
                                                              settings)
    if not verdict.ok or name is None:
        assert verdict.message is not None
        sessions.stash.remove(row)
        db.commit()
        raise ApiError(verdict.message.key, message=verdict.message, code="stashfailed")
    info = describe(content, verdict.mime or None)
    facts = FileFacts(size=row.size, sha1=sha1, mime=info.mime, media_type=info.media_type,
                      width=info.width, height=info.height, bits=info.bits,
                      metadata={"metadata": info.metadata,
                                "commonmetadata": info.common_metadata})
    new = sessions.finish(row, facts)
    warnings = check_warnings(db, Candidate(name, sha1, row.size), name_warnings,
                              size_warning=settings.upload_size_warning,
                              may_see_deleted=may_see_deleted,
                              foreign_duplicates=foreign_duplicates(wiki, sha1))
    return ChunkOutcome("Success", new.key, new.size, warnings, stashed=new)
