"""Condition operators: every operator matches, does not match, and does not match when its key is absent."""

from __future__ import annotations

from typing import Any

import pytest

from tether.auth.policy import AuthzRequest, evaluate, parse_policy
from tether.auth.policy.conditions import OPERATORS

RESOURCE = "acs:ecs:cn-hangzhou:1234567890:instance/mi-0123456789abcdef0"


def allowed(condition: dict[str, Any], context: dict[str, Any]) -> bool:
    """Whether `Allow * on * if condition` allows a request carrying `context`."""
    document = parse_policy(
        {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": condition}]}
    )
    return evaluate([("p", document)], AuthzRequest("ecs:StartTerminalSession", RESOURCE, context)).allowed


# (operator, key, policy value, request value that matches, request value that does not)
TABLE: list[tuple[str, str, Any, Any, Any]] = [
    ("StringEquals", "ecs:Username", "alice", "alice", "Alice"),
    ("StringNotEquals", "ecs:Username", "root", "alice", "root"),
    ("StringEqualsIgnoreCase", "ecs:Username", "Alice", "aLICE", "alicia"),
    ("StringNotEqualsIgnoreCase", "ecs:Username", "ROOT", "alice", "Root"),
    ("StringLike", "ecs:tag/env", "prod-*", "prod-eu", "Prod-eu"),
    ("StringNotLike", "ecs:tag/env", "prod-?", "prod-eu", "prod-1"),
    ("IpAddress", "acs:SourceIp", "10.0.0.0/8", "10.20.30.40", "11.0.0.1"),
    ("IpAddress", "acs:SourceIp", "203.0.113.7", "203.0.113.7", "203.0.113.8"),
    ("IpAddress", "acs:SourceIp", "2001:db8::/32", "2001:db8::1", "2001:db9::1"),
    ("IpAddress", "acs:SourceIp", "10.0.0.0/8", "::ffff:10.1.2.3", "::ffff:11.1.2.3"),
    ("NotIpAddress", "acs:SourceIp", "10.0.0.0/8", "192.0.2.1", "10.0.0.1"),
    ("NotIpAddress", "acs:SourceIp", ["10.0.0.0/8", "fd00::/8"], "2001:db8::1", "fd12::1"),
    ("DateEquals", "acs:CurrentTime", "2026-01-01T12:00:00Z", "2026-01-01T13:00:00+01:00", "2026-01-01T12:00:01Z"),
    ("DateNotEquals", "acs:CurrentTime", "2026-01-01T12:00:00Z", "2026-01-01T12:00:00+01:00", "2026-01-01T12:00:00Z"),
    ("DateGreaterThan", "acs:CurrentTime", "2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z", "2026-01-01T00:00:00Z"),
    (
        "DateGreaterThanEquals",
        "acs:CurrentTime",
        "2026-01-01T00:00:00Z",
        "2026-01-01T08:00:00+08:00",
        "2025-12-31T23:59:59.999Z",
    ),
    (
        "DateLessThan",
        "acs:CurrentTime",
        "2026-01-01T00:00:00Z",
        "2025-12-31T18:59:59-05:00",
        "2025-12-31T19:00:00-05:00",
    ),
    ("DateLessThanEquals", "acs:CurrentTime", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z"),
    ("Bool", "acs:SecureTransport", True, "true", "false"),
    ("Bool", "acs:SecureTransport", "false", "FALSE", "true"),
    ("NumericEquals", "ecs:PortNumber", 22, "22.0", "23"),
    ("NumericNotEquals", "ecs:PortNumber", "22", "2222", "22"),
    ("NumericLessThan", "ecs:PortNumber", 1024, "1023", "1024"),
    ("NumericLessThanEquals", "ecs:PortNumber", 1024, "1024", "1025"),
    ("NumericGreaterThan", "ecs:PortNumber", 1.5, "2", "1.5"),
    ("NumericGreaterThanEquals", "ecs:PortNumber", "-1e1", "-10", "-10.5"),
]


def test_table_covers_every_operator() -> None:
    assert {row[0] for row in TABLE} == set(OPERATORS)


@pytest.mark.parametrize(("operator", "key", "value", "good", "bad"), TABLE)
def test_operator(operator: str, key: str, value: Any, good: Any, bad: Any) -> None:
    condition = {operator: {key: value}}
    assert allowed(condition, {key: good}), "should match"
    assert not allowed(condition, {key: bad}), "should not match"
    assert not allowed(condition, {}), "absent key must not match"
    assert not allowed(condition, {"some:OtherKey": good}), "absent key must not match"
    assert not allowed(condition, {key: []}), "an empty list is an absent key"


@pytest.mark.parametrize(
    ("operator", "value", "garbage"),
    [
        ("IpAddress", "10.0.0.0/8", "localhost"),
        ("NotIpAddress", "10.0.0.0/8", "localhost"),
        ("DateLessThan", "2026-01-01T00:00:00Z", "yesterday"),
        ("DateNotEquals", "2026-01-01T00:00:00Z", "2025-01-01T00:00:00"),  # no offset: not an instant
        ("NumericLessThan", "10", "ten"),
        ("NumericNotEquals", "10", "NaN"),
        ("Bool", "true", "yes"),
    ],
)
def test_unreadable_request_value_is_absent(operator: str, value: str, garbage: str) -> None:
    """A garbled fact must not satisfy a negated operator any more than a missing one."""
    assert not allowed({operator: {"k": value}}, {"k": garbage})


def test_keys_are_case_insensitive() -> None:
    assert allowed({"StringEquals": {"ACS:sourceIP": "a"}}, {"acs:SourceIp": "a"})
    assert allowed({"StringEquals": {"ecs:tag/Env": "prod"}}, {"ECS:TAG/ENV": "prod"})


def test_values_are_or_keys_and_operators_are_and() -> None:
    by_user = {"StringEquals": {"ecs:Username": ["alice", "bob"]}}
    assert allowed(by_user, {"ecs:Username": "bob"})
    assert not allowed(by_user, {"ecs:Username": "carol"})

    two_keys = {"StringEquals": {"ecs:Username": "alice", "ecs:tag/env": "dev"}}
    assert allowed(two_keys, {"ecs:Username": "alice", "ecs:tag/env": "dev"})
    assert not allowed(two_keys, {"ecs:Username": "alice", "ecs:tag/env": "prod"})
    assert not allowed(two_keys, {"ecs:Username": "alice"})

    two_operators = {"StringEquals": {"ecs:Username": "alice"}, "IpAddress": {"acs:SourceIp": "10.0.0.0/8"}}
    assert allowed(two_operators, {"ecs:Username": "alice", "acs:SourceIp": "10.1.1.1"})
    assert not allowed(two_operators, {"ecs:Username": "alice", "acs:SourceIp": "192.0.2.1"})


def test_negated_with_several_values_means_none_of_them() -> None:
    not_admins = {"StringNotEquals": {"ecs:Username": ["root", "admin"]}}
    assert allowed(not_admins, {"ecs:Username": "alice"})
    assert not allowed(not_admins, {"ecs:Username": "root"})
    assert not allowed(not_admins, {"ecs:Username": "admin"})


def test_multi_valued_request_key_matches_if_any_value_does() -> None:
    condition = {"StringEquals": {"ecs:tag/team": "red"}}
    assert allowed(condition, {"ecs:tag/team": ["blue", "red"]})
    assert not allowed(condition, {"ecs:tag/team": ["blue", "green"]})
    assert not allowed({"StringNotEquals": {"ecs:tag/team": "red"}}, {"ecs:tag/team": ["blue", "red"]})


def test_same_key_spelt_twice_in_one_context_counts_all_values() -> None:
    assert allowed({"StringEquals": {"k": "b"}}, {"K": "a", "k": "b"})


def test_non_string_context_values_are_read_as_strings() -> None:
    assert allowed({"NumericEquals": {"ecs:PortNumber": 22}}, {"ecs:PortNumber": 22})
    assert allowed({"Bool": {"acs:SecureTransport": True}}, {"acs:SecureTransport": True})
    assert not allowed({"Bool": {"acs:SecureTransport": True}}, {"acs:SecureTransport": False})


def test_string_like_is_case_sensitive_and_literal() -> None:
    assert allowed({"StringLike": {"k": "a.b*"}}, {"k": "a.bc"})
    assert not allowed({"StringLike": {"k": "a.b*"}}, {"k": "axbc"})
    assert not allowed({"StringLike": {"k": "A*"}}, {"k": "a"})


def test_ip_network_with_host_bits_is_its_network() -> None:
    assert allowed({"IpAddress": {"acs:SourceIp": "10.1.2.3/8"}}, {"acs:SourceIp": "10.200.0.1"})


def test_ipv4_and_ipv6_never_cross() -> None:
    assert not allowed({"IpAddress": {"acs:SourceIp": "::/0"}}, {"acs:SourceIp": "10.0.0.1"})
    assert allowed({"IpAddress": {"acs:SourceIp": ["::/0", "0.0.0.0/0"]}}, {"acs:SourceIp": "10.0.0.1"})
