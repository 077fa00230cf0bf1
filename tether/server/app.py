"""Server assembly and life cycle: startup -> serve -> graceful shutdown.

Shutdown order matters: stop accepting connections, close agent control channels with 1012 (agents reconnect,
to another node if there is one), give running sessions a bounded time to finish, then end what is left.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from dataclasses import dataclass, field
from functools import partial

from aiohttp import web

from tether.auth.secretbox import SecretBox
from tether.auth.tls import server_ssl_context
from tether.recording.delivery import DeliveryWorker
from tether.recording.indexer import SearchIndexer
from tether.server import crossnode
from tether.server.api.dispatch import MAX_BODY, api_handler
from tether.server.audit import SESSION_END, session_event
from tether.server.bootstrap import (
    CREDENTIALS_FILE,
    AdminCredentials,
    account_id,
    ensure_admin_key,
    ensure_console_password,
    ensure_tls,
    node_id,
    write_credentials,
)
from tether.server.bus import NodeBus, asyncpg_dsn
from tether.server.config import ServerConfig
from tether.server.console import add_routes as add_console_routes
from tether.server.control import control_channel
from tether.server.data import agent_data, client_data
from tether.server.jobs import housekeeping
from tether.server.logs import AccessLogger, access_log
from tether.server.relay import Relay
from tether.server.signin import SIGNIN_PATH, console_signin
from tether.server.state import STATE_KEY, ServerState, utcnow
from tether.store import AccessKeyRepo, Database, SearchRepo, SettingsRepo, sqlite_url

log = logging.getLogger(__name__)

__all__ = ["AdminCredentials", "RunningServer", "ServerConfig", "build_app", "run_server", "start_server"]

HANDLER_SHUTDOWN_TIMEOUT = 5.0


def build_app(state: ServerState) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY)
    app[STATE_KEY] = state
    app.router.add_post("/api/v1/{action}", api_handler)
    app.router.add_post(SIGNIN_PATH, console_signin)
    app.router.add_get("/agent/v1/control", control_channel)
    app.router.add_get("/agent/v1/data/{session_id}", agent_data)
    app.router.add_get("/client/v1/data/{session_id}", client_data)
    add_console_routes(app)
    return app


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", "::", ""):
        import socket

        host = socket.gethostname()
    return f"[{host}]" if ":" in host else host


@dataclass
class RunningServer:
    """A started server (for tests and `run_server`)."""

    url: str  # the public URL, e.g. https://127.0.0.1:8443
    port: int
    admin_credentials: AdminCredentials
    state: ServerState
    _runner: web.AppRunner
    _site: web.TCPSite
    _jobs: asyncio.Task[None]
    _jobs_stop: asyncio.Event
    _stopped: bool = field(default=False)
    delivery: DeliveryWorker | None = None  # uploads sealed recordings (and audit events) to S3-compatible storage
    _delivery_task: asyncio.Task[None] | None = None
    indexer: SearchIndexer | None = None  # indexes sealed recordings for SearchSessionRecordings

    async def stop(self) -> None:
        """Graceful shutdown; safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        state = self.state
        log.info("shutting down: no new connections; closing %d agent control channels", len(state.agents))
        await self._site.stop()
        await state.agents.close_all()
        relay = state.get_relay()
        if len(relay):
            log.info("waiting up to %.0f s for %d sessions to end", state.config.drain_timeout, len(relay))
            if not await relay.drain(state.config.drain_timeout):
                log.warning("ending %d sessions still running", len(relay))
        await relay.end_all("server_shutdown")
        self._jobs_stop.set()  # also stops delivery, after the sessions ended above were sealed and queued
        await self._jobs
        if self._delivery_task is not None:
            await self._delivery_task
        if self.indexer is not None:
            await self.indexer.stop()  # what is left is indexed at the next start
        await self._runner.cleanup()
        if state.bus is not None:
            await state.bus.stop()
        await state.db.dispose()
        log.info("stopped")


