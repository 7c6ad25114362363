"""Deleting and undeleting a title: the page, its file versions and the log entries.

Callers check rights and parameters first; these functions change rows and bytes and leave
the commit to the caller. Facts from includes/FileDeleteForm.php (doDelete),
includes/page/DeletePage.php and UndeletePage.php.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session as DbSession

from wikiupload.db.file_models import Image
from wikiupload.deletion.pages import (
    archive_page,
    archived_count,
    auto_delete_reason,
    lock_page,
    restore_revisions,
)
from wikiupload.filerepo.history import (
    byte_changes,
    delete_versions,
    lock_file,
    restore_versions,
)
from wikiupload.filerepo.repo import FileRepo
from wikiupload.i18n.messages import Message, render
from wikiupload.logentries import add_log_entry
from wikiupload.pages import Actor, find_page
from wikiupload.titles import NS_FILE, Title

__all__ = ["Undeleted", "delete_file", "delete_old_version", "delete_page", "delete_talk",
           "page_reason", "talk_title", "undelete"]


def talk_title(title: Title) -> Title | None:
    """The associated talk page; None for a title that is a talk page itself."""
    if title.namespace % 2 == 1 or title.namespace < 0:
        return None
    return Title(title.namespace + 1, title.text)


def page_reason(db: DbSession, title: Title, reason: str | None) -> str | None:
    """The reason as given, or the automatic one; None when the page has no revisions."""
    if reason is not None:
        return reason
    page = find_page(db, title)
    return auto_delete_reason(db, page) if page is not None else None


def delete_page(db: DbSession, title: Title, actor: Actor, reason: str,
                tags: Sequence[str] = ()) -> int | None:
    """Archive the page at ``title``; returns the log id (None if there is no page)."""
    page = lock_page(db, title)
    if page is None:
        return None
    page_id = page.id
    archive_page(db, page)
    return add_log_entry(db, "delete", "delete", actor, title, page_id=page_id,
                         comment=reason, tags=tags)


def delete_talk(db: DbSession, title: Title, actor: Actor, reason: str,
                tags: Sequence[str] = ()) -> int | None:
    talk = talk_title(title)
    if talk is None:
        return None
    comment = render(Message("delete-talk-summary-prefix", (reason,))).rstrip()
    return delete_page(db, talk, actor, comment, tags)


def delete_file(db: DbSession, repo: FileRepo, title: Title, current: Image, actor: Actor,
                reason: str, tags: Sequence[str] = (), *, with_talk: bool = False) -> int:
    """Delete the description page (and its talk page, if asked) and every version of the
    file; returns the log id. There is one log entry for the file: the page's, or (without
    a description page) one made here."""
    with byte_changes(repo, db) as changes:
        log_id = delete_page(db, title, actor, reason, tags)
        delete_versions(db, changes, title.db_key, actor, reason, current=current)
        if log_id is None:
            log_id = add_log_entry(db, "delete", "delete", actor, title, page_id=0,
                                   comment=reason, tags=tags)
        if with_talk:
            delete_talk(db, title, actor, reason, tags)
    return log_id


def delete_old_version(db: DbSession, repo: FileRepo, title: Title, current: Image,
                       archive_name: str, actor: Actor, reason: str,
                       tags: Sequence[str] = ()) -> int:
    """Delete one old version; the log comment names it. Returns the log id."""
    comment = render(Message("deletedrevision", (archive_name,)))
    if reason.strip():
        comment += ": " + reason
    with byte_changes(repo, db) as changes:
        delete_versions(db, changes, title.db_key, actor, reason, current=current,
                        archive_name=archive_name)
        page = find_page(db, title)
        log_id = add_log_entry(db, "delete", "delete", actor, title,
                               page_id=page.id if page is not None else 0, comment=comment,
                               tags=tags)
    return log_id


@dataclass
class Undeleted:
    revisions: int = 0
    files: int = 0
    text_missing: bool = False      # text was asked for and nothing matched
    talk_problem: str | None = None  # message key of why the talk page was not restored
    log_ids: list[int] = field(default_factory=list)


def undelete(db: DbSession, repo: FileRepo, title: Title, actor: Actor, reason: str, *,
             timestamps: Sequence[datetime] = (), file_ids: Sequence[int] = (),
             tags: Sequence[str] = (), with_talk: bool = False) -> Undeleted:
    """Restore file versions and revisions of ``title``; empty selections mean all.

    Raises MissingArchivedVersion (nothing changed) for an unknown file id.
    """
    outcome = Undeleted()
    everything = not timestamps and not file_ids
    with byte_changes(repo, db) as changes:
        if (everything or file_ids) and title.namespace == NS_FILE:
            current = lock_file(db, repo, title.db_key)
            outcome.files = restore_versions(db, changes, title.db_key, file_ids,
                                             current=current)
        if everything or timestamps:
            restored = restore_revisions(db, title, timestamps)
            outcome.revisions = restored.count
            outcome.text_missing = restored.count == 0
        if outcome.revisions or outcome.files:
            page = find_page(db, title)
            outcome.log_ids.append(_restore_log(db, title, actor, reason, tags,
                                                page.id if page is not None else 0,
                                                outcome.revisions, outcome.files))
        if with_talk:
            outcome.revisions += _undelete_talk(db, title, actor, reason, tags, outcome)
    return outcome


def _undelete_talk(db: DbSession, title: Title, actor: Actor, reason: str,
                   tags: Sequence[str], outcome: Undeleted) -> int:
    talk = talk_title(title)
    if talk is None:
        outcome.talk_problem = "undelete-error-associated-alreadytalk"
        return 0
    if archived_count(db, talk) == 0:
        outcome.talk_problem = "undelete-error-associated-notdeleted"
        return 0
    if outcome.text_missing:
        return 0
    restored = restore_revisions(db, talk)
    if restored.count:
        comment = render(Message("undelete-talk-summary-prefix", (reason,))).rstrip()
        page_id = restored.page.id if restored.page is not None else 0
        outcome.log_ids.append(_restore_log(db, talk, actor, comment, tags, page_id,
                                            restored.count, 0))
    return restored.count


def _restore_log(db: DbSession, title: Title, actor: Actor, comment: str,
                 tags: Sequence[str], page_id: int, revisions: int, files: int) -> int:
    params = {":assoc:count": {"revisions": revisions, "files": files}}
    return add_log_entry(db, "delete", "restore", actor, title, page_id=page_id,
                         comment=comment, params=params, tags=tags)
