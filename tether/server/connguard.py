"""Connections that have not finished their request headers are few and short-lived (slowloris).

aiohttp waits for request headers as long as the client likes, and keeps any number of such connections: 1,500
connections trickling a byte now and then held a server's memory for minutes. The guard wraps the protocol of each
accepted connection and:

- gives the request headers `header_timeout` seconds from the connection's start (from the TLS handshake on,
  which gets the same bound) or, on a kept-alive connection, from the first byte of the next request, then closes;
- admits at most `max_pending_per_address` connections from one source address, and `max_pending` in all, that
  are still waiting for their headers: past that a new connection is closed at once, so one source cannot use
  up what others need (a `--trusted-proxy` peer has only the global cap: it speaks for many clients);
- (a connection still in its TLS handshake is not the guard's yet: asyncio's TLS listener hands it over once
  the handshake is done, so it is bounded in time by the handshake timeout, but not counted per address);
- leaves alone what happens once the headers are in: request bodies are bounded by `body_timeout` where they are
  read (`read_body`), and a WebSocket is a session that lasts as long as its own timeouts allow.

The wrapper learns that a request's headers are complete from `middleware` (aiohttp runs it as soon as it has
parsed them) and that the request is done when the handler returns; that is the state table:

    awaiting headers --middleware start--> in request --handler done--> idle --first byte--> awaiting headers
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import enum
import logging
import math
import socket
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from ssl import SSLContext
from typing import cast

from aiohttp import web
from aiohttp.typedefs import Handler

from tether.server.clientaddr import IpNetwork, is_trusted_peer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GuardSettings:
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    max_pending_per_address: int = 64
    max_pending: int = 2048


class _Phase(enum.Enum):
    AWAITING_HEADERS = "awaiting headers"
    IN_REQUEST = "in request"
    IDLE = "idle"


class ConnectionGuard:
    """Counts and times the connections of the listeners it wraps (one per server)."""

    def __init__(self, settings: GuardSettings, trusted_proxies: Sequence[IpNetwork] = ()) -> None:
        self.settings = settings
        self._trusted = list(trusted_proxies)
        self._pending: Counter[str] = Counter()
        self._pending_total = 0
        self._connections: dict[asyncio.BaseTransport, _GuardedProtocol] = {}
        self.refused = 0  # connections closed at once for a cap (for tests and logs)
        self.timed_out = 0  # connections closed for slow headers

    @property
    def pending(self) -> int:
        return self._pending_total

    def wrap(self, inner: asyncio.Protocol) -> asyncio.Protocol:
        return _GuardedProtocol(self, inner)

    # -- counting, called by _GuardedProtocol --------------------------------------------------------------------

    def _take(self, address: str) -> bool:
        if self._pending_total >= self.settings.max_pending:
            return False
        if self._pending[address] >= self.settings.max_pending_per_address and not is_trusted_peer(
            address, self._trusted
        ):
            return False
        self._pending[address] += 1
        self._pending_total += 1
        return True

    def _give_back(self, address: str) -> None:
        self._pending[address] -= 1
        if self._pending[address] <= 0:
            del self._pending[address]
        self._pending_total -= 1

    # -- the request side ----------------------------------------------------------------------------------------

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        conn = self._connections.get(request.transport) if request.transport is not None else None
        if conn is not None:
            conn.headers_complete()
        try:
            return await handler(request)
        finally:
            if conn is not None:
                conn.request_done()


class _GuardedProtocol(asyncio.Protocol):
    """Passes everything to aiohttp's protocol, timing and counting the wait for request headers."""

    def __init__(self, guard: ConnectionGuard, inner: asyncio.Protocol) -> None:
        self._guard = guard
        self._inner = inner
        self._transport: asyncio.Transport | None = None
        self._address = ""
        self._phase = _Phase.IDLE
        self._holds_place = False
        self._timer: asyncio.TimerHandle | None = None
        self._refused = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        peer = transport.get_extra_info("peername")
        address = peer[0] if isinstance(peer, tuple) and peer else ""
        self._address = address.removeprefix("::ffff:") if "." in address else address
        self._transport = cast(asyncio.Transport, transport)
        if not self._await_headers():
            self._refused = True
            self._guard.refused += 1
            log.debug("refused a connection from %s: too many connections waiting for their headers", self._address)
            self._transport.abort()
            return
        self._guard._connections[transport] = self
        self._inner.connection_made(transport)

    def _await_headers(self) -> bool:
        if not self._guard._take(self._address):
            return False
        self._holds_place = True
        self._phase = _Phase.AWAITING_HEADERS
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(self._guard.settings.header_timeout, self._headers_too_slow)
        return True

    def _stop_waiting(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._holds_place:
            self._holds_place = False
            self._guard._give_back(self._address)

    def _headers_too_slow(self) -> None:
        self._timer = None
        if self._phase is _Phase.AWAITING_HEADERS and self._transport is not None:
            self._guard.timed_out += 1
            log.debug("closed a connection from %s: no request headers within %g s", self._address,
                      self._guard.settings.header_timeout)
            self._stop_waiting()
            self._transport.abort()

    def headers_complete(self) -> None:
        self._stop_waiting()
        self._phase = _Phase.IN_REQUEST

    def request_done(self) -> None:
        if self._phase is _Phase.IN_REQUEST:
            self._phase = _Phase.IDLE

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if self._phase is _Phase.IDLE and data and not self._await_headers():
            self._guard.refused += 1
            assert self._transport is not None
            self._transport.abort()
            return
        self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return None if self._refused else self._inner.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_waiting()
        if self._refused:
            return
        if self._transport is not None:
            self._guard._connections.pop(self._transport, None)
        self._inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()


class GuardedSite(web.SockSite):
    """`web.SockSite` whose connections go through a `ConnectionGuard` (and whose TLS handshakes are bounded)."""

    def __init__(
        self,
        runner: web.BaseRunner,
        sock: socket.socket,
        guard: ConnectionGuard,
        *,
        ssl_context: SSLContext | None = None,
        backlog: int = 4096,
    ) -> None:
        super().__init__(runner, sock, ssl_context=ssl_context, backlog=backlog)  # asyncio listens again with it
        self._guard = guard

    async def start(self) -> None:
        await web.BaseSite.start(self)  # registers the site with the runner
        server = self._runner.server
        assert server is not None
        factory: Callable[[], asyncio.Protocol] = lambda: self._guard.wrap(server())  # noqa: E731
        self._server = await asyncio.get_running_loop().create_server(
            factory,
            sock=self._sock,
            ssl=self._ssl_context,
            backlog=self._backlog,
            ssl_handshake_timeout=self._guard.settings.header_timeout if self._ssl_context else None,
        )



MAX_HANDSHAKES = 200  # agent control-channel handshakes in progress at once, per node
QUEUE_FACTOR = 10  # and up to this many times as many waiting for a place
QUEUE_WAIT = 10.0  # seconds one may wait (the agent gives its whole handshake 30 s)
RETRY_AFTER_MAX = 30  # seconds: the most a 503 asks an agent to wait
RATE_WINDOW = 2.0  # seconds over which handshakes done and refused are counted for Retry-After


class HandshakeGate:
    """Bounds the agent handshakes in progress (WebSocket upgrade, challenge, hello, signature, presence).

    In a connect storm (10,000 agents redialling after a restart) an unbounded server starts every handshake at
    once, finishes none within the agents' 30 s timeout, and the agents' retries keep it that way. So at most
    `limit` run at once; up to `limit * QUEUE_FACTOR` more wait (first come, first served, at most QUEUE_WAIT s)
    for a place, which keeps the TLS handshake they already paid for; past that, or after that wait, a new one is
    answered 503 at once, which costs next to nothing.

    The 503's Retry-After is the time this node needs for the agents waiting and turned away: their number divided
    by the handshakes it completed per second, from 1 s up to RETRY_AFTER_MAX. Agents wait a random fraction of
    it (tether/agent/backoff.py), so their retries arrive about as fast as the node admits them. `refused` counts
    the 503s (also in /metrics).
    """

    def __init__(
        self,
        limit: int = MAX_HANDSHAKES,
        *,
        queue: int | None = None,
        queue_wait: float = QUEUE_WAIT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if limit < 1:
            raise ValueError("the handshake limit must be at least 1")
        self.limit = limit
        self.max_waiting = limit * QUEUE_FACTOR if queue is None else queue
        self.queue_wait = queue_wait
        self.in_progress = 0
        self.refused = 0
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()
        self._clock = clock
        self._window_start = clock()
        self._done = 0  # handshakes completed in the current window
        self._turned_away = 0  # and refused
        self._rate = float(limit)  # handshakes per second, from the last full window
        self._waiting = 0  # refused in the last full window

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    def try_enter(self) -> bool:
        """Take a place now if one is free (False otherwise, counted as refused)."""
        self._roll()
        if self.in_progress < self.limit and not self._waiters:
            self.in_progress += 1
            return True
        self._refuse()
        return False

    async def enter(self) -> bool:
        """Take a place, waiting for one if the queue has room; False (counted as refused) if there is none."""
        self._roll()
        if self.in_progress < self.limit and not self._waiters:
            self.in_progress += 1
            return True
        if len(self._waiters) >= self.max_waiting:
            self._refuse()
            return False
        place: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(place)
        try:
            await asyncio.wait_for(asyncio.shield(place), self.queue_wait)
        except TimeoutError:
            pass
        except BaseException:  # the handler was cancelled while it waited
            if place.done() and not place.cancelled():
                self.leave()  # it had just been handed a place: pass that on, or it is lost for good
            raise
        finally:
            if not place.done():
                place.cancel()
            with contextlib.suppress(ValueError):
                self._waiters.remove(place)
        if place.cancelled():
            self._refuse()
            return False
        return True  # leave() handed its place over: in_progress already counts this one

    def leave(self) -> None:
        self._done += 1
        while self._waiters:
            place = self._waiters.popleft()
            if not place.done():
                place.set_result(None)  # the place passes on: in_progress stays
                return
        self.in_progress -= 1

    @property
    def retry_after(self) -> int:
        """Seconds a refused agent should wait at most (the Retry-After of the 503)."""
        self._roll()
        crowd = max(self._waiting, self._turned_away) + len(self._waiters)
        return max(1, min(RETRY_AFTER_MAX, math.ceil(crowd / max(self._rate, 1.0))))

    def _refuse(self) -> None:
        self.refused += 1
        self._turned_away += 1

    def _roll(self) -> None:
        now = self._clock()
        elapsed = now - self._window_start
        if elapsed < RATE_WINDOW:
            return
        if self._done or self.in_progress:  # an idle window says nothing about the rate
            self._rate = self._done / elapsed
        self._waiting = self._turned_away
        self._window_start, self._done, self._turned_away = now, 0, 0
