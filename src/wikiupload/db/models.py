"""Typed SQLAlchemy models; portable across SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ID = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    password: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str] = mapped_column(String(255), default="")
    real_name: Mapped[str] = mapped_column(String(255), default="")
    registration: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    edit_count: Mapped[int] = mapped_column(Integer, default=0)
    locked: Mapped[bool] = mapped_column(default=False)


class UserGroup(Base):
    __tablename__ = "user_groups"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)
    group: Mapped[str] = mapped_column(String(255), primary_key=True)
    expiry: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class BotPassword(Base):
    __tablename__ = "bot_passwords"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)
    app_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    password: Mapped[str] = mapped_column(Text)
    grants: Mapped[str] = mapped_column(Text, default="[]")
    restrictions: Mapped[str] = mapped_column(Text, default="{}")


class Session(Base):
    """Server-side session data, shared by every server process."""

    __tablename__ = "session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[str] = mapped_column(Text, default="{}")
    user_id: Mapped[int] = mapped_column(ID, default=0)
    expires: Mapped[int] = mapped_column(BigInteger, index=True)


class LoginAttempt(Base):
    """Failed login attempts, for $wgPasswordAttemptThrottle."""

    __tablename__ = "login_attempt"
    __table_args__ = (Index("ix_login_attempt_key_time", "key", "at"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(255))
    at: Mapped[int] = mapped_column(BigInteger)


class Page(Base):
    __tablename__ = "page"
    __table_args__ = (UniqueConstraint("namespace", "title"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    namespace: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(255))
    latest: Mapped[int] = mapped_column(ID, default=0)
    touched: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    length: Mapped[int] = mapped_column(Integer, default=0)
    content_model: Mapped[str] = mapped_column(String(32), default="wikitext")


class Revision(Base):
    __tablename__ = "revision"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("page.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int] = mapped_column(ID, default=0)
    user_id: Mapped[int] = mapped_column(ID, default=0)
    user_text: Mapped[str] = mapped_column(String(255))
    timestamp: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    comment: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[str] = mapped_column(Text, default="")
    sha1: Mapped[str] = mapped_column(String(40), default="")
    size: Mapped[int] = mapped_column(Integer, default=0)
    minor: Mapped[bool] = mapped_column(default=False)
    tags: Mapped[str] = mapped_column(Text, default="")


class Blob(Base):
    """Small opaque values kept in the database (site secrets and similar)."""

    __tablename__ = "blob"

    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[bytes] = mapped_column(LargeBinary)
