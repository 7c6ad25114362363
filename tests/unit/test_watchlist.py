"""watchlist.watch on a session that already holds watches."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import delete, select

from wikiupload.db.rows import table_of
from wikiupload.db.watch_models import Watch
from wikiupload.titles import Title
from wikiupload.watchlist import watch
from wikiupload.wiki import Wiki


def test_watching_leaves_watches_read_earlier_current(wiki_factory: Callable[..., Wiki]) -> None:
    wiki = wiki_factory()
    with wiki.db() as db:
        watch(db, wiki.settings, 7, Title(0, "First"))
        db.commit()
        [first, _talk] = db.scalars(select(Watch).where(Watch.title == "First")).all()
        first_id = first.id
        db.rollback()                       # the objects are expired, their rows still there
        db.connection().execute(delete(table_of(Watch)).where(table_of(Watch).c.id == first_id))
        watch(db, wiki.settings, 7, Title(0, "Second"))    # must not load the deleted one
        watch(db, wiki.settings, 8, Title(0, "First"))
        db.commit()
        rows = db.scalars(select(Watch).order_by(Watch.user_id, Watch.namespace)).all()
        assert [(w.user_id, w.namespace, w.title) for w in rows if w.title == "First"] == [
            (7, 1, "First"), (8, 0, "First"), (8, 1, "First")]
