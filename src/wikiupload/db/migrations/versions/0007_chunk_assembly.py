"""chunk session state of the chunk store (S3 multipart upload, parts, tail)

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("uploadstash",
                  sa.Column("assembly", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("uploadstash") as batch:
        batch.drop_column("assembly")
