"""What the client commands of the `tether` CLI share: connection options, output, errors, times and prompts.

The conventions every command keeps, so scripts can rely on them, live here once:
- data goes to stdout; with `--json`, stdout carries exactly one JSON document and nothing else;
- human notes and errors go to stderr; an error is one line `tether: ...` that says what to do, exit code 1
  (255 for `session`, `proxy` and `ssh`, like ssh, so a remote status of 1 stays distinguishable);
- secrets are never printed, and the secret flags say to prefer the environment or a profile.

This module defines no commands, so any command module may import it without importing another's commands.
"""

from __future__ import annotations

import asyncio
import functools
import json
import re
import sys
from collections.abc import Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn, TypeVar

import click
from click.shell_completion import CompletionItem

from tether.cli import runtime
from tether.client.api import CALL_TIMEOUT, CONNECT_TIMEOUT, ApiClient, Listing
from tether.client.errors import ClientError
from tether.client.profile import resolve_settings
from tether.client.resolve import looks_like_instance_id, resolve_instance

__all__ = [
    "CONNECTION_FIELDS",
    "ConnectionFlags",
    "call",
    "collect",
    "complete_destination",
    "complete_instance",
    "connection_option_list",
    "connection_options",
    "done",
    "fail",
    "flags_from_context",
    "inherited_connection",
    "instance_option",
    "json_option",
    "note",
    "parse_time",
    "principal_name",
    "print_json",
    "print_table",
    "read_password",
    "resolve_ref",
    "run_async",
    "time_option",
]

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

