"""Session byte counters, and where and when a recording was delivered and indexed.

Revision ID: 0005_columns
Revises: 0004_recordings
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_columns"
down_revision = "0004_recordings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("bytes_from_client", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("bytes_to_client", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("recordings") as batch:
        batch.add_column(sa.Column("delivered_url", sa.String(length=2048), nullable=True))
        batch.add_column(sa.Column("delivered_at", sa.DateTime(timezone=False), nullable=True))
        batch.add_column(sa.Column("indexed_at", sa.DateTime(timezone=False), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("recordings") as batch:
        batch.drop_column("indexed_at")
        batch.drop_column("delivered_at")
        batch.drop_column("delivered_url")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("bytes_to_client")
        batch.drop_column("bytes_from_client")
