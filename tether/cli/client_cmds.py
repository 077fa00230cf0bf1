"""Client commands of the `tether` CLI: configure, api, instances, activation, session, sessions, session-end.

Conventions every command keeps, so scripts can rely on them:
- data goes to stdout; with `--json`, stdout carries exactly one JSON document and nothing else;
- human notes and errors go to stderr; an error is one line `tether: ...` that says what to do, exit code 1
  (255 for `session`, like ssh, so a remote status of 1 stays distinguishable);
- secrets are never printed, and the secret flags say to prefer the environment or a profile.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from tether.cli import runtime
from tether.client.api import ApiClient
from tether.client.errors import ClientError, ConfigError
from tether.client.profile import (
    DEFAULT_PROFILE,
    ENV_PROFILE,
    MODES,
    Profile,
    config_path,
    load_profiles,
    merged_profile,
    resolve_settings,
    save_profile,
)
from tether.client.terminal import EXIT_TETHER_ERROR, run_terminal_session

__all__ = ["COMMANDS"]

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

# Paging through a listing stops after this many pages whatever the server says (a buggy server cannot loop us).
_MAX_PAGES = 1000
_PAGE_SIZE = 100


# --------------------------------------------------------------------------------------------------- plumbing


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
        return ApiClient(
            settings.server,
            settings.access_key_id,
            settings.access_key_secret,
            ca_cert=settings.ca_cert,
            security_token=settings.security_token,
        )


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


json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print exactly one JSON document on stdout (notes go to stderr)."
)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print `tether: message` on stderr (one line) and exit with `code`."""
    click.echo(f"tether: {' '.join(message.split())}", err=True)
    sys.exit(code)


def run_async(factory: Callable[[], Coroutine[Any, Any, T]], *, error_code: int = 1) -> T:
    """Run a coroutine for a command, turning our errors into one line and Ctrl-C into exit 130."""
    try:
        return runtime.run(factory())
    except ClientError as exc:
        fail(str(exc), error_code)
    except KeyboardInterrupt:
        click.echo("tether: interrupted", err=True)
        sys.exit(130)


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


async def page_numbered(
    api: ApiClient, action: str, body: dict[str, Any], list_key: str, *, inner_key: str | None = None
) -> list[dict[str, Any]]:
    """Every item of a PageNumber/PageSize listing, following TotalCount (bounded by _MAX_PAGES)."""
    items: list[dict[str, Any]] = []
    for page in range(1, _MAX_PAGES + 1):
        response = await api.call(action, {**body, "PageNumber": page, "PageSize": _PAGE_SIZE})
        batch = response.get(list_key) or []
        if inner_key is not None and isinstance(batch, dict):
            batch = batch.get(inner_key) or []
        items.extend(item for item in batch if isinstance(item, dict))
        total = response.get("TotalCount")
        if not batch or len(batch) < _PAGE_SIZE or (isinstance(total, int) and len(items) >= total):
            break
    return items


# -------------------------------------------------------------------------------------------------- configure


def _read_credentials_file(path: Path) -> dict[str, str]:
    """The server's admin-credentials.json: {server, access_key_id, access_key_secret, ca_cert}."""
    try:
        document = json.loads(path.read_text())
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from exc
    except ValueError as exc:
        raise ConfigError(f"{path} is not JSON ({exc}) — pass the server's DATA_DIR/admin-credentials.json") from exc
    if not isinstance(document, dict):
        raise ConfigError(f"{path} is not a JSON object — pass the server's DATA_DIR/admin-credentials.json")
    values = {
        key: str(document[key])
        for key in ("server", "access_key_id", "access_key_secret", "ca_cert", "security_token", "mode")
        if document.get(key)
    }
    if values.get("ca_cert"):
        ca = Path(values["ca_cert"]).expanduser()
        values["ca_cert"] = str(ca if ca.is_absolute() else (path.parent / ca).resolve())
    return values


def _mask(secret: str | None) -> str:
    return f"****{secret[-4:]}" if secret and len(secret) > 8 else ("****" if secret else "")


