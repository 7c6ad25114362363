"""Upload status records, read by checkstatus: progress of chunk sessions and async jobs."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session as DbSession

from wikiupload.db.file_models import Image
from wikiupload.db.stash_models import StashedFile, UploadStatus
from wikiupload.errors import ApiError
from wikiupload.files.info import STASH_RESULT_PROPS, UPLOAD_RESULT_PROPS, file_info, stash_info
from wikiupload.upload.stash import expiry_cutoff

if TYPE_CHECKING:
    from wikiupload.api.context import ApiContext

STATUS_LIFETIME = 86400     # a day, as MediaWiki keeps them


def set_status(db: DbSession, user_id: int, key: str, data: dict[str, Any]) -> None:
    expires = int(time.time()) + STATUS_LIFETIME
    row = db.get(UploadStatus, (key, user_id))
    if row is None:
        db.add(UploadStatus(key=key, user_id=user_id, data=json.dumps(data), expires=expires))
    else:
        row.data, row.expires = json.dumps(data), expires
    db.flush()


def get_status(db: DbSession, user_id: int, key: str) -> dict[str, Any] | None:
    row = db.get(UploadStatus, (key, user_id))
    if row is None or row.expires < time.time():
        return None
    data: dict[str, Any] = json.loads(row.data)
    return data


def clear_status(db: DbSession, user_id: int, key: str) -> None:
    db.execute(delete(UploadStatus).where(UploadStatus.key == key,
                                          UploadStatus.user_id == user_id))


def upload_status(ctx: ApiContext, key: str) -> dict[str, Any]:
    """The checkstatus answer for a filekey of the calling user."""
    stored = get_status(ctx.db, ctx.user.id, key)
    if stored is None:
        session = ctx.db.scalars(select(StashedFile).where(
            StashedFile.key == key, StashedFile.user_id == ctx.user.id,
            StashedFile.status == "chunks",
            StashedFile.timestamp >= expiry_cutoff(ctx.settings.upload_stash_max_age))).first()
        if session is None:
            raise ApiError("apierror-missingresult", code="missingresult")
        return {"result": "Continue", "stage": "uploading", "offset": session.size}
    if stored.get("result") == "Failure":
        error = stored.get("error", {})
        raise ApiError(error.get("key", "apierror-unknown-error"), *error.get("params", []),
                       code="stashfailed")
    answer = {k: v for k, v in stored.items() if k != "error"}
    if stored.get("result") == "Success":
        info = _imageinfo(ctx, stored)
        if info is not None:
            answer["imageinfo"] = info
    return answer


def _imageinfo(ctx: ApiContext, stored: dict[str, Any]) -> dict[str, Any] | None:
    """imageinfo of the job's result, rendered now (in the caller's format)."""
    if stored.get("stage") == "assembling" and "filekey" in stored:
        row = ctx.db.get(StashedFile, stored["filekey"])
        return stash_info(ctx, row, STASH_RESULT_PROPS) if row is not None else None
    if "filename" in stored:
        image = ctx.db.get(Image, stored["filename"])
        if image is not None:
            return file_info(ctx, image, UPLOAD_RESULT_PROPS, name=stored["filename"])
    return None
