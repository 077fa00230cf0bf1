"""Persistent state of the tether server: SQLAlchemy 2 async models, small repositories, alembic migrations.

The server talks to the database only through the repositories here, so the SQL stays in one place and both
SQLite (one process, the default) and PostgreSQL (several relay nodes) behave the same.
"""

from tether.store.access_keys import AccessKeyRepo
from tether.store.activations import ActivationRepo
from tether.store.db import Database, normalize_url, sqlite_url
from tether.store.instances import InstanceRepo
from tether.store.models import (
    AccessKey,
    Activation,
    Base,
    Instance,
    Nonce,
    Session,
    SessionState,
    Setting,
)
from tether.store.nonces import NonceRepo
from tether.store.sessions import SessionPage, SessionRepo
from tether.store.settings import SettingsRepo

__all__ = [
    "AccessKey",
    "AccessKeyRepo",
    "Activation",
    "ActivationRepo",
    "Base",
    "Database",
    "Instance",
    "InstanceRepo",
    "Nonce",
    "NonceRepo",
    "Session",
    "SessionPage",
    "SessionRepo",
    "SessionState",
    "Setting",
    "SettingsRepo",
    "normalize_url",
    "sqlite_url",
]
