"""Counters and leases that several server processes share: rate-limit hits
(``$wgRateLimits``) and the slots of uploads in progress."""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from wikiupload.db.models import ID, Base

__all__ = ["RateLimitCounter", "UploadLease"]


class RateLimitCounter(Base):
    """Hits of one limiter key in a fixed window that ends at ``expires`` (unix seconds)."""

    __tablename__ = "rate_limit_counter"
    __table_args__ = (Index("ix_rate_limit_counter_expires", "expires"),)

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    hits: Mapped[int] = mapped_column(BigInteger, default=0)
    expires: Mapped[int] = mapped_column(BigInteger, default=0)


class UploadLease(Base):
    """One upload in progress for ``holder`` (``user:ID`` or ``ip:ADDRESS``).

    Released when the request ends. A process that dies leaves a lease that stops counting
    at ``expires`` (unix seconds), or sooner once a process on its host finds ``owner`` (the
    holding process, see ``wikiupload.processes``) gone.
    """

    __tablename__ = "upload_lease"
    __table_args__ = (Index("ix_upload_lease_holder", "holder", "expires"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    holder: Mapped[str] = mapped_column(String(255))
    expires: Mapped[int] = mapped_column(BigInteger, default=0)
    owner: Mapped[str] = mapped_column(String(255), default="", server_default="")
