"""Reconnect schedule: exponential backoff with full jitter.

Why full jitter (delay drawn uniformly from [0, ceiling]): when the server restarts, every agent loses its control
channel at the same instant. Plain exponential backoff would bring them all back in synchronised waves; spreading
each wait over the whole interval flattens the thundering herd (see the AWS architecture blog, "Exponential Backoff
And Jitter"). The ceiling doubles from `base` up to `cap` and starts over after a connection that stayed up for
`reset_after` seconds, so a flapping server is not hammered but a healthy one is rejoined quickly after a blip.

The first retry after losing a long-lived connection (`after_connection`) is drawn from [0.2, 3] s instead: that
loss is usually a server restart or a node lost behind a balancer, where every agent should come back soon, but not
at the same instant (the 0.2 s floor leaves the restarting server a moment) and not all within the first second
(a uniform [0, 1] brings a whole fleet back as one storm the server answers with 503s). After it the schedule
goes on from the second step (ceiling 2 * base), so a server that stays down is approached as gently as before.

A server that is up but busy answers 503 with a Retry-After it computed from its own rate (`after_refusal`): the
agent waits a random part of that time instead of growing its schedule, so a crowd drains at the rate the server
admits.
"""

from __future__ import annotations

import random
from collections.abc import Callable

FIRST_RETRY = (0.2, 3.0)  # seconds: the first retry after a long-lived connection was lost (capped by `cap`)


class Backoff:
    """Produces successive reconnect delays; call `connected_for` after each connection that did get established."""

    def __init__(
        self,
        base: float = 1.0,
        cap: float = 60.0,
        reset_after: float = 60.0,
        rng: Callable[[], float] = random.random,
    ) -> None:
        if base <= 0 or cap < base:
            raise ValueError("backoff needs 0 < base <= cap")
        self.base = base
        self.cap = cap
        self.reset_after = reset_after
        self._rng = rng
        self._attempt = 0

    @property
    def attempt(self) -> int:
        """How many delays have been handed out since the last reset."""
        return self._attempt

    def ceiling(self) -> float:
        """The upper bound of the next delay: base * 2**attempt, capped."""
        # Cap the exponent too, so a long outage never computes an enormous float.
        return min(self.cap, self.base * 2.0 ** min(self._attempt, 64))

    def next_delay(self) -> float:
        """Return the next delay in seconds (uniform in [0, ceiling]) and advance the schedule."""
        delay = self._rng() * self.ceiling()
        self._attempt += 1
        return delay

    def after_connection(self, seconds: float) -> float:
        """The delay after a connection that was established and lasted `seconds`: from the first-retry window
        if it was long-lived (the schedule resets), else the next step of the schedule."""
        if seconds < self.reset_after:
            return self.next_delay()
        low, high = (min(bound, self.cap) for bound in FIRST_RETRY)
        self._attempt = 1
        return low + self._rng() * (high - low)

    def after_refusal(self, retry_after: float) -> float:
        """The delay after a server that is up answered 503 with Retry-After (too many agents connecting at once):
        uniform in [0.2, Retry-After] s (at most `cap`), so the crowd the server counted spreads over the time it
        said it needs. The schedule does not advance: the server's figure already grows with the crowd."""
        ceiling = min(max(retry_after, FIRST_RETRY[0]), self.cap)
        return FIRST_RETRY[0] + self._rng() * (ceiling - FIRST_RETRY[0])

    def connected_for(self, seconds: float) -> None:
        """Record how long the last connection lasted; a long-lived one resets the schedule."""
        if seconds >= self.reset_after:
            self.reset()

    def reset(self) -> None:
        self._attempt = 0
