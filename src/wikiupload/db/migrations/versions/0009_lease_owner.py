"""the server process holding an upload lease

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("upload_lease") as batch:
        batch.add_column(sa.Column("owner", sa.String(255), nullable=False,
                                   server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("upload_lease") as batch:
        batch.drop_column("owner")
