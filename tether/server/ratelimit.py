"""Slowing down password guessing: failure counters per source IP and per (user name, source IP), with exponential
delays.

Never per user name alone: a counter anyone can run up for a name is a way to lock its owner out from everywhere
(nine bad `root` sign-ins from one address used to do it). Guessing one user's password from one address is slowed
by the (user, address) budget, guessing many users' passwords from one address by the address budget, and the
owner signing in from their own address is untouched by what happens elsewhere. A guesser with many addresses gets
each address's budget: that is the price of not letting anyone lock an account, and why console passwords must be
long (tether.server.passwords).

Each attempt counts as a failure *before* the password is checked (a success then takes it back), so a burst of
parallel guesses cannot all slip through while the first ones are still being verified. After `free` failures
within `window` seconds, the next attempt must wait `base_delay * 2**(failures - free)` seconds (at most
`max_delay`) after the last failure; attempts refused for waiting are not verified and not counted.

The counters live in this process's memory: with several nodes behind a load balancer each node slows guessing on
its own, so the effective budget grows with the number of nodes. Memory is bounded: beyond `max_entries` keys per
table the least recently failed ones are forgotten first.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Failures:
    count: int
    first: float
    last: float


class _Table:
    def __init__(self, free: int, window: float, base_delay: float, max_delay: float, max_entries: int) -> None:
        self.free, self.window, self.base_delay, self.max_delay = free, window, base_delay, max_delay
        self.max_entries = max_entries
        self._entries: OrderedDict[str, _Failures] = OrderedDict()

    def _current(self, key: str, now: float) -> _Failures | None:
        entry = self._entries.get(key)
        if entry is not None and now - entry.first > self.window and now - entry.last > self.max_delay:
            del self._entries[key]
            return None
        return entry

    def wait(self, key: str, now: float) -> float:
        """Seconds to wait before the next attempt for `key` may be checked (0: go ahead)."""
        entry = self._current(key, now)
        if entry is None or entry.count < self.free:
            return 0.0
        delay = min(self.base_delay * 2.0 ** (entry.count - self.free), self.max_delay)
        return max(0.0, entry.last + delay - now)

    def fail(self, key: str, now: float) -> None:
        entry = self._current(key, now)
        if entry is None:
            self._entries[key] = _Failures(1, now, now)
        else:
            entry.count += 1
            entry.last = now
            self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def undo(self, key: str) -> None:
        entry = self._entries.get(key)
        if entry is not None:
            entry.count -= 1
            if entry.count <= 0:
                del self._entries[key]

    def count(self, key: str) -> int:
        entry = self._entries.get(key)
        return 0 if entry is None else entry.count

    def reset(self, key: str) -> None:
        self._entries.pop(key, None)

    def __len__(self) -> int:
        return len(self._entries)


def _pair(user: str, ip: str) -> str:
    return f"{ip}\x00{user}"


class SignInLimiter:
    """Per-(user, IP) and per-IP failure budgets for console password checks (in memory, per node)."""

    def __init__(
        self,
        *,
        user_free_failures: int = 5,
        ip_free_failures: int = 20,
        window: float = 900.0,
        base_delay: float = 1.0,
        max_delay: float = 900.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.pairs = _Table(user_free_failures, window, base_delay, max_delay, max_entries)
        self.ips = _Table(ip_free_failures, window, base_delay, max_delay, max_entries)
        self._clock = clock

    def begin(self, user: str, ip: str) -> float:
        """Start an attempt: 0.0 if it may be checked (it is counted as a failure until `succeeded`), else the
        seconds the caller must wait (nothing is counted)."""
        now = self._clock()
        wait = max(self.pairs.wait(_pair(user, ip), now), self.ips.wait(ip, now))
        if wait > 0:
            return wait
        self.pairs.fail(_pair(user, ip), now)
        self.ips.fail(ip, now)
        return 0.0

    def succeeded(self, user: str, ip: str) -> None:
        """The password was right: forget the user's failures from this IP and take back this attempt's count for
        the IP."""
        self.pairs.reset(_pair(user, ip))
        self.ips.undo(ip)

    def lockout_started(self, user: str, ip: str) -> str | None:
        """After a failed attempt: which budget that failure used up ("user at address" or "address"), so that the
        next attempt must wait; None if attempts may go on at once (or a lockout was already running)."""
        if self.pairs.count(_pair(user, ip)) == max(self.pairs.free, 1):
            return "user at address"
        if self.ips.count(ip) == max(self.ips.free, 1):
            return "address"
        return None
