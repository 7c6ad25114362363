"""Stashed uploads (``uploadstash``): files kept for a later publish, owned by one user."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from wikiupload.db.models import ID, Base

__all__ = ["Job", "StashedFile", "UploadStatus"]


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
    expected_size: Mapped[int] = mapped_column(BigInteger, default=0)   # chunked: filesize
    # chunked: the chunk store's session state (S3: multipart upload id, parts, tail)
    assembly: Mapped[str] = mapped_column(Text, default="")
    timestamp: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class UploadStatus(Base):
    """What checkstatus reports for a filekey while an async job works on it."""

    __tablename__ = "upload_status"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    user_id: Mapped[int] = mapped_column(ID, primary_key=True)
    data: Mapped[str] = mapped_column(Text, default="{}")
    expires: Mapped[int] = mapped_column(BigInteger, index=True)


class Job(Base):
    """A durable job (assemble chunks, publish a stashed file, fetch a URL)."""

    __tablename__ = "job"
    __table_args__ = (Index("ix_job_state_run_after", "state", "run_after"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    type: Mapped[str] = mapped_column(String(64))
    params: Mapped[str] = mapped_column(Text, default="{}")
    state: Mapped[str] = mapped_column(String(16), default="queued")  # queued|running|done|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    run_after: Mapped[int] = mapped_column(BigInteger, default=0)
    claimed_by: Mapped[str] = mapped_column(String(255), default="")
    claimed_at: Mapped[int] = mapped_column(BigInteger, default=0)
    created: Mapped[int] = mapped_column(BigInteger, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
