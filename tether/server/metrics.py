"""The server's Prometheus instruments, in a registry of their own.

One `ServerMetrics` per server (not prometheus_client's global registry), so several servers in one process (the
tests) keep separate counts. The relay and the API dispatch call it where they already keep the numbers: a session's
bytes are added once, when it ends (from the counts the relay keeps for the session row), never per frame, so the
frame path is not slowed. What is cheaper to read than to track (agents connected, the delivery queue) is read when
Prometheus scrapes (tether/server/health.py).

Every label value is bounded: kinds are an enum, actions come from the action table (anything else is `unknown`),
HTTP statuses are numbers, and end reasons (some of which an agent reports) are cut at their first `:`, must look
like an identifier and are capped at MAX_REASONS distinct values (then `other`): a misbehaving agent cannot grow
the registry without bound.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import choose_encoder

__all__ = ["METRICS_KEY", "ServerMetrics"]

MAX_REASONS = 64
_REASON = re.compile(r"[a-z][a-z0-9_]{0,47}")
DENIED_EFFECTS = frozenset({"Deny", "ImplicitDeny"})
SESSION_KINDS = ("shell", "port_forward")
SESSION_STATES = ("waiting", "paired", "ending")  # the relay's phases while it holds a session
LAG_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class ServerMetrics:
    """The instruments; `render()` is the exposition text of all of them."""

    def __init__(self, actions: Iterable[str] = ()) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._actions = frozenset(actions)
        self._reasons: set[str] = set()
        r = self.registry
        self.agents_connected = Gauge(
            "tether_agents_connected", "Agents whose control channel this node holds.", registry=r
        )
        self.sessions_active = Gauge(
            "tether_sessions_active", "Sessions this node's relay holds (waiting or paired), by kind.", ["kind"],
            registry=r,
        )
        self.sessions = Gauge(
            "tether_sessions",
            "Sessions this node's relay holds, by kind and state: waiting (started, a side not yet connected), "
            "paired (relaying) or ending (read at scrape time).",
            ["kind", "state"],
            registry=r,
        )
        self.sessions_started = Counter(
            "tether_sessions_started", "Sessions started on this node (StartTerminalSession accepted).", ["kind"],
            registry=r,
        )
        self.sessions_ended = Counter(
            "tether_sessions_ended", "Sessions this node's relay ended, by kind and end reason.", ["kind", "reason"],
            registry=r,
        )
        self.relayed_bytes = Counter(
            "tether_relayed_bytes",
            "DATA payload bytes relayed, by direction (to_client, from_client) and kind; added when a session ends.",
            ["direction", "kind"],
            registry=r,
        )
        self.api_calls = Counter(
            "tether_api_calls", "API calls (every way in), by action and HTTP status.", ["action", "status"],
            registry=r,
        )
        self.authorization_denials = Counter(
            "tether_authorization_denials", "API calls a policy denied (explicitly or implicitly), by action.",
            ["action"], registry=r,
        )
        self.delivery_queue_depth = Gauge(
            "tether_delivery_queue_depth", "Recordings and audit batches not yet delivered (read at scrape time).",
            registry=r,
        )
        self.delivery_queue_oldest_age = Gauge(
            "tether_delivery_queue_oldest_age_seconds",
            "Age of the oldest item not yet delivered (0 when the queue is empty; read at scrape time).",
            registry=r,
        )
        self.event_loop_lag = Histogram(
            "tether_event_loop_lag_seconds", "How late the event loop woke a periodic task.", buckets=LAG_BUCKETS,
            registry=r,
        )
        self.agent_handshakes_refused = Counter(
            "tether_agent_handshakes_refused", "Agent handshakes answered 503 because too many were in progress.",
            registry=r,
        )
        for kind in SESSION_KINDS:  # present from the start, so a rate() has a first sample
            self.sessions_active.labels(kind)
            self.sessions_started.labels(kind)
            for state in SESSION_STATES:
                self.sessions.labels(kind, state)

    # -- called by the relay --------------------------------------------------------------------------------------

    def session_started(self, kind: str) -> None:
        self.sessions_started.labels(kind).inc()
        self.sessions_active.labels(kind).inc()

    def session_ended(self, kind: str, reason: str, bytes_to_client: int, bytes_from_client: int) -> None:
        self.sessions_active.labels(kind).dec()
        self.sessions_ended.labels(kind, self._reason(reason)).inc()
        self.relayed_bytes.labels("to_client", kind).inc(bytes_to_client)
        self.relayed_bytes.labels("from_client", kind).inc(bytes_from_client)

    def _reason(self, reason: str) -> str:
        name = reason.partition(":")[0].strip()
        if not _REASON.fullmatch(name):
            return "other"
        if name not in self._reasons:
            if len(self._reasons) >= MAX_REASONS:
                return "other"
            self._reasons.add(name)
        return name

    # -- called by the API dispatch -------------------------------------------------------------------------------

    def api_call(self, action: str, status: int | None, decision_effect: str | None) -> None:
        """One API call as its audit row records it (status None: the request was aborted before an answer)."""
        name = action if action in self._actions else "unknown"
        self.api_calls.labels(name, str(status) if status is not None else "aborted").inc()
        if decision_effect in DENIED_EFFECTS:
            self.authorization_denials.labels(name).inc()

    # -- read by the scrape ---------------------------------------------------------------------------------------

    def set_sessions(self, held: Iterable[tuple[str, str]]) -> None:
        """Set `tether_sessions` from the (kind, state) of every session the relay holds; every known pair that
        is absent goes to 0, and an unknown kind or state is not made a label (the label set stays fixed)."""
        counts = dict.fromkeys(((k, s) for k in SESSION_KINDS for s in SESSION_STATES), 0)
        for pair in held:
            if pair in counts:
                counts[pair] += 1
        for (kind, state), count in counts.items():
            self.sessions.labels(kind, state).set(count)

    def render(self, accept: str = "") -> tuple[bytes, str]:
        """The exposition in the format the scraper's Accept header asks for (OpenMetrics, or the classic text
        format 0.0.4 by default) and its Content-Type."""
        encode, content_type = choose_encoder(accept)
        return encode(self.registry), content_type


METRICS_KEY = web.AppKey("tether_metrics", ServerMetrics)
