"""Writing log entries (``logging`` rows) with the change tags applied to them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session as DbSession

from wikiupload.changetags import tag_log_entry
from wikiupload.db.file_models import LogEntry
from wikiupload.db.rows import insert_row, insert_statement
from wikiupload.pages import Actor
from wikiupload.timestamps import now
from wikiupload.titles import Title

__all__ = ["add_log_entry"]

_INSERT = insert_statement(LogEntry)


def add_log_entry(db: DbSession, log_type: str, action: str, actor: Actor, title: Title,
                  *, page_id: int, comment: str,
                  params: dict[str, Any] | list[Any] | None = None,
                  tags: Sequence[str] = (), timestamp: datetime | None = None) -> int:
    """Record ``log_type/action`` on ``title``; returns the entry's id. ``params`` use
    MediaWiki's key spelling (``":assoc:count"``, ``"img_sha1"``). The caller commits."""
    log_id = insert_row(db, _INSERT, {
        "log_type": log_type, "log_action": action, "timestamp": timestamp or now(),
        "user_id": actor.id, "user_text": actor.name, "namespace": title.namespace,
        "title": title.db_key, "page_id": page_id, "comment": comment,
        "params": json.dumps({} if params is None else params), "deleted": 0})
    tag_log_entry(db, tags, log_id)
    return log_id