@click.command()
@click.option("--server", metavar="URL", help="Server URL, e.g. https://host:8443.")
@click.option("--access-key-id", metavar="ID")
@click.option("--access-key-secret", metavar="SECRET", help="Prefer the prompt or --from-file: command lines leak.")
@click.option("--security-token", metavar="TOKEN", help="For --mode StsToken (temporary credentials).")
@click.option("--ca-cert", metavar="PATH", help="CA certificate to trust (the server's DATA_DIR/tls/ca.pem).")
@click.option("--profile", metavar="NAME", help="Profile to write [default: TETHER_PROFILE, current, 'default'].")
@click.option("--mode", type=click.Choice(MODES), help="Credential kind [default: AK].")
@click.option(
    "--from-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read server, key and CA from the server's DATA_DIR/admin-credentials.json.",
)
@json_option
def configure(
    server: str | None,
    access_key_id: str | None,
    access_key_secret: str | None,
    security_token: str | None,
    ca_cert: str | None,
    profile: str | None,
    mode: str | None,
    from_file: Path | None,
    as_json: bool,
) -> None:
    """Save a server and access key as a profile in ~/.tether/config.toml (mode 0600).

    Without flags on a terminal, asks for each setting (Enter keeps the current value). The profile written
    becomes the current one.
    """
    try:
        path = config_path()
        profiles, current = load_profiles(path)
        name = profile or os.environ.get(ENV_PROFILE) or current or DEFAULT_PROFILE
        values: dict[str, str | None] = dict(_read_credentials_file(from_file)) if from_file else {}
        given = {
            "server": server,
            "access_key_id": access_key_id,
            "access_key_secret": access_key_secret,
            "security_token": security_token,
            "ca_cert": str(Path(ca_cert).expanduser().resolve()) if ca_cert else None,
            "mode": mode,
        }
        values.update({k: v for k, v in given.items() if v})
        result = merged_profile(profiles.get(name), name, **values)
        interactive = sys.stdin.isatty() and from_file is None and not any(given.values())
        if interactive:
            result = _prompt_profile(result)
        missing = [
            flag
            for flag, value in (
                ("--server", result.server),
                ("--access-key-id", result.access_key_id),
                ("--access-key-secret", result.access_key_secret),
            )
            if not value
        ]
        if missing and sys.stdin.isatty() and not interactive:
            result = _prompt_profile(result, only_missing=True)
        elif missing:
            raise ConfigError(f"missing {', '.join(missing)} — pass them, use --from-file, or run on a terminal")
        if result.mode == "StsToken" and not result.security_token:
            raise ConfigError("mode StsToken needs --security-token")
        written = save_profile(result, make_current=True, path=path)
    except ClientError as exc:
        fail(str(exc))
    summary = {
        "Profile": result.name,
        "ConfigFile": str(written),
        "Mode": result.mode,
        "Server": result.server,
        "AccessKeyId": result.access_key_id,
        "CaCert": result.ca_cert,
        "Current": True,
    }
    if as_json:
        print_json(summary)
    else:
        note(
            f"Saved profile '{result.name}' ({result.server}, key {result.access_key_id}) to {written}; it is current."
        )


def _prompt_profile(profile: Profile, *, only_missing: bool = False) -> Profile:
    """Ask for each setting on the terminal; Enter keeps the value shown. Secrets are read without echo."""

    def ask(label: str, current: str | None, *, secret: bool = False) -> str | None:
        if only_missing and current:
            return current
        shown = _mask(current) if secret else (current or "")
        suffix = f" [{shown}]" if shown else ""
        answer: str = click.prompt(f"{label}{suffix}", default="", show_default=False, hide_input=secret, err=True)
        return answer.strip() or current

    server = ask("Server URL", profile.server)
    key_id = ask("Access key id", profile.access_key_id)
    secret = ask("Access key secret", profile.access_key_secret, secret=True)
    ca = ask("CA certificate (empty: system store)", profile.ca_cert) if not only_missing else profile.ca_cert
    if ca:
        ca = str(Path(ca).expanduser().resolve())
    return merged_profile(
        profile, profile.name, server=server, access_key_id=key_id, access_key_secret=secret, ca_cert=ca
    )


# --------------------------------------------------------------------------------------------------------- api


