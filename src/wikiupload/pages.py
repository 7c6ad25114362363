"""Wiki pages and their revisions: find, read and save (what WikiPage/RevisionStore do).

Revisions hold the whole wikitext of the page's main slot. ``Revision.sha1`` is the hex
SHA-1 of the UTF-8 text and ``Revision.size`` its length in bytes, as MediaWiki reports them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol
from urllib.parse import quote

from sqlalchemy import bindparam, inspect, select
from sqlalchemy.orm import Session as DbSession
from sqlalchemy.orm.attributes import set_committed_value

from wikiupload.config import Settings
from wikiupload.db.models import Page, Revision, User
from wikiupload.db.rows import execute, insert_row, insert_statement, table_of
from wikiupload.timestamps import utc as as_utc
from wikiupload.titles import Title

__all__ = [
    "Actor", "content_model_for", "edit_url", "find_page", "find_pages",
    "is_redirect", "latest_revision", "latest_revisions", "page_title", "page_url",
    "SavedEdit", "add_revision", "save_page", "text_sha1",
]

NS_USER, NS_MEDIAWIKI = 2, 8
_REDIRECT = re.compile(r"^\s*#REDIRECT\s*:?\s*\[\[[^\]]+\]\]", re.IGNORECASE)
_CODE_MODELS = {".css": "css", ".js": "javascript", ".json": "json"}


class Actor(Protocol):
    """Who makes an edit: a ``Principal`` or a ``User`` row both fit."""

    @property
    def id(self) -> int: ...

    @property
    def name(self) -> str: ...


def text_sha1(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


def page_title(page: Page) -> Title:
    return Title(page.namespace, page.title.replace("_", " "))


# Several times in every upload: built once.
_FIND_PAGE = select(Page).where(Page.namespace == bindparam("namespace"),
                                Page.title == bindparam("title"))
_PAGE_ID = select(Page.id).where(Page.namespace == bindparam("namespace"),
                                 Page.title == bindparam("title"))
# An edit writes its rows with one statement each, on the tables: no unit-of-work flush.
_USERS = table_of(User)
_ADD_EDIT = (_USERS.update().where(_USERS.c.id == bindparam("user_id"))
             .values(edit_count=_USERS.c.edit_count + 1))
_PAGES = table_of(Page)
_INSERT_PAGE = insert_statement(Page)
_INSERT_REVISION = insert_statement(Revision)
_SET_LATEST = (_PAGES.update().where(_PAGES.c.id == bindparam("page"))
               .values(latest=bindparam("revision"), touched=bindparam("when"),
                       length=bindparam("bytes")))
_KNOWN_PAGES = "wikiupload.pages.known"


def _known_pages(db: DbSession) -> dict[tuple[int, str], Page] | None:
    """Pages by (namespace, DB key) found or created in the current transaction (None
    outside one), so that an upload, which asks for its file page several times, reads it
    once. Held here, they also stay in the session's identity map (it keeps only objects
    that something refers to)."""
    transaction = db.get_transaction()
    if transaction is None:
        return None
    stored = db.info.get(_KNOWN_PAGES)
    if stored is None or stored[0] is not transaction:
        stored = db.info[_KNOWN_PAGES] = (transaction, {})
    known: dict[tuple[int, str], Page] = stored[1]
    return known


def _remember(db: DbSession, page: Page) -> None:
    known = _known_pages(db)
    if known is not None:
        known[(page.namespace, page.title)] = page


def find_page(db: DbSession, title: Title) -> Page | None:
    key = (title.namespace, title.db_key)
    known = _known_pages(db)
    page = known.get(key) if known is not None else None
    if page is not None and inspect(page).persistent and page not in db.deleted:
        return page          # still in this session, not deleted since
    where = {"namespace": key[0], "title": key[1]}
    # Most uploads are of new files: a page that is not there costs no ORM query.
    if execute(db, _PAGE_ID, where).first() is None:
        return None
    page = db.scalars(_FIND_PAGE, where).first()
    if page is not None:
        _remember(db, page)  # the query may have begun the transaction
    return page


def find_pages(db: DbSession, titles: Iterable[Title]) -> dict[Title, Page]:
    """The existing pages among ``titles`` (one query per namespace)."""
    by_ns: dict[int, set[str]] = {}
    for title in titles:
        by_ns.setdefault(title.namespace, set()).add(title.db_key)
    found: dict[Title, Page] = {}
    for ns, keys in by_ns.items():
        rows = db.scalars(select(Page).where(Page.namespace == ns, Page.title.in_(keys)))
        for page in rows:
            found[page_title(page)] = page
    return found


def latest_revision(db: DbSession, page: Page) -> Revision | None:
    return db.get(Revision, page.latest) if page.latest else None


def latest_revisions(db: DbSession, pages: Sequence[Page]) -> dict[int, Revision]:
    """Page id -> its latest revision, for many pages in one query."""
    ids = [page.latest for page in pages if page.latest]
    if not ids:
        return {}
    rows = db.scalars(select(Revision).where(Revision.id.in_(ids)))
    return {rev.page_id: rev for rev in rows}


def is_redirect(text: str) -> bool:
    return _REDIRECT.match(text) is not None


def content_model_for(title: Title) -> str:
    """The content model a new page gets: code pages by suffix, else wikitext."""
    suffix = "." + title.text.rsplit(".", 1)[-1] if "." in title.text else ""
    model = _CODE_MODELS.get(suffix)
    if model is None:
        return "wikitext"
    if title.namespace == NS_MEDIAWIKI:
        return model
    if title.namespace == NS_USER and "/" in title.text:
        return model
    return "wikitext"


@dataclass(frozen=True)
class SavedEdit:
    page_id: int
    revision_id: int
    created: bool                       # the edit created the page


def save_page(db: DbSession, title: Title, text: str, comment: str, user: Actor, *,
              minor: bool = False, tags: Sequence[str] = (),
              timestamp: datetime | None = None, count_edit: bool = True) -> SavedEdit:
    """Add a revision with ``text`` to the page at ``title``, creating the page if needed.

    The caller commits. ``count_edit`` adds one to the user's edit count, as an edit does.
    """
    return add_revision(db, title, find_page(db, title), text, comment, user, minor=minor,
                        tags=tags, timestamp=timestamp, count_edit=count_edit)


def add_revision(db: DbSession, title: Title, page: Page | None, text: str, comment: str,
                 user: Actor, *, minor: bool = False, tags: Sequence[str] = (),
                 timestamp: datetime | None = None, count_edit: bool = True) -> SavedEdit:
    """``save_page`` for a caller that has looked up the page (None: there is none yet)."""
    now = as_utc(timestamp or datetime.now(UTC)).replace(microsecond=0)
    if page is None:
        page_id = insert_row(db, _INSERT_PAGE, {
            "namespace": title.namespace, "title": title.db_key, "latest": 0,
            "touched": now, "length": 0, "content_model": content_model_for(title)})
        parent_id = 0
    else:
        page_id, parent_id = page.id, page.latest
    data = text.encode()
    revision_id = insert_row(db, _INSERT_REVISION, {
        "page_id": page_id, "parent_id": parent_id, "user_id": user.id,
        "user_text": user.name, "timestamp": now, "comment": comment, "content": text,
        "sha1": text_sha1(text), "size": len(data), "minor": minor, "tags": ",".join(tags)})
    execute(db, _SET_LATEST, {"page": page_id, "revision": revision_id, "when": now,
                              "bytes": len(data)})
    if page is not None:   # the object in the session says what the row now says
        for name, value in (("latest", revision_id), ("touched", now), ("length", len(data))):
            set_committed_value(page, name, value)
    if count_edit and user.id:   # in the row only: a User loaded in the session keeps its count
        execute(db, _ADD_EDIT, {"user_id": user.id})
    return SavedEdit(page_id, revision_id, page is None)


def _url_key(title: Title, settings: Settings) -> str:
    """``wfUrlencode`` of the prefixed DB key: ``:`` ``/`` and a few others stay readable."""
    prefixed = title.prefixed(settings.sitename).replace(" ", "_")
    return quote(prefixed, safe=";@$!*(),/~:")


def page_url(settings: Settings, title: Title) -> str:
    """The full URL of a page, through ``$wgArticlePath``."""
    path = settings.article_path.replace("$1", _url_key(title, settings))
    return settings.base_url + path


def edit_url(settings: Settings, title: Title) -> str:
    script = settings.script_path.rstrip("/")
    return (f"{settings.base_url}{script}/index.php?title={_url_key(title, settings)}"
            "&action=edit")
