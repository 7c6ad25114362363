"""The steps of one upload after its mode is known: verify, check rights on the title,
compute warnings, then stash or publish — each step's failure in MediaWiki's shape."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, func, select

from wikiupload.auth import ratelimits
from wikiupload.auth.users import groups_with_right
from wikiupload.changetags import check_can_apply
from wikiupload.db.file_models import Image
from wikiupload.db.stash_models import StashedFile
from wikiupload.errors import ApiError, permission_denied
from wikiupload.expiry import Expiry, format_expiry
from wikiupload.filerepo.backends.base import NotFound
from wikiupload.foreign import find_foreign_file, foreign_duplicates
from wikiupload.i18n.messages import Message, Num, has_message
from wikiupload.jobs.queue import enqueue
from wikiupload.media.images import describe
from wikiupload.media.readable import Readable, read_if_small
from wikiupload.titles import file_title
from wikiupload.upload import verification
from wikiupload.upload.publish import Published, PublishRequest, lock_stashed, publish
from wikiupload.upload.sources import UploadSource
from wikiupload.upload.stash import FileFacts, UploadStash
from wikiupload.upload.status import get_status, set_status
from wikiupload.upload.warnings import Candidate, check_warnings, look_up_name
from wikiupload.watchlist import wants_watch

if TYPE_CHECKING:
    from wikiupload.api.context import ApiContext


@dataclass
class UploadOptions:
    filename: str
    comment: str = ""
    text: str | None = None
    tags: tuple[str, ...] = ()
    ignore_warnings: bool = False
    stash: bool = False
    run_async: bool = False
    watchlist: str = "preferences"      # watch | preferences | nochange
    watch: bool = False                 # the deprecated watch=1: always watch
    watch_expiry: Expiry | None = None


@dataclass
class Outcome:
    """What happened: a published file, a stashed one (with warnings), or both absent."""

    name: str = ""
    warnings: dict[str, Any] = field(default_factory=dict)
    published: Published | None = None
    stashed: StashedFile | None = None
    queued: bool = False


class UploadPipeline:
    def __init__(self, ctx: ApiContext, source: UploadSource, options: UploadOptions) -> None:
        self.ctx = ctx
        self.source = source
        self.options = options
        self.settings = ctx.settings
        self.repo = ctx.wiki.filerepo
        self.stash = UploadStash(ctx.db, self.repo)
        self.facts: FileFacts | None = None

    def run(self) -> Outcome:
        name, name_warnings = self._verify()
        lookup = look_up_name(self.ctx.db, name)   # once: rights, warnings, watching
        if not self.options.stash:
            self._check_title_rights(name, lookup.current)
        candidate = Candidate(name, self.source.sha1, self.source.size)
        warnings = check_warnings(
            self.ctx.db, candidate, name_warnings,
            size_warning=self.settings.upload_size_warning,
            may_see_deleted=self.ctx.user.can("deletedhistory"),
            foreign_duplicates=foreign_duplicates(self.ctx.wiki, self.source.sha1),
            lookup=lookup)
        if warnings and not self.options.ignore_warnings:
            return Outcome(name, warnings, stashed=self._stash_or_none())
        if self.options.stash:
            return Outcome(name, warnings, stashed=self._stash())
        check_rate_limit(self.ctx)     # as late as MediaWiki throttles: after the warnings
        check_can_apply(self.ctx.user, self.options.tags)
        exists = lookup.current is not None
        if self.options.run_async and self.source.stashed is not None:
            self._queue_publish(name, self.source.stashed, exists)
            return Outcome(name, warnings, queued=True)
        return Outcome(name, warnings, published=self._publish(name, exists))

    # -- verification ---------------------------------------------------------------------

    def _verify(self) -> tuple[str, dict[str, Any]]:
        wiki = self.ctx.wiki
        try:
            with self.source.readable_path(self.repo, lambda: wiki.temp_dir) as path:
                content = read_if_small(path, self.source.size)
                verdict, name, warnings = verification.verify_upload(
                    content, self.source.size, self.options.filename, self.settings)
                if verdict.ok or verdict.recoverable:   # content passed: the stash may keep it
                    self.facts = self._facts(content, verdict.mime)
        except (FileNotFoundError, NotFound):
            stashed = self.source.stashed
            if stashed is None:
                raise
            # Published (moved away) or removed by another request since its row was read:
            # what that request's loser would have found at the stash entry's lock.
            raise ApiError("uploadstash-file-not-found", stashed.key) from None
        if not verdict.ok:
            raise self._verification_error(verdict)
        assert name is not None
        return name, warnings

    def _facts(self, content: Readable, mime: str) -> FileFacts:
        stashed = self.source.stashed
        if stashed is not None and stashed.mime:   # described when it was stashed
            return FileFacts(size=stashed.size, sha1=stashed.sha1, mime=stashed.mime,
                             media_type=stashed.media_type, width=stashed.width,
                             height=stashed.height, bits=stashed.bits,
                             metadata=UploadStash.metadata(stashed))
        info = describe(content, mime or None)
        return FileFacts(size=self.source.size, sha1=self.source.sha1, mime=info.mime,
                         media_type=info.media_type, width=info.width, height=info.height,
                         bits=info.bits, metadata={"metadata": info.metadata,
                                                   "commonmetadata": info.common_metadata})

    def _verification_error(self, verdict: verification.Verification) -> ApiError:
        assert verdict.message is not None
        error = ApiError(verdict.message.key, message=verdict.message, code=verdict.code,
                         data=dict(verdict.data))
        if verdict.recoverable:
            self._make_recoverable(error, invalid_parameter=True)
        return error

    def _make_recoverable(self, error: ApiError, *, invalid_parameter: bool) -> None:
        """Stash the file so the client can retry with another name (filekey in the error)."""
        row = self._stash_or_none()
        if row is not None:
            error.data.update({"filekey": row.key, "sessionkey": row.key})
            self.ctx.db.commit()  # the stash outlives the error's rollback
        if invalid_parameter:
            error.data["invalidparameter"] = "filename"

    # -- rights on the title ------------------------------------------------------------

    def _check_title_rights(self, name: str, current: Image | None) -> None:
        if current is None:
            self._check_shared_title(name)
            return
        user = self.ctx.user
        own = user.can("reupload-own") and current.user_id == user.id and user.id != 0
        if user.can("reupload") or own:
            return
        error = ApiError("fileexists-forbidden", name)
        self._make_recoverable(error, invalid_parameter=True)
        raise error

    def _check_shared_title(self, name: str) -> None:
        """Only a foreign repository has the name: taking it needs ``reupload-shared``."""
        if self.ctx.user.can("reupload-shared"):
            return
        shared = find_foreign_file(self.ctx.wiki, name)
        if shared is None:
            return
        error = ApiError("fileexists-shared-forbidden", shared.name)
        self._make_recoverable(error, invalid_parameter=True)
        raise error

    # -- outcomes -------------------------------------------------------------------------

    def _file_facts(self) -> FileFacts:
        if self.facts is None:
            raise RuntimeError("upload facts requested before verification")
        return self.facts

    def _stash(self) -> StashedFile:
        if self.source.stashed is not None:
            return self.source.stashed
        assert self.source.local is not None
        check_stash_quota(self.ctx, self.source.size)
        row = self.stash.store(self.source.local, user_id=self.ctx.user.id,
                               orig_name=self.options.filename, facts=self._file_facts(),
                               source_type=self.source.source_type,
                               synced=self.source.synced)
        self.source.local = None
        self.source.stashed = row
        return row

    def _stash_or_none(self) -> StashedFile | None:
        if self.ctx.user.is_anon or self.facts is None and self.source.stashed is None:
            return None
        try:
            return self._stash()
        except ApiError as error:   # a full stash: the answer simply has no filekey
            if error.code != STASH_QUOTA_CODE:
                raise
            return None

    def _queue_publish(self, name: str, row: StashedFile, exists: bool) -> None:
        status = get_status(self.ctx.db, row.user_id, row.key)
        if status is not None and status.get("result") == "Poll":
            raise ApiError("apierror-publishfailed", code="publishfailed")
        set_status(self.ctx.db, row.user_id, row.key, {"result": "Poll", "stage": "queued"})
        expiry = self.options.watch_expiry
        enqueue(self.ctx.db, "publish", {
            "key": row.key, "user_id": row.user_id, "name": name,
            "comment": self.options.comment, "text": self.options.text,
            "tags": list(self.options.tags), "facts": asdict(self._file_facts()),
            "watch": self._watches(name, exists),
            "watch_expiry": None if expiry is None else format_expiry(expiry)})

    def _watches(self, name: str, exists: bool) -> bool:
        """Whether publishing adds the file page to the uploader's watchlist (``exists``:
        the file has a current version)."""
        title = file_title(name)
        return self.options.watch or wants_watch(self.ctx.db, self.settings, self.ctx.user,
                                                 title, self.options.watchlist, exists)

    def _publish(self, name: str, exists: bool) -> Published:
        request = PublishRequest(name, self._file_facts(), self.ctx.user, self.options.comment,
                                 self.options.text, self.options.tags,
                                 watch=self._watches(name, exists),
                                 watch_expiry=self.options.watch_expiry)
        try:
            if self.source.stashed is not None:
                lock_stashed(self.ctx.db, self.source.stashed.key)
            published = publish(self.ctx.db, self.repo, request, self.source.storer())
        except ApiError as error:
            if error.code == "fileexists-no-change":
                self._make_recoverable(error, invalid_parameter=False)
            raise
        if self.source.stashed is not None:
            self.stash.forget(self.source.stashed)
        return published


def publish_stashed(ctx_db: Any, repo: Any, row: StashedFile, request: PublishRequest,
                    ) -> Published:
    """Publish a stashed file (its bytes move into place) and forget the stash entry."""
    lock_stashed(ctx_db, row.key)
    published = publish(ctx_db, repo, request, UploadSource.from_stash(row).storer())
    UploadStash(ctx_db, repo).forget(row)
    return published


STASH_QUOTA_CODE = "stashquotaexceeded"


def check_rate_limit(ctx: ApiContext) -> None:
    """Count one upload against $wgRateLimits["upload"]; ``ratelimited`` when over it.

    An allowed hit is committed with the upload; a refused one at once (the error rolls the
    request back, and MediaWiki counts refused hits too).
    """
    if ratelimits.ping(ctx.db, ctx.user, ctx.request.client_ip, "upload", ctx.settings):
        ctx.db.commit()
        raise ApiError("apierror-ratelimited")


def stash_usage(ctx: ApiContext) -> int:
    """Bytes the caller keeps in the stash; a chunked upload counts its declared size."""
    size = case((StashedFile.expected_size > StashedFile.size, StashedFile.expected_size),
                else_=StashedFile.size)
    total = ctx.db.scalar(select(func.coalesce(func.sum(size), 0))
                          .where(StashedFile.user_id == ctx.user.id))
    return int(total or 0)


def check_stash_quota(ctx: ApiContext, adding: int) -> None:
    """``stashquotaexceeded`` when ``adding`` bytes would take the caller over its quota."""
    quota = ctx.settings.stash_quota_per_user
    if quota <= 0:
        return
    used = stash_usage(ctx)
    if used + adding > quota:
        raise ApiError("apierror-stashquotaexceeded", Num(quota), Num(used),
                       code=STASH_QUOTA_CODE, data={"quota": quota, "used": used})


def check_upload_rights(ctx: ApiContext, *, by_url: bool) -> None:
    """Rights to upload at all: upload_by_url (for URLs), upload, then edit."""
    needed = (["upload_by_url"] if by_url else []) + ["upload", "edit"]
    for right in needed:
        if ctx.user.can(right):
            continue
        if ctx.user.is_anon:   # always "upload this file", even for upload_by_url
            raise ApiError("apierror-mustbeloggedin", Message("action-upload"))
        raise permission_denied(_group_links(ctx, right))


def _group_links(ctx: ApiContext, right: str) -> list[Any]:
    """Groups having the right, as MediaWiki lists them: a link where a group page exists
    (as messages, so the names come out in the language the error is shown in)."""
    links: list[Any] = []
    for group in groups_with_right(ctx.settings, right):
        if has_message(f"grouppage-{group}"):
            links.append(Message("grouppage-link", (Message(f"grouppage-{group}"),
                                                    Message(f"group-{group}"))))
        else:
            links.append(group)
    return links
