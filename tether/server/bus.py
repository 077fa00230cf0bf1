"""The node bus: small JSON messages between relay nodes over PostgreSQL LISTEN/NOTIFY (docs/scale-out.md).

Scale-out nodes share nothing but the database, so the database carries the few messages one node must send the
node holding an agent's control channel (or a session's relay): open a session, end one, forward an agent's end
report, push an SSH key. Each node LISTENs on its own channel over one dedicated asyncpg connection (NOTIFY needs
a session that stays open, which a pooled SQLAlchemy connection is not) and sends with `pg_notify` on the same
connection. No session data ever crosses: only control messages of a few hundred bytes.

The bus is transport only: what travels on it, and what a node does on receiving it, belongs to the parts that
send it (the agent router, the session life cycle), which register a handler per message kind with `on`. A
single node on SQLite gets a `NullBus`, which has the same surface and reaches no other node, so nothing above
the bus asks which kind it has.

NOTIFY delivers at most once, to whoever listens at that moment, and a payload must stay under 8000 bytes. So a
request that needs an answer waits a bounded time for it and the caller decides what a missing answer means; the
bus retries nothing. A dropped LISTEN connection is reconnected with backoff, and while it is down every
cross-node call fails at once with `NodeBusUnavailable` (the API answers 503 ServiceUnavailable.NodeBus).

Wire format (JSON object): `{"v": 1, "t": kind, "from": node_id, "id": correlation id or null, "b": body}`; a
reply is `{"v": 1, "t": "reply", "from": ..., "id": the request's id, "b": body}`.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from sqlalchemy.engine import make_url

from tether.protocol import jsondepth

log = logging.getLogger(__name__)

MAX_PAYLOAD = 7000  # bytes of JSON; PostgreSQL refuses NOTIFY payloads of 8000 bytes or more
REPLY_TIMEOUT = 5.0  # default wait for a reply
MAX_PENDING = 1024  # requests waiting for replies on this node
MAX_HANDLING = 256  # incoming messages being handled at once; more are dropped (their senders time out)
PING_INTERVAL = 10.0  # a silent half-open connection is found by this query
RECONNECT_MIN, RECONNECT_MAX = 0.2, 10.0
CONNECT_TIMEOUT = 5.0
VERSION = 1
REPLY = "reply"

# a handler gets (body, sender node) and returns the reply body (sent only if the sender asked for one); a
# ValueError means the body was malformed: it is logged and answered with an error, which the asker treats as a no
Handler = Callable[[dict[str, Any], str], Awaitable[dict[str, Any] | None]]


class NodeBusError(Exception):
    """A cross-node call could not be made or was not answered."""


class NodeBusUnavailable(NodeBusError):
    """This node's bus connection is down (or the bus is stopped)."""


class NodeBusTimeout(NodeBusError):
    """The other node did not answer in time (it may be gone; NOTIFY may have been lost)."""


class PayloadTooLarge(NodeBusError, ValueError):
    """A message over MAX_PAYLOAD bytes: NOTIFY cannot carry it."""


def channel_name(node_id: str) -> str:
    """This node's LISTEN channel: a fixed-length identifier (node ids are free text, identifiers <= 63 bytes)."""
    return "tether_node_" + hashlib.sha1(node_id.encode("utf-8"), usedforsecurity=False).hexdigest()[:16]


def asyncpg_dsn(db_url: str) -> str:
    """A plain `postgresql://` DSN for asyncpg from the SQLAlchemy URL (`postgresql+asyncpg://...`)."""
    return make_url(db_url).set(drivername="postgresql").render_as_string(hide_password=False)


def encode_message(payload: dict[str, Any]) -> str:
    """The NOTIFY payload; raises PayloadTooLarge naming the size and the limit."""
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    size = len(text.encode("utf-8"))
    if size > MAX_PAYLOAD:
        raise PayloadTooLarge(
            f"node bus message {payload.get('t')!r} is {size} bytes; the limit is {MAX_PAYLOAD} "
            "(PostgreSQL NOTIFY carries less than 8000): send less, e.g. a shorter command line or key"
        )
    return text


