"""Pages and revisions: saving, reading, content models and URLs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import select
from tests.support import recorded_sql

from wikiupload.auth.users import create_user
from wikiupload.db.models import Page, Revision, User
from wikiupload.pages import (
    add_revision,
    content_model_for,
    edit_url,
    find_page,
    find_pages,
    latest_revision,
    latest_revisions,
    page_url,
    save_page,
)
from wikiupload.timestamps import iso as iso_timestamp
from wikiupload.titles import Title
from wikiupload.wiki import Wiki

WHEN = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_save_creates_then_extends_a_page(wiki_factory: Callable[..., Wiki]) -> None:
    wiki = wiki_factory()
    title = Title(6, "Ünï code.png")
    with wiki.db() as db:
        user = create_user(db, "Editor", "Editor-password-1", [])
        first = save_page(db, title, "héllo", "first", user, timestamp=WHEN)
        second = save_page(db, title, "bye", "second", user, minor=True, tags=("a", "b"),
                           timestamp=WHEN + timedelta(seconds=5))
        assert (first.created, second.created) == (True, False)
        assert first.page_id == second.page_id
        db.commit()
    with wiki.db() as db:
        page = find_page(db, title)
        assert page is not None
        assert (page.id, page.title, page.latest, page.length) == (
            first.page_id, "Ünï_code.png", second.revision_id, 3)
        assert iso_timestamp(page.touched) == "2024-01-02T03:04:10Z"
        latest = latest_revision(db, page)
        assert latest is not None
        assert (latest.parent_id, latest.minor, latest.tags) == (first.revision_id, True, "a,b")
        original = db.get(Revision, first.revision_id)
        assert original is not None
        assert (original.size, original.sha1) == (6, "35b5ea45c5e41f78b46a937cc74d41dfea920890")
        assert latest_revisions(db, [page]) == {page.id: latest}
        assert find_pages(db, [title, Title(0, "Nope")]) == {title: page}
        editor = db.scalars(select(User).where(User.name == "Editor")).one()
        assert editor.edit_count == 2
        assert len(db.scalars(select(Page)).all()) == 1


def test_a_page_held_in_the_session_follows_the_edit(wiki_factory: Callable[..., Wiki]) -> None:
    wiki = wiki_factory()
    title = Title(6, "Held.png")
    with wiki.db() as db:
        user = create_user(db, "Editor", "Editor-password-1", [])
        save_page(db, title, "one", "first", user, timestamp=WHEN)
        page = find_page(db, title)
        assert page is not None
        second = add_revision(db, title, page, "three", "second", user,
                              timestamp=WHEN + timedelta(seconds=1))
        assert (page.latest, page.length) == (second.revision_id, 5)
        assert page not in db.dirty        # the row says so already
        assert find_page(db, title) is page
        db.commit()
    with wiki.db() as db:
        stored = find_page(db, title)
        assert stored is not None and stored.latest == second.revision_id


def test_timestamps_are_utc() -> None:
    assert iso_timestamp(datetime(2024, 1, 2, 3, 4, 5)) == "2024-01-02T03:04:05Z"
    plus_two = timezone(timedelta(hours=2))
    assert iso_timestamp(datetime(2024, 1, 2, 5, 4, 5, tzinfo=plus_two)) == \
        "2024-01-02T03:04:05Z"


def test_content_models() -> None:
    assert content_model_for(Title(8, "Common.css")) == "css"
    assert content_model_for(Title(8, "Gadget.js")) == "javascript"
    assert content_model_for(Title(2, "X/data.json")) == "json"
    assert content_model_for(Title(2, "X.js")) == "wikitext"
    assert content_model_for(Title(6, "Style.css")) == "wikitext"
    assert content_model_for(Title(0, "Plain")) == "wikitext"


def test_urls(wiki_factory: Callable[..., Wiki]) -> None:
    settings = wiki_factory(server="https://media.example.org").settings
    title = Title(6, "A b&c?.png")
    assert page_url(settings, title) == "https://media.example.org/wiki/File:A_b%26c%3F.png"
    assert edit_url(settings, Title(4, "X")) == (
        "https://media.example.org/index.php?title=RefWiki:X&action=edit")


def test_a_page_found_in_a_transaction_is_fetched_again_by_id(
        wiki_factory: Callable[..., Wiki]) -> None:
    """find_page asks the database once per title and transaction; a page deleted since is
    not returned, and a new transaction asks again."""
    wiki = wiki_factory()
    title = Title(6, "Cached.png")
    with wiki.db() as db:
        user = create_user(db, "Editor", "Editor-password-1", [])
        save_page(db, title, "text", "first", user, timestamp=WHEN)
        db.commit()
    with recorded_sql(wiki.engine) as statements, wiki.db() as db:
        first = find_page(db, title)
        asked = len(statements)
        assert first is not None and find_page(db, title) is first
        assert len(statements) == asked            # no query the second time
        db.delete(first)
        assert find_page(db, title) is None         # deleted in this transaction
        db.rollback()
        again = find_page(db, title)                # a new transaction asks again
        assert again is not None and len(statements) > asked
