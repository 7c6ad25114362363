"""files: image, oldimage, filearchive, logging

Revision ID: 0003
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _version_columns() -> list[sa.Column[object]]:
    """The columns shared by image, oldimage and filearchive."""
    return [
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("bits", sa.Integer(), nullable=False),
        sa.Column("metadata_json", sa.Text(), nullable=False),
        sa.Column("media_type", sa.String(length=16), nullable=False),
        sa.Column("major_mime", sa.String(length=32), nullable=False),
        sa.Column("minor_mime", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("user_text", sa.String(length=255), nullable=False),
        sa.Column("timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sha1", sa.String(length=32), nullable=False),
    ]


INDEXES: dict[str, list[tuple[str, list[str]]]] = {
    "image": [
        ("ix_image_sha1", ["sha1"]),
        ("ix_image_timestamp", ["timestamp"]),
        ("ix_image_user_timestamp", ["user_id", "timestamp"]),
        ("ix_image_size", ["size"]),
        ("ix_image_mime", ["major_mime", "minor_mime"]),
    ],
    "oldimage": [
        ("ix_oldimage_name_timestamp", ["name", "timestamp"]),
        ("ix_oldimage_name_archive_name", ["name", "archive_name"]),
        ("ix_oldimage_sha1", ["sha1"]),
        ("ix_oldimage_user_timestamp", ["user_id", "timestamp"]),
    ],
    "filearchive": [
        ("ix_filearchive_name_timestamp", ["name", "timestamp"]),
        ("ix_filearchive_storage", ["storage_group", "storage_key"]),
        ("ix_filearchive_sha1", ["sha1"]),
        ("ix_filearchive_deleted_timestamp", ["deleted_timestamp"]),
        ("ix_filearchive_user_timestamp", ["user_id", "timestamp"]),
    ],
    "logging": [
        ("ix_logging_type_timestamp", ["log_type", "timestamp"]),
        ("ix_logging_type_action", ["log_type", "log_action", "timestamp"]),
        ("ix_logging_page", ["namespace", "title", "timestamp"]),
        ("ix_logging_user_timestamp", ["user_id", "timestamp"]),
        ("ix_logging_page_id", ["page_id", "timestamp"]),
        ("ix_logging_timestamp", ["timestamp"]),
    ],
}


def upgrade() -> None:
    op.create_table(
        "image",
        sa.Column("name", sa.String(length=255), nullable=False),
        *_version_columns(),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "oldimage",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("archive_name", sa.String(length=255), nullable=False),
        sa.Column("deleted", sa.Integer(), nullable=False),
        *_version_columns(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "filearchive",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("archive_name", sa.String(length=255), nullable=True),
        sa.Column("storage_group", sa.String(length=16), nullable=False),
        sa.Column("storage_key", sa.String(length=64), nullable=False),
        sa.Column("deleted_user_id", ID, nullable=False),
        sa.Column("deleted_user_text", sa.String(length=255), nullable=False),
        sa.Column("deleted_timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_reason", sa.Text(), nullable=False),
        sa.Column("deleted", sa.Integer(), nullable=False),
        *_version_columns(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "logging",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("log_type", sa.String(length=32), nullable=False),
        sa.Column("log_action", sa.String(length=32), nullable=False),
        sa.Column("timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("user_text", sa.String(length=255), nullable=False),
        sa.Column("namespace", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("page_id", ID, nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("deleted", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    for table, indexes in INDEXES.items():
        for name, columns in indexes:
            op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for table, indexes in INDEXES.items():
        for name, _columns in indexes:
            op.drop_index(name, table_name=table)
    for table in ("logging", "filearchive", "oldimage", "image"):
        op.drop_table(table)
