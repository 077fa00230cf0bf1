"""An index for listing instances in registration order (DescribeInstances, keyset paging with NextToken).

Without it every page sorted the whole table: paging through 10,000 instances took 22-48 s.

Revision ID: 0014_instance_list_index
Revises: 0013_assist_agent
"""

from __future__ import annotations

from alembic import op

revision = "0014_instance_list_index"
down_revision = "0013_assist_agent"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_instances_list", "instances", ["registered_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_instances_list", table_name="instances")
