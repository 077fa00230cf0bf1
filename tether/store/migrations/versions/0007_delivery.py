"""Durable delivery queue of sealed recordings and audit events to S3-compatible storage.

Revision ID: 0007_delivery
Revises: 0006_recording_search
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_delivery"
down_revision = "0006_recording_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "delivery_queue",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ref", sa.String(length=128), nullable=False),
        sa.Column("node", sa.String(length=128), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("last_error", sa.String(length=1024), nullable=True),
        sa.Column("object_key", sa.String(length=1024), nullable=True),
        sa.Column("delivered_url", sa.String(length=2048), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("first_id", sa.BigInteger(), nullable=True),
        sa.Column("last_id", sa.BigInteger(), nullable=True),
        sa.Column("first_time", sa.DateTime(timezone=False), nullable=True),
        sa.Column("claimed_by", sa.String(length=160), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=False), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=False), nullable=True),
        sa.Column("local_pruned_at", sa.DateTime(timezone=False), nullable=True),
        sa.UniqueConstraint("kind", "ref", name="uq_delivery_queue_kind_ref"),
    )
    op.create_index("ix_delivery_queue_state_next", "delivery_queue", ["state", "next_attempt_at"])
    op.create_index("ix_delivery_queue_node", "delivery_queue", ["node"])


def downgrade() -> None:
    op.drop_index("ix_delivery_queue_node", table_name="delivery_queue")
    op.drop_index("ix_delivery_queue_state_next", table_name="delivery_queue")
    op.drop_table("delivery_queue")
