"""an index for names starting with a prefix (the similar-name search of every new upload)

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        op.execute("CREATE INDEX ix_image_name_nocase ON image (name COLLATE NOCASE)")
    else:
        op.execute("CREATE INDEX ix_image_name_pattern ON image (name text_pattern_ops)")


def downgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        op.drop_index("ix_image_name_nocase", table_name="image")
    else:
        op.drop_index("ix_image_name_pattern", table_name="image")
