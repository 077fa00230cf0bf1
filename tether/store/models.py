"""Table definitions. Times are stored as naive UTC and handed out as aware UTC datetimes.

SQLite keeps no time zone and asyncpg refuses aware values for `timestamp without time zone`, so one
`UTCDateTime` type hides the difference and every caller works with aware UTC times only.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Dialect,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
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


class Setting(Base):
    """Server-wide key/value settings (account id, administrator key id, ...)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class AccessKey(Base):
    """An access key; the secret is encrypted with the server's SecretBox because HMAC needs it in clear."""

    __tablename__ = "access_keys"

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
    __table_args__ = (Index("ix_instances_connected_node", "connected_node"),)

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


class Session(Base):
    """A terminal session. Tokens are stored only as SHA-256 hashes; each may be used once."""

    __tablename__ = "sessions"
    __table_args__ = (
        Index("ix_sessions_instance_state", "instance_id", "state"),
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
