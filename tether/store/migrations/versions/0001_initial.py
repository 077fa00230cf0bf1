"""Initial schema: settings, access keys, nonces, activations, instances, sessions.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "settings",
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )
    op.create_table(
        "access_keys",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("principal", sa.String(256), nullable=False),
        sa.Column("secret_encrypted", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "nonces",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("nonce", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("key_id", "nonce", name="uq_nonces_key_id_nonce"),
    )
    op.create_index("ix_nonces_expires_at", "nonces", ["expires_at"])
    op.create_table(
        "activations",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("code_hash", sa.String(128), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("instance_name", sa.String(256), nullable=False),
        sa.Column("usage_limit", sa.Integer(), nullable=False),
        sa.Column("registered_count", sa.Integer(), nullable=False),
        sa.Column("deregistered_count", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "instances",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("public_key", sa.String(128), nullable=False),
        sa.Column("hostname", sa.String(256), nullable=False),
        sa.Column("os_type", sa.String(32), nullable=False),
        sa.Column("os_name", sa.String(256), nullable=False),
        sa.Column("agent_version", sa.String(64), nullable=False),
        sa.Column("activation_id", sa.String(64), nullable=False),
        sa.Column("registered_at", sa.DateTime(), nullable=False),
        sa.Column("last_heartbeat", sa.DateTime(), nullable=True),
        sa.Column("connected_node", sa.String(128), nullable=True),
        sa.Column("deregistered", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_instances_connected_node", "instances", ["connected_node"])
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("instance_id", sa.String(64), nullable=False),
        sa.Column("principal", sa.String(256), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("username", sa.String(64), nullable=True),
        sa.Column("command", sa.Text(), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("node", sa.String(128), nullable=False),
        sa.Column("client_ip", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("exit_status", sa.Integer(), nullable=True),
        sa.Column("end_reason", sa.String(256), nullable=True),
        sa.Column("client_token_hash", sa.String(128), nullable=False),
        sa.Column("client_token_expires_at", sa.DateTime(), nullable=False),
        sa.Column("client_token_used", sa.Boolean(), nullable=False),
        sa.Column("agent_token_hash", sa.String(128), nullable=False),
        sa.Column("agent_token_used", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_sessions_instance_state", "sessions", ["instance_id", "state"])
    op.create_index("ix_sessions_created_id", "sessions", ["created_at", "id"])


def downgrade() -> None:
    op.drop_table("sessions")
    op.drop_table("instances")
    op.drop_table("activations")
    op.drop_table("nonces")
    op.drop_table("access_keys")
    op.drop_table("settings")
