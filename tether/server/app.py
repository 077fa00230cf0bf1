"""Server assembly and life cycle: startup -> serve -> graceful shutdown.

Components are built bottom-up (listening sockets, database, bus, agent router, relay, session life cycle, request
state, HTTP app), each one given what it needs and each one's undo pushed on one `AsyncExitStack`, so a failure at
any step of the start unwinds exactly what had been started, and `stop()` is the same unwinding. The order of the
undos is the order of a graceful shutdown: stop accepting connections, close agent control channels with 1012
(agents reconnect, to another node if there is one), give running sessions a bounded time to finish, end what is
left, stop the background jobs, then close the HTTP app, the bus and the database.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from ssl import SSLContext

from aiohttp import web
from cryptography import x509

from tether.auth.secretbox import SecretBox
from tether.auth.tls import server_ssl_context
from tether.recording.delivery import DeliveryWorker
from tether.recording.indexer import SearchIndexer
from tether.recording.recorder import Recordings
from tether.server import listeners
from tether.server.agents import AgentRegistry
from tether.server.api.dispatch import ACTIONS, MAX_BODY, api_handler
from tether.server.assist import add_routes as add_assist_routes
from tether.server.audit import AuditTrail
from tether.server.bootstrap import (
    CREDENTIALS_FILE,
    AdminCredentials,
    account_id,
    credentials_pending,
    ensure_admin_key,
    ensure_console_password,
    ensure_tls,
    mark_credentials_written,
    node_id,
    renew_console_password,
    write_credentials,
)
from tether.server.bus import Bus, NodeBus, NullBus, asyncpg_dsn
from tether.server.config import ServerConfig
from tether.server.connguard import ConnectionGuard, GuardedSite, GuardSettings
from tether.server.console import add_routes as add_console_routes
from tether.server.console import root_redirect
from tether.server.control import control_channel
from tether.server.data import agent_data, client_data
from tether.server.health import add_routes as add_health_routes
from tether.server.install import InstallSource
from tether.server.install import add_routes as add_install_routes
from tether.server.jobs import housekeeping
from tether.server.lifecycle import SessionLifecycle
from tether.server.logs import AccessLogger, access_log
from tether.server.looplag import measure_lag
from tether.server.metrics import METRICS_KEY, ServerMetrics
from tether.server.openapi.handler import root_handler
from tether.server.records import SessionRecords
from tether.server.relay import Relay
from tether.server.router import AgentRouter
from tether.server.routing import coded_route_errors
from tether.server.signin import SIGNIN_PATH, console_signin
from tether.server.state import STATE_KEY, ServerState
from tether.server.tlsfiles import CertificateFiles, ReloadableTLS, load_certificate_files
from tether.store import (
    AccessKeyRepo,
    AuditRepo,
    Database,
    ForwardStreamRepo,
    InstanceRepo,
    RecordingRepo,
    SearchRepo,
    SessionRepo,
    SettingsRepo,
    sqlite_url,
)

log = logging.getLogger(__name__)

__all__ = [
    "AdminCredentials",
    "RunningServer",
    "ServerConfig",
    "build_app",
    "hold_sighup",
    "run_server",
    "start_server",
]

HANDLER_SHUTDOWN_TIMEOUT = 5.0
KEEPALIVE_TIMEOUT = 75.0  # an idle kept-alive connection, or one that never sends a byte, is closed after this


def build_app(
    state: ServerState,
    guard: ConnectionGuard | None = None,
    metrics: ServerMetrics | None = None,
    install: InstallSource | None = None,
) -> web.Application:
    middlewares = [coded_route_errors] if guard is None else [guard.middleware, coded_route_errors]
    app = web.Application(client_max_size=MAX_BODY, middlewares=middlewares)
    app[STATE_KEY] = state
    app[METRICS_KEY] = metrics if metrics is not None else ServerMetrics(ACTIONS)
    add_health_routes(app)  # /healthz, /readyz, /metrics: unsigned, through the guard like everything else
    app.router.add_post("/api/v1/{action}", api_handler)
    app.router.add_route("*", "/", root_handler(root_redirect))  # the ECS OpenAPI dialect, or the console
    app.router.add_post(SIGNIN_PATH, console_signin)
    app.router.add_get("/agent/v1/control", control_channel)
    app.router.add_get("/agent/v1/data/{session_id}", agent_data)
    app.router.add_get("/client/v1/data/{session_id}", client_data)
    add_console_routes(app)
    add_assist_routes(app, state)  # the Cloud Assistant agent's /luban/ endpoints
    # the agent install one-liner's script and wheel (unsigned, secret-free)
    add_install_routes(app, install if install is not None else InstallSource(state.public_url, None, None))
    return app


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", "::", ""):
        host = socket.gethostname()
    return f"[{host}]" if ":" in host else host


@dataclass
class RunningServer:
    """A started server (for tests and `run_server`)."""

    url: str  # the public URL, e.g. https://127.0.0.1:8443
    port: int
    admin_credentials: AdminCredentials
    state: ServerState
    delivery: DeliveryWorker  # uploads sealed recordings (and audit events) to S3-compatible storage
    indexer: SearchIndexer  # indexes sealed recordings for SearchSessionRecordings
    metrics: ServerMetrics  # the Prometheus instruments of this server (GET /metrics)
    tls: ReloadableTLS | None  # None with --no-tls
    guard: ConnectionGuard  # slow-client bounds of the listeners
    _stack: AsyncExitStack
    _stopped: bool = field(default=False)

    def reload_tls(self) -> bool:
        """Load the certificate files again for new handshakes (SIGHUP); False if they were unusable."""
        if self.tls is None:
            log.info("SIGHUP: TLS is off, nothing to reload")
            return False
        return self.tls.reload()

    async def stop(self) -> None:
        """Graceful shutdown; safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        await self._stack.aclose()
        log.info("stopped")


