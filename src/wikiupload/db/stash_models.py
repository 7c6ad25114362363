"""Stashed uploads (``uploadstash``): files kept for a later publish, owned by one user."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from wikiupload.db.models import ID, Base

__all__ = ["StashedFile"]


class StashedFile(Base):
    __tablename__ = "uploadstash"
    __table_args__ = (
        Index("ix_uploadstash_user", "user_id"),
        Index("ix_uploadstash_timestamp", "timestamp"),
    )

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    user_id: Mapped[int] = mapped_column(ID)
    path: Mapped[str] = mapped_column(Text)          # storage path in the temp zone
    orig_name: Mapped[str] = mapped_column(Text, default="")
    temp_name: Mapped[str] = mapped_column(Text, default="")
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    sha1: Mapped[str] = mapped_column(String(40), default="")   # hex
    mime: Mapped[str] = mapped_column(String(255), default="")
    media_type: Mapped[str] = mapped_column(String(16), default="UNKNOWN")
    width: Mapped[int] = mapped_column(Integer, default=0)
    height: Mapped[int] = mapped_column(Integer, default=0)
    bits: Mapped[int] = mapped_column(Integer, default=0)
    props: Mapped[str] = mapped_column(Text, default="{}")      # JSON: metadata and more
    source_type: Mapped[str] = mapped_column(String(16), default="file")
    status: Mapped[str] = mapped_column(String(16), default="finished")
    chunk_index: Mapped[int] = mapped_column(Integer, default=0)
    timestamp: Mapped[datetime] = mapped_column(DateTime(timezone=True))
