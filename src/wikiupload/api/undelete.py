"""action=undelete: restore deleted revisions and file versions of a title.

As includes/api/ApiUndelete.php and includes/page/UndeletePage.php answer: with neither
``timestamps`` nor ``fileids`` everything is restored; an unknown file id fails the whole
request; text that was asked for but matched nothing is reported in an ``error`` object
next to a successful result when file versions were restored, and as ``cantundelete``
when nothing at all was restored.
"""

from __future__ import annotations

from typing import Any

from wikiupload.api import registry
from wikiupload.api.context import ApiContext
from wikiupload.api.deletion_support import (
    WATCHLIST,
    apply_watch,
    check_rights,
    check_tag_rights,
    check_tags,
    parse_target,
)
from wikiupload.api.module import ApiModule
from wikiupload.api.output import message_text, plain
from wikiupload.api.params import Param
from wikiupload.deletion.actions import Undeleted, undelete
from wikiupload.errors import ApiError
from wikiupload.filerepo.history import MissingArchivedVersion
from wikiupload.i18n.messages import Message

__all__ = ["UndeleteModule"]


@registry.register
class UndeleteModule(ApiModule):
    name = "undelete"
    class_name = "ApiUndelete"
    needs_token = "csrf"
    must_post = True
    write_mode = True
    help_url = "https://www.mediawiki.org/wiki/Special:MyLanguage/API:Undelete"
    description = ("Restore deleted revisions of a page and deleted versions of a file. "
                   "list=filearchive lists deleted file versions with their ids.")
    examples = (
        ("action=undelete&title=Main%20Page&token=123ABC&reason=Restoring%20main%20page",
         "Restore the page Main Page."),
        ("action=undelete&title=File:Example.png&fileids=12&token=123ABC",
         "Restore one deleted version of a file."),
    )
    params = (
        Param("title", "string", required=True, help="Title of the page to restore."),
        Param("reason", "string", default="", help="Reason for restoring."),
        Param("tags", "tags", multi=True, help="Change tags for the log entry."),
        Param("timestamps", "timestamp", multi=True,
              help="Timestamps of the revisions to restore. If both this and fileids are "
                   "empty, everything is restored."),
        Param("fileids", "integer", multi=True,
              help="IDs of the file versions to restore. If both this and timestamps are "
                   "empty, everything is restored."),
        Param("undeletetalk", "boolean", default=False,
              help="Also restore the talk page's revisions, if it has any."),
        WATCHLIST,
    )

    def execute(self, ctx: ApiContext, params: dict[str, Any]) -> None:
        check_tags(ctx, params["tags"])
        title = parse_target(ctx, params["title"])
        check_rights(ctx, ["undelete"])
        check_tag_rights(ctx, params["tags"])
        file_ids = list(dict.fromkeys(params["fileids"]))
        try:
            outcome = undelete(ctx.db, ctx.wiki.filerepo, title, ctx.user, params["reason"],
                               timestamps=params["timestamps"], file_ids=file_ids,
                               tags=params["tags"], with_talk=params["undeletetalk"])
        except MissingArchivedVersion as missing:
            raise ApiError("undelete-missing-filearchive", missing.file_id) from None
        self._notes(ctx, outcome)
        if outcome.revisions == 0 and outcome.files == 0:
            raise ApiError("apierror-cantundelete", code="cantundelete")
        if outcome.text_missing:
            _status_error(ctx, Message("undelete-no-results"))
        apply_watch(ctx, title, params["watchlist"], None)
        ctx.result["undelete"] = {"title": title.prefixed(ctx.settings.sitename),
                                  "revisions": outcome.revisions,
                                  "fileversions": outcome.files,
                                  "reason": params["reason"]}

    @staticmethod
    def _notes(ctx: ApiContext, outcome: Undeleted) -> None:
        if outcome.talk_problem is not None:
            ctx.warn("undelete", Message(outcome.talk_problem))


def _status_error(ctx: ApiContext, message: Message) -> None:
    """An error of a status that still succeeded: MediaWiki puts it in the result as it is
    (bc: one ``error`` object without docref; other formats: an ``errors`` list)."""
    code = message.key
    text = plain(message_text(ctx, message, "en" if ctx.errorformat == "bc" else ctx.errorlang))
    if ctx.errorformat == "bc":
        ctx.result["error"] = {"code": code, "info": text}
        return
    entry: dict[str, Any] = {"code": code}
    if ctx.errorformat in ("plaintext", "wikitext", "html"):
        key = "*" if not ctx.fv2 else ("html" if ctx.errorformat == "html" else "text")
        entry[key] = text
    elif ctx.errorformat == "raw":
        entry.update(message.as_raw())
    entry["module"] = "undelete"
    ctx.result["errors"] = [entry]
