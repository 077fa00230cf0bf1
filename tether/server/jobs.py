"""Background housekeeping: forget old nonces, expired temporary credentials and audit events past their retention,
and expire sessions nobody will connect to any more; remove local recordings delivered to S3 past their retention.

The relay's per-session timers expire its own sessions precisely; this sweep catches rows left behind by a node
that stopped without cleaning up, so the nonce table and the Pending list stay bounded.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from tether.recording import delivery
from tether.server.clock import utcnow
from tether.server.state import ServerState
from tether.store import ConsoleSessionRepo

log = logging.getLogger(__name__)

SWEEP_INTERVAL = 30.0
STS_GRACE = timedelta(days=1)  # expired credentials answer InvalidSecurityToken.Expired this long, then NotFound


async def sweep_once(state: ServerState) -> None:
    now = utcnow()
    pruned = await state.nonces.prune(now)
    if pruned:
        log.debug("forgot %d expired nonces", pruned)
    await state.lifecycle.expire_pending(list(await state.sessions.expired_pending(now)))
    pruned = await state.sts.prune(now - STS_GRACE)
    if pruned:
        log.debug("forgot %d expired temporary credentials", pruned)
    pruned = await ConsoleSessionRepo(state.db).prune(now, now - timedelta(seconds=state.config.console_idle_timeout))
    if pruned:
        log.debug("forgot %d expired console sessions", pruned)
    pruned = await state.audit.prune(now - timedelta(days=state.config.audit_retention_days))
    if pruned:
        log.info("removed %d audit events older than %g days", pruned, state.config.audit_retention_days)
    # local copies of delivered recordings past LocalRetentionDays (only ever after a verified upload)
    await delivery.sweep(state.db, state.settings, state.recordings, state.node_id, now)


async def housekeeping(state: ServerState, stop: asyncio.Event, interval: float = SWEEP_INTERVAL) -> None:
    """Run `sweep_once` until `stop` is set; a sweep is never cut off half-way (that would abort a transaction)."""
    while not stop.is_set():
        try:
            await sweep_once(state)
        except Exception:
            log.exception("housekeeping failed; retrying in %.0f s", interval)
        try:
            await asyncio.wait_for(stop.wait(), interval)
        except TimeoutError:
            pass
