"""Helpers for the page tests: pages written straight into a test wiki's database."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from wikiupload.db.models import Page, Revision, User
from wikiupload.pages import save_page
from wikiupload.timestamps import iso as iso_timestamp
from wikiupload.titles import parse_title
from wikiupload.wiki import Wiki

MAILING_LIST = ("Subscribe to the mediawiki-api-announce mailing list at "
                "<https://lists.wikimedia.org/postorius/lists/mediawiki-api-announce.lists"
                ".wikimedia.org/> for notice of API deprecations and breaking changes.")
LANGUAGE = {"contentmodel": "wikitext", "pagelanguage": "en", "pagelanguagehtmlcode": "en",
            "pagelanguagedir": "ltr"}


@dataclass(frozen=True)
class SavedRevision:
    page_id: int
    rev_id: int
    parent_id: int
    user_id: int
    timestamp: str          # API format
    touched: str
    length: int


def edit(wiki: Wiki, title: str, text: str, comment: str = "", user: str = "Uploader",
         minor: bool = False, tags: tuple[str, ...] = ()) -> SavedRevision:
    """Save a revision of ``title`` as ``user`` and commit."""
    with wiki.db() as db:
        author = db.scalars(select(User).where(User.name == user)).one()
        done = save_page(db, parse_title(title, site_name=wiki.settings.sitename), text,
                         comment, author, minor=minor, tags=tags)
        page, rev = db.get(Page, done.page_id), db.get(Revision, done.revision_id)
        assert page is not None and rev is not None
        saved = SavedRevision(rev.page_id, rev.id, rev.parent_id, author.id,
                              iso_timestamp(rev.timestamp), iso_timestamp(page.touched),
                              page.length)
        db.commit()
    return saved


def revision_count(wiki: Wiki) -> int:
    with wiki.db() as db:
        return len(db.scalars(select(Revision)).all())


def without(data: dict[str, Any], *keys: str) -> dict[str, Any]:
    """``data`` minus some keys (for answers that other modules add to)."""
    return {key: value for key, value in data.items() if key not in keys}
