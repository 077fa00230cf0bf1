"""`GET /healthz`, `GET /readyz` and `GET /metrics`: what a supervisor, a load balancer and Prometheus ask.

- `/healthz` is liveness: the process accepts connections and runs handlers. It touches nothing else, so a database
  outage never gets a healthy process restarted.
- `/readyz` is readiness: the database answers `SELECT 1` within READY_TIMEOUT seconds. Concurrent probes share one
  check in flight, so a flood of probes during an outage holds at most one database connection attempt.
- `/metrics` is the Prometheus exposition (tether/server/metrics.py), off unless the server has a metrics token
  (`--metrics-token-file`); scrapers send `Authorization: Bearer TOKEN`, compared in constant time. It answers on
  the same TLS listener as everything else, through the same connection guard, and needs no request signature.
  What is cheaper to read than to track is read here, at scrape time: agents connected, and the delivery queue
  (one bounded query, under the same timeout).

None of the three answers says more than needed: a failed readiness check names the kind of error, the details go
to the log.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from datetime import UTC, datetime

from aiohttp import web
from sqlalchemy import func, select, text

from tether.server.logs import printable
from tether.server.metrics import METRICS_KEY
from tether.server.state import ServerState, get_state
from tether.store.delivery import OPEN_STATES
from tether.store.models import DeliveryItem

log = logging.getLogger(__name__)

HEALTHZ_PATH = "/healthz"
READYZ_PATH = "/readyz"
METRICS_PATH = "/metrics"
READY_TIMEOUT = 2.0  # seconds the database has to answer a readiness check or the queue query of a scrape
QUEUE_COUNT_LIMIT = 100_000  # the queue depth is counted up to this many rows (the query stays bounded)



class _ReadyCheck:
    """The readiness check in flight, if any (one per app)."""

    task: asyncio.Task[str | None] | None = None


_CHECKS = web.AppKey("tether_ready_check", _ReadyCheck)


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"}, headers={"Cache-Control": "no-store"})


async def _ping(state: ServerState) -> None:
    async with state.db.engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


async def _database_answers(request: web.Request) -> str | None:
    """None if the database answered in time, else why not (one check in flight per app)."""
    checks = request.app[_CHECKS]
    task = checks.task
    if task is None or task.done():
        task = checks.task = asyncio.get_running_loop().create_task(_check(get_state(request)))
    return await asyncio.shield(task)


async def _check(state: ServerState) -> str | None:
    try:
        await asyncio.wait_for(_ping(state), READY_TIMEOUT)
    except TimeoutError:
        log.warning("readiness: the database did not answer within %g s", READY_TIMEOUT)
        return f"the database did not answer within {READY_TIMEOUT:g} s"
    except Exception as exc:
        log.warning("readiness: the database is unreachable: %s", printable(exc))
        return f"the database is unreachable ({type(exc).__name__})"
    return None


async def readyz(request: web.Request) -> web.Response:
    reason = await _database_answers(request)
    headers = {"Cache-Control": "no-store"}
    if reason is not None:
        return web.json_response({"status": "unavailable", "reason": reason}, status=503, headers=headers)
    return web.json_response({"status": "ok"}, headers=headers)


def _token_digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def _authorized(request: web.Request, expected: str) -> bool:
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    # digests of equal length, so the comparison's time says nothing about the token's length either
    return scheme.lower() == "bearer" and hmac.compare_digest(_token_digest(presented.strip()), _token_digest(expected))


async def _queue(state: ServerState) -> tuple[int, datetime | None]:
    async with state.db.transaction() as s:
        open_rows = select(DeliveryItem.id).where(DeliveryItem.state.in_(OPEN_STATES)).limit(QUEUE_COUNT_LIMIT)
        depth = await s.scalar(select(func.count()).select_from(open_rows.subquery()))
        oldest = await s.scalar(select(func.min(DeliveryItem.created_at)).where(DeliveryItem.state.in_(OPEN_STATES)))
    if isinstance(oldest, str):  # SQLite's min() bypasses the column type
        oldest = datetime.fromisoformat(oldest)
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return int(depth or 0), oldest


async def metrics(request: web.Request) -> web.Response:
    state = get_state(request)
    token = state.config.metrics_token
    if token is None:
        return web.json_response(
            {"Code": "NotFound", "Message": "Metrics are off: start the server with --metrics-token-file."},
            status=404,
        )
    if not _authorized(request, token):
        return web.json_response(
            {"Code": "Unauthorized", "Message": "Send Authorization: Bearer with the server's metrics token."},
            status=401,
            headers={"WWW-Authenticate": 'Bearer realm="tether metrics"'},
        )
    instruments = request.app[METRICS_KEY]
    instruments.agents_connected.set(len(state.agents))
    instruments.set_sessions(state.relay.states())
    try:
        depth, oldest = await asyncio.wait_for(_queue(state), READY_TIMEOUT)
    except Exception as exc:  # the other metrics are still worth having; the queue keeps its last values
        log.warning("metrics: could not read the delivery queue: %s", printable(exc) or type(exc).__name__)
    else:
        instruments.delivery_queue_depth.set(depth)
        age = (datetime.now(UTC) - oldest).total_seconds() if oldest is not None else 0.0
        instruments.delivery_queue_oldest_age.set(max(0.0, age))
    body, content_type = instruments.render(request.headers.get("Accept", ""))
    return web.Response(body=body, headers={"Content-Type": content_type, "Cache-Control": "no-store"})


def add_routes(app: web.Application) -> None:
    app[_CHECKS] = _ReadyCheck()
    app.router.add_get(HEALTHZ_PATH, healthz)
    app.router.add_get(READYZ_PATH, readyz)
    app.router.add_get(METRICS_PATH, metrics)