async def _open_state(config: ServerConfig) -> tuple[ServerState, str, bool, str | None]:
    data_dir = config.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(data_dir, 0o700)
    db = Database(config.db_url or sqlite_url(data_dir / "tether.db"))
    await db.migrate()
    box = SecretBox.load_or_create(data_dir / "secret.key")
    settings = SettingsRepo(db)
    account = await account_id(settings)
    key_id, secret, created = await ensure_admin_key(settings, AccessKeyRepo(db), box, account)
    console_password = await ensure_console_password(settings)
    state = ServerState(
        config=config,
        db=db,
        secretbox=box,
        node_id=config.node_id or node_id(data_dir),
        account_id=account,
        admin_key_id=key_id,
    )
    state.relay = Relay(state)
    now = utcnow()
    stale = await state.instances.clear_node(state.node_id)
    orphans = await state.sessions.active_on_node(state.node_id)
    ended = await state.sessions.finish_node(state.node_id, "server_restart", now)
    for row in orphans:
        await session_event(
            state,
            SESSION_END,
            session_id=row.id,
            instance_id=row.instance_id,
            principal=row.principal,
            client_ip=row.client_ip,
            detail="server_restart",
        )
    await state.recordings.seal_leftovers(state.node_id)
    if stale or ended:
        log.info("cleared %d stale agent connections and %d sessions of a previous run", stale, ended)
    return state, secret, created, console_password


async def start_server(config: ServerConfig) -> RunningServer:
    """Start listening and return at once; call `.stop()` to shut down."""
    state, secret, created, console_password = await _open_state(config)
    if not state.db.is_sqlite:
        # scale-out: other nodes on this database reach the agents and sessions this node holds (docs/scale-out.md)
        bus = NodeBus(asyncpg_dsn(state.db.url), state.node_id, partial(crossnode.handle, state))
        try:
            await bus.start()
        except BaseException:
            await state.db.dispose()
            raise
        state.bus = bus
        log.info("node bus: listening on %s for node %s", bus.channel, state.node_id)
    delivery = DeliveryWorker(
        db=state.db, settings=state.settings, box=state.secretbox, node=state.node_id, recordings=state.recordings
    )
    state.recordings.sealed_listeners.append(delivery.on_sealed)  # catches up at start on what it missed
    indexer = SearchIndexer(SearchRepo(state.db), state.recordings, state.node_id)
    state.recordings.sealed_listeners.append(indexer.notify)  # only queues; catches up at start too
    ssl_context = None
    ca_cert = None
    if config.tls:
        tls = ensure_tls(config.data_dir, config.listen_host, config.public_url)
        ssl_context, ca_cert = server_ssl_context(tls), tls.ca_cert
    else:
        log.warning("TLS is off (--no-tls): run this only behind a proxy that terminates TLS")
    runner = web.AppRunner(
        build_app(state),
        access_log_class=AccessLogger,
        access_log=access_log,
        shutdown_timeout=HANDLER_SHUTDOWN_TIMEOUT,
        handle_signals=False,
    )
    await runner.setup()
    site = web.TCPSite(runner, config.listen_host, config.listen_port, ssl_context=ssl_context)
    try:
        await site.start()
    except BaseException:
        await runner.cleanup()
        if state.bus is not None:
            await state.bus.stop()
        await state.db.dispose()
        raise
    port = int(runner.addresses[0][1])
    scheme = "https" if config.tls else "http"
    listen_url = f"{scheme}://{_url_host(config.listen_host)}:{port}"
    state.public_url = config.public_url or listen_url
    log.info("listening on %s (public URL %s, node %s)", listen_url, state.public_url, state.node_id)
    credentials = AdminCredentials(state.public_url, state.admin_key_id, secret, ca_cert, console_password)
    credentials_path = config.data_dir / CREDENTIALS_FILE
    write_credentials(credentials_path, credentials, created=created)
    log.info("administrator credentials: %s", credentials_path)
    log.info("browser console: %s/console/ (user root, password in %s)", state.public_url, credentials_path)
    if ca_cert is not None:
        log.info("CA certificate for clients and agents: %s", ca_cert)
    jobs_stop = asyncio.Event()
    jobs = asyncio.get_running_loop().create_task(housekeeping(state, jobs_stop))
    delivery_task = asyncio.get_running_loop().create_task(delivery.run(jobs_stop))
    indexer.start()
    return RunningServer(
        url=state.public_url,
        port=port,
        admin_credentials=credentials,
        state=state,
        _runner=runner,
        _site=site,
        _jobs=jobs,
        _jobs_stop=jobs_stop,
        delivery=delivery,
        _delivery_task=delivery_task,
        indexer=indexer,
    )


async def run_server(config: ServerConfig) -> None:
    """Serve until SIGTERM or SIGINT, then shut down gracefully."""
    # a file size limit (RLIMIT_FSIZE) must fail the one write that crossed it with EFBIG, which the recorder
    # handles like a full disk, instead of killing the server and every session with it
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    server = await start_server(config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        await server.stop()
