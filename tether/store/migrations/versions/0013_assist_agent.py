"""Instances served by the Cloud Assistant agent (`aliyun-service`) beside tether's own agent.

instances.agent_kind: "tether" (tether's agent, the default for every existing row) or "cloud_assistant".
instances.assist_public_key: that agent's RSA public key (PEM), which verifies its request signatures;
instances.machine_id: the machine id it registered with, part of what it signs. Both NULL for tether's agent.

Revision ID: 0013_assist_agent
Revises: 0012_session_quota_index
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_assist_agent"
down_revision = "0012_session_quota_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("instances") as batch:
        batch.add_column(sa.Column("agent_kind", sa.String(length=32), nullable=False, server_default="tether"))
        batch.add_column(sa.Column("assist_public_key", sa.Text(), nullable=True))
        batch.add_column(sa.Column("machine_id", sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("instances") as batch:
        batch.drop_column("machine_id")
        batch.drop_column("assist_public_key")
        batch.drop_column("agent_kind")
