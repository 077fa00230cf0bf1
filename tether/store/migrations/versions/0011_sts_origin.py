"""Where temporary credentials come from: the permanent identity at the root of a role chain, and the chain.

Credentials are re-checked against these on every use (the origin user, the roles and their trust must still
exist), and AssumeRole with temporary credentials is bounded by `chain_depth`. Credentials issued before this
revision carry none of it and cannot be checked, so the upgrade revokes them (they live an hour at most; callers
call AssumeRole again).

Revision ID: 0011_sts_origin
Revises: 0010_agent_identity
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_sts_origin"
down_revision = "0010_agent_identity"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM sts_credentials")
    with op.batch_alter_table("sts_credentials") as batch:
        batch.add_column(sa.Column("origin_principal", sa.String(length=256), nullable=False, server_default=""))
        batch.add_column(sa.Column("origin_id", sa.String(length=32), nullable=False, server_default=""))
        batch.add_column(sa.Column("chain_depth", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("parent_role_name", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("parent_role_id", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sts_credentials") as batch:
        batch.drop_column("parent_role_id")
        batch.drop_column("parent_role_name")
        batch.drop_column("chain_depth")
        batch.drop_column("origin_id")
        batch.drop_column("origin_principal")
