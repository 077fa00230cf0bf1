"""Full-text index of recording output (SQLite FTS5, PostgreSQL tsvector).

Revision ID: 0006_recording_search
Revises: 0005_columns
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0006_recording_search"
down_revision = "0005_columns"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # TODO(owner): fill in


def downgrade() -> None:
    pass