_RELATIVE = re.compile(r"^(\d+)\s*([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


# ------------------------------------------------------------------------------------------------- connection


@dataclass(frozen=True)
class ConnectionFlags:
    """The connection options given on the command line (None when absent)."""

    server: str | None
    access_key_id: str | None
    access_key_secret: str | None
    ca_cert: str | None
    profile: str | None

    def client(self, *, timeout: float = CALL_TIMEOUT, connect_timeout: float = CONNECT_TIMEOUT) -> ApiClient:
        """An API client from flags > environment > profile file."""
        settings = resolve_settings(
            server=self.server,
            access_key_id=self.access_key_id,
            access_key_secret=self.access_key_secret,
            ca_cert=self.ca_cert,
            profile=self.profile,
        )
        return ApiClient(
            settings.server,
            ca_cert=settings.ca_cert,
            credentials=settings.credentials_provider(),
            timeout=timeout,
            connect_timeout=connect_timeout,
        )


CONNECTION_FIELDS = ("server", "access_key_id", "access_key_secret", "ca_cert", "profile")


def connection_option_list() -> list[Callable[[F], F]]:
    """The click options behind `ConnectionFlags`, one definition for the `tether` group and every client command."""
    return [
        click.option("--server", metavar="URL", help="Server URL, e.g. https://host:8443 [env TETHER_SERVER]."),
        click.option("--access-key-id", metavar="ID", help="Access key id [env TETHER_ACCESS_KEY_ID]."),
        click.option(
            "--access-key-secret",
            metavar="SECRET",
            help="Access key secret [env TETHER_ACCESS_KEY_SECRET]; prefer the env or a profile: command lines "
            "are visible to other users.",
        ),
        click.option(
            "--ca-cert",
            metavar="PATH",
            help="CA certificate to trust, e.g. DATA_DIR/tls/ca.pem [env TETHER_CA_CERT].",
        ),
        click.option("--profile", metavar="NAME", help="Profile in the config file [env TETHER_PROFILE]."),
    ]


def inherited_connection(ctx: click.Context | None, name: str) -> str | None:
    """The value of connection option `name` given to an enclosing group (`tether --profile p session ...`), the
    nearest one first; None when no group was given it.

    Read from the parent contexts' parsed parameters rather than from an object a group callback sets up, so it
    works the same during shell completion, where click parses but runs no callback.
    """
    parent = ctx.parent if ctx is not None else None
    while parent is not None:
        value = parent.params.get(name)
        if isinstance(value, str) and value:
            return value
        parent = parent.parent
    return None


def flags_from_context(ctx: click.Context | None, given: dict[str, Any]) -> ConnectionFlags:
    """ConnectionFlags from a command's own options (`given`), each falling back to an enclosing group's value:
    the option nearest the command wins, as with `git -C` and `docker --context`."""
    values = {name: given.get(name) or inherited_connection(ctx, name) for name in CONNECTION_FIELDS}
    return ConnectionFlags(**values)


def connection_options(func: F) -> F:
    """Add --server/--access-key-id/--access-key-secret/--ca-cert/--profile and pass them as `conn`; the same
    options given before the command (`tether --profile p ...`) fill in the ones it was not given."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        given = {name: kwargs.pop(name) for name in CONNECTION_FIELDS}
        kwargs["conn"] = flags_from_context(click.get_current_context(silent=True), given)
        return func(*args, **kwargs)

    decorated: Any = wrapper
    for option in reversed(connection_option_list()):
        decorated = option(decorated)
    return decorated  # type: ignore[no-any-return]


# ---------------------------------------------------------------------------------------------------- instances

# Shell completion of `-i` asks the server; a shell must never hang on Tab, so the whole attempt is bounded by this
# many seconds, and the listing by this many instances (one page each of up to 100).
COMPLETION_TIMEOUT = 2.0
COMPLETION_MAX_INSTANCES = 500

INSTANCE_HELP = "Instance id (mi-...), unique name or hostname, or tag KEY=VALUE."


def complete_instance(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Instance ids and names starting with what was typed, from DescribeInstances with the connection options on
    the command line so far; nothing at all (no error text in the shell) when the server cannot say quickly."""

    async def listing() -> list[dict[str, Any]]:
        conn = flags_from_context(ctx, ctx.params)
        async with conn.client(timeout=COMPLETION_TIMEOUT, connect_timeout=COMPLETION_TIMEOUT) as api:
            return (await api.collect("DescribeInstances", {}, limit=COMPLETION_MAX_INSTANCES)).items

    async def bounded() -> list[dict[str, Any]]:
        return await asyncio.wait_for(listing(), COMPLETION_TIMEOUT)

    try:
        instances = runtime.run(bounded())
    except Exception:  # completion must stay silent whatever went wrong
        return []
    items: dict[str, CompletionItem] = {}
    for instance in instances:
        instance_id = str(instance.get("InstanceId") or "")
        name = str(instance.get("InstanceName") or "")
        status = str(instance.get("Status") or "")
        if instance_id.startswith(incomplete):
            items.setdefault(instance_id, CompletionItem(instance_id, help=f"{name} {status}".strip()))
        if name and name.startswith(incomplete) and " " not in name:
            items.setdefault(name, CompletionItem(name, help=f"{instance_id} {status}".strip()))
    return list(items.values())


def complete_destination(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """`USER@INSTANCE` of `tether ssh`: once the `@` is typed, the instance part completes like `-i`."""
    user, sep, rest = incomplete.rpartition("@")
    if not sep:
        return []
    return [CompletionItem(f"{user}@{item.value}", help=item.help) for item in complete_instance(ctx, param, rest)]


def instance_option(*names: str, required: bool = True, help: str = INSTANCE_HELP) -> Callable[[F], F]:
    """`-i/--instance INSTANCE` passed as `instance_id`, completing ids and names in the shell; the command turns
    it into an id with `resolve_instance` (inside its own client) or `resolve_ref`."""
    return click.option(
        *(names or ("-i", "--instance")),
        "instance_id",
        required=required,
        metavar="INSTANCE",
        help=help,
        shell_complete=complete_instance,
    )


def resolve_ref(conn: ConnectionFlags, ref: str, *, error_code: int = 1) -> str:
    """The instance id for an `-i` argument, for commands that make their calls through `call`/`collect`; an id
    costs no call at all."""
    if looks_like_instance_id(ref.strip()):
        return ref.strip()

    async def go() -> str:
        async with conn.client() as api:
            return await resolve_instance(api, ref)

    return run_async(go, error_code=error_code)


def run_async(factory: Callable[[], Coroutine[Any, Any, T]], *, error_code: int = 1) -> T:
    """Run a coroutine for a command, turning our errors into one line and Ctrl-C into exit 130."""
    try:
        return runtime.run(factory())
    except ClientError as exc:
        fail(str(exc), error_code)
    except KeyboardInterrupt:
        click.echo("tether: interrupted", err=True)
        sys.exit(130)


def call(conn: ConnectionFlags, action: str, body: dict[str, Any]) -> dict[str, Any]:
    """One API call for a command; errors become the usual `tether: ...` line."""

    async def go() -> dict[str, Any]:
        async with conn.client() as api:
            return await api.call(action, body)

    return run_async(go)


def collect(
    conn: ConnectionFlags, action: str, body: dict[str, Any] | None = None, *, limit: int | None = None
) -> Listing:
    """The items of a listing action (at most `limit`) and whether there were more, through `ApiClient.collect`,
    which knows how each action pages: no command writes a paging loop of its own."""

    async def go() -> Listing:
        async with conn.client() as api:
            return await api.collect(action, body, limit=limit)

    return run_async(go)


# ------------------------------------------------------------------------------------------------------ output


json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print exactly one JSON document on stdout (notes go to stderr)."
)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print `tether: message` on stderr (one line) and exit with `code`."""
    click.echo(f"tether: {' '.join(message.split())}", err=True)
    sys.exit(code)


def print_json(document: object) -> None:
    """The one JSON document of a `--json` command."""
    click.echo(json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False))


def print_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """A plain left-aligned table; empty cells show as '-' so columns stay parseable with awk."""
    cells = [[("-" if value is None or value == "" else str(value)) for value in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], len(value))
    for row in [list(headers), *cells]:
        click.echo("  ".join(value.ljust(widths[i]) for i, value in enumerate(row)).rstrip())


def note(message: str) -> None:
    """A human note on stderr (never mixed into data on stdout)."""
    click.echo(message, err=True)


def done(response: dict[str, Any], as_json: bool, message: str) -> None:
    """The output of a command that changes something: the response with --json, else a note."""
    if as_json:
        print_json(response)
    else:
        note(message)


def principal_name(arn: object) -> object:
    """`alice` for a RAM user's ARN, `role/session` for a role session, `root` for the account; else as it is."""
    if not isinstance(arn, str):
        return arn
    tail = arn.rsplit(":", 1)[-1]
    if tail.startswith("user/"):
        return tail.removeprefix("user/")
    if tail.startswith("assumed-role/"):
        return tail.removeprefix("assumed-role/")
    return tail if tail == "root" else arn


# ------------------------------------------------------------------------------------------------------- times


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


def time_option(*names: str, help: str) -> Callable[[F], F]:
    """A --since/--until style option: ISO 8601 or `30m`, `2h`, `3d` ago (`parse_time`), sent to the API as
    `2026-11-28T11:40:24Z`."""

    def convert(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
        return None if value is None else parse_time(value)

    return click.option(*names, metavar="TIME", callback=convert, help=help)


# ----------------------------------------------------------------------------------------------------- prompts


def read_password(password_stdin: bool) -> str:
    """A new password: the first line of stdin, or asked twice without echo on a terminal (never a flag: command
    lines are visible to other users)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            fail('no password on stdin — pipe it in, e.g. `printf %s "$PW" | tether iam login-profile create ...`')
        return password
    if not sys.stdin.isatty():
        fail("no terminal to ask for the password on — pass --password-stdin and pipe the password in")
    value: str = click.prompt("New password", hide_input=True, confirmation_prompt="Repeat password", err=True)
    if not value:
        fail("the password is empty")
    return value
