"""What an agent reports about its default login user, and sessions started without privilege gain.

instances.default_user / default_user_sudo / notices: the agent's default login user, whether it can really sudo,
and sentences for people (JSON list); NULL for agents that predate them. sessions.no_new_privileges: the shell was
started with PR_SET_NO_NEW_PRIVS because the caller may not use sudo.

Revision ID: 0010_agent_identity
Revises: 0009_forward_streams
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_agent_identity"
down_revision = "0009_forward_streams"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("instances") as batch:
        batch.add_column(sa.Column("default_user", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("default_user_sudo", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("notices", sa.Text(), nullable=True))
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(
            sa.Column("no_new_privileges", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("no_new_privileges")
    with op.batch_alter_table("instances") as batch:
        batch.drop_column("notices")
        batch.drop_column("default_user_sudo")
        batch.drop_column("default_user")
