"""action=filerevert: make an old version of a file the current one again.

As includes/api/ApiFileRevert.php answers: the file name is taken inside the File
namespace (``File:X`` names ``File:File:X``); a missing file is ``missingtitle``, an
unknown archive name ``filerevert-badversion``; rights ``edit`` and ``upload`` on the title,
then ``reupload`` (or ``reupload-own`` for one's own current version). The copy is published
like an upload (log ``upload/overwrite``, as 1.39 logs API reverts); a failure of that step
is a ``Failure`` result, not an error.
"""

from __future__ import annotations

from typing import Any

from wikiupload.api import registry
from wikiupload.api.context import ApiContext
from wikiupload.api.deletion_support import check_rights, invalid_title, missing_title
from wikiupload.api.module import ApiModule
from wikiupload.api.params import Param
from wikiupload.db.file_models import Image
from wikiupload.errors import ApiError
from wikiupload.filerepo.history import find_old_version, lock_file, revert_to
from wikiupload.i18n.messages import Message
from wikiupload.titles import NS_FILE, InvalidTitle, Title, parse_title

__all__ = ["FileRevertModule"]


@registry.register
class FileRevertModule(ApiModule):
    name = "filerevert"
    class_name = "ApiFileRevert"
    needs_token = "csrf"
    must_post = True
    write_mode = True
    help_url = ""                 # ApiFileRevert names no help page
    description = "Make an old version of a file the current version."
    examples = (
        ("action=filerevert&filename=Wiki.png&comment=Revert&"
         "archivename=20110305152740!Wiki.png&token=123ABC",
         "Revert Wiki.png to the version of 2011-03-05T15:27:40Z."),
    )
    params = (
        Param("filename", "string", required=True,
              help="Target file name, without the File: prefix."),
        Param("comment", "string", default="", help="Upload comment."),
        Param("archivename", "string", required=True,
              help="Archive name of the version to revert to "
                   "(prop=imageinfo&iiprop=archivename)."),
    )

    def execute(self, ctx: ApiContext, params: dict[str, Any]) -> None:
        for name in ("filename", "archivename"):
            if params[name] == "":
                raise ApiError("apierror-missingparam", name, code="missingparam")
        title = _file_title(ctx, params["filename"])
        current = ctx.db.get(Image, title.db_key)
        if current is None:
            raise missing_title()
        if find_old_version(ctx.db, title.db_key, params["archivename"]) is None:
            raise ApiError("filerevert-badversion")
        check_rights(ctx, ["edit", "upload"])
        _check_reupload(ctx, current)
        current = lock_file(ctx.db, ctx.wiki.filerepo, title.db_key)
        old = find_old_version(ctx.db, title.db_key, params["archivename"])
        if current is None or old is None:
            raise missing_title() if current is None else ApiError("filerevert-badversion")
        try:
            revert_to(ctx.db, ctx.wiki.filerepo, old, ctx.user, params["comment"])
        except ApiError as error:
            ctx.result["filerevert"] = {"result": "Failure", "errors": [_status_entry(error)]}
            return
        ctx.result["filerevert"] = {"result": "Success"}


def _file_title(ctx: ApiContext, filename: str) -> Title:
    """Title::makeTitleSafe( NS_FILE, filename )."""
    try:
        title = parse_title(f"File:{filename}", site_name=ctx.settings.sitename)
    except InvalidTitle:
        raise invalid_title(filename) from None
    if title.namespace != NS_FILE:
        raise invalid_title(filename)
    return title


def _check_reupload(ctx: ApiContext, current: Image) -> None:
    user = ctx.user
    rights = ["reupload"]
    if not user.is_anon and current.user_id == user.id:
        rights.insert(0, "reupload-own")
    if not any(user.can(right) for right in rights):
        raise ApiError("apierror-permissiondenied", Message(f"action-{rights[0]}"),
                       code="permissiondenied")


def _status_entry(error: ApiError) -> dict[str, Any]:
    """One error of a failed status as ApiErrorFormatter::arrayFromStatus lists it."""
    return {"message": error.message.key, "params": list(error.message.params),
            "code": error.code, "type": "error"}
