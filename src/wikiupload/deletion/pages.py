"""Deleting a page into the archive and restoring its revisions.

Facts from includes/page/DeletePage.php, UndeletePage.php and
includes/content/ContentHandler.php (getAutoDeleteReason):

* Deleting moves every revision to ``archive`` with its page and revision ids, then removes
  the page.
* Restoring (all archived revisions of the title, or those with the given timestamps,
  oldest first) recreates the page under its old id when that id is free, or adds the
  revisions to the page that exists now; a revision whose id is taken stays archived. The
  newest restored revision becomes the latest one if it is newer than the current latest.
* The automatic reason quotes the latest text (or the text before blanking) and names the
  only contributor of the last 20 revisions, if there is just one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session as DbSession

from wikiupload.db.archive_models import ArchivedRevision
from wikiupload.db.models import Page, Revision
from wikiupload.filerepo.repo import mw_timestamp
from wikiupload.i18n.messages import Message, render
from wikiupload.pages import latest_revision
from wikiupload.timestamps import utc
from wikiupload.titles import Title

__all__ = ["Restored", "archive_page", "archived_count", "auto_delete_reason",
           "lock_page", "restore_revisions"]

COMMENT_CHARACTER_LIMIT = 500     # CommentStore::COMMENT_CHARACTER_LIMIT
ELLIPSIS = "..."


def lock_page(db: DbSession, title: Title) -> Page | None:
    return db.scalars(select(Page).where(Page.namespace == title.namespace,
                                         Page.title == title.db_key).with_for_update()
                      .execution_options(populate_existing=True)).first()


def archive_page(db: DbSession, page: Page) -> int:
    """Move the page's revisions to the archive and remove the page; returns the count."""
    revisions = db.scalars(select(Revision).where(Revision.page_id == page.id)
                           .order_by(Revision.id)).all()
    for revision in revisions:
        db.add(ArchivedRevision(
            namespace=page.namespace, title=page.title, page_id=page.id, rev_id=revision.id,
            parent_id=revision.parent_id, user_id=revision.user_id,
            user_text=revision.user_text, timestamp=revision.timestamp,
            comment=revision.comment, content=revision.content, sha1=revision.sha1,
            size=revision.size, minor=revision.minor, tags=revision.tags,
            content_model=page.content_model))
    db.execute(delete(Revision).where(Revision.page_id == page.id))
    db.delete(page)
    db.flush()
    return len(revisions)


def archived_count(db: DbSession, title: Title) -> int:
    rows = db.scalars(select(ArchivedRevision.id).where(
        ArchivedRevision.namespace == title.namespace,
        ArchivedRevision.title == title.db_key))
    return len(rows.all())


@dataclass(frozen=True)
class Restored:
    count: int          # revisions restored
    page: Page | None   # the page afterwards


def restore_revisions(db: DbSession, title: Title,
                      timestamps: Sequence[datetime] = ()) -> Restored:
    """Restore archived revisions of ``title`` (those at ``timestamps``, or all)."""
    rows = _archived_rows(db, title, timestamps)
    page = lock_page(db, title)
    if not rows:
        return Restored(0, page)
    newest = rows[-1]
    previous = latest_revision(db, page) if page is not None else None
    if page is None:
        page = _recreate_page(db, title, newest)
    revisions = _insert_revisions(db, page, rows)
    if previous is None or utc(newest.timestamp) > utc(previous.timestamp):
        page.latest = revisions[-1].id
        page.length = newest.size
        page.touched = newest.timestamp
        db.flush()
    return Restored(len(rows), page)


def _archived_rows(db: DbSession, title: Title,
                   timestamps: Sequence[datetime]) -> list[ArchivedRevision]:
    rows = db.scalars(select(ArchivedRevision).where(
        ArchivedRevision.namespace == title.namespace, ArchivedRevision.title == title.db_key)
        .order_by(ArchivedRevision.timestamp, ArchivedRevision.id).with_for_update()).all()
    if not timestamps:
        return list(rows)
    wanted = {mw_timestamp(utc(stamp)) for stamp in timestamps}
    return [row for row in rows if mw_timestamp(utc(row.timestamp)) in wanted]


def _insert_revisions(db: DbSession, page: Page,
                      rows: Sequence[ArchivedRevision]) -> list[Revision]:
    """The rows as revisions of ``page`` (same order); free ids are kept, taken ones are
    replaced by new ids (inserted last, so that they cannot take a kept one)."""
    ids = [row.rev_id for row in rows]
    taken = set(db.scalars(select(Revision.id).where(Revision.id.in_(ids)))) if ids else set()
    revisions = [Revision(page_id=page.id, parent_id=row.parent_id, user_id=row.user_id,
                          user_text=row.user_text, timestamp=row.timestamp,
                          comment=row.comment, content=row.content, sha1=row.sha1,
                          size=row.size, minor=row.minor, tags=row.tags) for row in rows]
    for row, revision in zip(rows, revisions, strict=True):
        if row.rev_id not in taken:
            revision.id = row.rev_id
            taken.add(row.rev_id)
            db.add(revision)
    db.flush()
    for revision in revisions:
        if revision.id is None:
            db.add(revision)
            db.flush()
    new_ids = {row.rev_id: revision.id for row, revision in zip(rows, revisions, strict=True)}
    for revision in revisions:
        revision.parent_id = new_ids.get(revision.parent_id, revision.parent_id)
    for row in rows:
        db.delete(row)
    db.flush()
    return revisions


def _recreate_page(db: DbSession, title: Title, newest: ArchivedRevision) -> Page:
    """The page again, under its old id when no other page has taken it."""
    reuse = newest.page_id if newest.page_id and db.get(Page, newest.page_id) is None \
        else None
    page = Page(namespace=title.namespace, title=title.db_key, latest=0,
                touched=newest.timestamp, length=0, content_model=newest.content_model)
    if reuse is not None:
        page.id = reuse
    db.add(page)
    db.flush()
    return page


# -- the automatic reason -------------------------------------------------------------------

def auto_delete_reason(db: DbSession, page: Page) -> str | None:
    """What MediaWiki writes when no reason is given; None for a page without revisions."""
    revision = latest_revision(db, page)
    if revision is None:
        return None
    blank = False
    if not revision.content and revision.parent_id:
        previous = db.get(Revision, revision.parent_id)
        if previous is not None:
            revision, blank = previous, True
    authors = db.scalars(select(Revision.user_text).where(Revision.page_id == page.id)
                         .order_by(Revision.id.desc()).limit(20)).all()
    only_author = authors[0] if authors and len(set(authors)) == 1 else None
    if blank:
        template = render(Message("exbeforeblank", ("$1",)))
    elif only_author is not None:
        template = render(Message("excontentauthor", ("$1", only_author)))
    else:
        template = render(Message("excontent", ("$1",)))
    room = COMMENT_CHARACTER_LIMIT - (len(template.encode()) - 2)
    text = truncate_bytes(re.sub(r"[\n\r]", " ", revision.content), room)
    return template.replace("$1", text)


def truncate_bytes(text: str, limit: int) -> str:
    """Language::truncateForDatabase: at most ``limit`` UTF-8 bytes, ``...`` marking a cut."""
    data = text.encode()
    if len(data) <= limit:
        return text
    room = limit - len(ELLIPSIS)
    if room <= 0:
        return ELLIPSIS
    return data[:room].decode("utf-8", errors="ignore").rstrip() + ELLIPSIS