class Bus:
    """What the rest of the server sees of the bus: a handler table, `request`, `notify`, start and stop."""

    multi_node = False  # whether other nodes can be reached at all (False: one server on SQLite)

    def __init__(self, node_id: str) -> None:
        self.node_id = node_id
        self._handlers: dict[str, Handler] = {}

    def on(self, kind: str, handler: Handler) -> None:
        """Answer messages of `kind` with `handler` (one handler per kind)."""
        if kind in self._handlers or kind == REPLY:
            raise ValueError(f"node bus message kind {kind!r} already has a handler")
        self._handlers[kind] = handler

    async def start(self) -> None:
        """Connect; raises if that fails (a node must not start half-deaf)."""

    async def stop(self) -> None:
        """Disconnect; requests still waiting fail with NodeBusUnavailable."""

    async def notify(self, node_id: str, kind: str, body: dict[str, Any]) -> None:
        """Send without waiting for an answer (at most once: it may be lost)."""
        raise NodeBusUnavailable("this server runs alone: there is no other node to reach")

    async def request(
        self, node_id: str, kind: str, body: dict[str, Any], wait: float = REPLY_TIMEOUT
    ) -> dict[str, Any]:
        """Send and wait up to `wait` seconds for the reply body; raises NodeBusTimeout, NodeBusUnavailable or
        PayloadTooLarge."""
        raise NodeBusUnavailable("this server runs alone: there is no other node to reach")

    async def _dispatch(self, kind: str, body: dict[str, Any], sender: str) -> dict[str, Any] | None:
        """Run the handler for `kind`; malformed bodies and unknown kinds are logged and answered with an error."""
        handler = self._handlers.get(kind)
        if handler is None:
            log.warning("node bus: unknown message %r from %s", kind, sender)
            return {"error": f"unknown message {kind!r}"}
        try:
            return await handler(body, sender)
        except ValueError as exc:
            log.warning("node bus: malformed %r from %s: %s", kind, sender, exc)
            return {"error": f"malformed: {exc}"}


class NullBus(Bus):
    """The bus of a server that runs alone (SQLite): every node it could name is unreachable."""


