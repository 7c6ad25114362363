"""File metadata: current versions, old versions, deleted versions and the log.

Mirrors MediaWiki's ``image``, ``oldimage``, ``filearchive`` and ``logging`` tables
(maintenance/tables.json) with portable types. SHA-1 values are base 36, 31 digits;
``metadata_json`` and ``params`` hold JSON text. Timestamps are UTC.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from wikiupload.db.models import ID, Base

__all__ = ["FileArchive", "Image", "LogEntry", "OldImage"]


class _FileVersion:
    """Columns every stored version has (img_*, oi_*, fa_*)."""

    size: Mapped[int] = mapped_column(BigInteger, default=0)
    width: Mapped[int] = mapped_column(Integer, default=0)
    height: Mapped[int] = mapped_column(Integer, default=0)
    bits: Mapped[int] = mapped_column(Integer, default=0)
    metadata_json: Mapped[str] = mapped_column(Text, default="")
    media_type: Mapped[str] = mapped_column(String(16), default="UNKNOWN")
    major_mime: Mapped[str] = mapped_column(String(32), default="unknown")
    minor_mime: Mapped[str] = mapped_column(String(100), default="unknown")
    description: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int] = mapped_column(ID, default=0)
    user_text: Mapped[str] = mapped_column(String(255), default="")
    timestamp: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sha1: Mapped[str] = mapped_column(String(32), default="")

    @property
    def mime(self) -> str:
        return f"{self.major_mime}/{self.minor_mime}"


# Indexes only the migrations make, one per dialect, which the models cannot declare in a
# way Alembic compares (an expression index on SQLite): names starting with a prefix, for
# the exists-normalized warning's LIKE 'Base.%' on every new name. On SQLite, where LIKE
# ignores ASCII case, the name in that collation; on PostgreSQL, compared bytewise
# whatever the database's locale (migration 0010).
DIALECT_INDEXES = frozenset({"ix_image_name_nocase", "ix_image_name_pattern"})


class Image(_FileVersion, Base):
    """The current version of each file (``image``)."""

    __tablename__ = "image"
    __table_args__ = (
        Index("ix_image_sha1", "sha1"),
        Index("ix_image_timestamp", "timestamp"),
        Index("ix_image_user_timestamp", "user_id", "timestamp"),
        Index("ix_image_size", "size"),
        Index("ix_image_mime", "major_mime", "minor_mime"),
    )

    name: Mapped[str] = mapped_column(String(255), primary_key=True)


class OldImage(_FileVersion, Base):
    """Superseded versions (``oldimage``), stored under archive/ as ``archive_name``."""

    __tablename__ = "oldimage"
    __table_args__ = (
        Index("ix_oldimage_name_timestamp", "name", "timestamp"),
        Index("ix_oldimage_name_archive_name", "name", "archive_name"),
        Index("ix_oldimage_sha1", "sha1"),
        Index("ix_oldimage_user_timestamp", "user_id", "timestamp"),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255))
    archive_name: Mapped[str] = mapped_column(String(255))
    # Revision-deletion bits (file, comment, user hidden; suppressed), as oi_deleted.
    deleted: Mapped[int] = mapped_column(Integer, default=0)


class FileArchive(_FileVersion, Base):
    """Deleted versions (``filearchive``); the bytes are in the deleted zone at storage_key."""

    __tablename__ = "filearchive"
    __table_args__ = (
        Index("ix_filearchive_name_timestamp", "name", "timestamp"),
        Index("ix_filearchive_storage", "storage_group", "storage_key"),
        Index("ix_filearchive_sha1", "sha1"),
        Index("ix_filearchive_deleted_timestamp", "deleted_timestamp"),
        Index("ix_filearchive_user_timestamp", "user_id", "timestamp"),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255))
    # The oldimage archive name if an old version was deleted; None for a current version.
    archive_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    storage_group: Mapped[str] = mapped_column(String(16), default="deleted")
    storage_key: Mapped[str] = mapped_column(String(64), default="")
    deleted_user_id: Mapped[int] = mapped_column(ID, default=0)
    deleted_user_text: Mapped[str] = mapped_column(String(255), default="")
    deleted_timestamp: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    deleted_reason: Mapped[str] = mapped_column(Text, default="")
    deleted: Mapped[int] = mapped_column(Integer, default=0)


class LogEntry(Base):
    """A log entry (``logging``): upload/upload, upload/overwrite, delete/delete, ..."""

    __tablename__ = "logging"
    __table_args__ = (
        Index("ix_logging_type_timestamp", "log_type", "timestamp"),
        Index("ix_logging_type_action", "log_type", "log_action", "timestamp"),
        Index("ix_logging_page", "namespace", "title", "timestamp"),
        Index("ix_logging_user_timestamp", "user_id", "timestamp"),
        Index("ix_logging_page_id", "page_id", "timestamp"),
        Index("ix_logging_timestamp", "timestamp"),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    log_type: Mapped[str] = mapped_column(String(32))
    log_action: Mapped[str] = mapped_column(String(32))
    timestamp: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    user_id: Mapped[int] = mapped_column(ID, default=0)
    user_text: Mapped[str] = mapped_column(String(255), default="")
    namespace: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(255), default="")
    page_id: Mapped[int] = mapped_column(ID, default=0)
    comment: Mapped[str] = mapped_column(Text, default="")
    params: Mapped[str] = mapped_column(Text, default="{}")
    deleted: Mapped[int] = mapped_column(Integer, default=0)
