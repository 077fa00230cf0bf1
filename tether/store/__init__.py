"""Persistent state of the tether server: SQLAlchemy 2 async models, small repositories, alembic migrations.

The server talks to the database only through the repositories here, so the SQL stays in one place and both
SQLite (one process, the default) and PostgreSQL (several relay nodes) behave the same.
"""

from tether.store.access_keys import AccessKeyRepo
from tether.store.activations import ActivationRepo
from tether.store.audit import AuditPage, AuditRepo
from tether.store.db import Database, normalize_url, sqlite_url
from tether.store.errors import AlreadyExists, DeleteConflict, LimitExceeded, NotFound, StoreError
from tether.store.iam import IamRepo, Page, Quotas
from tether.store.instances import InstanceRepo
from tether.store.models import (
    AccessKey,
    Activation,
    AuditEvent,
    Base,
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
from tether.store.sessions import SessionPage, SessionRepo
from tether.store.settings import SettingsRepo
from tether.store.sts import StsRepo
from tether.store.tags import TagPage, TagRepo

__all__ = [
    "AccessKey",
    "AccessKeyRepo",
    "Activation",
    "ActivationRepo",
    "AlreadyExists",
    "AuditEvent",
    "AuditPage",
    "AuditRepo",
    "Base",
    "Database",
    "DeleteConflict",
    "IamRepo",
    "Instance",
    "InstanceRepo",
    "InstanceTag",
    "LimitExceeded",
    "Nonce",
    "NonceRepo",
    "NotFound",
    "Page",
    "Quotas",
    "RamGroup",
    "RamPolicy",
    "RamPolicyAttachment",
    "RamRole",
    "RamUser",
    "Recording",
    "RecordingRepo",
    "Session",
    "SessionPage",
    "SessionRepo",
    "SessionState",
    "Setting",
    "SettingsRepo",
    "StoreError",
    "StsCredential",
    "StsRepo",
    "TagPage",
    "TagRepo",
    "normalize_url",
    "sqlite_url",
]
