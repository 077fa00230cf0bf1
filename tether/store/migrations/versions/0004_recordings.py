"""Session recordings: one row per recorded shell session, sealed with its size, duration and SHA-256.

Revision ID: 0004_recordings
Revises: 0003_port_forward
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_recordings"
down_revision = "0003_port_forward"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recordings",
        sa.Column("session_id", sa.String(length=64), sa.ForeignKey("sessions.id"), primary_key=True),
        sa.Column("path", sa.String(length=1024), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=False), nullable=True),
        sa.Column("duration", sa.Float(), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("sealed", sa.Boolean(), nullable=False),
        sa.Column("sealed_at", sa.DateTime(timezone=False), nullable=True),
        sa.Column("input_recorded", sa.Boolean(), nullable=False),
        sa.Column("truncated", sa.Boolean(), nullable=False),
        sa.Column("failure", sa.String(length=256), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("recordings")
