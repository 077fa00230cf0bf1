"""`tether audit` through click against a real HTTPS fake with LookupEvents (signatures checked)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from tether.auth.tls import ServerTLS
from tether.cli import cli
from tether.cli.common import parse_time

from .client_fakes import FakeTether, write_credentials

ROOT = "acs:ram::1234567890123456:root"
ALICE = "acs:ram::1234567890123456:user/alice"


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


class AuditFake(FakeTether):
    """LookupEvents over 250 events, newest first, filtered and paged like the server."""

    def __init__(self, tls: ServerTLS) -> None:
        super().__init__(tls)
        self.events: list[dict[str, Any]] = []
        for i in range(250):
            denied = i % 3 == 0
            self.events.append(
                {  # the server's shape: the caller nested in UserIdentity, ActionTrail style
                    "EventId": str(i),
                    "EventTime": f"2026-11-28T11:{59 - i // 60:02d}:{59 - i % 60:02d}Z",
                    "EventName": "StartTerminalSession" if denied else "DescribeInstances",
                    "RequestId": f"req-{i}",
                    "UserIdentity": {
                        "PrincipalArn": ALICE if i % 2 else ROOT,
                        "AccessKeyId": "AKalice" if i % 2 else "AKroot",
                        "RoleSession": None,
                    },
                    "SourceIpAddress": "127.0.0.1",
                    "ResourceName": "acs:ecs:local:1234567890123456:instance/mi-1" if denied else "*",
                    "Decision": (
                        {"Effect": "ImplicitDeny", "PolicyName": None, "StatementIndex": None}
                        if denied
                        else {"Effect": "Allow", "PolicyName": "readers", "StatementIndex": 1}
                    ),
                    "Result": "Forbidden.RAM" if denied else "Success",
                    "HttpStatus": 403 if denied else 200,
                }
            )

    def _do_LookupEvents(self, p: dict[str, Any]) -> dict[str, Any]:
        def keep(e: dict[str, Any]) -> bool:
            if p.get("Result") == "Failure":
                result_ok = e["Result"] != "Success"
            else:
                result_ok = p.get("Result") in (None, e["Result"])
            return (
                result_ok
                and p.get("PrincipalArn") in (None, e.get("UserIdentity", e).get("PrincipalArn"))
                and p.get("EventName") in (None, e["EventName"])
                and p.get("ResourceName") in (None, e.get("ResourceName"))
                and e["EventTime"] >= p.get("StartTime", "")
                and e["EventTime"] < p.get("EndTime", "9999")
            )

        matching = [e for e in self.events if keep(e)]
        start = int(p.get("NextToken") or 0)
        size = p.get("MaxResults", 20)
        assert 1 <= size <= 100
        result: dict[str, Any] = {"Events": matching[start : start + size]}
        if start + size < len(matching):
            result["NextToken"] = str(start + size)
        return result


@pytest.fixture
def audit_fake(tls: ServerTLS, tmp_path: Path, isolated_env: Path) -> Iterator[AuditFake]:
    server = AuditFake(tls)
    server.start()
    try:
        result = invoke("configure", "--from-file", str(write_credentials(tmp_path / "creds.json", server)))
        assert result.exit_code == 0, result.output
        yield server
    finally:
        server.stop()


def test_table_and_decision_column(audit_fake: AuditFake) -> None:
    result = invoke("audit", "--limit", "4")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["Time", "Principal", "Action", "Resource", "Result", "Decision", "SourceIp"]
    first = lines[1].split()
    assert first[:6] == [
        "2026-11-28T11:59:59Z",
        ROOT,
        "StartTerminalSession",
        "acs:ecs:local:1234567890123456:instance/mi-1",
        "Forbidden.RAM",
        "ImplicitDeny",
    ]
    assert lines[2].split()[4:] == ["Success", "Allow", "readers#1", "127.0.0.1"]
    assert len(lines) == 5
    assert "more events exist" in result.stderr


def test_filters_are_sent_and_paging_follows_next_token(audit_fake: AuditFake) -> None:
    result = invoke(
        "audit", "--principal", ALICE, "--action", "DescribeInstances", "--result", "Success", "--limit", "1000",
        "--since", "2026-11-28T11:00:00", "--until", "2026-11-28T13:00:00+01:00", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    events = json.loads(result.stdout)["Events"]
    assert events and all(e["UserIdentity"]["PrincipalArn"] == ALICE and e["Result"] == "Success" for e in events)
    assert result.stderr == ""
    bodies = [body for action, body, _ in audit_fake.calls if action == "LookupEvents"]
    assert bodies[0] == {
        "PrincipalArn": ALICE,
        "EventName": "DescribeInstances",
        "Result": "Success",
        "StartTime": "2026-11-28T11:00:00Z",  # no zone: UTC
        "EndTime": "2026-11-28T12:00:00Z",  # +01:00 converted
        "MaxResults": 100,
    }
    assert len(events) == 83 and len(bodies) == 1

    everything = json.loads(invoke("audit", "--limit", "1000", "--json").stdout)["Events"]
    assert len(everything) == 250
    tokens = [body.get("NextToken") for action, body, _ in audit_fake.calls if action == "LookupEvents"][-3:]
    assert tokens == [None, "100", "200"]

    limited = json.loads(invoke("audit", "--limit", "150", "--json").stdout)["Events"]
    assert len(limited) == 150
    assert audit_fake.calls[-1][1]["MaxResults"] == 50  # never asks for more than it will show

    failures = json.loads(invoke("audit", "--result", "Failure", "--limit", "1000", "--json").stdout)["Events"]
    assert len(failures) == 84 and {e["HttpStatus"] for e in failures} == {403}


def test_relative_since(audit_fake: AuditFake) -> None:
    result = invoke("audit", "--since", "30m", "--json")
    assert result.exit_code == 0, result.output
    sent = audit_fake.calls[-1][1]["StartTime"]
    age = datetime.now(UTC) - datetime.fromisoformat(sent)
    assert 29 * 60 < age.total_seconds() < 31 * 60


def test_bad_time_is_a_usage_error(audit_fake: AuditFake) -> None:
    result = invoke("audit", "--since", "last week")
    assert result.exit_code == 2
    assert "neither a duration like 30m, 1h, 2d, nor today/yesterday, nor an ISO time" in result.stderr
    assert audit_fake.calls == []


def test_server_error_is_one_line(audit_fake: AuditFake) -> None:
    audit_fake.keys.clear()
    result = invoke("audit")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("tether: InvalidAccessKeyId.NotFound")


def test_flat_events_are_shown_too(audit_fake: AuditFake) -> None:
    # Events with the caller and address at the top level (the brief's first draft of the API) still fill the table.
    audit_fake.events = [
        {"EventTime": "2026-11-28T11:00:00Z", "PrincipalArn": ROOT, "SourceIp": "10.0.0.9", "EventName": "X",
         "Result": "Success", "Decision": {"Effect": "Allow", "PolicyName": "(root)"}},
    ]  # fmt: skip
    row = invoke("audit").stdout.splitlines()[1].split()
    assert row == ["2026-11-28T11:00:00Z", ROOT, "X", "-", "Success", "Allow", "(root)", "10.0.0.9"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1h", "2026-11-28T11:00:00Z"),
        ("30m", "2026-11-28T11:30:00Z"),
        ("2d", "2026-11-26T12:00:00Z"),
        ("45s", "2026-11-28T11:59:15Z"),
        ("1w", "2026-11-21T12:00:00Z"),
        ("2026-11-01", "2026-11-01T00:00:00Z"),
        ("2026-11-01T08:00:00Z", "2026-11-01T08:00:00Z"),
        ("2026-11-01T08:00:00-02:00", "2026-11-01T10:00:00Z"),
        ("today", "2026-11-28T00:00:00Z"),
        ("Yesterday", "2026-11-27T00:00:00Z"),
    ],
)
def test_parse_time(value: str, expected: str) -> None:
    assert parse_time(value, now=datetime(2026, 11, 28, 12, 0, 0, tzinfo=UTC)) == expected


@pytest.mark.parametrize("value", ["", "1y", "h1", "-1h", "2026-13-01", "now"])
def test_parse_time_rejects(value: str) -> None:
    with pytest.raises(click.BadParameter):
        parse_time(value)
