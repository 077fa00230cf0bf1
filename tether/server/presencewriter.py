"""Presence kept in memory and written to the store in batches, not one transaction per control event.

With 10,000 agents a heartbeat every 30 s is 333 UPDATEs a second, and a connect storm is 10,000 more: one
transaction each kept the database pool exhausted (tens of thousands of pool timeouts) while the agents themselves
were fine. So a connect, a heartbeat and a disconnect only change a small record here, and `run` writes what changed
in one transaction: soon after a connect or disconnect (`urgent_delay`, so a storm's connects share a batch and a
quiet node's new agent is listed at once), and at least every `interval` for heartbeats alone.

Per instance only the newest state matters: a connect (the agent's facts and the time), heartbeats (the newest
time), and whether it ended disconnected. Heartbeats are written as one UPDATE per distinct second, so a batch is a
handful of statements however many agents it covers. Other nodes read `connected_node` and `last_heartbeat` from
the store: a heartbeat reaches it at most `interval` late, well inside the three heartbeat intervals after which an
instance counts as Offline (router.is_online), so Offline detection is unchanged. A failed write keeps the batch
(merged under anything newer) for the next round and costs one log line; nothing here closes a connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import datetime

from tether.store import AgentIdentity, InstanceRepo

log = logging.getLogger(__name__)

FLUSH_INTERVAL = 5.0  # heartbeats reach the store at most this late
URGENT_DELAY = 0.2  # a connect or disconnect waits this long for company before it is written


@dataclass(slots=True)
class _Pending:
    facts: dict[str, object] | None = None  # from the newest connect: columns to write with connected_node
    heartbeat: datetime | None = None  # the newest heartbeat since
    gone: bool = False  # the newest event was a disconnect

    def merge_older(self, older: _Pending) -> None:
        """Fold in a batch that failed to write, older than this one: a newer connect or disconnect supersedes it;
        newer heartbeats alone keep the older connect or disconnect."""
        if self.gone or self.facts is not None:
            return
        if older.facts is not None:
            self.facts = dict(older.facts)
            if self.heartbeat is not None:
                self.facts["last_heartbeat"] = self.heartbeat
            self.heartbeat = None
        elif older.gone:
            self.gone, self.heartbeat = True, None
        elif self.heartbeat is None:
            self.heartbeat = older.heartbeat


@dataclass
class PresenceWriter:
    """This node's presence changes, batched into the store (see the module docstring)."""

    instances: InstanceRepo
    node: str
    interval: float = FLUSH_INTERVAL
    urgent_delay: float = URGENT_DELAY
    _pending: dict[str, _Pending] = field(default_factory=dict)
    _urgent: asyncio.Event = field(default_factory=asyncio.Event)  # a connect or disconnect is pending
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # batches are written one after the other, in order
    flushes: int = 0  # batches written (tests, diagnostics)
    failures: int = 0

    # -- events (synchronous: nothing here waits for the database) ------------------------------------------------

    def connected(
        self,
        instance_id: str,
        *,
        hostname: str,
        os_type: str,
        os_name: str,
        agent_version: str,
        now: datetime,
        identity: AgentIdentity | None,
    ) -> None:
        facts: dict[str, object] = {
            "hostname": hostname,
            "os_type": os_type,
            "os_name": os_name,
            "agent_version": agent_version,
            "last_heartbeat": now,
            **(identity.columns() if identity is not None else {}),
        }
        self._pending[instance_id] = _Pending(facts=facts)
        self._urgent.set()

    def heartbeat(self, instance_id: str, now: datetime) -> None:
        entry = self._pending.get(instance_id)
        if entry is None:
            self._pending[instance_id] = _Pending(heartbeat=now)
        elif entry.facts is not None and not entry.gone:
            entry.facts["last_heartbeat"] = now
        elif not entry.gone:
            entry.heartbeat = now

    def disconnected(self, instance_id: str) -> None:
        entry = self._pending.setdefault(instance_id, _Pending())
        entry.gone = True
        entry.heartbeat = None
        self._urgent.set()

    @property
    def pending(self) -> int:
        return len(self._pending)

    # -- writing --------------------------------------------------------------------------------------------------

    async def settle(self) -> None:
        """Write pending connects and disconnects now: this node's own answers (DescribeInstances) then show what
        its agents just did. Cheap when nothing is pending; heartbeats alone do not make it write."""
        if self._urgent.is_set():
            await self.flush()

    async def flush(self) -> bool:
        """Write everything pending in one transaction; False (and the batch kept) if the store failed."""
        async with self._lock:
            return await self._flush()

    async def _flush(self) -> bool:
        self._urgent.clear()
        if not self._pending:
            return True
        batch, self._pending = self._pending, {}
        connects: list[dict[str, object]] = []
        heartbeats: dict[datetime, list[str]] = {}
        disconnects: list[str] = []
        for instance_id, entry in batch.items():
            if entry.facts is not None:
                connects.append({"id": instance_id, **entry.facts})
            if entry.heartbeat is not None and entry.facts is None:
                at = entry.heartbeat.replace(microsecond=0)  # one statement per second, not per agent
                heartbeats.setdefault(at, []).append(instance_id)
            if entry.gone:
                disconnects.append(instance_id)
        try:
            await self.instances.write_presence(
                self.node, connects=connects, heartbeats=heartbeats, disconnects=disconnects
            )
        except Exception as exc:
            self.failures += 1
            for instance_id, older in batch.items():
                newer = self._pending.get(instance_id)
                if newer is None:
                    self._pending[instance_id] = older
                else:
                    newer.merge_older(older)
                if older.facts is not None or older.gone:
                    self._urgent.set()
            log.warning(
                "presence: writing %d instance(s) to the store failed (%s: %s); retrying in %g s",
                len(batch), type(exc).__name__, str(exc).splitlines()[0][:200] if str(exc) else "", self.interval,
            )
            return False
        self.flushes += 1
        return True

    async def run(self, stop: asyncio.Event) -> None:
        """Flush soon after connects and disconnects, and every `interval` anyway, until `stop`; then once more."""
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while not stop.is_set():
                urgent = asyncio.ensure_future(self._urgent.wait())
                await asyncio.wait({urgent, stopping}, timeout=self.interval, return_when=asyncio.FIRST_COMPLETED)
                urgent.cancel()
                if self._urgent.is_set() and not stop.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(asyncio.shield(stopping), self.urgent_delay)
                if not await self.flush() and not stop.is_set():
                    with contextlib.suppress(TimeoutError):  # the store is failing: do not spin on it
                        await asyncio.wait_for(asyncio.shield(stopping), self.interval)
        finally:
            stopping.cancel()
            await self.flush()  # shutdown: what agents did last (the 1012 disconnects) reaches the store
