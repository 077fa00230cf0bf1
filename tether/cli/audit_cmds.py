"""`tether audit`: search the audit trail (LookupEvents) of API calls and the policy decisions behind them.

The point is answering "who did what, and why was it allowed or refused" from a terminal, so the table ends with
the decision (effect and the policy statement that decided) and times can be given the way people think of them
(`--since 1h`) as well as exactly (ISO 8601).
"""

from __future__ import annotations

from typing import Any

import click

from tether.cli.common import (
    ConnectionFlags,
    collect,
    connection_options,
    json_option,
    note,
    print_json,
    print_table,
    time_option,
)

__all__ = ["audit"]


def _principal(event: dict[str, Any]) -> object:
    """The caller's ARN: the server nests it in UserIdentity (ActionTrail style); a flat PrincipalArn is accepted."""
    identity = event.get("UserIdentity")
    if isinstance(identity, dict) and identity.get("PrincipalArn"):
        return identity["PrincipalArn"]
    return event.get("PrincipalArn")


def _decision(event: dict[str, Any]) -> str:
    """`Allow admins#0`: the effect and the policy statement that decided, or just the effect (`ImplicitDeny`: no
    statement allowed the call)."""
    decision = event.get("Decision")
    if not isinstance(decision, dict) or not decision.get("Effect"):
        return "-"
    effect = str(decision["Effect"])
    name = decision.get("PolicyName")
    if not name:
        return effect
    index = decision.get("StatementIndex")
    return f"{effect} {name}#{index}" if index is not None else f"{effect} {name}"


@click.command()
@time_option("--since", help="Events at or after: ISO time, or 30m / 1h / 2d ago.")
@time_option("--until", help="Events before: ISO time, or a duration ago.")
@click.option("--principal", metavar="ARN", help="Only calls by this principal (user, role session or root).")
@click.option("--action", metavar="NAME", help="Only this API action, e.g. StartTerminalSession.")
@click.option("--resource", metavar="ARN", help="Only calls on this resource.")
@click.option("--result", metavar="Success|Failure|CODE", help="Only successes, failures, or one error code.")
@click.option("--limit", type=click.IntRange(1, 100000), default=100, show_default=True, help="At most this many.")
@json_option
@connection_options
def audit(
    since: str | None,
    until: str | None,
    principal: str | None,
    action: str | None,
    resource: str | None,
    result: str | None,
    limit: int,
    as_json: bool,
    conn: ConnectionFlags,
) -> None:
    """Search the audit trail: who called what, on which resource, and which policy decided.

    Newest events first. Decision shows the effect and POLICY#STATEMENT that decided (statements count from 0);
    `ImplicitDeny` means no statement allowed the call.
    """
    body: dict[str, Any] = {
        key: value
        for key, value in (
            ("StartTime", since),
            ("EndTime", until),
            ("PrincipalArn", principal),
            ("EventName", action),
            ("ResourceName", resource),
            ("Result", result),
        )
        if value
    }
    listing = collect(conn, "LookupEvents", body, limit=limit)
    events = listing.items
    if as_json:
        print_json({"Events": events})
    else:
        print_table(
            ["Time", "Principal", "Action", "Resource", "Result", "Decision", "SourceIp"],
            [
                [
                    e.get("EventTime"),
                    _principal(e),
                    e.get("EventName"),
                    e.get("ResourceName"),
                    e.get("Result"),
                    _decision(e),
                    e.get("SourceIpAddress") or e.get("SourceIp"),
                ]
                for e in events
            ],
        )
    if listing.more:
        note(f"tether: more events exist; raise --limit (now {limit}) or narrow with --since/--action/--principal")