class NodeBus(Bus):
    """One node's end of the bus over PostgreSQL: `start()`, then `request`/`notify`."""

    multi_node = True

    def __init__(self, dsn: str, node_id: str) -> None:
        super().__init__(node_id)
        self.dsn = dsn
        self.channel = channel_name(node_id)
        self._conn: asyncpg.Connection | None = None
        self._send_lock = asyncio.Lock()  # one operation at a time on an asyncpg connection
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._handling: set[asyncio.Task[None]] = set()
        self._lost = asyncio.Event()
        self._up = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self.connects = 0  # how many times the LISTEN connection was (re)established; for tests and logs

    @property
    def available(self) -> bool:
        return self._conn is not None and not self._conn.is_closed()

    async def start(self) -> None:
        """Connect and LISTEN; raises if the first connection fails (a node must not start half-deaf)."""
        await self._connect()
        self._task = asyncio.get_running_loop().create_task(self._supervise())

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        for task in list(self._handling):
            task.cancel()
        await asyncio.gather(*self._handling, return_exceptions=True)
        self._fail_pending(NodeBusUnavailable("the node bus stopped"))
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            try:
                await asyncio.wait_for(conn.close(), CONNECT_TIMEOUT)
            except (OSError, TimeoutError, asyncpg.PostgresError):
                conn.terminate()

    async def wait_up(self, wait: float) -> bool:
        """Wait until the LISTEN connection is up; False if it is not within `wait` seconds (for tests)."""
        try:
            await asyncio.wait_for(self._up.wait(), wait)
        except TimeoutError:
            return False
        return self.available

    # -- connection ----------------------------------------------------------------------------------------------

    async def _connect(self) -> None:
        conn = await asyncpg.connect(self.dsn, timeout=CONNECT_TIMEOUT)
        try:
            conn.add_termination_listener(self._on_terminated)
            await conn.add_listener(self.channel, self._on_notify)
        except BaseException:
            conn.terminate()
            raise
        self._lost.clear()
        self._conn = conn
        self.connects += 1
        self._up.set()

    def _on_terminated(self, conn: asyncpg.Connection[Any] | PoolConnectionProxy[Any]) -> None:
        if conn is self._conn:
            self._lost.set()

    async def _supervise(self) -> None:
        """Keep the LISTEN connection up: notice loss (termination or a failed ping), reconnect with backoff."""
        while not self._stopping:
            try:
                await asyncio.wait_for(self._lost.wait(), PING_INTERVAL)
            except TimeoutError:
                if await self._ping():
                    continue
            self._down("the LISTEN connection was lost")
            delay = RECONNECT_MIN
            while not self._stopping:
                try:
                    await self._connect()
                except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                    log.warning("node bus: reconnecting failed (%s); next try in %.1f s", exc, delay)
                    await asyncio.sleep(delay * (0.5 + secrets.randbelow(1000) / 1000))
                    delay = min(delay * 2, RECONNECT_MAX)
                    continue
                log.info("node bus: LISTEN connection re-established (channel %s)", self.channel)
                break

    async def _ping(self) -> bool:
        conn = self._conn
        if conn is None or conn.is_closed():
            return False
        try:
            async with self._send_lock:
                await asyncio.wait_for(conn.fetchval("SELECT 1"), CONNECT_TIMEOUT)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("node bus: ping failed: %s", exc)
            return False
        return True

    def _down(self, why: str) -> None:
        log.warning("node bus: %s; cross-node calls fail until it is back", why)
        self._up.clear()
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            conn.terminate()
        # replies addressed to us while we were not listening are lost: do not let requests wait for them
        self._fail_pending(NodeBusUnavailable(f"the node bus connection was lost while waiting ({why})"))

    def _fail_pending(self, exc: NodeBusError) -> None:
        for future in self._pending.values():
            if not future.done():
                future.set_exception(exc)
        self._pending.clear()

    # -- sending -------------------------------------------------------------------------------------------------

    async def _publish(self, node_id: str, payload: dict[str, Any]) -> None:
        text = encode_message(payload)
        conn = self._conn
        if conn is None or conn.is_closed():
            raise NodeBusUnavailable("the node bus is not connected to PostgreSQL; try again shortly")
        try:
            async with self._send_lock:
                await conn.execute("SELECT pg_notify($1, $2)", channel_name(node_id), text)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            self._lost.set()
            raise NodeBusUnavailable(f"the node bus could not send ({exc}); try again shortly") from exc

    async def notify(self, node_id: str, kind: str, body: dict[str, Any]) -> None:
        await self._publish(node_id, {"v": VERSION, "t": kind, "from": self.node_id, "id": None, "b": body})

    async def request(
        self, node_id: str, kind: str, body: dict[str, Any], wait: float = REPLY_TIMEOUT
    ) -> dict[str, Any]:
        if len(self._pending) >= MAX_PENDING:
            raise NodeBusUnavailable(f"{MAX_PENDING} cross-node requests are already waiting; try again shortly")
        request_id = secrets.token_hex(8)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        try:
            await self._publish(node_id, {"v": VERSION, "t": kind, "from": self.node_id, "id": request_id, "b": body})
            return await asyncio.wait_for(future, wait)
        except TimeoutError:
            raise NodeBusTimeout(f"node {node_id} did not answer {kind!r} within {wait:g} s") from None
        finally:
            self._pending.pop(request_id, None)

    # -- receiving -----------------------------------------------------------------------------------------------

    def _on_notify(
        self, _conn: asyncpg.Connection[Any] | PoolConnectionProxy[Any], _pid: int, _channel: str, payload: object
    ) -> None:
        try:
            if not isinstance(payload, str):
                raise ValueError("the payload is not text")
            message = jsondepth.loads(payload)  # JsonDepthError is a ValueError
            if not isinstance(message, dict) or message.get("v") != VERSION:
                raise ValueError("not a version 1 message object")
            kind, sender, request_id, body = message["t"], message["from"], message.get("id"), message["b"]
            if not isinstance(kind, str) or not isinstance(sender, str) or not isinstance(body, dict):
                raise ValueError("t and from must be strings and b an object")
            if request_id is not None and not isinstance(request_id, str):
                raise ValueError("id must be a string or null")
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("node bus: ignored a malformed message (%s): %.200r", exc, payload)
            return
        if kind == REPLY:
            future = self._pending.get(request_id or "")
            if future is None or future.done():
                log.info("node bus: a reply from %s came for no waiting request (late or duplicate)", sender)
            else:
                future.set_result(body)
            return
        if len(self._handling) >= MAX_HANDLING:
            log.warning("node bus: %d messages in hand; dropped %r from %s", MAX_HANDLING, kind, sender)
            return
        task = asyncio.get_running_loop().create_task(self._handle(kind, body, sender, request_id))
        self._handling.add(task)
        task.add_done_callback(self._handling.discard)

    async def _handle(self, kind: str, body: dict[str, Any], sender: str, request_id: str | None) -> None:
        try:
            reply = await self._dispatch(kind, body, sender)
        except Exception:
            log.exception("node bus: handling %r from %s failed", kind, sender)
            reply = {"error": "handler failed"}
        if request_id is None:
            return
        try:
            await self._publish(
                sender, {"v": VERSION, "t": REPLY, "from": self.node_id, "id": request_id, "b": reply or {}}
            )
        except NodeBusError as exc:
            log.warning("node bus: could not answer %r from %s: %s", kind, sender, exc)
