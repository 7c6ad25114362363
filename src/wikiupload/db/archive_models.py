"""Deleted page revisions (MediaWiki's ``archive`` table) and tags on log entries.

A deleted page's revisions move here with their original page and revision ids, so that
undeletion can give them back unchanged (includes/page/DeletePage.php, UndeletePage.php).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from wikiupload.db.models import ID, Base

__all__ = ["ArchivedRevision", "LogTag"]


class ArchivedRevision(Base):
    """One revision of a deleted page (``ar_*``)."""

    __tablename__ = "archive"
    __table_args__ = (
        Index("ix_archive_name_timestamp", "namespace", "title", "timestamp"),
        Index("ix_archive_rev_id", "rev_id"),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    namespace: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(255))
    page_id: Mapped[int] = mapped_column(ID, default=0)      # the page it belonged to
    rev_id: Mapped[int] = mapped_column(ID)                   # its revision id, kept
    parent_id: Mapped[int] = mapped_column(ID, default=0)
    user_id: Mapped[int] = mapped_column(ID, default=0)
    user_text: Mapped[str] = mapped_column(String(255), default="")
    timestamp: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    comment: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[str] = mapped_column(Text, default="")
    sha1: Mapped[str] = mapped_column(String(40), default="")
    size: Mapped[int] = mapped_column(Integer, default=0)
    minor: Mapped[bool] = mapped_column(default=False)
    tags: Mapped[str] = mapped_column(Text, default="")
    content_model: Mapped[str] = mapped_column(String(32), default="wikitext")


class LogTag(Base):
    """A change tag applied to a log entry (``change_tag`` rows with ``ct_log_id``)."""

    __tablename__ = "log_tag"
    __table_args__ = (Index("ix_log_tag_tag", "tag", "log_id"),)

    log_id: Mapped[int] = mapped_column(ID, primary_key=True)
    tag: Mapped[str] = mapped_column(String(255), primary_key=True)
