"""Reconnect schedule: full jitter under a doubling, capped ceiling; reset after a long-lived connection."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from tether.agent.backoff import Backoff


def test_ceiling_doubles_from_one_to_sixty() -> None:
    b = Backoff(rng=lambda: 1.0)
    delays = [b.next_delay() for _ in range(10)]
    assert delays == [1, 2, 4, 8, 16, 32, 60, 60, 60, 60]


@given(
    base=st.floats(0.01, 5),
    factor=st.floats(1, 100),
    n=st.integers(1, 200),
    seed=st.integers(0, 2**32),
)
def test_delays_are_within_the_capped_ceiling(base: float, factor: float, n: int, seed: int) -> None:
    cap = base * factor
    rng = random.Random(seed)
    b = Backoff(base, cap, rng=rng.random)
    for attempt in range(n):
        d = b.next_delay()
        assert 0 <= d <= min(cap, base * 2**attempt) + 1e-9


def test_jitter_spreads_delays() -> None:
    b = Backoff(1, 60, rng=random.Random(1).random)
    for _ in range(8):
        b.next_delay()
    samples = []
    for _ in range(200):
        b._attempt = 8
        samples.append(b.next_delay())
    assert min(samples) < 10 and max(samples) > 50


def test_reset_only_after_a_long_connection() -> None:
    b = Backoff(1, 60, reset_after=60, rng=lambda: 1.0)
    for _ in range(5):
        b.next_delay()
    b.connected_for(10)
    assert b.next_delay() == 32
    b.connected_for(60)
    assert b.attempt == 0
    assert b.next_delay() == 1


def test_first_retry_after_a_long_lived_connection_is_soon_but_spread() -> None:
    rng = random.Random(7)
    delays = []
    for _ in range(500):
        b = Backoff(1, 60, reset_after=60, rng=rng.random)
        for _ in range(6):  # a long outage earlier: the ceiling had grown
            b.next_delay()
        delays.append(b.after_connection(3600))
    assert all(0.2 <= d <= 3.0 for d in delays)
    assert min(delays) < 0.5 and max(delays) > 2.7  # spread over the window, not one instant


def test_after_the_first_retry_the_schedule_goes_on_from_its_second_step() -> None:
    b = Backoff(1, 60, reset_after=60, rng=lambda: 1.0)
    assert b.after_connection(600) == 3.0
    assert [b.next_delay() for _ in range(6)] == [2, 4, 8, 16, 32, 60]


def test_a_short_lived_connection_keeps_backing_off() -> None:
    b = Backoff(1, 60, reset_after=60, rng=lambda: 1.0)
    for _ in range(4):
        b.next_delay()
    assert b.after_connection(5) == 16  # a flapping server is not hammered


def test_the_first_retry_window_respects_the_cap() -> None:
    b = Backoff(0.1, 1.0, reset_after=60, rng=lambda: 1.0)
    assert b.after_connection(60) == 1.0
    low = Backoff(0.1, 1.0, reset_after=60, rng=lambda: 0.0)
    assert low.after_connection(60) == 0.2


def test_a_busy_server_is_retried_within_its_retry_after_without_growing_the_schedule() -> None:
    rng = random.Random(3)
    b = Backoff(1, 60, rng=rng.random)
    delays = [b.after_refusal(10) for _ in range(300)]
    assert all(0.2 <= d <= 10 for d in delays) and min(delays) < 1 and max(delays) > 9
    assert b.attempt == 0
    assert Backoff(1, 60, rng=lambda: 1.0).after_refusal(3600) == 60  # the cap holds


def test_retry_after_is_read_only_from_a_503_upgrade_refusal() -> None:
    from aiohttp import RequestInfo, WSServerHandshakeError
    from multidict import CIMultiDict, CIMultiDictProxy
    from yarl import URL

    from tether.agent.control import retry_after_of

    info = RequestInfo(URL("wss://server/agent/v1/control"), "GET", CIMultiDictProxy(CIMultiDict()))

    def refusal(status: int, value: str | None) -> WSServerHandshakeError:
        headers = CIMultiDict({"Retry-After": value} if value is not None else {})
        return WSServerHandshakeError(info, (), status=status, headers=headers)

    assert retry_after_of(refusal(503, "7")) == 7
    assert retry_after_of(refusal(503, None)) is None
    assert retry_after_of(refusal(503, "Wed, 21 Oct 2015 07:28:00 GMT")) is None
    assert retry_after_of(refusal(502, "7")) is None
    assert retry_after_of(ConnectionResetError()) is None
