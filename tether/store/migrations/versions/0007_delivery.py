"""Durable delivery queue of sealed recordings and audit events to S3-compatible storage.

Revision ID: 0007_delivery
Revises: 0006_recording_search
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0007_delivery"
down_revision = "0006_recording_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # TODO(owner): fill in


def downgrade() -> None:
    pass
