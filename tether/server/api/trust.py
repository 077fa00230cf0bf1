"""Role trust policies: who may assume a role (the role's `AssumeRolePolicyDocument`).

A trust policy is a different document from a permission policy: its statements name principals instead of
resources, so it is checked here rather than by the policy engine. The format is the cloud's:

    {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                    "Principal": {"RAM": ["acs:ram::123456789012:root"]}}]}

Naming the account root trusts every identity of the account (each still needs `sts:AssumeRole` on the role in
its own policies); naming a user trusts that user only. An explicit Deny for a principal wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tether.protocol import jsondepth
from tether.server.principals import Principal, root_arn

MAX_TRUST_POLICY_BYTES = 4096
MAX_STATEMENTS = 20
MAX_PRINCIPALS = 50
_STATEMENT_KEYS = {"Sid", "Effect", "Action", "Principal"}
_USER = re.compile(r"^acs:ram::(\d+):user/([A-Za-z0-9.@_-]{1,64})$")
_ROOT = re.compile(r"^acs:ram::(\d+):root$")


class TrustPolicyError(ValueError):
    """`str(e)` names the statement and field at fault, like the policy engine's errors."""


@dataclass(frozen=True)
class TrustStatement:
    index: int
    effect: str
    principals: frozenset[str]


@dataclass(frozen=True)
class TrustPolicy:
    statements: tuple[TrustStatement, ...]

    def decide(self, principal: Principal, account_id: str) -> tuple[bool, int | None]:
        """(trusted, index of the deciding statement): a matching Deny wins, else a matching Allow trusts."""
        names = {principal.arn, root_arn(account_id)}
        deciding: int | None = None
        for statement in self.statements:
            if statement.principals & names:
                if statement.effect == "Deny":
                    return False, statement.index
                if deciding is None:
                    deciding = statement.index
        return deciding is not None, deciding


def _strings(value: Any, where: str, limit: int) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(v, str) for v in items):
        raise TrustPolicyError(f"{where}: must be a string or a non-empty list of strings")
    if len(items) > limit:
        raise TrustPolicyError(f"{where}: has {len(items)} entries; the limit is {limit}")
    return items


def _principal(text: str, where: str, account_id: str) -> str:
    if text.isdigit():
        text = root_arn(text)
    match = _ROOT.match(text) or _USER.match(text)
    if match is None:
        raise TrustPolicyError(f"{where}: {text!r} is not acs:ram::<account>:root or acs:ram::<account>:user/<name>")
    if match.group(1) != account_id:
        raise TrustPolicyError(f"{where}: {text!r} belongs to account {match.group(1)}; this server is {account_id}")
    return text


def parse_trust_policy(text: str, account_id: str) -> TrustPolicy:
    """Validate a trust policy; raises TrustPolicyError naming `Statement[i].Field`."""
    if len(text.encode("utf-8")) > MAX_TRUST_POLICY_BYTES:
        raise TrustPolicyError(f"is longer than {MAX_TRUST_POLICY_BYTES} bytes")
    try:
        top = jsondepth.loads(text)
    except ValueError as exc:
        raise TrustPolicyError(f"is not valid JSON: {exc}") from None
    if not isinstance(top, dict):
        raise TrustPolicyError("must be a JSON object with Version and Statement")
    unknown = set(top) - {"Version", "Statement"}
    if unknown:
        raise TrustPolicyError(f"{sorted(unknown)[0]}: unknown key; a trust policy has only Version and Statement")
    if top.get("Version") != "1":
        raise TrustPolicyError('Version: must be the string "1"')
    raw = top.get("Statement")
    if not isinstance(raw, list) or not raw:
        raise TrustPolicyError("Statement: must be a non-empty list of statements")
    if len(raw) > MAX_STATEMENTS:
        raise TrustPolicyError(f"Statement: has {len(raw)} statements; the limit is {MAX_STATEMENTS}")
    statements = []
    for index, body in enumerate(raw):
        at = f"Statement[{index}]"
        if not isinstance(body, dict):
            raise TrustPolicyError(f"{at}: must be an object")
        unknown = set(body) - _STATEMENT_KEYS
        if unknown:
            raise TrustPolicyError(f"{at}.{sorted(unknown)[0]}: not supported in a trust policy")
        for key in ("Effect", "Action", "Principal"):
            if key not in body:
                raise TrustPolicyError(f"{at}.{key}: is required")
        if body["Effect"] not in ("Allow", "Deny"):
            raise TrustPolicyError(f'{at}.Effect: must be "Allow" or "Deny"')
        for action in _strings(body["Action"], f"{at}.Action", 10):
            if action.lower() != "sts:assumerole":
                raise TrustPolicyError(f"{at}.Action: {action!r} is not sts:AssumeRole")
        principal = body["Principal"]
        if not isinstance(principal, dict) or set(principal) != {"RAM"}:
            raise TrustPolicyError(f'{at}.Principal: must be {{"RAM": [ARNs]}} (only RAM principals are supported)')
        names = frozenset(
            _principal(text, f"{at}.Principal.RAM", account_id)
            for text in _strings(principal["RAM"], f"{at}.Principal.RAM", MAX_PRINCIPALS)
        )
        statements.append(TrustStatement(index, body["Effect"], names))
    return TrustPolicy(tuple(statements))