def _parse_body(body: str | None) -> dict[str, Any]:
    if body is None:
        return {}
    source = "--body"
    if body.startswith("@"):
        name = body[1:]
        source = name
        try:
            body = sys.stdin.read() if name == "-" else Path(name).read_text()
        except OSError as exc:
            raise ConfigError(f"cannot read {name}: {exc.strerror}") from exc
    try:
        document = json.loads(body) if body.strip() else {}
    except ValueError as exc:
        raise ConfigError(f"{source} is not JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise ConfigError(f'{source} must be a JSON object like \'{{"InstanceId": "mi-..."}}\'')
    return document


@click.command("api")
@click.argument("action")
@click.option("--body", metavar="JSON|@FILE", help="Request body: a JSON object, @file, or @- for stdin.")
@connection_options
def api_cmd(action: str, body: str | None, conn: ConnectionFlags) -> None:
    """Call any API action and print its JSON response.

    ACTION is an API action name such as DescribeInstances (see docs/api.md).
    """

    async def go() -> dict[str, Any]:
        payload = _parse_body(body)
        async with conn.client() as api:
            return await api.call(action, payload)

    print_json(run_async(go))


# --------------------------------------------------------------------------------------------------- instances


@click.command()
@click.option("--name", "instance_name", metavar="NAME", help="Only instances with this InstanceName.")
@json_option
@connection_options
def instances(instance_name: str | None, as_json: bool, conn: ConnectionFlags) -> None:
    """List registered instances and whether their agent is online."""

    async def go() -> list[dict[str, Any]]:
        body = {"InstanceName": instance_name} if instance_name else {}
        async with conn.client() as api:
            return await page_numbered(api, "DescribeInstances", body, "Instances")

    items = run_async(go)
    if as_json:
        print_json({"Instances": items, "TotalCount": len(items)})
        return
    print_table(
        ["InstanceId", "Hostname", "Status", "AgentVersion", "LastHeartbeat"],
        [
            [i.get("InstanceId"), i.get("Hostname"), i.get("Status"), i.get("AgentVersion"), i.get("LastHeartbeatTime")]
            for i in items
        ],
    )


# -------------------------------------------------------------------------------------------------- activation


@click.group()
def activation() -> None:
    """Create, list and delete activation codes that register agents."""


@activation.command("create")
@click.option("--description", metavar="TEXT")
@click.option("--instance-name", metavar="NAME", help="Default name for instances registered with this code.")
@click.option("--count", type=click.IntRange(1, 1000), help="How many instances may register [server default 10].")
@click.option("--ttl-hours", type=click.IntRange(1, 876000), help="Hours the code stays valid [server default 4].")
@json_option
@connection_options
def activation_create(
    description: str | None,
    instance_name: str | None,
    count: int | None,
    ttl_hours: int | None,
    as_json: bool,
    conn: ConnectionFlags,
) -> None:
    """Create an activation; prints ActivationId and ActivationCode (the code is shown only this once)."""
    body: dict[str, Any] = {}
    if description:
        body["Description"] = description
    if instance_name:
        body["InstanceName"] = instance_name
    if count is not None:
        body["InstanceCount"] = count
    if ttl_hours is not None:
        body["TimeToLiveInHours"] = ttl_hours

    async def go() -> dict[str, Any]:
        async with conn.client() as api:
            return await api.call("CreateActivation", body)

    response = run_async(go)
    if as_json:
        print_json(response)
        return
    click.echo(f"ActivationId:   {response.get('ActivationId')}")
    click.echo(f"ActivationCode: {response.get('ActivationCode')}")
    note("The code is shown only once: give both values to `tether agent` on the machines to register.")


@activation.command("list")
@json_option
@connection_options
def activation_list(as_json: bool, conn: ConnectionFlags) -> None:
    """List activations with their usage and expiry."""

    async def go() -> list[dict[str, Any]]:
        async with conn.client() as api:
            return await page_numbered(api, "DescribeActivations", {}, "Activations")

    items = run_async(go)
    if as_json:
        print_json({"Activations": items, "TotalCount": len(items)})
        return
    print_table(
        ["ActivationId", "Description", "InstanceName", "Registered", "Expires", "Disabled"],
        [
            [
                a.get("ActivationId"),
                a.get("Description"),
                a.get("InstanceName"),
                f"{a.get('RegisteredCount', 0)}/{a.get('InstanceCount', '?')}",
                a.get("ExpiredTime"),
                "yes" if a.get("Disabled") else "no",
            ]
            for a in items
        ],
    )


@activation.command("delete")
@click.argument("activation_id")
@json_option
@connection_options
def activation_delete(activation_id: str, as_json: bool, conn: ConnectionFlags) -> None:
    """Delete an activation; instances it registered stay registered."""

    async def go() -> dict[str, Any]:
        async with conn.client() as api:
            return await api.call("DeleteActivation", {"ActivationId": activation_id})

    response = run_async(go)
    if as_json:
        print_json(response)
    else:
        note(f"Deleted activation {activation_id}.")


# ----------------------------------------------------------------------------------------------------- session


def _escape_char(value: str) -> bytes | None:
    if value == "none":
        return None
    encoded = value.encode()
    if len(encoded) != 1:
        raise click.BadParameter("must be one ASCII character or 'none'", param_hint="-e/--escape-char")
    return encoded


@click.command()
@click.option("-i", "--instance", "instance_id", required=True, metavar="INSTANCE", help="Instance id (mi-...).")
@click.option("--user", metavar="NAME", help="Log in as this user [default: the agent's default user].")
@click.option("--command", "command_line", metavar="CMD", help="Run CMD instead of a login shell.")
@click.option(
    "-e", "--escape-char", default="~", show_default=True, metavar="CHAR", help="Escape character, or 'none'."
)
@connection_options
def session(
    instance_id: str, user: str | None, command_line: str | None, escape_char: str, conn: ConnectionFlags
) -> None:
    """Open an interactive shell on an instance; exit with the remote status.

    Exits 255 when tether itself fails (unreachable server, bad key, offline instance, dropped connection).

    After Enter, `~.` closes the session, `~?` lists escapes, `~~` sends a tilde.
    """
    escape = _escape_char(escape_char)
    body: dict[str, Any] = {"InstanceId": instance_id}
    if user:
        body["Username"] = user
    if command_line:
        body["CommandLine"] = command_line

    async def go() -> int:
        async with conn.client() as api:
            response = await api.call("StartTerminalSession", body)
            url = response.get("WebSocketUrl")
            if not isinstance(url, str) or not url.startswith(("wss://", "ws://")):
                raise ClientError("the server's StartTerminalSession answer has no WebSocketUrl — server too old?")
            ssl_context = api.ssl_context if url.startswith("wss://") else None
        return await run_terminal_session(url, ssl_context=ssl_context, label=instance_id, escape_char=escape)

    sys.exit(run_async(go, error_code=EXIT_TETHER_ERROR))


def time_option(*names: str, help: str) -> Callable[[F], F]:
    """A --since/--until style option: ISO 8601 or `30m`, `2h`, `3d` ago (tether.cli.audit_cmds.parse_time), sent
    to the API as `2026-11-28T11:40:24Z`."""

    def convert(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
        if value is None:
            return None
        from tether.cli.audit_cmds import parse_time  # imported here: audit_cmds imports this module

        return parse_time(value)

    return click.option(*names, metavar="TIME", callback=convert, help=help)


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
    click.option("--instance", "instance_id", metavar="INSTANCE", help="Only sessions on this instance."),
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

    async def go() -> tuple[list[dict[str, Any]], bool]:
        items: list[dict[str, Any]] = []
        token: str | None = None
        async with conn.client() as api:
            for _ in range(_MAX_PAGES):
                page_body = {**body, "MaxResults": min(100, limit - len(items))}
                if token:
                    page_body["NextToken"] = token
                response = await api.call("DescribeTerminalSessions", page_body)
                items.extend(s for s in response.get("Sessions") or [] if isinstance(s, dict))
                token = response.get("NextToken") or None
                if not token or len(items) >= limit:
                    break
        return items[:limit], bool(token)

    items, more = run_async(go)
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
    if more:
        note(f"tether: more sessions exist; raise --limit (now {limit}) or narrow with --user/--instance/--since")


@click.group(invoke_without_command=True)
@_session_filters
@click.pass_context
def sessions(ctx: click.Context, **options: Any) -> None:
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

    async def go() -> dict[str, Any]:
        async with conn.client() as api:
            return await api.call("EndTerminalSession", {"SessionId": session_id})

    response = run_async(go)
    if as_json:
        print_json(response)
    else:
        note(f"Ended session {session_id}.")


COMMANDS: list[click.Command] = [configure, api_cmd, instances, activation, session, sessions, session_end]
