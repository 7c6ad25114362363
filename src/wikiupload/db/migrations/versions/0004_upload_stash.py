"""upload stash, upload status records and the job queue

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "uploadstash",
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("orig_name", sa.Text(), nullable=False),
        sa.Column("temp_name", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha1", sa.String(40), nullable=False),
        sa.Column("mime", sa.String(255), nullable=False),
        sa.Column("media_type", sa.String(16), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("bits", sa.Integer(), nullable=False),
        sa.Column("props", sa.Text(), nullable=False),
        sa.Column("source_type", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("chunk_index", sa.Integer(), nullable=False),
        sa.Column("expected_size", sa.BigInteger(), nullable=False),
        sa.Column("timestamp", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_uploadstash_user", "uploadstash", ["user_id"])
    op.create_index("ix_uploadstash_timestamp", "uploadstash", ["timestamp"])
    op.create_table(
        "upload_status",
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("user_id", ID, primary_key=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("expires", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_upload_status_expires", "upload_status", ["expires"])
    op.create_table(
        "job",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("run_after", sa.BigInteger(), nullable=False),
        sa.Column("claimed_by", sa.String(255), nullable=False),
        sa.Column("claimed_at", sa.BigInteger(), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
    )
    op.create_index("ix_job_state_run_after", "job", ["state", "run_after"])


def downgrade() -> None:
    op.drop_index("ix_job_state_run_after", "job")
    op.drop_table("job")
    op.drop_index("ix_upload_status_expires", "upload_status")
    op.drop_table("upload_status")
    op.drop_index("ix_uploadstash_timestamp", "uploadstash")
    op.drop_index("ix_uploadstash_user", "uploadstash")
    op.drop_table("uploadstash")
