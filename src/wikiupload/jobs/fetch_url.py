"""The ``fetch-url`` job: an async upload by URL (MediaWiki's UploadFromUrlJob).

It downloads the file, then runs the same pipeline as a synchronous upload. The status that
checkstatus reports (under the key of :func:`wikiupload.upload.from_url.status_key`) goes
``Poll/queued`` → ``Poll/fetching`` → ``Poll/publish`` → one of ``Success/publish`` (with
the file name), ``Warning/publish`` (the file is stashed: warnings and filekey, to publish
with ``filekey`` and ``ignorewarnings``), or ``Failure`` (stage ``fetching`` or
``publish``; checkstatus answers ``stashfailed`` with the reason).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session as DbSession

from wikiupload.api.context import ApiContext, HttpRequest
from wikiupload.auth.sessions import SessionState
from wikiupload.auth.users import Principal, principal
from wikiupload.errors import ApiError
from wikiupload.expiry import stored_expiry
from wikiupload.jobs.worker import handler
from wikiupload.upload import from_url
from wikiupload.upload.pipeline import Outcome, UploadOptions, UploadPipeline
from wikiupload.upload.sources import UploadSource
from wikiupload.upload.status import set_status
from wikiupload.wiki import Wiki


def _failure(error: ApiError, stage: str) -> dict[str, Any]:
    message = error.message
    return {"result": "Failure", "stage": stage,
            "error": {"key": message.key, "params": [str(p) for p in message.params]}}


def _record(db: DbSession, params: dict[str, Any], status: dict[str, Any]) -> None:
    set_status(db, params["user_id"], params["key"], status)
    db.commit()


@handler(from_url.JOB_KIND)
def fetch_url(wiki: Wiki, params: dict[str, Any]) -> None:
    """Fetch, verify and publish (or stash, when warnings need an answer) for the user."""
    with wiki.db() as db:
        _record(db, params, {"result": "Poll", "stage": "fetching"})
        user = principal(db, wiki.settings, params["user_id"], params.get("bot_app_id"))
        db.commit()   # hold no transaction (nor SQLite's write lock) while downloading
        try:
            if user is None:
                raise ApiError("apierror-nosuchuserid", params["user_id"], code="nosuchuserid")
            source = from_url.fetch_source(wiki, params["url"], params["filename"])
        except ApiError as error:
            db.rollback()
            _record(db, params, _failure(error, "fetching"))
            raise
        try:
            _record(db, params, {"result": "Poll", "stage": "publish"})
            outcome = _run_pipeline(wiki, db, user, source, params)
        except ApiError as error:
            db.rollback()
            _record(db, params, _failure(error, "publish"))
            raise
        finally:
            from_url.discard(source)
        _record(db, params, _final_status(outcome))


def _run_pipeline(wiki: Wiki, db: DbSession, user: Principal, source: UploadSource,
                  params: dict[str, Any]) -> Outcome:
    """The synchronous pipeline, in a context standing for the user who asked."""
    ctx = ApiContext(wiki=wiki, request=HttpRequest("POST", {}, {}, {}, {}, {}, ""), db=db,
                     session=SessionState(user_id=user.id), user=user, params={})
    options = UploadOptions(filename=params["filename"], comment=params["comment"],
                            text=params["text"], tags=tuple(params["tags"]),
                            ignore_warnings=params["ignore_warnings"],
                            watchlist=params["watchlist"], watch=params["watch"],
                            watch_expiry=stored_expiry(params["watch_expiry"]))
    return UploadPipeline(ctx, source, options).run()


def _final_status(outcome: Outcome) -> dict[str, Any]:
    if outcome.published is not None:
        return {"result": "Success", "stage": "publish", "filename": outcome.name}
    status: dict[str, Any] = {"result": "Warning", "stage": "publish",
                              "warnings": outcome.warnings}
    if outcome.stashed is not None:
        status.update({"filekey": outcome.stashed.key, "sessionkey": outcome.stashed.key})
    return status
