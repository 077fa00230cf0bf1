"""Port-forward stream records: target, open/close times, bytes each way.

Revision ID: 0009_forward_streams
Revises: 0008_console_sessions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_forward_streams"
down_revision = "0008_console_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "forward_streams",
        sa.Column("session_id", sa.String(length=64), sa.ForeignKey("sessions.id"), primary_key=True),
        sa.Column("stream_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("target_host", sa.String(length=1024), nullable=False),
        sa.Column("target_port", sa.Integer(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=False), nullable=True),
        sa.Column("bytes_to_target", sa.BigInteger(), nullable=False),
        sa.Column("bytes_from_target", sa.BigInteger(), nullable=False),
        sa.Column("close_reason", sa.String(length=256), nullable=True),
        sa.Column("streams", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("forward_streams")
