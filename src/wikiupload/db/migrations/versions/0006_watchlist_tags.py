"""watchlist (with expiries) and change tag definitions with hit counts

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "watchlist",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("namespace", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("notification_timestamp", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expiry", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("user_id", "namespace", "title", name="uq_watchlist_user_page"),
    )
    op.create_index("ix_watchlist_page", "watchlist", ["namespace", "title"])
    op.create_index("ix_watchlist_expiry", "watchlist", ["expiry"])
    op.create_table(
        "change_tag_def",
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("count", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("change_tag_def")
    op.drop_index("ix_watchlist_expiry", "watchlist")
    op.drop_index("ix_watchlist_page", "watchlist")
    op.drop_table("watchlist")
