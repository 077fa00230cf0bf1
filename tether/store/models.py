"""Table definitions. Times are stored as naive UTC and handed out as aware UTC datetimes.

SQLite keeps no time zone and asyncpg refuses aware values for `timestamp without time zone`, so one
`UTCDateTime` type hides the difference and every caller works with aware UTC times only.
"""

from __future__ import annotations

import enum
import json
from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime stored as naive UTC."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Declarative base; `Base.metadata` is what the migrations must produce."""


class SessionState(enum.StrEnum):
    """Life cycle of a terminal session (docs/protocol.md section 3)."""

    PENDING = "Pending"
    CONNECTED = "Connected"
    TERMINATED = "Terminated"
    EXPIRED = "Expired"


ACTIVE_STATES = (SessionState.PENDING.value, SessionState.CONNECTED.value)
AGENT_TETHER = "tether"  # instances.agent_kind: tether's own agent
AGENT_CLOUD_ASSISTANT = "cloud_assistant"  # Alibaba's Cloud Assistant agent (aliyun-service), tether/server/assist


class Setting(Base):
    """Server-wide key/value settings (account id, administrator key id, ...)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class AccessKey(Base):
    """An access key; the secret is encrypted with the server's SecretBox because HMAC needs it in clear."""

    __tablename__ = "access_keys"
    __table_args__ = (Index("ix_access_keys_principal", "principal"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    principal: Mapped[str] = mapped_column(String(256))
    secret_encrypted: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="Active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Nonce(Base):
    """Request nonces seen recently; the unique constraint is what rejects a replay, even across nodes."""

    __tablename__ = "nonces"
    __table_args__ = (
        UniqueConstraint("key_id", "nonce", name="uq_nonces_key_id_nonce"),
        Index("ix_nonces_expires_at", "expires_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key_id: Mapped[str] = mapped_column(String(64))
    nonce: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Activation(Base):
    """An activation code that lets up to `usage_limit` machines register until `expires_at`."""

    __tablename__ = "activations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(128))
    description: Mapped[str] = mapped_column(Text, default="")
    instance_name: Mapped[str] = mapped_column(String(256), default="")
    usage_limit: Mapped[int] = mapped_column(Integer)
    registered_count: Mapped[int] = mapped_column(Integer, default=0)
    deregistered_count: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)


class Instance(Base):
    """A registered machine. `connected_node` names the relay node holding its control channel, or NULL."""

    __tablename__ = "instances"
    __table_args__ = (
        Index("ix_instances_connected_node", "connected_node"),
        Index("ix_instances_list", "registered_at", "id"),  # listing in registration order (migration 0014)
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(256), default="")
    public_key: Mapped[str] = mapped_column(String(128))
    hostname: Mapped[str] = mapped_column(String(256), default="")
    os_type: Mapped[str] = mapped_column(String(32), default="")
    os_name: Mapped[str] = mapped_column(String(256), default="")
    agent_version: Mapped[str] = mapped_column(String(64), default="")
    activation_id: Mapped[str] = mapped_column(String(64))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_heartbeat: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    connected_node: Mapped[str | None] = mapped_column(String(128), nullable=True)
    deregistered: Mapped[bool] = mapped_column(Boolean, default=False)
    # what the agent reports about its default login user (migration 0010); NULL from agents that predate it
    default_user: Mapped[str | None] = mapped_column(String(64), nullable=True)
    default_user_sudo: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    notices: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON list of sentences for people
    # which agent serves the instance (migration 0013): AGENT_TETHER, or AGENT_CLOUD_ASSISTANT with its RSA public
    # key (PEM) and the machine id its request signatures cover
    agent_kind: Mapped[str] = mapped_column(String(32), default="tether", server_default="tether")
    assist_public_key: Mapped[str | None] = mapped_column(Text, nullable=True)
    machine_id: Mapped[str | None] = mapped_column(String(128), nullable=True)

    @property
    def notice_list(self) -> list[str]:
        """`notices` decoded; a row without (or with unreadable) notices has none."""
        try:
            value = json.loads(self.notices) if self.notices else []
        except ValueError:
            return []
        return [str(v) for v in value] if isinstance(value, list) else []


class Session(Base):
    """A terminal session. Tokens are stored only as SHA-256 hashes; each may be used once."""

    __tablename__ = "sessions"
    __table_args__ = (
        Index("ix_sessions_instance_state", "instance_id", "state"),
        Index("ix_sessions_principal_state", "principal", "state"),
        Index("ix_sessions_created_id", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    instance_id: Mapped[str] = mapped_column(String(64))
    principal: Mapped[str] = mapped_column(String(256))
    kind: Mapped[str] = mapped_column(String(16), default="shell")
    username: Mapped[str | None] = mapped_column(String(64), nullable=True)
    command: Mapped[str | None] = mapped_column(Text, nullable=True)
    state: Mapped[str] = mapped_column(String(16), default=SessionState.PENDING.value)
    node: Mapped[str] = mapped_column(String(128), default="")
    client_ip: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    exit_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    end_reason: Mapped[str | None] = mapped_column(String(256), nullable=True)
    client_token_hash: Mapped[str] = mapped_column(String(128))
    client_token_expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    client_token_used: Mapped[bool] = mapped_column(Boolean, default=False)
    agent_token_hash: Mapped[str] = mapped_column(String(128))
    agent_token_used: Mapped[bool] = mapped_column(Boolean, default=False)
    # port_forward sessions (migration 0003): every stream of the session connects to target_host:target_port
    target_host: Mapped[str | None] = mapped_column(String(255), nullable=True)
    target_port: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # bytes the relay carried each way, written when the session ends (migration 0005)
    bytes_from_client: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    bytes_to_client: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # the shell was started with PR_SET_NO_NEW_PRIVS: the caller may not use sudo (migration 0010)
    no_new_privileges: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Recording(Base):
    """The asciicast recording of a shell session (migration 0004); `path` is relative to the data directory.

    A row exists from the moment the session is paired; `sealed` says size, duration and sha256 describe the file
    as it will stay. `failure` holds why recording stopped early (disk error, missing file); the session itself
    went on.
    """

    __tablename__ = "recordings"

    session_id: Mapped[str] = mapped_column(String(64), ForeignKey("sessions.id"), primary_key=True)
    path: Mapped[str] = mapped_column(String(1024))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    duration: Mapped[float | None] = mapped_column(Float, nullable=True)
    size: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    sealed: Mapped[bool] = mapped_column(Boolean, default=False)
    sealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    input_recorded: Mapped[bool] = mapped_column(Boolean, default=False)
    truncated: Mapped[bool] = mapped_column(Boolean, default=False)
    failure: Mapped[str | None] = mapped_column(String(256), nullable=True)
    # migration 0005: where the sealed file was delivered (s3://bucket/key) and when; when its text was indexed
    delivered_url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    indexed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


# --- identity and access management (migration 0002) ---------------------------------------------------------
#
# Users, groups, roles and policies are keyed by their names: names are unique within the (single) account, they
# are what every API call and ARN carries, and foreign keys on them make a membership to a deleted user impossible
# even when two requests race on two nodes.


class RamUser(Base):
    """A RAM user. `password_hash` (argon2id) is set while the user has a console login profile."""

    __tablename__ = "ram_users"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(32), unique=True)
    display_name: Mapped[str] = mapped_column(String(128), default="")
    comments: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    password_hash: Mapped[str | None] = mapped_column(Text, nullable=True)
    password_reset_required: Mapped[bool] = mapped_column(Boolean, default=False)
    login_profile_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class RamGroup(Base):
    """A group of users; policies attached to it apply to every member."""

    __tablename__ = "ram_groups"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(32), unique=True)
    comments: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RamGroupMember(Base):
    __tablename__ = "ram_group_members"
    __table_args__ = (Index("ix_ram_group_members_user", "user_name"),)

    group_name: Mapped[str] = mapped_column(String(64), ForeignKey("ram_groups.name"), primary_key=True)
    user_name: Mapped[str] = mapped_column(String(64), ForeignKey("ram_users.name"), primary_key=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RamRole(Base):
    """A role: `trust_policy` says who may assume it, attached policies what its sessions may do."""

    __tablename__ = "ram_roles"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(32), unique=True)
    trust_policy: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(String(1024), default="")
    max_session_duration: Mapped[int] = mapped_column(Integer, default=3600)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RamPolicy(Base):
    """A custom policy. Only the default version is kept; `updated_at` changes with it (cache key)."""

    __tablename__ = "ram_policies"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    description: Mapped[str] = mapped_column(String(1024), default="")
    document: Mapped[str] = mapped_column(Text)
    version: Mapped[str] = mapped_column(String(16), default="v1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RamPolicyAttachment(Base):
    """A policy attached to a user, group or role (`principal_type` "User" | "Group" | "Role")."""

    __tablename__ = "ram_policy_attachments"
    __table_args__ = (Index("ix_ram_policy_attachments_principal", "principal_type", "principal_name"),)

    policy_name: Mapped[str] = mapped_column(String(128), ForeignKey("ram_policies.name"), primary_key=True)
    principal_type: Mapped[str] = mapped_column(String(8), primary_key=True)
    principal_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    attached_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StsCredential(Base):
    """Temporary credentials of an assumed role: the secret is encrypted (HMAC needs it), the token hashed."""

    __tablename__ = "sts_credentials"
    __table_args__ = (
        Index("ix_sts_credentials_expires_at", "expires_at"),
        Index("ix_sts_credentials_role", "role_name"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    secret_encrypted: Mapped[str] = mapped_column(Text)
    token_hash: Mapped[str] = mapped_column(String(128))
    role_name: Mapped[str] = mapped_column(String(64))
    role_id: Mapped[str] = mapped_column(String(32))
    session_name: Mapped[str] = mapped_column(String(64))
    session_policy: Mapped[str | None] = mapped_column(Text, nullable=True)
    source_principal: Mapped[str] = mapped_column(String(256))  # who called AssumeRole (a user, root, a role session)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # migration 0011: the permanent identity at the root of the chain (user or root ARN, and the user's id so a
    # deleted-and-recreated user is not the same origin), how many AssumeRole calls led here (1 = by a permanent
    # key), and for chained credentials the role whose session assumed this one; all re-checked on every use
    origin_principal: Mapped[str] = mapped_column(String(256), server_default="")
    origin_id: Mapped[str] = mapped_column(String(32), server_default="")
    chain_depth: Mapped[int] = mapped_column(Integer, server_default="1")
    parent_role_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    parent_role_id: Mapped[str | None] = mapped_column(String(32), nullable=True)


class InstanceTag(Base):
    """One tag (key, value) of an instance; policies can test it as `ecs:tag/<key>`."""

    __tablename__ = "instance_tags"
    __table_args__ = (Index("ix_instance_tags_key_value", "key", "value"),)

    instance_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[str] = mapped_column(String(128), default="")


class AuditEvent(Base):
    """One audited event: an API call (`ApiCall`), a console sign-in (`ConsoleSignin`) or a session's start or
    end (`Session`). Secrets never go here: key ids yes, secrets, passwords and tokens no."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_time_id", "event_time", "id"),
        Index("ix_audit_events_principal", "principal_arn"),
        Index("ix_audit_events_name", "event_name"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    event_time: Mapped[datetime] = mapped_column(UTCDateTime())
    event_type: Mapped[str] = mapped_column(String(16))
    event_name: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    principal_arn: Mapped[str | None] = mapped_column(String(256), nullable=True)
    access_key_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    role_session: Mapped[str | None] = mapped_column(String(160), nullable=True)
    source_ip: Mapped[str] = mapped_column(String(64), default="")
    resource: Mapped[str | None] = mapped_column(String(512), nullable=True)
    decision_effect: Mapped[str | None] = mapped_column(String(16), nullable=True)
    decision_policy: Mapped[str | None] = mapped_column(String(128), nullable=True)
    decision_statement: Mapped[int | None] = mapped_column(Integer, nullable=True)
    result_code: Mapped[str] = mapped_column(String(128))
    http_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    session_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    instance_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    detail: Mapped[str | None] = mapped_column(String(256), nullable=True)


# --- port-forward streams (migration 0009) ---


class ForwardStream(Base):
    """One TCP stream of a port-forward session: the target its OPEN named, when it opened and closed, and the
    DATA bytes the relay carried each way. Written by the relay in batches (tether/recording/streams.py).

    `stream_id` 0 is never a real stream (forward streams have odd ids), so the row with stream_id 0 is the
    session's summary of the streams past the per-session row cap: `streams` is how many it stands for and the
    byte columns are their totals. Every other row has `streams` 1.
    """

    __tablename__ = "forward_streams"

    session_id: Mapped[str] = mapped_column(String(64), ForeignKey("sessions.id"), primary_key=True)
    stream_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    target_host: Mapped[str] = mapped_column(String(1024))
    target_port: Mapped[int | None] = mapped_column(Integer, nullable=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    bytes_to_target: Mapped[int] = mapped_column(BigInteger, default=0)
    bytes_from_target: Mapped[int] = mapped_column(BigInteger, default=0)
    close_reason: Mapped[str | None] = mapped_column(String(256), nullable=True)
    streams: Mapped[int] = mapped_column(Integer, default=1)


# --- delivery (migration 0007) ---------------------------------------------------------------------------------


class DeliveryItem(Base):
    """One object to deliver to S3-compatible storage: a sealed recording or a batch of audit events.

    The queue is a table so that it survives restarts and every node sees it. `(kind, ref)` is unique, so a
    recording is queued once however many times it is announced. `node` is the node that holds the local file (a
    recording can only be uploaded from there); audit batches are read from the database and any node may upload
    them. A worker claims a row by writing `claimed_by` (node and process) and `lease_until`; a crash leaves the
    lease to run out (or the same node releases it at its next start), and the row is tried again.
    """

    __tablename__ = "delivery_queue"
    __table_args__ = (
        UniqueConstraint("kind", "ref", name="uq_delivery_queue_kind_ref"),
        Index("ix_delivery_queue_state_next", "state", "next_attempt_at"),
        Index("ix_delivery_queue_node", "node"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # "recording" | "audit"
    ref: Mapped[str] = mapped_column(String(128))  # the session id, or "after-<cursor>" for an audit batch
    node: Mapped[str] = mapped_column(String(128))
    state: Mapped[str] = mapped_column(String(24))  # pending | failed-retrying | delivered | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    object_key: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    delivered_url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    size: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # audit batches: the ids of the first and last event and the time of the first, fixed when the batch is made
    first_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    last_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    first_time: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(160), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    local_pruned_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


# --- console sessions (migration 0008) ---


class ConsoleSession(Base):
    """A signed-in browser console: keyed by the SHA-256 of its cookie token (the token itself is never stored).

    `principal` is a RAM user name, or `root` for the account root (no RAM user may be called that).
    `csrf_token_encrypted` is sealed with the server's SecretBox because the page must be able to read it back from
    whoami. `credential_stamp` is a hash of the password hash the principal signed in with: once the password
    changes or the login profile goes, the stamp no longer matches and the session is dead on every node.
    """

    __tablename__ = "console_sessions"
    __table_args__ = (
        Index("ix_console_sessions_principal", "principal"),
        Index("ix_console_sessions_expires_at", "expires_at"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of the cookie token
    principal: Mapped[str] = mapped_column(String(64))
    csrf_token_encrypted: Mapped[str] = mapped_column(Text)
    credential_stamp: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    source_ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(256), default="")