async def start_server(config: ServerConfig) -> RunningServer:
    """Start listening and return at once; call `.stop()` to shut down. A failed start leaves nothing running."""
    stack = AsyncExitStack()
    try:
        return await _assemble(config, stack)
    except BaseException:
        await stack.aclose()
        raise


async def _assemble(config: ServerConfig, stack: AsyncExitStack) -> RunningServer:
    data_dir = config.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(data_dir, 0o700)
    listeners.raise_open_files_limit()
    socks = listeners.bind(config.listen_host, config.listen_port, config.listen_backlog)
    stack.callback(listeners.close, socks)
    port = listeners.bound_port(socks)
    scheme = "https" if config.tls else "http"
    listen_url = f"{scheme}://{_url_host(config.listen_host)}:{port}"
    public_url = config.public_url or listen_url
    tls, ca_cert = _tls(config)  # first: a certificate that cannot be used stops the start before anything else

    db = Database(config.db_url or sqlite_url(data_dir / "tether.db"))
    stack.push_async_callback(db.dispose)
    await db.migrate()
    box = SecretBox.load_or_create(data_dir / "secret.key")
    settings = SettingsRepo(db)
    account = await account_id(settings)
    key_id, secret, created = await ensure_admin_key(settings, AccessKeyRepo(db), box, account)
    credentials_path = data_dir / CREDENTIALS_FILE
    # a first start that failed before writing the credentials file is finished by this one
    pending = await credentials_pending(
        settings, AuditRepo(db), credentials_path.exists(), account, created=created
    )
    console_password = await ensure_console_password(settings)
    if pending and console_password is None and db.is_sqlite:
        # only this server uses a SQLite database, so no other node can be mid-way through its own first start
        console_password = await renew_console_password(settings)
    node = config.node_id or node_id(data_dir)

    bus: Bus = NullBus(node) if db.is_sqlite else NodeBus(asyncpg_dsn(db.url), node)
    await bus.start()
    stack.push_async_callback(bus.stop)
    if isinstance(bus, NodeBus):
        # scale-out: other nodes on this database reach the agents and sessions this node holds (docs/scale-out.md)
        log.info("node bus: listening on %s for node %s", bus.channel, node)

    metrics = ServerMetrics(ACTIONS)
    state = _components(
        config, db, box, bus, metrics, node=node, account=account, key_id=key_id, public_url=public_url
    )
    await _recover(state)
    delivery = DeliveryWorker(db=db, settings=state.settings, box=box, node=node, recordings=state.recordings)
    state.recordings.sealed_listeners.append(delivery.on_sealed)  # catches up at start on what it missed
    indexer = SearchIndexer(SearchRepo(db), state.recordings, node)
    state.recordings.sealed_listeners.append(indexer.notify)  # only queues; catches up at start too

    guard = ConnectionGuard(
        GuardSettings(
            header_timeout=config.header_timeout,
            body_timeout=config.body_timeout,
            max_pending_per_address=config.max_pending_per_address,
            max_pending=config.max_pending_connections,
        ),
        state.trusted_proxies,
    )
    runner = web.AppRunner(
        build_app(state, guard, metrics, InstallSource(public_url, tls, ca_cert)),
        access_log_class=AccessLogger,
        access_log=access_log,
        shutdown_timeout=HANDLER_SHUTDOWN_TIMEOUT,
        keepalive_timeout=KEEPALIVE_TIMEOUT,
        handle_signals=False,
    )
    presence_stop = asyncio.Event()
    presence_task = asyncio.get_running_loop().create_task(state.presence.run(presence_stop))

    async def stop_presence() -> None:
        presence_stop.set()  # after the handlers are gone: their last disconnects are in the final batch
        await presence_task

    stack.push_async_callback(stop_presence)
    await runner.setup()
    stack.push_async_callback(runner.cleanup)
    indexer.start()
    stack.push_async_callback(indexer.stop)  # what is left is indexed at the next start
    jobs_stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    jobs = [loop.create_task(housekeeping(state, jobs_stop)), loop.create_task(delivery.run(jobs_stop))]
    jobs.append(loop.create_task(measure_lag(metrics.event_loop_lag.observe, jobs_stop)))

    async def stop_jobs() -> None:
        jobs_stop.set()  # also stops delivery, after the sessions ended by the relay's shutdown were queued
        await asyncio.gather(*jobs)

    stack.push_async_callback(stop_jobs)
    stack.push_async_callback(state.relay.shutdown, config.drain_timeout)

    async def close_agents() -> None:
        log.info("shutting down: no new connections; closing %d agent control channels", len(state.agents))
        await state.agents.close_all()

    stack.push_async_callback(close_agents)
    for sock in socks:
        site = GuardedSite(
            runner, sock, guard, ssl_context=tls.context if tls is not None else None, backlog=config.listen_backlog
        )
        await site.start()
        stack.push_async_callback(site.stop)

    log.info("listening on %s (public URL %s, node %s)", listen_url, public_url, node)
    credentials = AdminCredentials(public_url, key_id, secret, ca_cert, console_password)
    write_credentials(credentials_path, credentials, created=pending)
    await mark_credentials_written(settings)
    log.info("administrator credentials: %s", credentials_path)
    log.info("browser console: %s/console/ (user root, password in %s)", public_url, credentials_path)
    if ca_cert is not None:
        log.info("CA certificate for clients and agents: %s", ca_cert)
    return RunningServer(
        url=public_url,
        port=port,
        admin_credentials=credentials,
        state=state,
        delivery=delivery,
        indexer=indexer,
        metrics=metrics,
        tls=tls,
        guard=guard,
        _stack=stack,
    )


