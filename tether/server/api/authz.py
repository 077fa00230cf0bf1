"""Authorisation: the single decision point every action goes through.

Each action names one policy action (`ecs:StartTerminalSession`) and one resource ARN, so the policy engine can
replace `authorize` without touching any handler. Until then only the administrator (the account's root) may act.
"""

from __future__ import annotations

from dataclasses import dataclass

from tether.server.api.errors import ApiError


@dataclass(frozen=True)
class Principal:
    """Who signed the request: the access key and the identity it belongs to."""

    access_key_id: str
    arn: str  # e.g. acs:ram::1234567890123456:root
    is_admin: bool


def instance_arn(region: str, account_id: str, instance_id: str) -> str:
    return f"acs:ecs:{region}:{account_id}:instance/{instance_id}"


def root_arn(account_id: str) -> str:
    return f"acs:ram::{account_id}:root"


def authorize(principal: Principal, action: str, resource: str) -> None:
    """Raise `Forbidden` unless `principal` may perform `action` on `resource` (an ARN or `*`)."""
    if principal.is_admin:
        return
    raise ApiError(
        "Forbidden",
        f"{principal.arn} is not allowed to perform {action} on {resource}: ask an administrator for access.",
        403,
    )
