"""Browser console sessions: hashed cookie tokens with expiry and CSRF secret.

Revision ID: 0008_console_sessions
Revises: 0007_delivery
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_console_sessions"
down_revision = "0007_delivery"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_sessions",
        sa.Column("id", sa.String(length=64), primary_key=True),
        sa.Column("principal", sa.String(length=64), nullable=False),
        sa.Column("csrf_token_encrypted", sa.Text(), nullable=False),
        sa.Column("credential_stamp", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("source_ip", sa.String(length=64), nullable=False),
        sa.Column("user_agent", sa.String(length=256), nullable=False),
    )
    op.create_index("ix_console_sessions_principal", "console_sessions", ["principal"])
    op.create_index("ix_console_sessions_expires_at", "console_sessions", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_console_sessions_expires_at", table_name="console_sessions")
    op.drop_index("ix_console_sessions_principal", table_name="console_sessions")
    op.drop_table("console_sessions")
