"""What the client commands of the `tether` CLI share: connection options, output, errors, times and prompts.

The conventions every command keeps, so scripts can rely on them, live here once:
- data goes to stdout; with `--json`, stdout carries exactly one JSON document and nothing else;
- human notes and errors go to stderr; an error is one line `tether: ...` that says what to do, exit code 1
  (255 for `session`, `proxy` and `ssh`, like ssh, so a remote status of 1 stays distinguishable);
- secrets are never printed, and the secret flags say to prefer the environment or a profile.

This module defines no commands, so any command module may import it without importing another's commands.
"""

from __future__ import annotations

import functools
import json
import re
import sys
from collections.abc import Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn, TypeVar

import click

from tether.cli import runtime
from tether.client.api import ApiClient, Listing
from tether.client.errors import ClientError
from tether.client.profile import resolve_settings

__all__ = [
    "ConnectionFlags",
    "call",
    "collect",
    "connection_options",
    "done",
    "fail",
    "json_option",
    "note",
    "parse_time",
    "principal_name",
    "print_json",
    "print_table",
    "read_password",
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

    def client(self) -> ApiClient:
        """An API client from flags > environment > profile file."""
        settings = resolve_settings(
            server=self.server,
            access_key_id=self.access_key_id,
            access_key_secret=self.access_key_secret,
            ca_cert=self.ca_cert,
            profile=self.profile,
        )
        return ApiClient(settings.server, ca_cert=settings.ca_cert, credentials=settings.credentials_provider())


def connection_options(func: F) -> F:
    """Add --server/--access-key-id/--access-key-secret/--ca-cert/--profile and pass them as `conn`."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        kwargs["conn"] = ConnectionFlags(
            server=kwargs.pop("server"),
            access_key_id=kwargs.pop("access_key_id"),
            access_key_secret=kwargs.pop("access_key_secret"),
            ca_cert=kwargs.pop("ca_cert"),
            profile=kwargs.pop("profile"),
        )
        return func(*args, **kwargs)

    options = [
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
    decorated: Any = wrapper
    for option in reversed(options):
        decorated = option(decorated)
    return decorated  # type: ignore[no-any-return]


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
