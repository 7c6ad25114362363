"""rate-limit counters and upload leases shared by server processes

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "rate_limit_counter",
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("hits", sa.BigInteger(), nullable=False),
        sa.Column("expires", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_rate_limit_counter_expires", "rate_limit_counter", ["expires"])
    op.create_table(
        "upload_lease",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("holder", sa.String(255), nullable=False),
        sa.Column("expires", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_upload_lease_holder", "upload_lease", ["holder", "expires"])


def downgrade() -> None:
    op.drop_index("ix_upload_lease_holder", table_name="upload_lease")
    op.drop_table("upload_lease")
    op.drop_index("ix_rate_limit_counter_expires", table_name="rate_limit_counter")
    op.drop_table("rate_limit_counter")
