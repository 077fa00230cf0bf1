"""Identity and access management, temporary credentials, instance tags and the audit trail.

Revision ID: 0002_iam_audit
Revises: 0001_initial
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_iam_audit"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_access_keys_principal", "access_keys", ["principal"])
    op.create_table(
        "ram_users",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("id", sa.String(32), nullable=False, unique=True),
        sa.Column("display_name", sa.String(128), nullable=False),
        sa.Column("comments", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(), nullable=True),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("password_reset_required", sa.Boolean(), nullable=False),
        sa.Column("login_profile_created_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "ram_groups",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("id", sa.String(32), nullable=False, unique=True),
        sa.Column("comments", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "ram_group_members",
        sa.Column("group_name", sa.String(64), sa.ForeignKey("ram_groups.name"), primary_key=True),
        sa.Column("user_name", sa.String(64), sa.ForeignKey("ram_users.name"), primary_key=True),
        sa.Column("joined_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_ram_group_members_user", "ram_group_members", ["user_name"])
    op.create_table(
        "ram_roles",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("id", sa.String(32), nullable=False, unique=True),
        sa.Column("trust_policy", sa.Text(), nullable=False),
        sa.Column("description", sa.String(1024), nullable=False),
        sa.Column("max_session_duration", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "ram_policies",
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("description", sa.String(1024), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("version", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "ram_policy_attachments",
        sa.Column("policy_name", sa.String(128), sa.ForeignKey("ram_policies.name"), primary_key=True),
        sa.Column("principal_type", sa.String(8), primary_key=True),
        sa.Column("principal_name", sa.String(64), primary_key=True),
        sa.Column("attached_at", sa.DateTime(), nullable=False),
    )
    op.create_index(
        "ix_ram_policy_attachments_principal", "ram_policy_attachments", ["principal_type", "principal_name"]
    )
    op.create_table(
        "sts_credentials",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("secret_encrypted", sa.Text(), nullable=False),
        sa.Column("token_hash", sa.String(128), nullable=False),
        sa.Column("role_name", sa.String(64), nullable=False),
        sa.Column("role_id", sa.String(32), nullable=False),
        sa.Column("session_name", sa.String(64), nullable=False),
        sa.Column("session_policy", sa.Text(), nullable=True),
        sa.Column("source_principal", sa.String(256), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_sts_credentials_expires_at", "sts_credentials", ["expires_at"])
    op.create_index("ix_sts_credentials_role", "sts_credentials", ["role_name"])
    op.create_table(
        "instance_tags",
        sa.Column("instance_id", sa.String(64), primary_key=True),
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("value", sa.String(128), nullable=False),
    )
    op.create_index("ix_instance_tags_key_value", "instance_tags", ["key", "value"])
    op.create_table(
        "audit_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("event_time", sa.DateTime(), nullable=False),
        sa.Column("event_type", sa.String(16), nullable=False),
        sa.Column("event_name", sa.String(64), nullable=False),
        sa.Column("request_id", sa.String(64), nullable=True),
        sa.Column("principal_arn", sa.String(256), nullable=True),
        sa.Column("access_key_id", sa.String(128), nullable=True),
        sa.Column("role_session", sa.String(160), nullable=True),
        sa.Column("source_ip", sa.String(64), nullable=False),
        sa.Column("resource", sa.String(512), nullable=True),
        sa.Column("decision_effect", sa.String(16), nullable=True),
        sa.Column("decision_policy", sa.String(128), nullable=True),
        sa.Column("decision_statement", sa.Integer(), nullable=True),
        sa.Column("result_code", sa.String(128), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("session_id", sa.String(64), nullable=True),
        sa.Column("instance_id", sa.String(64), nullable=True),
        sa.Column("detail", sa.String(256), nullable=True),
    )
    op.create_index("ix_audit_events_time_id", "audit_events", ["event_time", "id"])
    op.create_index("ix_audit_events_principal", "audit_events", ["principal_arn"])
    op.create_index("ix_audit_events_name", "audit_events", ["event_name"])


def downgrade() -> None:
    op.drop_table("audit_events")
    op.drop_table("instance_tags")
    op.drop_table("sts_credentials")
    op.drop_table("ram_policy_attachments")
    op.drop_table("ram_policies")
    op.drop_table("ram_roles")
    op.drop_table("ram_group_members")
    op.drop_table("ram_groups")
    op.drop_table("ram_users")
    op.drop_index("ix_access_keys_principal", table_name="access_keys")
