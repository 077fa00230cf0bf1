"""Browser console sessions: hashed cookie tokens with expiry and CSRF secret.

Revision ID: 0008_console_sessions
Revises: 0007_delivery
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0008_console_sessions"
down_revision = "0007_delivery"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # TODO(owner): fill in


def downgrade() -> None:
    pass