def _tls(config: ServerConfig) -> tuple[ReloadableTLS | None, Path | None]:
    """The listeners' TLS (the operator's files, or the built-in CA's certificate) and the CA clients should trust
    (None: the system store, for a publicly trusted certificate). Raises `TLSFileError` for unusable files."""
    if not config.tls:
        log.warning("TLS is off (--no-tls): run this only behind a proxy that terminates TLS")
        return None, None
    if config.tls_cert is not None and config.tls_key is not None:
        files = CertificateFiles(config.tls_cert, config.tls_key, config.tls_ca)
        return ReloadableTLS(lambda: load_certificate_files(files), f"{files.cert}"), files.ca
    builtin = ensure_tls(config.data_dir, config.listen_host, config.public_url, config.tls_san)

    def load_builtin() -> tuple[SSLContext, x509.Certificate]:
        return server_ssl_context(builtin), x509.load_pem_x509_certificate(builtin.cert.read_bytes())

    return ReloadableTLS(load_builtin, f"the built-in CA ({builtin.cert})"), builtin.ca_cert


def _components(
    config: ServerConfig,
    db: Database,
    box: SecretBox,
    bus: Bus,
    metrics: ServerMetrics,
    *,
    node: str,
    account: str,
    key_id: str,
    public_url: str,
) -> ServerState:
    """The agent router, relay and session life cycle, each given what it needs, and the handlers' state."""
    router = AgentRouter(
        AgentRegistry(), bus, InstanceRepo(db), node_id=node, heartbeat_interval=config.heartbeat_interval
    )
    trail = AuditTrail(AuditRepo(db), region=config.region, account_id=account)
    sessions = SessionRepo(db)
    records = SessionRecords(sessions, trail)
    recordings = Recordings(RecordingRepo(db), SettingsRepo(db), config.data_dir, config.recording_max_bytes)
    relay = Relay(
        sessions=sessions,
        records=records,
        recordings=recordings,
        streams=ForwardStreamRepo(db),
        router=router,
        audit=trail,
        client_token_ttl=config.client_token_ttl,
        agent_connect_timeout=config.agent_connect_timeout,
        metrics=metrics,
        resume_window=config.resume_window,
    )
    lifecycle = SessionLifecycle(
        relay=relay, router=router, bus=bus, records=records, sessions=sessions, node_id=node
    )
    return ServerState(
        config=config,
        db=db,
        secretbox=box,
        node_id=node,
        account_id=account,
        admin_key_id=key_id,
        public_url=public_url,
        recordings=recordings,
        audit_trail=trail,
        router=router,
        relay=relay,
        lifecycle=lifecycle,
    )


