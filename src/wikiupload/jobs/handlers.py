"""Job handlers: assemble the chunks of an async upload, publish a stashed file."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session as DbSession

from wikiupload.auth.users import principal
from wikiupload.db.stash_models import StashedFile
from wikiupload.errors import ApiError
from wikiupload.expiry import stored_expiry
from wikiupload.jobs import fetch_url  # noqa: F401  (registers the fetch-url job)
from wikiupload.jobs.worker import handler
from wikiupload.upload.chunk_pipeline import assemble_session
from wikiupload.upload.chunks import ChunkSessions
from wikiupload.upload.pipeline import publish_stashed
from wikiupload.upload.publish import PublishRequest
from wikiupload.upload.stash import FileFacts, UploadStash
from wikiupload.upload.status import get_status, set_status
from wikiupload.wiki import Wiki

STAGES = {"assemble": "assembling", "publish": "publish"}


def _failure(error: ApiError, stage: str) -> dict[str, Any]:
    message = error.message
    return {"result": "Failure", "stage": stage,
            "error": {"key": message.key, "params": [str(p) for p in message.params]}}


@handler("assemble")
def assemble_chunks(wiki: Wiki, params: dict[str, Any]) -> None:
    """Verify and assemble a chunk session; the status says where the new filekey is."""
    key, user_id = params["key"], params["user_id"]
    with wiki.db() as db:
        if _already_done(db, user_id, key):
            return
        set_status(db, user_id, key, {"result": "Poll", "stage": "assembling"})
        db.commit()
        row = db.get(StashedFile, key)
        try:
            if row is None or row.status != "chunks":
                raise ApiError("apierror-stashfailed-nosession", code="stashfailed")
            sessions = ChunkSessions(UploadStash(db, wiki.filerepo), wiki.filerepo)
            outcome = assemble_session(db, sessions, row, params["filename"], wiki,
                                       may_see_deleted=params["may_see_deleted"])
        except ApiError as error:
            set_status(db, user_id, key, _failure(error, "assembling"))
            db.commit()
            raise
        status: dict[str, Any] = {"result": "Success", "stage": "assembling",
                                  "filekey": outcome.key}
        if outcome.warnings:
            status["warnings"] = outcome.warnings
        set_status(db, user_id, key, status)
        db.commit()


@handler("publish")
def publish_stash(wiki: Wiki, params: dict[str, Any]) -> None:
    """Publish a stashed file for its owner; the status gives the file name."""
    key, user_id = params["key"], params["user_id"]
    with wiki.db() as db:
        if _already_done(db, user_id, key):
            return
        set_status(db, user_id, key, {"result": "Poll", "stage": "publish"})
        db.commit()
        try:
            row = UploadStash(db, wiki.filerepo).get(key, user_id)
            user = principal(db, wiki.settings, user_id)
            if user is None:
                raise ApiError("apierror-nosuchuserid", user_id, code="nosuchuserid")
            request = PublishRequest(params["name"], FileFacts(**params["facts"]), user,
                                     params["comment"], params["text"], tuple(params["tags"]),
                                     watch=bool(params.get("watch")),
                                     watch_expiry=stored_expiry(params.get("watch_expiry")))
            publish_stashed(db, wiki.filerepo, row, request)
        except ApiError as error:
            db.rollback()
            set_status(db, user_id, key, _failure(error, "publish"))
            db.commit()
            raise
        set_status(db, user_id, key, {"result": "Success", "stage": "publish",
                                      "filename": params["name"]})
        db.commit()


def _already_done(db: DbSession, user_id: int, key: str) -> bool:
    """A run that was killed after its commit but before the job was marked done: the
    Success status went with the commit; running again would only report a failure."""
    status = get_status(db, user_id, key)
    return status is not None and status.get("result") == "Success"


def record_crash(wiki: Wiki, kind: str, params: dict[str, Any]) -> None:
    """After the last failed attempt: the job crashed, say so to checkstatus."""
    stage = STAGES.get(kind, "publish")
    key = "apierror-stashfailed-complete"
    with wiki.db() as db:
        set_status(db, params["user_id"], params["key"], {
            "result": "Failure", "stage": stage,
            "error": {"key": "uploadstash-exception",
                      "params": ["JobFailure", f"The {kind} job failed ({key})."]}})
        db.commit()
