"""Port-forward sessions: the fixed target of each forwarding session.

Revision ID: 0003_port_forward
Revises: 0002_iam_audit
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_port_forward"
down_revision = "0002_iam_audit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("target_host", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("target_port", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("target_port")
        batch.drop_column("target_host")
