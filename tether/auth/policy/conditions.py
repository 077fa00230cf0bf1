"""Condition operators: how a statement's `Condition` block is checked against the request context.

Invariants (docs/policies.md explains them to users):
- Every value written in a policy is read and checked when the policy is parsed (`Operator.parse_value` raises
  `ValueError`); evaluation never meets a malformed policy value.
- A key is looked up case-insensitively; a key absent from the request context makes the condition NOT match, for
  the negated operators (`StringNotEquals`, `NotIpAddress`, ...) too. A request value that cannot be read as the
  operator's type (an IP operator given "localhost") is ignored; if no readable value remains the key counts as
  absent. Why: a missing or garbled fact must never turn into a grant through a negation.
- With several request values (a list in the context) or several policy values, the positive operator matches when
  ANY request value matches ANY policy value; a negated operator matches exactly when its positive twin does not
  (so `StringNotEquals: {"ecs:Username": ["root", "admin"]}` means "neither root nor admin").
"""

from __future__ import annotations

import functools
import ipaddress
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from tether.auth.policy.matching import PatternSet, compile_patterns

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_BOOLS = frozenset({"true", "false"})

# Request values, normalised once per evaluation: lower-cased key -> tuple of string values.
Context = Mapping[str, tuple[str, ...]]


# --- reading one value (policy values at parse time raise ValueError; request values return None) -------------------


