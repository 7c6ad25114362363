"""What a server or job-worker process does before it starts work: settle the publish intents
a killed process left behind (``upload.recovery``) and free the upload slots that dead
processes on this host still hold."""

from __future__ import annotations

import logging
from collections import Counter

from wikiupload.auth.counters import release_dead_leases
from wikiupload.filerepo.backends import StorageError, StoreMisconfigured
from wikiupload.upload.recovery import drop_unreadable_intents, settle_intents
from wikiupload.wiki import Wiki

__all__ = ["recover"]

log = logging.getLogger(__name__)


def recover(wiki: Wiki) -> Counter[str]:
    """Clean up after processes that were killed; returns what was done, by kind."""
    done: Counter[str] = Counter()
    try:
        done.update(settled.outcome for settled in settle_intents(wiki.sessionmaker,
                                                                  wiki.filerepo))
        done["unreadable-intents"] = len(drop_unreadable_intents(wiki.filerepo))
    except StoreMisconfigured:
        raise               # no use serving: every upload would fail
    except StorageError:    # the store is down: serve anyway, every change settles its name
        log.exception("could not list the publish intents")
    with wiki.db() as db:
        done["dead-leases"] = release_dead_leases(db)
        db.commit()
    if done.total():
        log.warning("recovered after an interrupted run: %s", dict(+done))
    return +done
