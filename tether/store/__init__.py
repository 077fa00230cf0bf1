"""Persistent state of the tether server: SQLAlchemy 2 async models, small repositories, alembic migrations.

The server talks to the database only through the repositories here, so the SQL stays in one place and both
SQLite (one process, the default) and PostgreSQL (several relay nodes) behave the same.
"""

from tether.store.access_keys import AccessKeyRepo
from tether.store.activations import ActivationRepo
from tether.store.audit import AuditPage, AuditRepo
from tether.store.console import ConsoleSessionRepo
from tether.store.db import Database, normalize_url, sqlite_url
from tether.store.delivery import DeliveryRepo, QueueStatus
from tether.store.errors import AlreadyExists, DeleteConflict, LimitExceeded, NotFound, StoreError
from tether.store.iam import IamRepo, Page, Quotas
from tether.store.instances import AgentIdentity, InstanceRepo
from tether.store.models import (
    AGENT_CLOUD_ASSISTANT,
    AGENT_TETHER,
    AccessKey,
    Activation,
    AuditEvent,
    Base,
    ConsoleSession,
    DeliveryItem,
    ForwardStream,
    Instance,
    InstanceTag,
    Nonce,
    RamGroup,
    RamPolicy,
    RamPolicyAttachment,
    RamRole,
    RamUser,
    Recording,
    Session,
    SessionState,
    Setting,
    StsCredential,
)
from tether.store.nonces import NonceRepo
from tether.store.recordings import RecordingRepo
from tether.store.search import SEARCH_TABLES, SearchHit, SearchPage, SearchQueryError, SearchRepo
from tether.store.sessions import SessionFilter, SessionPage, SessionRepo
from tether.store.settings import SettingsRepo
from tether.store.streams import ForwardStreamRepo, StreamPage, StreamRecord
from tether.store.sts import StsRepo
from tether.store.tags import TagPage, TagRepo

__all__ = [
    "AGENT_CLOUD_ASSISTANT",
    "AGENT_TETHER",
    "SEARCH_TABLES",
    "AccessKey",
    "AccessKeyRepo",
    "Activation",
    "ActivationRepo",
    "AgentIdentity",
    "AlreadyExists",
    "AuditEvent",
    "AuditPage",
    "AuditRepo",
    "Base",
    "ConsoleSession",
    "ConsoleSessionRepo",
    "Database",
    "DeleteConflict",
    "DeliveryItem",
    "DeliveryRepo",
    "ForwardStream",
    "ForwardStreamRepo",
    "IamRepo",
    "Instance",
    "InstanceRepo",
    "InstanceTag",
    "LimitExceeded",
    "Nonce",
    "NonceRepo",
    "NotFound",
    "Page",
    "QueueStatus",
    "Quotas",
    "RamGroup",
    "RamPolicy",
    "RamPolicyAttachment",
    "RamRole",
    "RamUser",
    "Recording",
    "RecordingRepo",
    "SearchHit",
    "SearchPage",
    "SearchQueryError",
    "SearchRepo",
    "Session",
    "SessionFilter",
    "SessionPage",
    "SessionRepo",
    "SessionState",
    "Setting",
    "SettingsRepo",
    "StoreError",
    "StreamPage",
    "StreamRecord",
    "StsCredential",
    "StsRepo",
    "TagPage",
    "TagRepo",
    "normalize_url",
    "sqlite_url",
]
