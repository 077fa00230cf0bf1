"""`tether server`: run the relay and control plane.

Flags map one to one onto `ServerConfig`; everything the server creates on first start (TLS, credentials,
database) lives under --data-dir, so one directory is the whole server.
"""

from __future__ import annotations

from pathlib import Path

import click

from tether.auth.tls import check_san
from tether.cli import runtime
from tether.cli.logformat import log_format_option, use_json
from tether.server import ServerConfig, parse_listen, run_server
from tether.server.app import hold_sighup
from tether.server.config import DEFAULT_LISTEN, LISTEN_BACKLOG_RANGE, MAX_AGENT_HANDSHAKES_RANGE
from tether.server.listeners import ListenError
from tether.server.logs import setup_logging
from tether.server.tlsfiles import TLSFileError
from tether.store import normalize_url


def _listen(_ctx: click.Context, _param: click.Parameter, value: str) -> tuple[str, int]:
    try:
        return parse_listen(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _sans(_ctx: click.Context, _param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    try:
        return tuple(check_san(name) for name in value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _positive(_ctx: click.Context, param: click.Parameter, value: float) -> float:
    if value <= 0:
        raise click.BadParameter(f"{param.name} must be positive")
    return value


@click.command("server")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("./tether-data"),
    show_default=True,
    help="Database, TLS material, secret key and admin credentials.",
)
@click.option(
    "--listen",
    default=DEFAULT_LISTEN,
    show_default=True,
    callback=_listen,
    help="HOST:PORT to listen on (port 0 picks a free port).",
)
@click.option("--public-url", default=None, help="URL agents and clients use to reach this server.")
@click.option(
    "--db",
    "db_url",
    envvar="TETHER_DB_URL",
    default=None,
    help="Database URL (default: SQLite in --data-dir; or postgresql://...), or $TETHER_DB_URL (keeps a password "
    "out of the process list).",
)
@click.option(
    "--node-id",
    default=None,
    help="This node's name when several share one PostgreSQL database (default: kept in DATA_DIR/node-id).",
)
@click.option("--no-tls", is_flag=True, help="Serve plain HTTP/WS, only behind a TLS-terminating proxy.")
@click.option(
    "--tls-cert",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Your own certificate chain (PEM, leaf first) instead of the built-in CA; reloaded on SIGHUP.",
)
@click.option("--tls-key", type=click.Path(dir_okay=False, path_type=Path), help="The private key of --tls-cert.")
@click.option(
    "--tls-ca",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The CA that issued --tls-cert, for clients and agents (checked at start; omit for a public certificate).",
)
@click.option(
    "--tls-san",
    "tls_san",
    multiple=True,
    metavar="NAME",
    callback=_sans,
    help="Also name this DNS name or IP address in the built-in certificate; repeatable (docs/tls.md).",
)
@click.option("--idle-timeout", type=float, default=1200.0, show_default=True, callback=_positive, help="Seconds.")
@click.option("--max-duration", type=float, default=28800.0, show_default=True, callback=_positive, help="Seconds.")
@click.option("--heartbeat-interval", type=float, default=30.0, show_default=True, callback=_positive, help="Seconds.")
@click.option(
    "--resume-window",
    type=float,
    default=300.0,
    show_default=True,
    callback=_positive,
    help="Seconds a shell session whose client connection broke is kept for the client to resume it.",
)
@click.option(
    "--ssh-key-lifetime",
    type=float,
    default=60.0,
    show_default=True,
    callback=_positive,
    help="Seconds a key pushed with SendSSHPublicKey stays valid.",
)
@click.option(
    "--console-allowed-origin",
    "console_allowed_origins",
    multiple=True,
    metavar="ORIGIN",
    help="Also accept browser WebSockets to session URLs from pages of this origin (scheme://host[:port]); "
    "repeatable. For embedding a terminal in your own application (docs/embedding.md).",
)
@click.option(
    "--header-timeout",
    type=float,
    default=10.0,
    show_default=True,
    callback=_positive,
    help="Seconds a connection has to send its request headers (and finish its TLS handshake).",
)
@click.option(
    "--body-timeout", type=float, default=30.0, show_default=True, callback=_positive,
    help="Seconds a client has to send a request body.",
)
@click.option(
    "--max-pending-per-address",
    type=click.IntRange(min=1),
    default=64,
    show_default=True,
    help="Connections from one address that may be waiting for their headers at once.",
)
@click.option(
    "--max-sessions-per-principal",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="Sessions one user or role session may hold open at once.",
)
@click.option(
    "--max-pending-sessions-per-principal",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="Of those, sessions started and not yet connected to.",
)
@click.option(
    "--listen-backlog",
    type=click.IntRange(LISTEN_BACKLOG_RANGE[0], LISTEN_BACKLOG_RANGE[1]),
    default=ServerConfig.listen_backlog,
    show_default=True,
    metavar="N",
    help="The kernel's queue of connections not yet accepted, per listener (capped by net.core.somaxconn); "
    "too small and connect storms of many agents are dropped.",
)
@click.option(
    "--max-agent-handshakes",
    type=click.IntRange(MAX_AGENT_HANDSHAKES_RANGE[0], MAX_AGENT_HANDSHAKES_RANGE[1]),
    default=ServerConfig.max_agent_handshakes,
    show_default=True,
    metavar="N",
    help="Agent handshakes in progress at once; past them (and a short queue) agents get 503 with Retry-After.",
)
@click.option(
    "--trusted-proxy",
    "trusted_proxies",
    multiple=True,
    metavar="CIDR",
    help="A reverse proxy (address or network) whose X-Forwarded-For is believed for the client address; "
    "repeatable. Without it the header is ignored.",
)
@click.option(
    "--metrics-token-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Serve GET /metrics (Prometheus) to scrapers sending Authorization: Bearer with the token in this file "
    "(docs/operations.md). Without it or --metrics-token, /metrics is off.",
)
@click.option(
    "--metrics-token",
    envvar="TETHER_METRICS_TOKEN",
    default=None,
    help="The metrics token itself (or $TETHER_METRICS_TOKEN); a file keeps it out of the process list.",
)
@click.option(
    "--log-level",
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
    default="INFO",
    show_default=True,
)
@log_format_option
@click.option(
    "--migrate-only",
    is_flag=True,
    help="Apply the database migrations, print the revisions before and after, and exit (docs/operations.md).",
)
def server(
    data_dir: Path,
    listen: tuple[str, int],
    public_url: str | None,
    db_url: str | None,
    node_id: str | None,
    no_tls: bool,
    tls_cert: Path | None,
    tls_key: Path | None,
    tls_ca: Path | None,
    tls_san: tuple[str, ...],
    idle_timeout: float,
    max_duration: float,
    heartbeat_interval: float,
    resume_window: float,
    ssh_key_lifetime: float,
    console_allowed_origins: tuple[str, ...],
    header_timeout: float,
    body_timeout: float,
    max_pending_per_address: int,
    max_sessions_per_principal: int,
    max_pending_sessions_per_principal: int,
    listen_backlog: int,
    max_agent_handshakes: int,
    trusted_proxies: tuple[str, ...],
    metrics_token_file: Path | None,
    metrics_token: str | None,
    log_level: str,
    log_format: str,
    migrate_only: bool,
) -> None:
    """Run the tether server (API, agent control channels and the session relay).

    SIGTERM or SIGINT shut it down gracefully; SIGHUP reloads the TLS certificate for new connections.
    """
    # until the server's own handler is in place, a SIGHUP (a renewal hook at boot) must not kill it
    hold_sighup()
    setup_logging(log_level)
    if log_format == "json":
        use_json()
    host, port = listen
    if metrics_token_file is not None:
        if metrics_token is not None:
            raise click.UsageError("give --metrics-token or --metrics-token-file, not both")
        try:
            metrics_token = metrics_token_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            hint = "--metrics-token-file"
            raise click.BadParameter(f"cannot read {metrics_token_file}: {exc}", param_hint=hint) from None
    try:
        if db_url is not None:
            normalize_url(db_url)
        config = ServerConfig(
            data_dir=data_dir,
            listen_host=host,
            listen_port=port,
            public_url=public_url,
            db_url=db_url,
            node_id=node_id,
            tls=not no_tls,
            tls_cert=tls_cert,
            tls_key=tls_key,
            tls_ca=tls_ca,
            tls_san=list(tls_san),
            idle_timeout=idle_timeout,
            max_duration=max_duration,
            heartbeat_interval=heartbeat_interval,
            resume_window=resume_window,
            ssh_key_lifetime=ssh_key_lifetime,
            console_allowed_origins=list(console_allowed_origins),
            header_timeout=header_timeout,
            body_timeout=body_timeout,
            max_pending_per_address=max_pending_per_address,
            max_sessions_per_principal=max_sessions_per_principal,
            max_pending_sessions_per_principal=max_pending_sessions_per_principal,
            listen_backlog=listen_backlog,
            max_agent_handshakes=max_agent_handshakes,
            trusted_proxies=list(trusted_proxies),
            metrics_token=metrics_token,
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    if migrate_only:
        _migrate_only(config)
        return
    try:
        runtime.run(run_server(config))
    except (ListenError, TLSFileError) as exc:
        raise click.ClickException(str(exc)) from None


async def _migrate(url: str) -> tuple[str | None, str | None]:
    from tether.store.db import Database

    db = Database(url)
    try:
        return await db.migrate()
    finally:
        await db.dispose()


def _migrate_only(config: ServerConfig) -> None:
    """`--migrate-only`: the schema step of a start, on its own (once per database, before the nodes start)."""
    from sqlalchemy.exc import SQLAlchemyError

    from tether.store.db import sqlite_url

    if config.db_url is None:
        config.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    url = config.db_url or sqlite_url(config.data_dir / "tether.db")
    try:
        before, after = runtime.run(_migrate(url))
    except (SQLAlchemyError, OSError) as exc:
        raise click.ClickException(f"cannot migrate the database: {exc}") from None
    if before == after:
        click.echo(f"database already at {after}")
    else:
        click.echo(f"database migrated {before or '(empty database)'} -> {after}")
