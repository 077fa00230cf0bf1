"""Terminal sessions: `tether session` opens a shell on an instance, `tether sessions` lists them, and
`tether session-end` ends one.

`session` exits with the remote shell's status, and 255 when tether itself fails (like ssh), so a script can tell
the two apart.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from tether.cli.common import (
    ConnectionFlags,
    call,
    collect,
    connection_options,
    done,
    fail,
    instance_option,
    json_option,
    note,
    principal_name,
    print_json,
    print_table,
    resolve_ref,
    run_async,
    time_option,
)
from tether.client.errors import ClientError
from tether.client.resolve import resolve_instance
from tether.client.terminal import EXIT_TETHER_ERROR, run_terminal_session

__all__ = ["session", "session_end", "sessions"]

F = TypeVar("F", bound=Callable[..., Any])


def _escape_char(value: str) -> bytes | None:
    if value == "none":
        return None
    encoded = value.encode()
    if len(encoded) != 1:
        raise click.BadParameter("must be one ASCII character or 'none'", param_hint="-e/--escape-char")
    return encoded


@click.command()
@instance_option(required=False)
@click.option("--user", metavar="NAME", help="Log in as this user [default: the agent's default user].")
@click.option("--command", "command_line", metavar="CMD", help="Run CMD instead of a login shell.")
@click.option(
    "-e", "--escape-char", default="~", show_default=True, metavar="CHAR", help="Escape character, or 'none'."
)
@click.option(
    "--resume", "resume_id", metavar="SESSION_ID",
    help="Take over SESSION_ID, a shell of yours still running (its other terminal is closed).",
)
@connection_options
def session(
    instance_id: str | None,
    user: str | None,
    command_line: str | None,
    escape_char: str,
    resume_id: str | None,
    conn: ConnectionFlags,
) -> None:
    """Open an interactive shell on an instance; exit with the remote status.

    Exits 255 when tether itself fails (unreachable server, bad key, offline instance, dropped connection).

    After Enter, `~.` closes the session, `~?` lists escapes, `~~` sends a tilde.
    A dropped connection reconnects by itself; `--resume SESSION_ID` reattaches from another terminal.
    """
    escape = _escape_char(escape_char)
    if resume_id is not None:  # taking a running session over: nothing to start
        if instance_id or user or command_line:
            raise click.UsageError("--resume takes the session as it is: give it without -i, --user or --command")
        sys.exit(run_async(lambda: _resume(resume_id, escape, conn), error_code=EXIT_TETHER_ERROR))
    if not instance_id:
        raise click.UsageError("give -i INSTANCE (or --resume SESSION_ID)")
    body: dict[str, Any] = {}
    if user:
        body["Username"] = user
    if command_line:
        body["CommandLine"] = command_line

    async def go() -> int:
        async with conn.client() as api:
            resolved = await resolve_instance(api, instance_id)
            response = await api.call("StartTerminalSession", {"InstanceId": resolved, **body})
            url = response.get("WebSocketUrl")
            if not isinstance(url, str) or not url.startswith(("wss://", "ws://")):
                raise ClientError("the server's StartTerminalSession answer has no WebSocketUrl — server too old?")
            ssl_context = api.ssl_context if url.startswith("wss://") else None
            session_id = str(response.get("SessionId") or "")

            async def resume(token: str) -> str:  # a dropped connection reattaches through ResumeSession
                answer = await api.call("ResumeSession", {"SessionId": session_id, "ResumeToken": token})
                again = answer.get("WebSocketUrl")
                if not isinstance(again, str) or not again.startswith(("wss://", "ws://")):
                    raise ClientError("the server's ResumeSession answer has no WebSocketUrl")
                return again

            return await run_terminal_session(
                url, ssl_context=ssl_context, label=resolved, escape_char=escape, resume=resume
            )

    sys.exit(run_async(go, error_code=EXIT_TETHER_ERROR))


async def _resume(session_id: str, escape: bytes | None, conn: ConnectionFlags) -> int:
    """`tether session --resume`: ResumeSession without a resume token, then the session as if started here."""
    async with conn.client() as api:

        async def attach(token: str | None) -> str:
            body = {"SessionId": session_id, **({"ResumeToken": token} if token else {})}
            answer = await api.call("ResumeSession", body)
            url = answer.get("WebSocketUrl")
            if not isinstance(url, str) or not url.startswith(("wss://", "ws://")):
                raise ClientError("the server's ResumeSession answer has no WebSocketUrl — server too old?")
            return url

        url = await attach(None)
        ssl_context = api.ssl_context if url.startswith("wss://") else None
        return await run_terminal_session(url, ssl_context=ssl_context, label=session_id, escape_char=escape,
                                          resume=attach)


def _duration(seconds: object) -> str | None:
    if not isinstance(seconds, int | float):
        return None
    whole = int(seconds)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def _recording_state(session: dict[str, Any]) -> str:
    recording = session.get("Recording")
    if not isinstance(recording, dict):
        return "no"
    return "delivered" if recording.get("DeliveredTo") else "yes"


_SESSION_COLUMNS = "SessionId InstanceId User Login State Started Duration Exit FromClient ToClient Recording".split()
_SESSION_FILTERS = [
    click.option("--user", metavar="USER", help="Only sessions started by this RAM user name or principal ARN."),
    instance_option(
        "--instance", required=False, help="Only sessions on this instance: id, unique name or hostname, or tag K=V."
    ),
    time_option("--since", help="Only sessions started at or after: ISO time, or 30m / 2h / 3d ago."),
    time_option("--until", help="Only sessions started before: ISO time, or a duration ago."),
    click.option(
        "--state",
        type=click.Choice(["Pending", "Connected", "Terminated", "Expired"]),
        help="Only sessions in this state.",
    ),
    click.option("--kind", type=click.Choice(["shell", "port_forward"]), help="Only shells or only port forwards."),
    click.option("--limit", type=click.IntRange(1, 100000), default=100, show_default=True, help="At most this many."),
    json_option,
]


def _session_filters(func: F) -> F:
    decorated: Any = connection_options(func)
    for option in reversed(_SESSION_FILTERS):
        decorated = option(decorated)
    return decorated  # type: ignore[no-any-return]


def _list_sessions(
    *,
    user: str | None,
    instance_id: str | None,
    since: str | None,
    until: str | None,
    state: str | None,
    kind: str | None,
    limit: int,
    as_json: bool,
    conn: ConnectionFlags,
) -> None:
    if instance_id:
        instance_id = resolve_ref(conn, instance_id)
    body: dict[str, Any] = {
        key: value
        for key, value in (
            ("Principal", user),
            ("InstanceId", instance_id),
            ("StartTimeAfter", since),
            ("StartTimeBefore", until),
            ("State", state),
            ("Kind", kind),
        )
        if value
    }
    listing = collect(conn, "DescribeTerminalSessions", body, limit=limit)
    items = listing.items
    if as_json:
        print_json({"Sessions": items})
    else:
        print_table(
            _SESSION_COLUMNS,
            [
                [
                    s.get("SessionId"),
                    s.get("InstanceId"),
                    principal_name(s.get("PrincipalId")),
                    s.get("Username"),
                    s.get("State"),
                    s.get("StartTime") or s.get("CreationTime"),
                    _duration(s.get("Duration")),
                    s.get("ExitStatus"),
                    s.get("BytesFromClient"),
                    s.get("BytesToClient"),
                    _recording_state(s),
                ]
                for s in items
            ],
        )
    if listing.more:
        note(f"tether: more sessions exist; raise --limit (now {limit}) or narrow with --user/--instance/--since")


@click.group(invoke_without_command=True)
@_session_filters
@click.pass_context
def sessions(ctx: click.Context, /, **options: Any) -> None:
    """List terminal sessions, newest first (the same as `tether sessions list`); end one with `tether session-end`.

    Duration is from both sides connecting to the end (H:MM:SS); FromClient/ToClient are the bytes the relay
    carried each way; Recording is no, yes, or delivered (to S3-compatible storage).
    """
    if ctx.invoked_subcommand is None:
        _list_sessions(**options)
        return
    source = click.core.ParameterSource.COMMANDLINE
    given = [p.opts[0] for p in ctx.command.params if ctx.get_parameter_source(p.name or "") is source]
    if given:
        fail(f"put {', '.join(given)} after `{ctx.invoked_subcommand}`, e.g. tether sessions list --since 2h")


@sessions.command("list")
@_session_filters
def sessions_list(**options: Any) -> None:
    """List terminal sessions, newest first, filtered by who, where, when, state and kind."""
    _list_sessions(**options)


@click.command("session-end")
@click.argument("session_id")
@json_option
@connection_options
def session_end(session_id: str, as_json: bool, conn: ConnectionFlags) -> None:
    """End SESSION_ID wherever it runs (EndTerminalSession)."""
    done(call(conn, "EndTerminalSession", {"SessionId": session_id}), as_json, f"Ended session {session_id}.")
