"""Who a request acts as: the account root, a RAM user, an assumed role, and the ARNs that name them.

Kept apart from the policy decision (tether/server/api/authz.py) because authentication, bootstrap, the console
and the STS actions all name principals without deciding anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ROOT, USER, ROLE, UNKNOWN = "root", "user", "role", "unknown"

_USER_ARN = re.compile(r"^acs:ram::(\d+):user/(.+)$")


@dataclass(frozen=True)
class Principal:
    """Who signed the request: the access key and the identity it belongs to.

    `kind` is "root", "user", "role" (temporary credentials of an assumed role) or "unknown" (a key whose owner
    does not exist in this account: it is authenticated but every action is denied).
    """

    access_key_id: str
    arn: str  # acs:ram::{account}:root | :user/{name} | :assumed-role/{role}/{session}
    kind: str = UNKNOWN
    name: str | None = None  # the user name, or the role name of a role session
    session_name: str | None = None
    session_policy: str | None = None  # AssumeRole's Policy (JSON text), role sessions only

    @property
    def is_root(self) -> bool:
        return self.kind == ROOT

    @property
    def role_session(self) -> str | None:
        """`role/session` for a role session (the audit trail's "role session" column), else None."""
        return f"{self.name}/{self.session_name}" if self.kind == ROLE else None


def instance_arn(region: str, account_id: str, instance_id: str) -> str:
    return f"acs:ecs:{region}:{account_id}:instance/{instance_id}"


def root_arn(account_id: str) -> str:
    return f"acs:ram::{account_id}:root"


def ram_arn(account_id: str, kind: str, name: str) -> str:
    """`acs:ram::{account}:{kind}/{name}` for kind user, group, role or policy."""
    return f"acs:ram::{account_id}:{kind}/{name}"


def assumed_role_arn(account_id: str, role: str, session: str) -> str:
    return f"acs:ram::{account_id}:assumed-role/{role}/{session}"


def key_principal(account_id: str, key_id: str, arn: str) -> Principal:
    """The principal a permanent access key belongs to, from the ARN stored with it."""
    if arn == root_arn(account_id):
        return Principal(key_id, arn, ROOT)
    match = _USER_ARN.match(arn)
    if match and match.group(1) == account_id:
        return Principal(key_id, arn, USER, name=match.group(2))
    return Principal(key_id, arn, UNKNOWN)
