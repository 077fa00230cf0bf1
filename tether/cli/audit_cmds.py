"""`tether audit`: search the audit trail (LookupEvents) of API calls and the policy decisions behind them.

The point is answering "who did what, and why was it allowed or refused" from a terminal, so the table ends with
the decision (effect and the policy statement that decided) and times can be given the way people think of them
(`--since 1h`) as well as exactly (ISO 8601).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import click

from tether.cli.client_cmds import (
    ConnectionFlags,
    connection_options,
    json_option,
    note,
    print_json,
    print_table,
    run_async,
)

__all__ = ["audit", "parse_time"]

# Paging stops after this many pages whatever the server says (a buggy server cannot loop us).
_MAX_PAGES = 1000
_PAGE_SIZE = 100
_RELATIVE = re.compile(r"^(\d+)\s*([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_time(value: str, *, now: datetime | None = None) -> str:
    """`1h`, `30m`, `2d` (that long ago), `today`/`yesterday` (midnight UTC), or an ISO 8601 time or date, as the
    API's `2026-11-28T11:40:24Z`.

    A time without a zone is taken as UTC, like every time the API prints, so copying one from `tether audit`
    output back into `--since` means the same moment.
    """
    text = value.strip()
    match = _RELATIVE.match(text.lower())
    if text.lower() in ("today", "yesterday"):
        midnight = (now or datetime.now(UTC)).astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        moment = midnight - timedelta(days=1 if text.lower() == "yesterday" else 0)
    elif match:
        moment = (now or datetime.now(UTC)) - timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    else:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise click.BadParameter(
                f"{value!r} is neither a duration like 30m, 1h, 2d, nor today/yesterday, nor an ISO time like "
                "2026-11-28T11:40:24Z"
            ) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _TimeType(click.ParamType):
    name = "TIME"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        try:
            return parse_time(str(value))
        except click.BadParameter as exc:
            self.fail(exc.message, param, ctx)


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
@click.option("--since", type=_TimeType(), help="Events at or after: ISO time, or 30m / 1h / 2d ago.")
@click.option("--until", type=_TimeType(), help="Events before: ISO time, or a duration ago.")
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

    async def go() -> tuple[list[dict[str, Any]], bool]:
        events: list[dict[str, Any]] = []
        token: str | None = None
        async with conn.client() as api:
            for _ in range(_MAX_PAGES):
                page = {**body, "MaxResults": min(_PAGE_SIZE, limit - len(events))}
                if token:
                    page["NextToken"] = token
                response = await api.call("LookupEvents", page)
                events.extend(e for e in response.get("Events") or [] if isinstance(e, dict))
                token = response.get("NextToken") or None
                if not token or len(events) >= limit:
                    break
        return events[:limit], bool(token)

    events, more = run_async(go)
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
    if more:
        note(f"tether: more events exist; raise --limit (now {limit}) or narrow with --since/--action/--principal")
