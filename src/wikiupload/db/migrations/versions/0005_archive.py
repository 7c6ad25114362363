"""deleted page revisions (archive) and log entry tags

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "archive",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("namespace", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("page_id", ID, nullable=False),
        sa.Column("rev_id", ID, nullable=False),
        sa.Column("parent_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("user_text", sa.String(255), nullable=False),
        sa.Column("timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("sha1", sa.String(40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("minor", sa.Boolean(), nullable=False),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("content_model", sa.String(32), nullable=False),
    )
    op.create_index("ix_archive_name_timestamp", "archive", ["namespace", "title", "timestamp"])
    op.create_index("ix_archive_rev_id", "archive", ["rev_id"])
    op.create_table(
        "log_tag",
        sa.Column("log_id", ID, primary_key=True),
        sa.Column("tag", sa.String(255), primary_key=True),
    )
    op.create_index("ix_log_tag_tag", "log_tag", ["tag", "log_id"])


def downgrade() -> None:
    op.drop_index("ix_log_tag_tag", "log_tag")
    op.drop_table("log_tag")
    op.drop_index("ix_archive_rev_id", "archive")
    op.drop_index("ix_archive_name_timestamp", "archive")
    op.drop_table("archive")
