"""action=delete: delete a page, a file with all its versions, or one old file version.

Order of checks and answers as includes/api/ApiDelete.php and FileDeleteForm.php give them:
target (title or pageid), existence (a file counts even without its page), then for files
the ``delete`` right, tags and ``oldimage``; for other pages the automatic reason, then the
right and tags.
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
    missing_title,
    title_or_pageid,
)
from wikiupload.api.module import ApiModule
from wikiupload.api.params import Param
from wikiupload.db.file_models import Image
from wikiupload.deletion.actions import (
    delete_file,
    delete_old_version,
    delete_page,
    delete_talk,
    page_reason,
    talk_title,
)
from wikiupload.errors import ApiError
from wikiupload.filerepo.history import find_old_version, lock_file
from wikiupload.i18n.messages import Message
from wikiupload.pages import find_page
from wikiupload.titles import NS_FILE, Title

__all__ = ["DeleteModule"]


@registry.register
class DeleteModule(ApiModule):
    name = "delete"
    class_name = "ApiDelete"
    needs_token = "csrf"
    must_post = True
    write_mode = True
    help_url = "https://www.mediawiki.org/wiki/Special:MyLanguage/API:Delete"
    description = "Delete a page, or a file with its history, or one old version of a file."
    examples = (
        ("action=delete&title=Main%20Page&token=123ABC", "Delete the page Main Page."),
        ("action=delete&title=File:Example.png&oldimage=20240101000000!Example.png"
         "&reason=Obsolete&token=123ABC", "Delete one old version of a file."),
    )
    params = (
        Param("title", "string", help="Title of the page to delete. Cannot be used together "
                                      "with pageid."),
        Param("pageid", "integer", help="Page ID of the page to delete. Cannot be used "
                                        "together with title."),
        Param("reason", "string", help="Reason for the deletion. If not set, one is made "
                                       "from the page's content."),
        Param("tags", "tags", multi=True, help="Change tags for the deletion log entry."),
        Param("deletetalk", "boolean", default=False,
              help="Also delete the talk page, if there is one."),
        Param("watch", "boolean", default=False, deprecated=True,
              help="Add the page to the current user's watchlist."),
        WATCHLIST,
        Param("unwatch", "boolean", default=False, deprecated=True,
              help="Remove the page from the current user's watchlist."),
        Param("oldimage", "string", help="The archive name of the old file version to "
                                         "delete, as prop=imageinfo&iiprop=archivename "
                                         "gives it."),
    )

    def execute(self, ctx: ApiContext, params: dict[str, Any]) -> None:
        check_tags(ctx, params["tags"])
        title = title_or_pageid(ctx, params)
        current = ctx.db.get(Image, title.db_key) if title.namespace == NS_FILE else None
        if current is None and find_page(ctx.db, title) is None:
            raise missing_title()
        if current is not None:
            reason = params["reason"] or ""
            log_id = self._delete_file(ctx, title, reason, params)
        else:
            reason, log_id = self._delete_page(ctx, title, params)
        choice = "watch" if params["watch"] else "unwatch" if params["unwatch"] \
            else params["watchlist"]
        apply_watch(ctx, title, choice, "watchdeletion")
        ctx.result["delete"] = {"title": title.prefixed(ctx.settings.sitename),
                                "reason": reason, "logid": log_id}

    @staticmethod
    def _delete_file(ctx: ApiContext, title: Title, reason: str,
                     params: dict[str, Any]) -> int:
        check_rights(ctx, ["delete"])
        check_tag_rights(ctx, params["tags"])
        oldimage = params["oldimage"]
        if oldimage:
            if len(oldimage.encode()) < 16 or "/" in oldimage or "\\" in oldimage:
                raise ApiError("invalidoldimage")
            if find_old_version(ctx.db, title.db_key, oldimage) is None:
                raise ApiError("nodeleteablefile")
        elif params["deletetalk"]:
            _require_talk(ctx, title)
        repo = ctx.wiki.filerepo
        current = lock_file(ctx.db, ctx.wiki.filerepo, title.db_key)
        if current is None:
            raise missing_title()
        if oldimage:
            if find_old_version(ctx.db, title.db_key, oldimage) is None:
                raise ApiError("nodeleteablefile")
            return delete_old_version(ctx.db, repo, title, current, oldimage, ctx.user,
                                      reason, params["tags"])
        return delete_file(ctx.db, repo, title, current, ctx.user, reason, params["tags"],
                           with_talk=params["deletetalk"])

    @staticmethod
    def _delete_page(ctx: ApiContext, title: Title, params: dict[str, Any]) -> tuple[str, int]:
        site = ctx.settings.sitename
        reason = page_reason(ctx.db, title, params["reason"])
        if reason is None:
            raise ApiError("cannotdelete", title.prefixed(site))
        check_rights(ctx, ["delete"])
        check_tag_rights(ctx, params["tags"])
        with_talk = params["deletetalk"] and _talk_can_go(ctx, title)
        log_id = delete_page(ctx.db, title, ctx.user, reason, params["tags"])
        if log_id is None:
            raise ApiError("cannotdelete", title.prefixed(site))
        if with_talk:
            delete_talk(ctx.db, title, ctx.user, reason, params["tags"])
        return reason, log_id


def _talk_problem(ctx: ApiContext, title: Title) -> str | None:
    talk = talk_title(title)
    if talk is None:
        return "delete-error-associated-alreadytalk"
    if find_page(ctx.db, talk) is None:
        return "delete-error-associated-doesnotexist"
    return None


def _talk_can_go(ctx: ApiContext, title: Title) -> bool:
    """For pages a missing talk page is only a warning."""
    problem = _talk_problem(ctx, title)
    if problem is not None:
        ctx.warn("delete", Message(problem))
    return problem is None


def _require_talk(ctx: ApiContext, title: Title) -> None:
    """For files it is an error (FileDeleteForm gives up)."""
    problem = _talk_problem(ctx, title)
    if problem is not None:
        raise ApiError(problem)