async def _recover(state: ServerState) -> None:
    """What a previous run of this node left behind: agents marked connected here, sessions whose sockets died
    with it, recordings never sealed."""
    stale = await state.instances.clear_node(state.node_id)
    ended = await state.lifecycle.recover()
    await state.recordings.seal_leftovers(state.node_id)
    if stale or ended:
        log.info("cleared %d stale agent connections and %d sessions of a previous run", stale, ended)


_held_sighup = False


def hold_sighup() -> None:
    """Until `run_server` is up, remember a SIGHUP instead of dying of it (the default action); `run_server`
    reloads once for it when the start is done. Called first thing by `tether server`."""

    def remember(_signum: int, _frame: object) -> None:
        global _held_sighup
        _held_sighup = True

    signal.signal(signal.SIGHUP, remember)


async def run_server(config: ServerConfig) -> None:
    """Serve until SIGTERM or SIGINT, then shut down gracefully; SIGHUP reloads the TLS certificate.

    The SIGHUP handler is in place before the start, so a SIGHUP that arrives while the server is starting (a
    certificate renewal hook firing at boot) neither kills it nor is lost: the reload runs once it is up.
    """
    # a file size limit (RLIMIT_FSIZE) must fail the one write that crossed it with EFBIG, which the recorder
    # handles like a full disk, instead of killing the server and every session with it
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    stop = asyncio.Event()
    reload = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGHUP, reload.set)
    if _held_sighup:
        reload.set()
    try:
        server = await start_server(config)
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        try:
            await _serve(server, stop, reload)
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
            await server.stop()
    finally:
        loop.remove_signal_handler(signal.SIGHUP)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)  # a late SIGHUP must not cut the shutdown short


async def _serve(server: RunningServer, stop: asyncio.Event, reload: asyncio.Event) -> None:
    """Wait for `stop`, reloading the certificate each time `reload` is set."""
    stopping = asyncio.ensure_future(stop.wait())
    try:
        while not stop.is_set():
            reloading = asyncio.ensure_future(reload.wait())
            await asyncio.wait({stopping, reloading}, return_when=asyncio.FIRST_COMPLETED)
            if reload.is_set() and not stop.is_set():
                reload.clear()
                server.reload_tls()
            reloading.cancel()
    finally:
        stopping.cancel()