def _read_date(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.utcoffset() is not None else None


def _read_number(text: str) -> Decimal | None:
    text = text.strip()
    if _NUMBER.fullmatch(text) is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the regex admits only what Decimal reads
        return None


@functools.lru_cache(maxsize=4096)
def _read_ip(text: str) -> IPAddress | None:
    """Cached: `ipaddress` parsing costs microseconds, and the same clients call again and again."""
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # dual-stack sockets report IPv4 peers as ::ffff:a.b.c.d
    return address


def _policy_date(text: str) -> datetime:
    moment = _read_date(text)
    if moment is None:
        raise ValueError(f"{text!r} is not an ISO 8601 date-time with Z or an offset (e.g. 2026-01-31T18:00:00Z)")
    return moment


def _policy_number(text: str) -> Decimal:
    number = _read_number(text)
    if number is None:
        raise ValueError(f"{text!r} is not a number")
    return number


def _policy_network(text: str) -> IPNetwork:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        message = f"{text!r} is not an IP address or CIDR block (e.g. 203.0.113.0/24 or 2001:db8::/32)"
        raise ValueError(message) from None


def _policy_bool(text: str) -> str:
    lowered = text.lower()
    if lowered not in _BOOLS:
        raise ValueError(f"{text!r} is not a boolean: use true or false")
    return lowered


def _policy_string(text: str) -> str:
    return text


# --- positive tests: compiled policy values x request values -> True/False, or None when nothing was readable -------


def _test_equals(values: frozenset[str], request: tuple[str, ...]) -> bool | None:
    for value in request:
        if value in values:
            return True
    return False


def _test_equals_ignore_case(values: frozenset[str], request: tuple[str, ...]) -> bool | None:
    for value in request:
        if value.casefold() in values:
            return True
    return False


def _test_like(patterns: PatternSet, request: tuple[str, ...]) -> bool | None:
    for value in request:
        if patterns.matches(value):
            return True
    return False


def _test_ip(networks: tuple[IPNetwork, ...], request: tuple[str, ...]) -> bool | None:
    readable = False
    for value in request:
        address = _read_ip(value)
        if address is None:
            continue
        readable = True
        for network in networks:
            if address in network:
                return True
    return False if readable else None


def _test_bool(values: frozenset[str], request: tuple[str, ...]) -> bool | None:
    readable = False
    for value in request:
        lowered = value.lower()
        if lowered not in _BOOLS:
            continue
        readable = True
        if lowered in values:
            return True
    return False if readable else None


def _comparison(
    read: Callable[[str], Any], compare: Callable[[Any, Any], bool]
) -> Callable[[tuple[Any, ...], tuple[str, ...]], bool | None]:
    """A test for ordered types: true if `compare(request_value, policy_value)` holds for any pair."""

    def test(values: tuple[Any, ...], request: tuple[str, ...]) -> bool | None:
        readable = False
        for text in request:
            value = read(text)
            if value is None:
                continue
            readable = True
            for bound in values:
                if compare(value, bound):
                    return True
        return False if readable else None

    return test


# --- the operator table -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Operator:
    """One condition operator: how to read policy values, how to combine them, and the positive test.

    `negated` operators match exactly when the positive test is False (never when the key is absent or unreadable).
    """

    name: str
    parse_value: Callable[[str], Any]
    build: Callable[[list[Any]], Any]
    test: Callable[[Any, tuple[str, ...]], bool | None]
    negated: bool = False


def _operators() -> dict[str, Operator]:
    ops: list[Operator] = []
    for suffix, negated in (("Equals", False), ("NotEquals", True)):
        ops.append(Operator(f"String{suffix}", _policy_string, frozenset, _test_equals, negated))
        ops.append(Operator(f"String{suffix}IgnoreCase", str.casefold, frozenset, _test_equals_ignore_case, negated))
    ops.append(Operator("StringLike", _policy_string, compile_patterns, _test_like))
    ops.append(Operator("StringNotLike", _policy_string, compile_patterns, _test_like, negated=True))
    ops.append(Operator("IpAddress", _policy_network, tuple, _test_ip))
    ops.append(Operator("NotIpAddress", _policy_network, tuple, _test_ip, negated=True))
    ops.append(Operator("Bool", _policy_bool, frozenset, _test_bool))
    comparisons = (
        ("Equals", operator.eq, False),
        ("NotEquals", operator.eq, True),
        ("GreaterThan", operator.gt, False),
        ("GreaterThanEquals", operator.ge, False),
        ("LessThan", operator.lt, False),
        ("LessThanEquals", operator.le, False),
    )
    for family, parse, read in (("Date", _policy_date, _read_date), ("Numeric", _policy_number, _read_number)):
        for suffix, compare, negated in comparisons:
            ops.append(Operator(f"{family}{suffix}", parse, tuple, _comparison(read, compare), negated))
    return {op.name: op for op in ops}


OPERATORS: Mapping[str, Operator] = _operators()


@dataclass(frozen=True, slots=True)
class Condition:
    """One `Operator: {Key: values}` entry of a statement, with its values already read and combined."""

    operator: Operator
    key: str  # as written, for messages
    lookup: str  # lower-cased: context keys are case-insensitive
    values: Any

    def matches(self, context: Context) -> bool:
        """True if the request context satisfies this condition (absent or unreadable key: False)."""
        request = context.get(self.lookup)
        if not request:
            return False
        result = self.operator.test(self.values, request)
        if result is None:
            return False
        return result != self.operator.negated


def compile_condition(operator_name: str, key: str, values: Sequence[str]) -> Condition:
    """Read and combine the policy values of one key; raises ValueError (message names the bad value) if any is bad.

    The operator name must be in `OPERATORS` (the caller reports unknown operators with the statement's location).
    """
    op = OPERATORS[operator_name]
    parsed = [op.parse_value(value) for value in values]
    return Condition(op, key, key.lower(), op.build(parsed))


def normalise_context(context: Mapping[str, object]) -> dict[str, tuple[str, ...]]:
    """Lower-case the keys and make every value a tuple of strings, once per evaluation.

    Tolerant on purpose: the documented type is `str | list[str]`, but a caller passing a port as an int or a flag as
    a bool gets the obvious string ("22", "true") rather than a silent mismatch.
    """
    normalised: dict[str, tuple[str, ...]] = {}
    for key, value in context.items():
        if isinstance(value, str):
            values: tuple[str, ...] = (value,)
        elif isinstance(value, list | tuple | set | frozenset):
            values = tuple(_as_text(item) for item in value)
        else:
            values = (_as_text(value),)
        lookup = key.lower()
        normalised[lookup] = normalised.get(lookup, ()) + values
    return normalised


def _as_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
