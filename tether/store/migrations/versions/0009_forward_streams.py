"""Port-forward stream records: target, open/close times, bytes each way.

Revision ID: 0009_forward_streams
Revises: 0008_console_sessions
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0009_forward_streams"
down_revision = "0008_console_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # TODO(owner): fill in


def downgrade() -> None:
    pass
