"""Sessions by principal and state, for the per-principal session quotas.

Revision ID: 0012_session_quota_index
Revises: 0011_sts_origin
"""

from __future__ import annotations

from alembic import op

revision = "0012_session_quota_index"
down_revision = "0011_sts_origin"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_sessions_principal_state", "sessions", ["principal", "state"])


def downgrade() -> None:
    op.drop_index("ix_sessions_principal_state", table_name="sessions")
