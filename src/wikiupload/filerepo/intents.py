"""Publish intents: what a publish is about to do to stored objects, recorded before it does.

A publish writes its rows, moves the bytes into place, then commits. A process killed (or a
database connection lost) between the move and the commit leaves the new bytes under the
old row. So, before anything moves, the publish stores an intent object in the ``journal``
zone of the same store as the bytes — durable where they are, and outside the database
transaction, which on SQLite holds the write lock. The commit removes it; one that remains
tells ``upload.recovery`` exactly which objects to put back.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace

from wikiupload.filerepo.backends import NotFound, StorageBackend, StorageError

__all__ = ["JOURNAL_ZONE", "Intent", "load_intents", "name_prefix", "remove_intent",
           "write_intent"]

JOURNAL_ZONE = "journal"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Intent:
    """One publish about to move bytes: the version it makes (``name``, ``timestamp``,
    ``sha1`` in base 36), the archive copy it may make of the current object, and the stored
    object it moves into place (a stashed file; ``""`` for a local file or a copy)."""

    name: str
    timestamp: str                  # YYYYMMDDHHMMSS, the new version's
    sha1: str
    size: int
    archive_name: str = ""          # the archive copy of the superseded bytes, if any
    moved_from: str = ""
    created: float = field(default_factory=time.time)
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    stored_at: str = ""             # where it was found, if not at ``path`` (not stored)

    @property
    def path(self) -> str:
        return self.stored_at or f"{name_prefix(self.name)}{self.id}.json"

    @property
    def must_survive_power_loss(self) -> bool:
        """Whether the publish changes what already was stored: it archives a current
        version (and replaces it) or moves a stored object (a stashed file). A publish that
        only adds a new object risks no more than an unreferenced object if its intent is
        lost, which the next publish of the name replaces and ``check --repair`` removes."""
        return bool(self.archive_name or self.moved_from)


def _name_key(name: str) -> str:
    return f"{JOURNAL_ZONE}/{hashlib.sha1(name.encode()).hexdigest()}"


def name_prefix(name: str) -> str:
    """What the paths of one file name's intents start with:
    ``journal/<SHA-1 of the name>.`` (one flat directory: only unsettled intents are in it,
    and a new name makes no directory)."""
    return f"{_name_key(name)}."


def write_intent(backend: StorageBackend, intent: Intent) -> None:
    """Store the intent (its id is new: nothing to overwrite); durably when it must
    survive a power loss, else only past a killed process."""
    record = {key: value for key, value in asdict(intent).items() if key != "stored_at"}
    backend.put_bytes(intent.path, json.dumps(record).encode(),
                      durable=intent.must_survive_power_loss)


def remove_intent(backend: StorageBackend, intent: Intent) -> None:
    """Remove a settled intent. Not durably: one that comes back after a power loss is
    settled again, as the rows then say."""
    backend.delete(intent.path, missing_ok=True, durable=False)


def load_intents(backend: StorageBackend, name: str | None = None, *,
                 unreadable: list[str] | None = None) -> Iterator[Intent]:
    """The intents of file ``name`` (of every file if None); unreadable ones, and records
    found under another intent's name, are logged and skipped (and their paths added to
    ``unreadable``, if given). Both listings also find
    intents of the first layout, ``journal/<SHA-1 of the name>/<id>.json`` (a node of an
    older version may still write them)."""
    prefix = _name_key(name) if name is not None else f"{JOURNAL_ZONE}/"
    for path in list(backend.iter(prefix)):
        try:
            with backend.open(path) as stream:
                data = json.loads(stream.read(64 * 1024))
            intent = Intent(**data)
        except NotFound:
            continue        # settled meanwhile
        except StorageError:
            log.exception("could not read publish intent %s", path)
            continue
        except (ValueError, TypeError):
            if _settled_meanwhile(backend, path):
                continue
            log.warning("unreadable publish intent %s", path)
            if unreadable is not None:
                unreadable.append(path)
            continue
        if intent.path == path:
            yield intent
        elif path == _first_layout_path(intent):
            yield replace(intent, stored_at=path)
        elif not _settled_meanwhile(backend, path):
            # Another intent's record under this name: a file reused for intents (see
            # LocalBackend's spares) whose new record a power loss kept from the disk.
            log.warning("publish intent %s holds the record of %s", path, intent.path)
            if unreadable is not None:
                unreadable.append(path)


def _settled_meanwhile(backend: StorageBackend, path: str) -> bool:
    """Whether the intent at ``path`` went while it was read: a local store may then have
    written the next intent into its file (LocalBackend's spares), which is what was read.
    An intent's path is never written twice, so one still there was read as it is."""
    try:
        return not backend.exists(path)
    except StorageError:
        return False


def _first_layout_path(intent: Intent) -> str:
    return f"{_name_key(intent.name)}/{intent.id}.json"
