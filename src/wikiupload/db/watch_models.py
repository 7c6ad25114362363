"""Watchlists and change-tag definitions (MediaWiki's ``watchlist``, ``watchlist_expiry``
and ``change_tag_def`` tables, with portable types).

A watch row names one page of one user; watching a page always watches its talk or subject
page too, so rows come in pairs. ``notification_timestamp`` is set when someone else changes
the page after the user last saw it; ``expiry`` is kept only when watchlist expiry is on.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wikiupload.db.models import ID, Base

__all__ = ["ChangeTagDef", "Watch"]


class Watch(Base):
    """One watched page of one user (``wl_*`` with ``we_expiry``)."""

    __tablename__ = "watchlist"
    __table_args__ = (
        UniqueConstraint("user_id", "namespace", "title", name="uq_watchlist_user_page"),
        Index("ix_watchlist_page", "namespace", "title"),
        Index("ix_watchlist_expiry", "expiry"),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ID)
    namespace: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(255))          # DB key, underscores
    notification_timestamp: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True)
    expiry: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ChangeTagDef(Base):
    """A tag that has been applied at least once, with its hit count (``ctd_*``)."""

    __tablename__ = "change_tag_def"

    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger, default=0)
